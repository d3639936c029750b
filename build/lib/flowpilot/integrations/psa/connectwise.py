"""ConnectWise PSA (Manage) REST API 3.0."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from flowpilot.integrations import outbound
from flowpilot.integrations.delivery import unreachable, vendor_detail
from flowpilot.integrations.psa.base import (
    PsaError,
    PsaPerson,
    PsaTicket,
    PsaTicketSummary,
    TicketPage,
    TimeBilling,
    page_number,
    parse_when,
    referenced,
    status_error,
)

VENDOR = "ConnectWise"
DEFAULT_RESOLVED_STATUS = "Resolved"
# The e-mail fields of a member, in the order a lookup tries them.
MEMBER_EMAILS = ("primaryEmail", "officeEmail")


def condition_value(value: str) -> str:
    """A string inside a `conditions` clause: double quotes, with quotes and backslashes
    escaped (ConnectWise developer guide, "Conditions")."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def api_site(site: str) -> str:
    """Cloud sites answer the API on their api- host (na.myconnectwise.net →
    api-na.myconnectwise.net); an on-premises site is its own API host."""
    parts = urlsplit(site.rstrip("/"))
    host = parts.hostname or ""
    if host.endswith(".myconnectwise.net") and not host.startswith("api-"):
        netloc = parts.netloc.replace(host, f"api-{host}", 1)
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts).rstrip("/")


class ConnectWiseAdapter:
    vendor = "connectwise"
    supports_kb = False
    finds_resolved_status = True
    time_on_note = False
    sets_work_type = True

    def __init__(
        self,
        *,
        base_url: str,
        company_id: str,
        public_key: str,
        private_key: str,
        client_id: str,
        resolved_status_name: str | None = None,
        resolved_status_id: str | None = None,
        timeout: float = 20,
    ) -> None:
        self.company_id = company_id
        self.timeout = timeout
        self.resolved_status_name = resolved_status_name or DEFAULT_RESOLVED_STATUS
        self.resolved_status_id = resolved_status_id
        # base_url: https://{api host}/{codebase}apis/3.0, or only the site
        # (https://na.myconnectwise.net): then the codebase is looked up on the first call.
        base = base_url.rstrip("/")
        self.site: str | None = None if "/apis/" in urlsplit(base).path + "/" else base
        token = base64.b64encode(f"{company_id}+{public_key}:{private_key}".encode()).decode()
        self.client = httpx.AsyncClient(
            base_url="" if self.site else base,
            timeout=timeout,
            transport=outbound.transport(),
            headers={
                "Authorization": f"Basic {token}",
                "clientId": client_id,
                "Content-Type": "application/json",
                "Accept": "application/vnd.connectwise.com+json; version=2025.1",
            },
        )

    async def _api_base(self) -> None:
        """Given only the site: GET https://{site}/login/companyinfo/{companyId} (no auth)
        answers the codebase, e.g. "v4_6_release/"; cloud sites serve the API on their
        api- host."""
        if self.site is None:
            return
        url = f"{self.site}/login/companyinfo/{quote(self.company_id, safe='')}"
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout, transport=outbound.transport()
            ) as lookup:
                response = await lookup.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, PsaError) from exc
        unknown = PsaError(
            f"{VENDOR}: the site {urlsplit(self.site).netloc} does not know the company id "
            f"{self.company_id!r}; check the company id, or give the full API URL "
            "(https://…/v4_6_release/apis/3.0)"
        )
        if response.status_code == 404:
            raise unknown
        if response.status_code >= 400:
            error = status_error(
                VENDOR, response.status_code, vendor_detail(response), response.headers
            )
            raise PsaError(error.message, retryable=error.retryable, retry_after=error.retry_after)
        info = response.json()
        codebase = info.get("Codebase") if isinstance(info, dict) else None
        if not codebase:
            raise unknown
        codebase = str(codebase).strip("/")
        self.client.base_url = httpx.URL(f"{api_site(self.site)}/{codebase}/apis/3.0")
        self.site = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        await self._api_base()
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, PsaError) from exc
        if response.status_code >= 400:
            raise status_error(
                VENDOR, response.status_code, vendor_detail(response), response.headers
            )
        return response.json() if response.content else {}

    async def test_connection(self) -> str:
        info = await self._call("GET", "/system/info")
        return f"ConnectWise {info.get('version', '')}".strip()

    async def get_ticket(self, ticket_id: str) -> PsaTicket:
        t = await self._call("GET", f"/service/tickets/{int(ticket_id)}")
        return PsaTicket(
            id=str(t["id"]),
            summary=t.get("summary", ""),
            description=await self._description(int(ticket_id)),
            company=(t.get("company") or {}).get("name", ""),
            contact=(t.get("contact") or {}).get("name", ""),
            status=(t.get("status") or {}).get("name", ""),
            contact_email=t.get("contactEmailAddress", "") or "",
        )

    async def _description(self, ticket_id: int) -> str:
        """`initialDescription` is write-only ("only available for POST, will not be returned
        in the response"): the description is the ticket's first note flagged as such."""
        notes = await self._call(
            "GET",
            f"/service/tickets/{ticket_id}/notes",
            params={
                "conditions": "detailDescriptionFlag=true",
                "orderBy": "id asc",
                "pageSize": 1,
            },
        )
        if not isinstance(notes, list):
            raise TypeError(f"expected a list of notes, got {type(notes).__name__}")
        return str(notes[0].get("text") or "") if notes else ""

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
        body: dict[str, Any] = {
            "text": referenced(text, reference),
            "detailDescriptionFlag": not internal and not resolution,
            "internalAnalysisFlag": internal,
            "resolutionFlag": resolution,
        }
        if by is not None:
            # The note's author (ServiceNote.member, a member reference by identifier).
            body["member"] = {"identifier": by.id}
        note = await self._call("POST", f"/service/tickets/{int(ticket_id)}/notes", json=body)
        return str(note["id"])

    async def find_note(self, ticket_id: str, reference: str) -> str | None:
        """GET /service/tickets/{id}/notes?conditions=text contains "…" (string conditions
        take `contains`, values in double quotes: developer guide, "Conditions")."""
        notes = await self._call(
            "GET",
            f"/service/tickets/{int(ticket_id)}/notes",
            params={
                "conditions": f"text contains {condition_value(reference)}",
                "orderBy": "id asc",
                "pageSize": 1,
            },
        )
        return str(notes[0]["id"]) if isinstance(notes, list) and notes else None

    async def find_time_entry(self, ticket_id: str, reference: str) -> str | None:
        """GET /time/entries?conditions=chargeToId=… and chargeToType="ServiceTicket" and
        notes contains "…"."""
        entries = await self._call(
            "GET",
            "/time/entries",
            params={
                "conditions": (
                    f'chargeToId={int(ticket_id)} and chargeToType="ServiceTicket"'
                    f" and notes contains {condition_value(reference)}"
                ),
                "pageSize": 1,
            },
        )
        return str(entries[0]["id"]) if isinstance(entries, list) and entries else None

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
        body: dict[str, Any] = {
            "chargeToId": int(ticket_id),
            "chargeToType": "ServiceTicket",
            "member": {"identifier": by.id},
            "timeStart": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timeEnd": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "notes": notes,
            "addToInternalAnalysisFlag": True,
            "billableOption": "Billable" if billing.billable else "DoNotBill",
        }
        if billing.work_type:
            work = billing.work_type.strip()
            body["workType"] = {"id": int(work)} if work.isdigit() else {"name": work}
        entry = await self._call("POST", "/time/entries", json=body)
        return str(entry["id"])

    async def find_people(self, email: str) -> list[PsaPerson]:
        """GET /system/members?conditions=primaryEmail="…", then officeEmail: the members
        whose address matches exactly (the API compares case-insensitively)."""
        found: dict[str, PsaPerson] = {}
        for field in MEMBER_EMAILS:
            members = await self._call(
                "GET",
                "/system/members",
                params={"conditions": f"{field}={condition_value(email)}", "pageSize": 25},
            )
            if not isinstance(members, list):
                raise TypeError(f"expected a list of members, got {type(members).__name__}")
            for m in members:
                if str(m.get(field) or "").strip().lower() != email.strip().lower():
                    continue
                identifier = str(m["identifier"])
                name = " ".join(p for p in (m.get("firstName"), m.get("lastName")) if p)
                found.setdefault(
                    identifier.lower(),
                    PsaPerson(
                        id=identifier,
                        name=name or identifier,
                        email=str(m.get(field) or ""),
                        active=not m.get("inactiveFlag"),
                    ),
                )
            if found:
                break
        return list(found.values())

    async def resolved_status(self, ticket_id: str) -> int:
        """Status ids belong to a board: the status named `resolved_status_name` on the
        ticket's board, unless the connection pins one id (`resolved_status_id`)."""
        if self.resolved_status_id:
            return int(self.resolved_status_id)
        ticket = await self._call("GET", f"/service/tickets/{int(ticket_id)}")
        board = ticket["board"]
        name = self.resolved_status_name
        found = await self._call(
            "GET",
            f"/service/boards/{int(board['id'])}/statuses",
            params={"conditions": f'name="{name}"'},
        )
        active = [s for s in found if not s.get("inactiveFlag")]
        if active:
            return int(active[0]["id"])
        listed = await self._call(
            "GET", f"/service/boards/{int(board['id'])}/statuses", params={"pageSize": 1000}
        )
        names = ", ".join(str(s.get("name")) for s in listed if not s.get("inactiveFlag"))
        raise PsaError(
            f"{VENDOR}: the board {board.get('name') or board['id']!r} has no status named "
            f"{name!r} (its statuses: {names or 'none'}); an admin sets resolved_status_name "
            "on the connection"
        )

    async def set_status(
        self, ticket_id: str, status_id: int, *, resolution: str | None = None
    ) -> None:
        # The resolution text reaches ConnectWise as the resolution-flagged note.
        await self._call(
            "PATCH",
            f"/service/tickets/{int(ticket_id)}",
            json=[{"op": "replace", "path": "status", "value": {"id": status_id}}],
        )

    async def add_kb_article(self, title: str, markdown: str, tags: list[str]) -> str:
        raise PsaError(f"{VENDOR}: FlowPilot does not publish KB articles here")

    async def aclose(self) -> None:
        await self.client.aclose()

    # ── ticket search (the picker) ──

    async def search_tickets(self, query: str, *, cursor: str | None, page_size: int) -> TicketPage:
        """GET /service/tickets with `conditions` (open: closedFlag=false; the text in the
        summary or the company's name, or the ticket's number), newest activity first
        (`orderBy=lastUpdated desc`), `page`/`pageSize`, and `fields` so only what a result
        row shows comes back. A page that comes back full is followed by GET
        /service/tickets/count with the same conditions, so `has_more` is exact (no empty
        last page)."""
        page = page_number(cursor)
        conditions = search_conditions(query)
        rows = await self._call(
            "GET",
            "/service/tickets",
            params={
                "conditions": conditions,
                "orderBy": "lastUpdated desc",
                "page": page,
                "pageSize": page_size,
                "fields": SEARCH_FIELDS,
            },
        )
        if not isinstance(rows, list):
            raise TypeError(f"expected a list of tickets, got {type(rows).__name__}")
        more = False
        if len(rows) >= page_size:
            counted = await self._call(
                "GET", "/service/tickets/count", params={"conditions": conditions}
            )
            more = int(counted["count"]) > page * page_size
        items = [
            PsaTicketSummary(
                id=str(int(t["id"])),
                summary=str(t.get("summary") or ""),
                company=str((t.get("company") or {}).get("name") or ""),
                status=str((t.get("status") or {}).get("name") or ""),
                updated=parse_when((t.get("_info") or {}).get("lastUpdated")),
            )
            for t in rows[:page_size]
        ]
        return TicketPage(items=items, has_more=more, next_cursor=str(page + 1) if more else None)


# What a search result row needs (top-level fields: the company and status references and
# `_info` are small objects).
SEARCH_FIELDS = "id,summary,company,status,_info"


def search_conditions(query: str) -> str:
    """closedFlag=false, and the text in the summary or the company's name (`contains`,
    values quoted like every other condition); digits may also be the ticket's number."""
    text = query.strip()
    if not text:
        return "closedFlag=false"
    value = condition_value(text)
    either = [f"summary contains {value}", f"company/name contains {value}"]
    if text.isascii() and text.isdigit() and len(text) <= 18:
        either.insert(0, f"id={int(text)}")
    return f"closedFlag=false and ({' or '.join(either)})"
