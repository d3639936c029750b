"""The web app's typed client is generated from frontend/openapi.json: keep it current."""

import json
from pathlib import Path

from flowpilot.app import create_app
from tests.conftest import make_settings

COMMITTED = Path(__file__).resolve().parents[2] / "frontend" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    current = create_app(make_settings(), run_worker=False).openapi()
    committed = json.loads(COMMITTED.read_text())
    assert committed == json.loads(json.dumps(current)), "API changed: run `make api-types`"
