"""What every outbound integration raises when a delivery fails."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import httpx
import structlog

log = structlog.get_logger(__name__)


class DeliveryError(Exception):
    """`message` is safe to show to the engineer; `retryable` says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


E = TypeVar("E", bound=DeliveryError)


MESSAGE_KEYS = ("message", "Message", "error_description", "detail", "title", "error")


def vendor_detail(response: httpx.Response) -> str:
    """What a vendor says went wrong, from its JSON error fields only: a raw body (an HTML
    page from whatever answered) is never echoed."""
    try:
        body = response.json()
    except ValueError:
        return ""
    parts: list[str] = []
    if isinstance(body, dict):
        parts += [str(body[k]) for k in MESSAGE_KEYS if isinstance(body.get(k), (str, int))]
        for error in body.get("errors") or []:
            if isinstance(error, dict):
                field = error.get("field") or error.get("property") or ""
                message = error.get("message") or error.get("Message") or _json_api(error)
                parts.append(f"{field}: {message}" if field else str(message))
            elif isinstance(error, str):
                parts.append(error)
    text = "; ".join(p for p in parts if p)
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)[:300]


def _json_api(error: dict[str, Any]) -> str:
    """A JSON:API error object (IT Glue): title, detail (a string or a list of strings)
    and the attribute it is about, e.g. "Unprocessable Entity: can't be blank
    (/data/attributes/traits)"."""
    title = error.get("title")
    detail = error.get("detail")
    if isinstance(detail, list):
        detail = ", ".join(str(d) for d in detail if isinstance(d, (str, int)))
    text = ": ".join(str(p) for p in (title, detail) if isinstance(p, (str, int)) and p)
    source = error.get("source")
    pointer = source.get("pointer") if isinstance(source, dict) else None
    if text and isinstance(pointer, str) and pointer:
        text += f" ({pointer})"
    return text


def unreachable(
    vendor: str,
    exc: BaseException,
    cls: type[E] = DeliveryError,  # type: ignore[assignment]
) -> E:
    """One message for every way a connection can fail (refused, timed out, reset, TLS):
    telling them apart would let an admin map which internal ports are open. The real
    reason goes to the server log for the operator."""
    log.warning(
        "outbound.unreachable", vendor=vendor, error_type=type(exc).__name__, error=str(exc)
    )
    return cls(
        f"{vendor} could not be reached: no answer from the address, or the connection was "
        "refused. Check the address and that it is reachable from the FlowPilot server.",
        retryable=True,
    )


# What reading an answer of an unexpected shape raises (a captive portal's HTML page, a
# ticket without an id, a list where an object belongs).
UNEXPECTED_SHAPE = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def unexpected_answer(
    vendor: str,
    exc: BaseException,
    cls: type[E] = DeliveryError,  # type: ignore[assignment]
) -> E:
    log.warning("outbound.unexpected_answer", vendor=vendor, error=repr(exc))
    return cls(
        f"{vendor} answered in a shape FlowPilot does not recognise; check that the address "
        "is the vendor's API."
    )


def http_status_error(
    vendor: str,
    status: int,
    detail: str,
    headers: Any = None,
    cls: type[E] = DeliveryError,  # type: ignore[assignment]
) -> E:
    """One reading of vendor HTTP errors: 401/403 credentials, 404, 429 (+ Retry-After) and
    5xx are retryable, anything else is a refusal worth showing verbatim."""
    retry_after = None
    if headers is not None and headers.get("retry-after"):
        try:
            retry_after = float(headers["retry-after"])
        except ValueError:
            retry_after = None
    if status in (401, 403):
        return cls(f"{vendor} rejected the credentials ({status}): {detail}", status=status)
    if status == 404:
        return cls(f"{vendor}: not found ({detail})", status=status)
    if status == 429:
        return cls(
            f"{vendor} is rate-limiting requests; retrying later",
            status=status,
            retryable=True,
            retry_after=retry_after,
        )
    if status >= 500:
        return cls(f"{vendor} failed ({status}): {detail}", status=status, retryable=True)
    return cls(f"{vendor} refused the request ({status}): {detail}", status=status)
