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


def test_every_operation_documents_its_error_answers() -> None:
    schema = create_app(make_settings(), run_worker=False).openapi()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            invalid = responses["422"]["content"]["application/json"]["schema"]["$ref"]
            assert invalid.endswith("/ValidationErrorBody"), where
            if operation.get("security"):
                assert {"401", "403"} <= responses.keys(), where
            if "{" in path:
                assert "404" in responses, where
            if "requestBody" in operation:
                assert "413" in responses, where
    login = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "409", "429"} <= login.keys()
