from __future__ import annotations

import httpx


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_request_id_is_returned_and_kept(client: httpx.AsyncClient) -> None:
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await client.get("/healthz", headers={"X-Request-ID": "ticket-4711"})
    assert echoed.headers["x-request-id"] == "ticket-4711"


async def test_unknown_api_path_is_json_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    r = await client.delete("/api/v1/auth/login")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_a_started_server_has_its_library_index_built_and_its_heap_frozen(
    worker_database_uri: str,
) -> None:
    import gc

    from flowpilot.library import retrieval
    from tests.live import start_server

    retrieval._INDEXES.clear()
    retrieval._BY_FINGERPRINT.clear()
    live = start_server(DATABASE_URL=worker_database_uri, FLOWPILOT_SETTLE_HEAP=True)
    try:
        assert gc.get_freeze_count() > 0
        assert retrieval._INDEXES  # the starter index, before the first turn needs it
        assert retrieval._BY_FINGERPRINT
    finally:
        live.stop()
        gc.unfreeze()
