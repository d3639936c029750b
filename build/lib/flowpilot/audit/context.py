"""The client address of the request being served (set by the request middleware)."""

from __future__ import annotations

from contextvars import ContextVar

CLIENT_IP: ContextVar[str] = ContextVar("client_ip", default="")
