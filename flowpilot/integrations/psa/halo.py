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
    PsaTicket,
    configured_status,
    status_error,
)

VENDOR = "HaloPSA"


class HaloAdapter:
    vendor = "halo"
    supports_kb = True
    finds_resolved_status = False

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        tenant: str | None = None,
        resolved_status_id: str | None = None,
        timeout: float = 20,
    ) -> None:
        self.resolved_status_id = resolved_status_id
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
        headers = {"Authorization": f"Bearer {await self._bearer()}"}
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, PsaError) from exc
        if response.status_code == 401:
            self._token = None  # expired early: the next attempt fetches a new one
        if response.status_code >= 400:
            raise status_error(
                VENDOR, response.status_code, vendor_detail(response), response.headers
            )
        return response.json() if response.content else {}

    async def test_connection(self) -> str:
        await self._bearer()
        return "HaloPSA token accepted"

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
        self, ticket_id: str, text: str, *, internal: bool, resolution: bool, hours: float | None
    ) -> str:
        action = {
            "ticket_id": int(ticket_id),
            "note": markdown_to_html(text),
            "outcome": "Resolution" if resolution else "Note",
            "hiddenfromuser": internal,
            "timetaken": round(hours or 0, 2),
        }
        created = await self._call("POST", "/api/Actions", json=[action])
        first = created[0] if isinstance(created, list) else created
        return str(first["id"])

    async def add_time_entry(
        self, ticket_id: str, start: datetime, end: datetime, notes: str
    ) -> str | None:
        return None  # Halo records time on the action itself (`timetaken`)

    async def resolved_status(self, ticket_id: str) -> int:
        return configured_status(VENDOR, self.resolved_status_id)

    async def set_status(self, ticket_id: str, status_id: int) -> None:
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
