"""Reading uploads without a model: log/text analysis, PDF and e-mail text, image metadata,
OCR when tesseract is installed. The same extraction feeds a model when one is configured."""

from __future__ import annotations

import email
import email.policy
import io
import re
import shutil
import struct
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from flowpilot.uploads import sniff

RELEVANT = re.compile(
    r"\b(error|fail(ed|ure)?|fatal|critical|exception|denied|timed? ?out|refused|unable|"
    r"cannot|warn(ing)?|corrupt|crash|stopped unexpectedly|0x[0-9a-f]{8})\b",
    re.IGNORECASE,
)
ERROR_LINE = re.compile(r"\b(error|fail(ed|ure)?|fatal|critical|exception|crash)\b", re.IGNORECASE)
WARNING_LINE = re.compile(r"\bwarn(ing)?\b", re.IGNORECASE)
EVENT_ID = re.compile(r"\bEvent ?ID[:=\s]+(\d{1,5})\b", re.IGNORECASE)
ERROR_CODE = re.compile(r"\b0x[0-9A-Fa-f]{8}\b|\b[A-Z]{2,}\d{3,}\b")
TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
MAX_RELEVANT_LINES = 200
MAX_EXTRACT_CHARS = 20_000


def decode_text(data: bytes) -> str:
    return sniff.decode(data, sniff.text_encoding(data[: sniff.TEXT_PROBE]) or "windows-1252")


def analyse_text(text: str) -> dict[str, Any]:
    """Errors, warnings, event ids, codes and time range; large logs reduced to the lines that
    matter (so no model ever sees megabytes of noise)."""
    lines = text.splitlines()
    relevant = [ln.strip() for ln in lines if RELEVANT.search(ln)]
    errors = Counter(ln for ln in relevant if ERROR_LINE.search(ln))
    warnings = Counter(
        ln for ln in relevant if WARNING_LINE.search(ln) and not ERROR_LINE.search(ln)
    )
    event_ids = Counter(EVENT_ID.findall(text))
    codes = Counter(c for c in ERROR_CODE.findall(text))
    all_stamps = [m.group(0) for m in TIMESTAMP.finditer(text)]
    events = windows_events(text)
    if events:
        # Event Viewer exports: one finding per event, named by id, source and message.
        errors = Counter(e for e, level in events if level in ("error", "critical"))
        warnings = Counter(e for e, level in events if level == "warning")
    # Keep context around each relevant line (the line before often names the source).
    reduced = _with_context(lines, MAX_RELEVANT_LINES)
    return {
        "line_count": len(lines),
        "error_count": sum(errors.values()),
        "warning_count": sum(warnings.values()),
        "errors": [f"{line} (x{n})" if n > 1 else line for line, n in errors.most_common(10)],
        "warnings": [f"{line} (x{n})" if n > 1 else line for line, n in warnings.most_common(5)],
        "event_ids": [f"{eid} (x{n})" for eid, n in event_ids.most_common(10)],
        "error_codes": [c for c, _ in codes.most_common(10)],
        "first_timestamp": min(all_stamps) if all_stamps else None,
        "last_timestamp": max(all_stamps) if all_stamps else None,
        "reduced_text": reduced[:MAX_EXTRACT_CHARS],
    }


FIELD = re.compile(r"^\s*(Source|Event ?ID|Level|Description)\s*[:=]\s*(.*)$", re.IGNORECASE)


def windows_events(text: str) -> list[tuple[str, str]]:
    """Events of an Event Viewer text export: ("Event 7 Disk (Error): message", "error")."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            m = FIELD.match(line)
            if m:
                fields[m.group(1).lower().replace(" ", "")] = m.group(2).strip()
        if "eventid" in fields and "level" in fields:
            level = fields["level"].lower()
            summary = (
                f"Event {fields['eventid']} {fields.get('source', '')} ({fields['level']}): "
                f"{fields.get('description', '')[:200]}"
            )
            out.append((summary, level))
    return out


def _with_context(lines: list[str], limit: int) -> str:
    keep: list[int] = []
    seen: set[int] = set()
    for i, line in enumerate(lines):
        if RELEVANT.search(line):
            for j in (i - 1, i):
                if 0 <= j < len(lines) and j not in seen:
                    seen.add(j)
                    keep.append(j)
        if len(keep) >= limit * 2:
            break
    if not keep:
        return "\n".join(lines[:limit])
    return "\n".join(lines[j] for j in keep)


def describe_text_offline(name: str, facts: dict[str, Any]) -> str:
    del name  # the file's name is shown next to its description already
    parts = [f"{facts['line_count']} lines, {facts['error_count']} error lines"]
    parts.append(f"{facts['warning_count']} warnings")
    if facts["event_ids"]:
        parts.append("event ids " + ", ".join(facts["event_ids"][:5]))
    if facts["error_codes"]:
        parts.append("codes " + ", ".join(facts["error_codes"][:5]))
    if facts["first_timestamp"]:
        parts.append(f"from {facts['first_timestamp']} to {facts['last_timestamp']}")
    text = ", ".join(parts) + "."
    if facts["errors"]:
        text += f" Most frequent error: {facts['errors'][0][:200]}"
    return text


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages[:50])


def email_text(data: bytes) -> tuple[dict[str, str], str]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = {k: str(message.get(k, "")) for k in ("From", "To", "Subject", "Date")}
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return headers, str(text)


def image_metadata(data: bytes) -> dict[str, Any]:
    width = height = None
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
    elif data.startswith(b"\xff\xd8"):
        width, height = _jpeg_size(data)
    return {"width": width, "height": height, "bytes": len(data)}


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    return None, None


def ocr(data: bytes) -> str | None:
    """Text read from a screenshot, or None when tesseract is not installed."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "image"
        path.write_bytes(data)
        done = subprocess.run(
            [binary, str(path), "stdout"], capture_output=True, timeout=60, check=False
        )
    return done.stdout.decode("utf-8", errors="replace").strip()
