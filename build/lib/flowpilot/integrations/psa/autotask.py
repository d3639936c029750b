"""Autotask PSA REST API: zone lookup, then headers auth; notes via the ticket's child URL."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from flowpilot.integrations import outbound
from flowpilot.integrations.delivery import unreachable, vendor_detail
from flowpilot.integrations.psa.base import (
    BadCursor,
    PsaError,
    PsaPerson,
    PsaTicket,
    PsaTicketSummary,
    TicketPage,
    TimeBilling,
    configured_status,
    parse_when,
    reference_line,
    status_error,
)

VENDOR = "Autotask"
# A ticket note's description holds at most 32,000 characters.
NOTE_LIMIT = 32_000
TRUNCATED = "\n\n[… truncated by FlowPilot: Autotask notes hold at most 32,000 characters]"
ZONE_URL = "https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation"
# TimeEntries.summaryNotes holds at most 8,000 characters.
SUMMARY_LIMIT = 8_000


def _listed_errors(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("errors"))


def autotask_error(response: httpx.Response) -> PsaError:
    """Autotask reports validation errors (a bad picklist value, a locked ticket) as HTTP 500
    with {"errors": [...]}: a refusal to show verbatim, not an outage to retry. A 500 without
    that body, and 502-504, are outages."""
    detail = vendor_detail(response)
    if response.status_code == 403 or (
        response.status_code == 500 and "adequate permissions" in detail
    ):
        # 403 is the API user's security level, not its credentials (those are a 401);
        # some permission problems come as a 500 with the same text.
        return PsaError(
            f"{VENDOR}: the API user lacks permission for this ({response.status_code}): "
            f"{detail or 'forbidden'}. "
            "An Autotask admin gives the API user's security level access to tickets and "
            "ticket notes",
            status=403,
        )
    if response.status_code == 500 and _listed_errors(response):
        return PsaError(f"{VENDOR} refused the request: {detail}", status=500)
    return status_error(VENDOR, response.status_code, detail, response.headers)


def fit_note(text: str, reference: str | None = None) -> str:
    """The note as Autotask will take it: longer text is cut at a line break where one is
    near, with a visible marker, instead of being refused. The delivery reference stays the
    last line either way."""
    tail = f"\n\n{reference_line(reference)}" if reference else ""
    if len(text) + len(tail) <= NOTE_LIMIT:
        return text + tail
    room = NOTE_LIMIT - len(TRUNCATED) - len(tail)
    cut = text.rfind("\n", room - 2000, room)
    return text[: cut if cut > 0 else room].rstrip() + TRUNCATED + tail


def _field(body: dict[str, Any], name: str) -> int | None:
    """A number from the answer, camelCase as the API sends it or PascalCase as its
    swagger names it."""
    value = body.get(name, body.get(name[0].upper() + name[1:]))
    return int(value) if isinstance(value, (int, float)) else None


class AutotaskAdapter:
    vendor = "autotask"
    supports_kb = False
    finds_resolved_status = False
    time_on_note = False
    sets_work_type = True

    def __init__(
        self,
        *,
        username: str,
        secret: str,
        integration_code: str,
        zone_url: str = ZONE_URL,
        resolved_status_id: str | None = None,
        timeout: float = 20,
    ) -> None:
        self.username = username
        self.resolved_status_id = resolved_status_id
        self.zone_url = zone_url
        self.headers = {
            "ApiIntegrationCode": integration_code,
            "UserName": username,
            "Secret": secret,
            "Content-Type": "application/json",
        }
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self.zone_name = ""

    async def _api(self) -> httpx.AsyncClient:
        if self._client is None:
            try:
                async with httpx.AsyncClient(
                    timeout=self.timeout, transport=outbound.transport()
                ) as lookup:
                    zone = await lookup.get(self.zone_url, params={"user": self.username})
            except httpx.HTTPError as exc:
                raise unreachable(VENDOR, exc, PsaError) from exc
            if zone.status_code >= 400:
                error = autotask_error(zone)
                # Not a missing ticket: the zone lookup itself failed.
                raise PsaError(
                    f"{VENDOR} zone lookup for {self.username!r} failed: {error.message}",
                    retryable=error.retryable,
                    retry_after=error.retry_after,
                )
            found = zone.json()
            base = found["url"].rstrip("/") + "/V1.0"
            self.zone_name = str(found.get("zoneName") or "")
            self._client = httpx.AsyncClient(
                base_url=base,
                headers=self.headers,
                timeout=self.timeout,
                transport=outbound.transport(),
            )
        return self._client

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        client = await self._api()
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, PsaError) from exc
        if response.status_code >= 400:
            raise autotask_error(response)
        return response.json() if response.content else {}

    async def test_connection(self) -> str:
        """The zone lookup needs no credentials: ThresholdInformation is an authenticated
        call that also tells how much of the hourly request limit is used."""
        usage = await self._call("GET", "/ThresholdInformation")
        zone = f" ({self.zone_name})" if self.zone_name else ""
        message = f"Autotask connected{zone}"
        used = _field(usage, "currentTimeframeRequestCount")
        limit = _field(usage, "externalRequestThreshold")
        minutes = _field(usage, "requestThresholdTimeframe")
        if used is not None and limit:
            window = f"the last {minutes} minutes" if minutes else "this period"
            message += f"; {used:,} of {limit:,} API requests used in {window}"
        return message

    async def get_ticket(self, ticket_id: str) -> PsaTicket:
        item = (await self._call("GET", f"/Tickets/{int(ticket_id)}"))["item"]
        if item is None:
            # Autotask answers a missing id with 200 and {"item": null}, not a 404.
            raise PsaError(f"{VENDOR}: ticket {int(ticket_id)} not found", status=404)
        company = await self._lookup("Companies", item.get("companyID"))
        contact = await self._lookup("Contacts", item.get("contactID"))
        contact_name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
        return PsaTicket(
            id=str(item["id"]),
            summary=item.get("title", ""),
            description=item.get("description", "") or "",
            company=company.get("companyName") or str(item.get("companyID") or ""),
            contact=contact_name or str(item.get("contactID") or ""),
            status=str(item.get("status", "")),
            contact_email=contact.get("emailAddress", "") or "",
        )

    async def _lookup(self, entity: str, entity_id: Any) -> dict[str, Any]:
        """Names behind the ticket's ids; a lookup the API user may not read is not fatal."""
        if not entity_id:
            return {}
        try:
            found: dict[str, Any] = (await self._call("GET", f"/{entity}/{int(entity_id)}"))[
                "item"
            ] or {}
        except (PsaError, KeyError, TypeError):
            return {}
        return found

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
        body = {
            "ticketID": int(ticket_id),
            "title": "Resolution" if resolution else "FlowPilot notes",
            "description": fit_note(text, reference),
            "noteType": 1,
            # publish 1 = all Autotask users, 2 = internal only
            "publish": 2 if internal else 1,
        }
        # The note is written as the engineer's resource, not the API user.
        headers = {"ImpersonationResourceId": str(int(by.id))} if by is not None else None
        created = await self._call(
            "POST", f"/Tickets/{int(ticket_id)}/Notes", json=body, headers=headers
        )
        return str(created["itemId"])

    async def _query_first(self, entity: str, ticket_id: str, field: str, value: str) -> str | None:
        """POST /{Entity}/query: the top-level filter items are ANDed; `contains` matches a
        substring (Autotask REST API, "Basic query calls")."""
        found = await self._call(
            "POST",
            f"/{entity}/query",
            json={
                "MaxRecords": 1,
                "filter": [
                    {"op": "eq", "field": "ticketID", "value": int(ticket_id)},
                    {"op": "contains", "field": field, "value": value},
                ],
            },
        )
        items = found.get("items") if isinstance(found, dict) else None
        return str(items[0]["id"]) if items else None

    async def find_note(self, ticket_id: str, reference: str) -> str | None:
        return await self._query_first("TicketNotes", ticket_id, "description", reference)

    async def find_time_entry(self, ticket_id: str, reference: str) -> str | None:
        return await self._query_first("TimeEntries", ticket_id, "summaryNotes", reference)

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
        """POST /TimeEntries: a ticket's time entry names the resource and the role it worked
        in, with start and end (UTC) and the hours between them (more than 0, under 24)."""
        if not by.role_id:
            raise PsaError(
                f"{VENDOR}: time entries need the role the resource {by.id} works in; an "
                "admin sets the role id on its mapping in Settings"
            )
        hours = max(round((end - start).total_seconds() / 3600, 2), 0.01)
        body: dict[str, Any] = {
            "ticketID": int(ticket_id),
            "resourceID": int(by.id),
            "roleID": int(by.role_id),
            "dateWorked": start.strftime("%Y-%m-%dT00:00:00Z"),
            "startDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hoursWorked": hours,
            "summaryNotes": notes[:SUMMARY_LIMIT],
            "isNonBillable": not billing.billable,
        }
        if billing.work_type:
            # Autotask's work types are billing codes.
            body["billingCodeID"] = int(billing.work_type)
        created = await self._call("POST", "/TimeEntries", json=body)
        return str(created["itemId"])

    async def find_people(self, email: str) -> list[PsaPerson]:
        """POST /Resources/query with an `eq` filter on `email`; a resource's default
        service-desk role becomes the role its time is logged under."""
        found = await self._call(
            "POST",
            "/Resources/query",
            json={"filter": [{"op": "eq", "field": "email", "value": email}]},
        )
        items = found["items"]
        if not isinstance(items, list):
            raise TypeError(f"expected a list of resources, got {type(items).__name__}")
        people = []
        for item in items:
            role = _field(item, "defaultServiceDeskRoleID")
            name = " ".join(p for p in (item.get("firstName"), item.get("lastName")) if p)
            people.append(
                PsaPerson(
                    id=str(int(item["id"])),
                    name=name or str(item.get("userName") or item["id"]),
                    email=str(item.get("email") or ""),
                    role_id=str(role) if role else None,
                    active=item.get("isActive", True) is not False,
                )
            )
        return people

    async def resolved_status(self, ticket_id: str) -> int:
        return configured_status(VENDOR, self.resolved_status_id)

    async def set_status(
        self, ticket_id: str, status_id: int, *, resolution: str | None = None
    ) -> None:
        # Autotask updates an entity by PATCHing the collection with the id in the body; the
        # ticket's own `resolution` field takes the resolution text.
        body: dict[str, Any] = {"id": int(ticket_id), "status": status_id}
        if resolution:
            body["resolution"] = fit_note(resolution)
        await self._call("PATCH", "/Tickets", json=body)

    async def add_kb_article(self, title: str, markdown: str, tags: list[str]) -> str:
        raise PsaError(f"{VENDOR}: FlowPilot does not publish KB articles here")

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # ── ticket search (the picker) ──

    # Looked up once per adapter (one lives as long as its connection's settings): the
    # status picklist and the names of companies seen.
    _status_cache: dict[str, str] | None = None
    _company_cache: dict[int, str] | None = None

    async def search_tickets(self, query: str, *, cursor: str | None, page_size: int) -> TicketPage:
        """POST /Tickets/query {"filter": [...], "MaxRecords": n, "IncludeFields": [...]}:
        tickets not Complete (status 5) whose title contains the text, whose ticketNumber or
        id it is, or whose company's name contains it (the companies are looked up first:
        tickets only carry companyID). Autotask pages with cursors, not page numbers: the
        answer's pageDetails.nextPageUrl is POSTed with the same body for the next page, so
        the cursor is that URL (accepted only under this zone's address)."""
        body = await self._search_body(query.strip(), page_size)
        url = "/Tickets/query" if cursor is None else await self._next_page_url(cursor)
        found = await self._call("POST", url, json=body)
        rows = found["items"]
        if not isinstance(rows, list):
            raise TypeError(f"expected a list of tickets, got {type(rows).__name__}")
        rows = rows[:page_size]
        companies = await self._company_names({_field(t, "companyID") for t in rows} - {None})
        statuses = await self._status_labels()
        items = []
        for t in rows:
            company = _field(t, "companyID")
            status = str(t.get("status", ""))
            items.append(
                PsaTicketSummary(
                    id=str(int(t["id"])),
                    number=str(t.get("ticketNumber") or t["id"]),
                    summary=str(t.get("title") or ""),
                    company=companies.get(company, str(company or "")) if company else "",
                    status=statuses.get(status, status),
                    updated=parse_when(t.get("lastActivityDate")),
                )
            )
        next_url = (found.get("pageDetails") or {}).get("nextPageUrl")
        return TicketPage(
            items=items,
            has_more=bool(next_url),
            next_cursor=str(next_url) if next_url else None,
        )

    async def _search_body(self, text: str, page_size: int) -> dict[str, Any]:
        """The same body for every page of one search (Autotask expects it again with the
        nextPageUrl)."""
        conditions: list[dict[str, Any]] = [{"op": "noteq", "field": "status", "value": 5}]
        if text:
            either: list[dict[str, Any]] = [
                {"op": "contains", "field": "title", "value": text},
                {"op": "eq", "field": "ticketNumber", "value": text},
            ]
            if text.isascii() and text.isdigit() and len(text) <= 18:
                either.append({"op": "eq", "field": "id", "value": int(text)})
            company_ids = await self._matching_companies(text)
            if company_ids:
                either.append({"op": "in", "field": "companyID", "value": company_ids})
            conditions = [{"op": "and", "items": [conditions[0], {"op": "or", "items": either}]}]
        return {"filter": conditions, "MaxRecords": page_size, "IncludeFields": SEARCH_FIELDS}

    async def _matching_companies(self, text: str) -> list[int]:
        """Ids of the companies whose name contains the text (at most 50: a search that
        broad is narrowed by typing more). An API user that may not read companies searches
        titles and numbers only."""
        try:
            found = await self._call(
                "POST",
                "/Companies/query",
                json={
                    "filter": [{"op": "contains", "field": "companyName", "value": text}],
                    "MaxRecords": COMPANY_MATCHES,
                    "IncludeFields": ["id", "companyName"],
                },
            )
        except PsaError as exc:
            if exc.status == 403:
                return []
            raise
        ids = []
        for item in found["items"]:
            self._remember_company(int(item["id"]), item.get("companyName"))
            ids.append(int(item["id"]))
        return sorted(ids)

    def _known_companies(self) -> dict[int, str]:
        if self._company_cache is None or len(self._company_cache) > 5_000:
            self._company_cache = {}
        return self._company_cache

    def _remember_company(self, company_id: int, name: Any) -> None:
        if name:
            self._known_companies()[company_id] = str(name)

    async def _company_names(self, ids: set[int | None]) -> dict[int | None, str]:
        """Names of the companies on a page of results (one query for the ones not seen
        yet); an API user that may not read companies shows the ids."""
        known = self._known_companies()
        missing = sorted(i for i in ids if i is not None and i not in known)
        if missing:
            try:
                found = await self._call(
                    "POST",
                    "/Companies/query",
                    json={
                        "filter": [{"op": "in", "field": "id", "value": missing}],
                        "MaxRecords": len(missing),
                        "IncludeFields": ["id", "companyName"],
                    },
                )
                for item in found["items"]:
                    self._remember_company(int(item["id"]), item.get("companyName"))
            except PsaError as exc:
                if exc.status != 403:
                    raise
        return {i: known[i] for i in ids if i is not None and i in known}

    async def _status_labels(self) -> dict[str, str]:
        """The status picklist (GET /Tickets/entityInformation/fields: the `status` field's
        picklistValues, value → label), read once; without it the numbers are shown."""
        if self._status_cache is not None:
            return self._status_cache
        labels: dict[str, str] = {}
        try:
            info = await self._call("GET", "/Tickets/entityInformation/fields")
        except PsaError as exc:
            if exc.status not in (403, 404):
                raise
            info = {}
        for field in info.get("fields") or []:
            if isinstance(field, dict) and str(field.get("name", "")).lower() == "status":
                for choice in field.get("picklistValues") or []:
                    labels[str(choice["value"])] = str(choice.get("label") or choice["value"])
        self._status_cache = labels
        return labels

    async def _next_page_url(self, cursor: str) -> str:
        """The nextPageUrl an earlier page answered, only if it points at this zone's
        /Tickets/query/next (never anywhere else with these credentials)."""
        client = await self._api()
        base, given = urlsplit(str(client.base_url).rstrip("/")), urlsplit(cursor)
        same_place = (
            given.scheme == base.scheme
            and given.netloc.lower() == base.netloc.lower()
            and given.path.rstrip("/").lower() == f"{base.path}/Tickets/query/next".lower()
        )
        if not same_place or given.fragment:
            raise BadCursor("not a next-page address of this Autotask zone")
        return cursor


# What a search result row needs (IncludeFields keeps the answers small).
SEARCH_FIELDS = ["id", "ticketNumber", "title", "status", "companyID", "lastActivityDate"]
COMPANY_MATCHES = 50
