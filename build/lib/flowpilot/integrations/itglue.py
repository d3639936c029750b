"""IT Glue (IT documentation): publish a KB article as a flexible asset in one organization.

The wire shape follows IT Glue's developer documentation (https://api.itglue.com/developer):
every request carries `x-api-key`, bodies are JSON:API (`Content-Type:
application/vnd.api+json`, {"data": {"type": ..., "attributes": {...}}}), the base URL is
https://api.itglue.com (EU: https://api.eu.itglue.com, AU: https://api.au.itglue.com).

Why a flexible asset and not a document: the documented API can only update documents
("Documents": PATCH /documents/:id and bulk update; no create, no sections), while "Flexible
Assets" documents POST /flexible_assets with `organization-id`, `flexible-asset-type-id`
and `traits` keyed by the fields' `name-key`. So the admin makes a flexible asset type for
KB articles in IT Glue (a Text field for the title, a Textbox field for the body) and names
its two name-keys in the settings; FlowPilot fills them with the title and the HTML body."""

from __future__ import annotations

import json
from typing import Any

import httpx

from flowpilot.integrations import outbound
from flowpilot.integrations.delivery import (
    DeliveryError,
    http_status_error,
    unreachable,
    vendor_detail,
)

VENDOR = "IT Glue"
JSON_API = "application/vnd.api+json"
REGIONS = {
    "us": "https://api.itglue.com",
    "eu": "https://api.eu.itglue.com",
    "au": "https://api.au.itglue.com",
}
# Titles are kept short: the title field is what IT Glue shows in its asset lists.
TITLE_MAX = 255


class ITGlueClient:
    def __init__(self, *, base_url: str, api_key: str, timeout: float = 20) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"x-api-key": api_key, "Accept": JSON_API}
        self.timeout = timeout

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        headers = dict(self.headers)
        content = None
        if body is not None:
            # "If the request does not have a payload, the Content-Type header is not required."
            headers["Content-Type"] = JSON_API
            content = json.dumps(body).encode()
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url,
                headers=headers,
                timeout=self.timeout,
                transport=outbound.transport(),
            ) as client:
                response = await client.request(method, path, content=content, params=params)
        except httpx.HTTPError as exc:
            raise unreachable(VENDOR, exc, DeliveryError) from exc
        if response.status_code >= 400:
            detail = vendor_detail(response)
            raise http_status_error(VENDOR, response.status_code, detail, response.headers)
        return response.json() if response.content else {}

    async def organization_name(self, organization_id: int) -> str:
        found = await self._call("GET", f"/organizations/{organization_id}")
        return str(found["data"]["attributes"]["name"])

    async def asset_type(self, type_id: int) -> tuple[str, list[str]]:
        """The flexible asset type's name and the name-keys of its fields."""
        found = await self._call(
            "GET", f"/flexible_asset_types/{type_id}", params={"include": "flexible_asset_fields"}
        )
        keys = [
            str(item["attributes"]["name-key"])
            for item in found.get("included") or []
            if item.get("type") == "flexible-asset-fields"
        ]
        return str(found["data"]["attributes"]["name"]), keys

    async def test_connection(
        self, organization_id: int, type_id: int, title_trait: str, body_trait: str
    ) -> str:
        """Reads the organization and the flexible asset type, and checks that the type has
        the two fields the settings name: a wrong name-key is refused by IT Glue only when
        an article is pushed ("Request contains invalid trait keys")."""
        organization = await self.organization_name(organization_id)
        type_name, keys = await self.asset_type(type_id)
        missing = [key for key in (title_trait, body_trait) if key not in keys]
        if missing:
            raise DeliveryError(
                f"IT Glue: the flexible asset type {type_name!r} has no field with the name-key "
                f"{', '.join(missing)} (its fields: {', '.join(keys) or 'none'})"
            )
        return f"IT Glue: organization {organization}, flexible asset type {type_name}"

    async def create_article(
        self,
        *,
        organization_id: int,
        type_id: int,
        title_trait: str,
        body_trait: str,
        title: str,
        html: str,
    ) -> str:
        body = {
            "data": {
                "type": "flexible-assets",
                "attributes": {
                    "organization-id": organization_id,
                    "flexible-asset-type-id": type_id,
                    "traits": {title_trait: title[:TITLE_MAX], body_trait: html},
                },
            }
        }
        created = await self._call("POST", "/flexible_assets", body=body)
        return str(created["data"]["id"])
