"""The OpenAPI schema documents the error answers every operation can really give, with the
one body they all share ({detail, code, …}), so generated clients and fuzzers see the truth.

Which codes an operation can answer follows from its OpenAPI shape: signed-in routes can answer 401
and 403 (a role, CSRF or a team rule), routes with path parameters 404, routes with a body 413,
every route 422 (validation, control characters, a domain rule), writes 409 (a state that
moved on), and a few named routes 429 (throttles) or 502 (a model or vendor failed)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """Every error FlowPilot answers. Some codes add fields (e.g. `accounts` on
    choose_account, `errors` on validation_error)."""

    model_config = ConfigDict(extra="allow")

    detail: str
    code: str = Field(description="Stable machine-readable reason, e.g. not_found, email_taken")


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(ErrorBody):
    errors: list[ValidationIssue] = Field(default_factory=list)


DESCRIPTIONS = {
    401: "Not signed in, or the sign-in expired",
    403: "Signed in, but not allowed (role, CSRF token, team)",
    404: "No such object in your account",
    409: "The object's state does not allow this now",
    413: "The request body is too large",
    422: "The input is not valid",
    429: "Too many attempts; see Retry-After",
    502: "The AI model or a vendor failed; nothing was lost",
}

# Operations that can answer more than their shape implies (path, method).
EXTRA_CODES: dict[tuple[str, str], tuple[int, ...]] = {
    ("/api/v1/auth/login", "post"): (401, 409, 429),
    ("/api/v1/psa-connections/{connection_id}/tickets/{ticket_id}", "get"): (502,),
}
# Writes that call a model or a vendor on the way (chat, documents, handoffs, pushes, tests).
UPSTREAM_WORDS = ("message", "generate", "preview", "test", "push", "handoff", "describe", "ticket")


def codes_for(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    codes = {422}
    if operation.get("security"):
        codes |= {401, 403}
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.add(404)
    if "requestBody" in operation:
        codes.add(413)
    if method != "get":
        codes.add(409)
        if any(word in path for word in UPSTREAM_WORDS):
            codes.add(502)
    codes |= set(EXTRA_CODES.get((path, method), ()))
    return codes


def install_error_docs(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _schema_with_errors(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _schema_with_errors(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, ValidationIssue, ValidationErrorBody):
        found = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(found.pop("$defs", {}))
        components[model.__name__] = found
    # FastAPI's own validation shapes are never sent (one handler renders every error).
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for code in sorted(codes_for(path, method, operation)):
                body = "ValidationErrorBody" if code == 422 else "ErrorBody"
                responses[str(code)] = {
                    "description": DESCRIPTIONS[code],
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                    },
                }
    return schema
