"""Importing this module registers every task on `job_app`."""

from flowpilot.audit import tasks as _audit_tasks  # noqa: F401
from flowpilot.branching import tasks as _branch_tasks  # noqa: F401
from flowpilot.handoffs import tasks as _handoff_tasks  # noqa: F401
from flowpilot.resolutions import tasks as _resolution_tasks  # noqa: F401
from flowpilot.sessions import tasks as _session_tasks  # noqa: F401
from flowpilot.uploads import tasks as _upload_tasks  # noqa: F401
