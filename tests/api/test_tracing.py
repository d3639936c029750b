"""OpenTelemetry traces: exported over OTLP/HTTP to the configured endpoint, one span per
request, per chat turn and per model call, linked as parent and child; nothing without an
endpoint; no message text in any attribute."""

from __future__ import annotations

from pathlib import Path

import httpx

from flowpilot import telemetry
from flowpilot.ai.offline import OfflineProvider
from flowpilot.app import create_app
from flowpilot.storage import LocalStorage
from tests.conftest import Tenant, make_settings
from tests.fakes.otlp import OtlpCollector

SECRET_WORDS = "Contoso payroll share unreachable"


def _app(maker, tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(**settings), run_worker=False)
    app.state.sessionmaker = maker
    app.state.provider = OfflineProvider()
    app.state.storage = LocalStorage(tmp_path / "uploads")
    return app


async def _one_turn(app, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        h = tenant.engineer.headers
        s = (
            await client.post(
                "/api/v1/ai-sessions", json={"problem_summary": SECRET_WORDS}, headers=h
            )
        ).json()
        said = await client.post(
            f"/api/v1/ai-sessions/{s['id']}/messages",
            json={"content": "still failing after a reboot"},
            headers={**h, "Accept": "application/json"},
        )
        assert said.status_code == 200, said.text


async def test_a_turn_is_traced_request_turn_and_model_call(
    maker, tenant: Tenant, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with OtlpCollector() as collector:
        app = _app(
            maker, tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, OTEL_SERVICE_NAME="fp-test"
        )
        try:
            await _one_turn(app, tenant)
        finally:
            telemetry.shutdown()  # flushes the batch, as the server's shutdown does

        request = collector.named("POST /api/v1/ai-sessions/{session_id}/messages")
        turn = collector.named("chat.turn")
        model = collector.named("model.stream offline")
        assert len(request) == 1 and len(turn) == 1 and len(model) == 1
        assert turn[0].trace_id == request[0].trace_id == model[0].trace_id
        assert turn[0].parent_span_id == request[0].span_id
        assert model[0].parent_span_id == turn[0].span_id
        assert [e.name for e in model[0].events] == ["first_token"]
        # Where the time before the model call went: each step a child of the request.
        steps = ["budget", "save", "history", "library", "plan", "prompt"]
        for step in steps:
            (span,) = collector.named(f"turn.{step}")
            assert span.parent_span_id == request[0].span_id, step
        starts = [collector.named(f"turn.{step}")[0].start_time_unix_nano for step in steps]
        assert starts == sorted(starts)
        assert starts[-1] < model[0].start_time_unix_nano
        attrs = {a.key: a.value for a in request[0].attributes}
        assert attrs["http.response.status_code"].int_value == 200
        assert attrs["http.route"].string_value == "/api/v1/ai-sessions/{session_id}/messages"
        assert collector.resources[0]["service.name"] == "fp-test"
        assert collector.content_types[0] == "application/x-protobuf"
        # Traces leave the machine: ids and counts, never what the engineer wrote.
        for span in collector.spans:
            for attribute in span.attributes:
                assert "payroll" not in str(attribute.value)


async def test_an_app_without_an_endpoint_records_nothing(maker, tenant: Tenant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with OtlpCollector() as collector:
        _app(maker, tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=collector.url)
        assert telemetry.tracer().start_span("probe").is_recording()
        # Assembled again without an endpoint (as every other process here is): exporting
        # stops, spans are the API's no-ops, a turn sends nothing.
        app = _app(maker, tmp_path)
        assert not telemetry.tracer().start_span("probe").is_recording()
        await _one_turn(app, tenant)
        telemetry.shutdown()
        assert collector.spans == []
