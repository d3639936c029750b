"""Helpers shared by the vendor adapters."""

from __future__ import annotations

from flowpilot.ai.base import ChatMessage
from flowpilot.ai.redact import redact


def merge_consecutive(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Vendors want alternating roles; two user turns in a row are sent as one."""
    merged: list[ChatMessage] = []
    for msg in messages:
        if merged and merged[-1].role == msg.role:
            prev = merged[-1]
            merged[-1] = ChatMessage(
                role=prev.role,
                text=f"{prev.text}\n\n{msg.text}",
                images=prev.images + msg.images,
                context=msg.context or prev.context,
            )
        else:
            merged.append(msg)
    return merged


def outbound(text: str, enabled: bool) -> str:
    return redact(text) if enabled else text


def friendly_status(vendor: str, status: int, message: str) -> str:
    if status in (401, 403):
        return f"{vendor} rejected the API key ({status}). Check the key in the configuration."
    if status == 404:
        return f"{vendor} does not know this model or endpoint ({status}): {message}"
    if status == 429:
        return f"{vendor} is rate-limiting requests (429). Try again in a moment."
    if status in (500, 502, 503, 504, 529):
        return f"{vendor} is unavailable or overloaded ({status}). Try again in a moment."
    return f"{vendor} returned an error ({status}): {message}"
