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


def text_encoding(data: bytes) -> str | None:
    """The encoding a text file is in (as a charset name browsers know), or None for binary.
    Windows tools write UTF-16 (PowerShell 5's Out-File, regedit exports), often with a BOM,
    sometimes without; other old tools write Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data:
        return _bomless_utf16(data)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the probe's end is still UTF-8.
        if exc.start >= len(data) - 4:
            return "utf-8"
    decoded = data.decode("cp1252", errors="replace")
    return "windows-1252" if _mostly_printable(decoded) else None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: text in the Latin range has a zero in every other byte."""
    sample = data[: len(data) - len(data) % 2][:4096]
    if len(sample) < 4:
        return None
    evens, odds = sample[0::2], sample[1::2]
    for zeros, charset in ((odds, "utf-16-le"), (evens, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros):
            text = sample.decode(charset, errors="replace")
            return charset if _mostly_printable(text) else None
    return None


def decode(data: bytes, encoding: str) -> str:
    # Python reads "utf-8" with a BOM as a character; utf-8-sig drops it.
    codec = {"utf-8": "utf-8-sig", "windows-1252": "cp1252"}.get(encoding, encoding)
    return data.decode(codec, errors="replace")


def _as_text(data: bytes) -> str | None:
    encoding = text_encoding(data)
    return None if encoding is None else decode(data, encoding)


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
