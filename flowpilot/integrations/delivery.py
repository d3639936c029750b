"""What every outbound integration raises when a delivery fails."""

from __future__ import annotations

from typing import Any, TypeVar


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
