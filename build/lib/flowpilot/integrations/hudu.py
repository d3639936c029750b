"""Hudu (IT documentation): publish a KB article. `x-api-key` auth, JSON bodies."""

from __future__ import annotations

from typing import Any

import httpx

from flowpilot.integrations import outbound
from flowpilot.integrations.delivery import (
    DeliveryError,
    http_status_error,
    unreachable,
    vendor_detail,
)

VENDOR = "Hudu"


class HuduClient:
    def __init__(self, *, base_url: str, api_key: str, timeout: float = 20) -> None:
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.headers = {"x-api-key": api_key, "Content-Type": "application/json"}
        self.timeout = timeout

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url,
                headers=self.headers,
                timeout=self.timeout,
                transport=outbound.transport(),
            ) as client:
                response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, DeliveryError) from exc
        if response.status_code >= 400:
            detail = vendor_detail(response)
            raise http_status_error(VENDOR, response.status_code, detail, response.headers)
        return response.json() if response.content else {}

    async def test_connection(self) -> str:
        info = await self._call("GET", "/api_info")
        return f"Hudu {info.get('version', '')}".strip()

    async def create_article(
        self, name: str, html: str, company_id: int | None, folder_id: int | None
    ) -> str:
        article: dict[str, Any] = {"name": name[:250], "content": html}
        if company_id:
            article["company_id"] = company_id
        if folder_id:
            article["folder_id"] = folder_id
        created = await self._call("POST", "/articles", json={"article": article})
        return str(created["article"]["id"])
