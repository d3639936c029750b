"""HaloPSA REST API: client-credentials token (reused until it expires), notes as actions."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from flowpilot.integrations import outbound
from flowpilot.integrations.delivery import unreachable, vendor_detail
from flowpilot.integrations.html import markdown_to_html
from flowpilot.integrations.psa.base import (
    PsaError,
    PsaPerson,
    PsaTicket,
    PsaTicketSummary,
    TicketPage,
    TimeBilling,
    configured_status,
    page_number,
    parse_when,
    referenced,
    status_error,
    unattributed,
)

VENDOR = "HaloPSA"
DEFAULT_OUTCOME = "Private Note"


def halo_detail(response: httpx.Response) -> str:
    """Halo's error text: the usual message fields, or a 400 body keyed by field
    ({"[0].outcome": "Invalid outcome"})."""
    detail = vendor_detail(response)
    if detail:
        return detail
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    fields = [f"{k}: {v}" for k, v in body.items() if isinstance(v, (str, int, float))]
    return "; ".join(fields)[:300]


class HaloAdapter:
    vendor = "halo"
    supports_kb = True
    finds_resolved_status = False
    time_on_note = True
    sets_work_type = False

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        tenant: str | None = None,
        resolved_status_id: str | None = None,
        note_outcome: str | None = None,
        resolution_outcome: str | None = None,
        timeout: float = 20,
    ) -> None:
        self.resolved_status_id = resolved_status_id
        # Outcome names vary per tenant: internal notes use `note_outcome`, the
        # customer-visible resolution note `resolution_outcome` (else the same one).
        self.note_outcome = note_outcome or DEFAULT_OUTCOME
        self.resolution_outcome = resolution_outcome or self.note_outcome
        self._outcomes: dict[str, tuple[str, int]] | None = None
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant = tenant
        self.client = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, transport=outbound.transport()
        )
        self._token: str | None = None
        self._expires = 0.0

    async def _bearer(self) -> str:
        if self._token and time.monotonic() < self._expires - 30:
            return self._token
        params = {"tenant": self.tenant} if self.tenant else None
        try:
            response = await self.client.post(
                "/auth/token",
                params=params,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "scope": "all",
                },
            )
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, PsaError) from exc
        if response.status_code >= 400:
            raise status_error(
                VENDOR, response.status_code, vendor_detail(response), response.headers
            )
        body = response.json()
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + float(body.get("expires_in", 3600))
        return self._token

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        cached = self._token is not None and time.monotonic() < self._expires - 30
        response = await self._send(method, path, **kwargs)
        if response.status_code == 401 and cached:
            # The cached token died before its expires_in (revoked, server restart): fetch
            # a new one and try once more; a second 401 is a credentials problem.
            self._token = None
            response = await self._send(method, path, **kwargs)
        if response.status_code == 401:
            self._token = None
        if response.status_code >= 400:
            raise status_error(
                VENDOR, response.status_code, halo_detail(response), response.headers
            )
        return response.json() if response.content else {}

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self._bearer()}"}
        try:
            return await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, PsaError) from exc

    async def _outcome(self, name: str) -> tuple[str, int | None]:
        """The tenant's spelling and id of an action outcome (GET /api/Outcome, read again
        when the name is not among the ones read before). An API application that may not
        read the outcome list sends the name as configured and lets Halo check it."""
        key = name.strip().lower()
        if self._outcomes is None or key not in self._outcomes:
            try:
                listed = await self._call("GET", "/api/Outcome")
            except PsaError as exc:
                if exc.status in (403, 404):
                    return name.strip(), None
                raise
            if isinstance(listed, dict):
                listed = listed.get("outcomes", listed.get("records"))
            if not isinstance(listed, list):
                raise TypeError(f"expected a list of outcomes, got {type(listed).__name__}")
            self._outcomes = {}
            for item in listed:
                label = str(item.get("outcome") or item.get("name") or "").strip()
                if label and label.lower() not in self._outcomes:
                    self._outcomes[label.lower()] = (label, int(item["id"]))
        found = self._outcomes.get(key)
        if found is None:
            names = ", ".join(label for label, _ in self._outcomes.values()) or "none"
            raise PsaError(
                f"{VENDOR} has no action outcome named {name!r}; this tenant lists: {names}. "
                "An admin sets note_outcome (and resolution_outcome for customer-visible "
                "notes) on the connection"
            )
        return found

    async def test_connection(self) -> str:
        """The token, and the outcomes notes will be written with."""
        await self._bearer()
        names = []
        for wanted in dict.fromkeys((self.note_outcome, self.resolution_outcome)):
            label, outcome_id = await self._outcome(wanted)
            names.append(label if outcome_id is not None else f"{label} (not checked)")
        return f"HaloPSA token accepted; note outcome(s): {', '.join(names)}"

    async def get_ticket(self, ticket_id: str) -> PsaTicket:
        t = await self._call(
            "GET", f"/api/Tickets/{int(ticket_id)}", params={"includedetails": "true"}
        )
        return PsaTicket(
            id=str(t["id"]),
            summary=t.get("summary", ""),
            description=t.get("details", "") or "",
            company=t.get("client_name", "") or "",
            contact=t.get("user_name", "") or "",
            status=str(t.get("status_id", "")),
            # Halo names the end-user's address differently across versions.
            contact_email=str(t.get("user_email") or t.get("emailaddress") or ""),
        )

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
        if hours and by is None:
            raise unattributed(VENDOR)
        outcome, outcome_id = await self._outcome(
            self.note_outcome if internal else self.resolution_outcome
        )
        action: dict[str, Any] = {
            "ticket_id": int(ticket_id),
            "note": markdown_to_html(referenced(text, reference)),
            "outcome": outcome,
            "hiddenfromuser": internal,
            # Hours, as a decimal (30 seconds is 0.0083): not minutes, not rounded to 0.
            "timetaken": round(hours or 0, 4),
        }
        if outcome_id is not None:
            action["outcome_id"] = outcome_id
        if by is not None:
            # The agent the action (and its time) belongs to: `who_agentid`, with the
            # display name in `who` (Actions model of the Halo API).
            action["who_agentid"] = int(by.id)
            if by.name:
                action["who"] = by.name
        if hours and billing is not None:
            action["actisbillable"] = billing.billable
        created = await self._call("POST", "/api/Actions", json=[action])
        first = created[0] if isinstance(created, list) else created
        return str(first["id"])

    async def find_note(self, ticket_id: str, reference: str) -> str | None:
        """GET /api/Actions?ticket_id=…: the ticket's actions (newest first), their `note`
        as HTML; the reference is plain text inside it."""
        listed = await self._call(
            "GET", "/api/Actions", params={"ticket_id": int(ticket_id), "count": 100}
        )
        actions = listed.get("actions", []) if isinstance(listed, dict) else listed
        for action in actions or []:
            if reference in str(action.get("note") or ""):
                return str(action["id"])
        return None

    async def find_time_entry(self, ticket_id: str, reference: str) -> str | None:
        return None  # time travels on the action (`timetaken`)

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
        return None  # Halo records time on the action itself (`timetaken`)

    async def find_people(self, email: str) -> list[PsaPerson]:
        """GET /api/Agent?search=… matches names, addresses and phone numbers: only the
        agents whose `email` is the address are kept. Disabled agents are listed too (and
        marked), so a lookup can say why it found nobody to use."""
        listed = await self._call(
            "GET", "/api/Agent", params={"search": email, "includedisabled": "true"}
        )
        if isinstance(listed, dict):
            listed = listed.get("agents", listed.get("records"))
        if not isinstance(listed, list):
            raise TypeError(f"expected a list of agents, got {type(listed).__name__}")
        wanted = email.strip().lower()
        return [
            PsaPerson(
                id=str(int(agent["id"])),
                name=str(agent.get("name") or ""),
                email=str(agent.get("email") or ""),
                active=not agent.get("isdisabled"),
            )
            for agent in listed
            if str(agent.get("email") or "").strip().lower() == wanted
        ]

    async def resolved_status(self, ticket_id: str) -> int:
        return configured_status(VENDOR, self.resolved_status_id)

    async def set_status(
        self, ticket_id: str, status_id: int, *, resolution: str | None = None
    ) -> None:
        # Halo updates records by POSTing them (an array) to the collection.
        await self._call(
            "POST", "/api/Tickets", json=[{"id": int(ticket_id), "status_id": status_id}]
        )

    async def add_kb_article(self, title: str, markdown: str, tags: list[str]) -> str:
        article = {
            "name": title[:250],
            # The field name differs between Halo versions; both carry the same HTML.
            "description": markdown_to_html(markdown),
            "description_html": markdown_to_html(markdown),
            "tag_string": ",".join(tags),
        }
        created = await self._call("POST", "/api/KBArticle", json=[article])
        first = created[0] if isinstance(created, list) else created
        return str(first["id"])

    async def aclose(self) -> None:
        await self.client.aclose()

    # ── ticket search (the picker) ──

    # Status id → name, read once per adapter (one lives as long as its connection's settings).
    _statuses: dict[str, str] | None = None

    async def search_tickets(self, query: str, *, cursor: str | None, page_size: int) -> TicketPage:
        """GET /api/Tickets?search=…&open_only=true with Halo's paging (`pageinate=true`,
        Halo's spelling, `page_no`, `page_size`) → {"record_count", "tickets"}; the count
        makes `has_more` exact. Halo's free-text search is trusted to match numbers, summaries
        and client names. Status names come from GET /api/Status (read once)."""
        page = page_number(cursor)
        params: dict[str, Any] = {
            "open_only": "true",
            "pageinate": "true",
            "page_no": page,
            "page_size": page_size,
        }
        if query.strip():
            params["search"] = query.strip()
        found = await self._call("GET", "/api/Tickets", params=params)
        rows = found["tickets"]
        if not isinstance(rows, list):
            raise TypeError(f"expected a list of tickets, got {type(rows).__name__}")
        total = int(found.get("record_count") or 0)
        names = await self._status_names()
        items = [
            PsaTicketSummary(
                id=str(int(t["id"])),
                summary=str(t.get("summary") or ""),
                company=str(t.get("client_name") or ""),
                status=names.get(str(t.get("status_id")), str(t.get("status_id") or "")),
                updated=parse_when(t.get("lastactiondate") or t.get("dateoccurred")),
            )
            for t in rows[:page_size]
        ]
        more = page * page_size < total
        return TicketPage(items=items, has_more=more, next_cursor=str(page + 1) if more else None)

    async def _status_names(self) -> dict[str, str]:
        """Status id → name (GET /api/Status, as HaloAPI's Get-HaloStatus reads it). An API
        application that may not read statuses shows the ids instead."""
        if self._statuses is not None:
            return self._statuses
        try:
            listed = await self._call("GET", "/api/Status")
        except PsaError as exc:
            if exc.status in (403, 404):
                self._statuses = {}
                return self._statuses
            raise
        if isinstance(listed, dict):
            listed = listed.get("statuses", listed.get("records"))
        if not isinstance(listed, list):
            raise TypeError(f"expected a list of statuses, got {type(listed).__name__}")
        self._statuses = {
            str(item["id"]): str(item.get("name") or item["id"])
            for item in listed
            if isinstance(item, dict) and "id" in item
        }
        return self._statuses
