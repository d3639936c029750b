"""GET /metrics with FLOWPILOT_METRICS_TOKEN: only a scraper with the token gets them."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import make_settings


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return make_settings(FLOWPILOT_METRICS_TOKEN="scrape-me")


async def test_with_a_token_only_the_scraper_gets_them(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    ok = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert ok.status_code == 200 and "flowpilot_http_requests_total" in ok.text
