"""One interface for every PSA (ConnectWise, HaloPSA, Autotask) and the errors they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class PsaPerson:
    """Who a note or time entry is written as: a ConnectWise member (`id` is its identifier),
    an Autotask resource (`role_id`: the role its time entries are logged under) or a HaloPSA
    agent."""

    id: str
    name: str = ""
    email: str = ""
    role_id: str | None = None
    active: bool = True


@dataclass(frozen=True)
class TimeBilling:
    """How logged time is billed: the vendor's work type (ConnectWise: a name or id; Autotask:
    a billing code id) and whether it is billable."""

    work_type: str | None = None
    billable: bool = True


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

    # Whether worked time travels on the note itself (HaloPSA's `timetaken`) instead of a
    # separate time entry.
    time_on_note: bool
    # Whether the vendor's work type can be set by FlowPilot (HaloPSA's actions: no).
    sets_work_type: bool

    async def add_note(
        self,
        ticket_id: str,
        text: str,
        *,
        internal: bool,
        resolution: bool,
        hours: float | None,
        by: PsaPerson | None = None,
        billing: TimeBilling | None = None,
        reference: str | None = None,
    ) -> str:
        """`by`: the person the note (and, where the note carries it, the time) is written as;
        None writes it as the API user. Time on a note (`hours`) needs `by`. `reference`: a
        FlowPilot delivery reference written at the end of the note, so a retry can find a
        note the vendor accepted but whose id never reached FlowPilot (`find_note`)."""
        ...

    async def find_note(self, ticket_id: str, reference: str) -> str | None:
        """The id of the ticket's note (action) carrying this delivery reference, if any."""
        ...

    async def find_time_entry(self, ticket_id: str, reference: str) -> str | None:
        """The id of the ticket's time entry whose notes carry this reference, if any (None
        where time travels on the note)."""
        ...

    async def add_time_entry(
        self,
        ticket_id: str,
        start: datetime,
        end: datetime,
        notes: str,
        *,
        by: PsaPerson,
        billing: TimeBilling,
    ) -> str | None:
        """Log worked time against the ticket as `by`; None where the vendor records time on
        the note."""
        ...

    async def find_people(self, email: str) -> list[PsaPerson]:
        """The vendor's people (members, resources, agents) with exactly this e-mail address,
        active or not."""
        ...

    async def resolved_status(self, ticket_id: str) -> int:
        """The status id that means resolved for this ticket (raises a non-retryable
        PsaError naming what to configure when there is none)."""
        ...

    async def set_status(
        self, ticket_id: str, status_id: int, *, resolution: str | None = None
    ) -> None:
        """Move the ticket to the status the connection calls resolved; `resolution` is also
        written to the ticket's own resolution field where it has one (Autotask)."""
        ...

    async def add_kb_article(self, title: str, markdown: str, tags: list[str]) -> str:
        """Only called when `supports_kb`."""
        ...

    async def aclose(self) -> None: ...

    async def search_tickets(self, query: str, *, cursor: str | None, page_size: int) -> TicketPage:
        """Open tickets whose number, summary or company matches `query` (all open tickets
        when it is empty), `page_size` at a time; `cursor` is a page's `next_cursor` (None:
        the first page). Raises BadCursor for a cursor it did not make."""
        ...


def referenced(text: str, reference: str | None) -> str:
    """The note's text with its delivery reference as a last line."""
    return f"{text}\n\n{reference_line(reference)}" if reference else text


def reference_line(reference: str) -> str:
    return f"(FlowPilot delivery {reference})"


def configured_status(vendor: str, resolved_status_id: str | None) -> int:
    """The connection's `resolved_status_id`, for vendors without a lookup by name."""
    if not resolved_status_id:
        raise PsaError(
            f"{vendor}: no resolved status is configured for this connection: an admin sets "
            "resolved_status_id in Settings"
        )
    return int(resolved_status_id)


def unattributed(vendor: str) -> PsaError:
    """Time FlowPilot was asked to log without saying whose it is: never sent as the API
    user's (or anyone else's)."""
    return PsaError(f"{vendor}: no person to log this time as; nothing was written")


def status_error(vendor: str, status: int, detail: str, headers: Any = None) -> PsaError:
    return http_status_error(vendor, status, detail, headers, cls=PsaError)


# ── ticket search (the picker) ──


@dataclass(frozen=True)
class PsaTicketSummary:
    """One open ticket as a search lists it (the picker): enough to recognise it."""

    id: str
    summary: str
    company: str
    status: str
    updated: datetime | None = None
    # The number people know the ticket by where it is not the id (Autotask's ticketNumber,
    # T20261120.0042); else the id.
    number: str = ""


@dataclass(frozen=True)
class TicketPage:
    """A page of search results. `next_cursor` is the vendor's own position of the next page
    (a page number for ConnectWise and HaloPSA, the nextPageUrl Autotask answered): only
    ever handed back to the adapter that made it."""

    items: list[PsaTicketSummary]
    has_more: bool
    next_cursor: str | None = None


class BadCursor(ValueError):
    """A search cursor this adapter did not make (or made for another address)."""


def page_number(cursor: str | None) -> int:
    """The page a page-numbered vendor's cursor names (none: the first)."""
    if cursor is None:
        return 1
    if not (cursor.isascii() and cursor.isdigit()) or not 1 <= int(cursor) <= 10_000:
        raise BadCursor("not a page number")
    return int(cursor)


def parse_when(value: Any) -> datetime | None:
    """A vendor timestamp ("2026-11-20T14:00:00Z", with or without fractions or zone; a
    zone-less one is UTC); anything unreadable is None rather than an error."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        found = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)
