"""What a file really is, from its bytes (never from its name or the client's claim)."""

from __future__ import annotations

import json
from dataclasses import dataclass

TEXT_PROBE = 64 * 1024


@dataclass(frozen=True)
class Detected:
    mime: str
    kind: str  # image | text | pdf | email
    extension: str


class Unsupported(ValueError):
    pass


def sniff(head: bytes) -> Detected:
    """Decide from the first bytes; raises Unsupported for anything not on the allow list."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("image/png", "image", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Detected("image/jpeg", "image", "jpg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Detected("image/gif", "image", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Detected("image/webp", "image", "webp")
    if head.startswith(b"%PDF-"):
        return Detected("application/pdf", "pdf", "pdf")
    if head.startswith(b"ElfFile\x00"):
        raise Unsupported("Binary .evtx files are not accepted: export the log as text or CSV")
    text = _as_text(head[:TEXT_PROBE])
    if text is None:
        raise Unsupported("Only images (PNG, JPEG, GIF, WebP), PDF, e-mail and text files")
    return _text_kind(text)


def _as_text(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the probe's end is still text.
        if exc.start >= len(data) - 4:
            return data[: exc.start].decode("utf-8", errors="strict")
        try:
            decoded = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
        return decoded if _mostly_printable(decoded) else None


def _mostly_printable(text: str) -> bool:
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def _text_kind(text: str) -> Detected:
    stripped = text.lstrip("\ufeff \r\n\t")
    head = stripped[:2000]
    if _looks_like_email(head):
        return Detected("message/rfc822", "email", "eml")
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
            return Detected("application/json", "text", "json")
        except ValueError:
            pass
    if stripped.startswith("<?xml") or (stripped.startswith("<") and "<Event" in head):
        return Detected("application/xml", "text", "xml")
    first = head.splitlines()[0] if head else ""
    if first.count(",") >= 2 and all(line.count(",") >= 1 for line in head.splitlines()[1:4]):
        return Detected("text/csv", "text", "csv")
    return Detected("text/plain", "text", "txt")


def _looks_like_email(head: str) -> bool:
    headers = {line.split(":", 1)[0].lower() for line in head.splitlines()[:40] if ":" in line}
    return len(headers & {"from", "to", "subject", "received", "message-id", "mime-version"}) >= 3
