"""One interface for every PSA (ConnectWise, HaloPSA, Autotask) and the errors they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flowpilot.integrations.delivery import DeliveryError


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

    async def aclose(self) -> None: ...


def status_error(vendor: str, status: int, detail: str, headers: Any = None) -> PsaError:
    retry_after = None
    if headers is not None and headers.get("retry-after"):
        try:
            retry_after = float(headers["retry-after"])
        except ValueError:
            retry_after = None
    if status in (401, 403):
        return PsaError(f"{vendor} rejected the credentials ({status}): {detail}", status=status)
    if status == 404:
        return PsaError(f"{vendor}: not found ({detail})", status=status)
    if status == 429:
        return PsaError(
            f"{vendor} is rate-limiting requests; retrying later",
            status=status,
            retryable=True,
            retry_after=retry_after,
        )
    if status >= 500:
        return PsaError(f"{vendor} failed ({status}): {detail}", status=status, retryable=True)
    return PsaError(f"{vendor} refused the request ({status}): {detail}", status=status)
