"""One interface for every PSA (ConnectWise, HaloPSA, Autotask) and the errors they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flowpilot.integrations.delivery import DeliveryError, http_status_error


@dataclass(frozen=True)
class PsaTicket:
    id: str
    summary: str
    description: str
    company: str
    contact: str
    status: str
    contact_email: str = ""


class PsaError(DeliveryError):
    """A PSA vendor call failed."""


class PsaAdapter(Protocol):
    vendor: str
    # Whether the vendor has a knowledge base FlowPilot can publish articles to.
    supports_kb: bool
    # Whether the adapter finds the resolved status itself (ConnectWise: by name on the
    # ticket's board); the others need `resolved_status_id` in the connection settings.
    finds_resolved_status: bool

    async def test_connection(self) -> str: ...

    async def get_ticket(self, ticket_id: str) -> PsaTicket: ...

    async def add_note(
        self, ticket_id: str, text: str, *, internal: bool, resolution: bool, hours: float | None
    ) -> str: ...

    async def add_time_entry(
        self, ticket_id: str, start: datetime, end: datetime, notes: str
    ) -> str | None:
        """Log worked time against the ticket; None where the vendor records time on the note."""
        ...

    async def resolved_status(self, ticket_id: str) -> int:
        """The status id that means resolved for this ticket (raises a non-retryable
        PsaError naming what to configure when there is none)."""
        ...

    async def set_status(self, ticket_id: str, status_id: int) -> None:
        """Move the ticket to the status the connection calls resolved."""
        ...

    async def add_kb_article(self, title: str, markdown: str, tags: list[str]) -> str:
        """Only called when `supports_kb`."""
        ...

    async def aclose(self) -> None: ...


def configured_status(vendor: str, resolved_status_id: str | None) -> int:
    """The connection's `resolved_status_id`, for vendors without a lookup by name."""
    if not resolved_status_id:
        raise PsaError(
            f"{vendor}: no resolved status is configured for this connection: an admin sets "
            "resolved_status_id in Settings"
        )
    return int(resolved_status_id)


def status_error(vendor: str, status: int, detail: str, headers: Any = None) -> PsaError:
    return http_status_error(vendor, status, detail, headers, cls=PsaError)
