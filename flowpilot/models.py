"""Every domain's models, imported so Base.metadata is complete (Alembic, tests)."""

from flowpilot.audit.models import AuditEvent
from flowpilot.auth.models import Account, AuthToken, LoginAttempt, Team, TeamMembership, User
from flowpilot.branching.models import ForkPoint
from flowpilot.budgets.models import AiBudget, AiSpend
from flowpilot.db.base import Base
from flowpilot.handoffs.models import SessionHandoff
from flowpilot.integrations.models import (
    HuduSettings,
    ITGlueSettings,
    PsaConnection,
    PsaPersonMapping,
    SmtpSettings,
)
from flowpilot.library.models import LibraryEntry
from flowpilot.notifications.models import Notification
from flowpilot.pricing.models import AiPrice
from flowpilot.privacy.models import RedactionEntry
from flowpilot.resolutions.models import (
    ResolutionOutputVersion,
    ResolutionPushLog,
    SessionResolutionOutput,
)
from flowpilot.sessions.models import (
    AISession,
    AISessionStep,
    SessionBranch,
    SessionMessage,
    WorkInterval,
)
from flowpilot.uploads.models import FileUpload
from flowpilot.usage.models import UsageEvent

__all__ = [
    "Account",
    "AiBudget",
    "AiPrice",
    "AiSpend",
    "AuditEvent",
    "AISession",
    "AISessionStep",
    "AuthToken",
    "Base",
    "FileUpload",
    "ForkPoint",
    "LibraryEntry",
    "HuduSettings",
    "ITGlueSettings",
    "LoginAttempt",
    "PsaConnection",
    "PsaPersonMapping",
    "RedactionEntry",
    "UsageEvent",
    "SmtpSettings",
    "ResolutionOutputVersion",
    "ResolutionPushLog",
    "SessionResolutionOutput",
    "Notification",
    "SessionHandoff",
    "WorkInterval",
    "SessionBranch",
    "SessionMessage",
    "Team",
    "TeamMembership",
    "User",
]
