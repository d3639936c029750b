"""Domain errors carry their HTTP status; one handler renders every error as {detail, code}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra
        self.headers: dict[str, str] = {}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PaymentRequired(DomainError):
    """The account's AI budget for the month is used up and set to block model turns."""

    status_code = 402
    code = "ai_budget_exhausted"


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnprocessableInput(DomainError):
    """Well-formed, but something the request needs is missing (e.g. a recipient)."""

    status_code = 422
    code = "unprocessable"


class ProviderFailed(DomainError):
    status_code = 502
    code = "provider_error"


def _body(detail: Any, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def _problem(loc: list[Any], msg: str) -> str:
    """`input_per_million: Input should be less than or equal to 1000` (the field, without
    where it was sent: body, query, path)."""
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    where = ".".join(str(p) for p in loc)
    return f"{where}: {msg}" if where else msg


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            _body(exc.detail, exc.code, **exc.extra), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        # The first few problems in words, for a client that shows `detail` as it is.
        said = "; ".join(_problem(e["loc"], e["msg"]) for e in errors[:3])
        detail = f"Invalid request: {said}" if said else "Invalid request"
        return JSONResponse(_body(detail, "validation_error", errors=errors), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            _body(exc.detail, code), exc.status_code, headers=getattr(exc, "headers", None)
        )

    # Unexpected exceptions are logged and answered by RequestIdMiddleware (flowpilot/logs.py),
    # which also keeps the connection open afterwards.
