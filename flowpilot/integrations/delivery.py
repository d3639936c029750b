"""What every outbound integration raises when a delivery fails."""

from __future__ import annotations


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
