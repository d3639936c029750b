"""Reading uploads without a model: log/text analysis, PDF and e-mail text, image metadata,
OCR when tesseract is installed. The same extraction feeds a model when one is configured.

The functions here are synchronous and some are slow (a 20 MB log takes seconds, tesseract
on a large screenshot as long). Jobs run on the API's event loop by default, so the job code
calls them through `run_blocking` (a small thread pool) and `ocr` (an asyncio subprocess),
both with a timeout that raises `AnalysisTimeout`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import functools
import io
import os
import re
import shutil
import signal
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import structlog

from flowpilot.uploads import sniff

log = structlog.get_logger(__name__)
T = TypeVar("T")

# Per step (reading a file, OCR of an image). Normal inputs need a few seconds at most at the
# 20 MB upload limit; longer is a pathological file, which would take as long on every retry.
ANALYSIS_TIMEOUT_SECONDS = 60.0
# Two threads: the in-process worker runs two jobs at once; more would only take the GIL (and
# CPU) from the API's event loop without finishing sooner.
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="upload-analysis")


class AnalysisTimeout(Exception):
    """Reading an upload took longer than allowed. Not worth retrying: the same file takes as
    long again. The message is recorded as the upload's description_error."""


async def run_blocking(
    what: str, fn: Callable[..., T], *args: Any, limit_seconds: float = ANALYSIS_TIMEOUT_SECONDS
) -> T:
    """fn(*args) in the analysis thread pool, so the event loop keeps serving requests.
    On timeout the caller gets AnalysisTimeout at once; the thread cannot be killed and ends
    on its own (the slow steps check their deadline, see `pdf_text`)."""
    future = asyncio.get_running_loop().run_in_executor(_executor, functools.partial(fn, *args))
    try:
        return await asyncio.wait_for(future, limit_seconds)
    except TimeoutError:
        if not future.cancelled():
            raise  # raised by fn itself, not our timeout
        raise AnalysisTimeout(
            f"{what} took longer than {limit_seconds:g} s and was stopped"
        ) from None


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


# Where a long text may be cut for scanning in pieces (see _spans): after a character that no
# match of the patterns using the cut can contain. ERROR_CODE and TIMESTAMP: anything but word
# characters, space, ':' and '-' (so any line break); EVENT_ID: anything but word characters,
# whitespace, ':' and '='; the line patterns (within one long line): anything but word
# characters and space.
LINE_LOCAL_CUT = re.compile(r"[^\w :-]")
EVENT_ID_CUT = re.compile(r"[^\w\s:=]")
WORD_CUT = re.compile(r"[^\w ]")  # RELEVANT, ERROR_LINE, WARNING_LINE: words and spaces
SCAN_CHARS = 256 * 1024


def _spans(
    text: str, cut: re.Pattern[str] | None, size: int = SCAN_CHARS
) -> Iterator[tuple[int, int]]:
    """(start, end) pieces of about `size` characters covering text. With `cut`, each piece
    ends just after a character `cut` matches; else just after a line break.

    One regex call over a 20 MB log holds the GIL for half a second, stalling the event loop
    even from a worker thread; calls over pieces let it run in between. A piece never ends
    inside a match, so pattern.finditer(text, start, end) over the pieces finds exactly the
    matches of pattern.finditer(text) (`\\b` at `start` still sees the character before it)."""
    start, n = 0, len(text)
    while start < n:
        if start + size >= n:
            end = n
        elif cut is None:
            newline = text.find("\n", start + size)
            end = n if newline == -1 else newline + 1
        else:
            found = cut.search(text, start + size)
            end = n if found is None else found.end()
        yield start, end
        start = end


def _finditer(pattern: re.Pattern[str], text: str, cut: re.Pattern[str]) -> Iterator[re.Match[str]]:
    for start, end in _spans(text, cut):
        yield from pattern.finditer(text, start, end)


def _has(pattern: re.Pattern[str], line: str) -> bool:
    """pattern.search(line) is not None; a long line (a one-line JSON export) in pieces."""
    if len(line) <= SCAN_CHARS:
        return pattern.search(line) is not None
    return any(pattern.search(line, start, end) for start, end in _spans(line, WORD_CUT))


def _splitlines(text: str) -> list[str]:
    """text.splitlines(), a piece at a time (pieces end with a line break)."""
    return [line for start, end in _spans(text, None) for line in text[start:end].splitlines()]


def analyse_text(text: str) -> dict[str, Any]:
    """Errors, warnings, event ids, codes and time range; large logs reduced to the lines that
    matter (so no model ever sees megabytes of noise). CPU-bound: call it via run_blocking."""
    lines = _splitlines(text)
    relevant = [ln.strip() for ln in lines if _has(RELEVANT, ln)]
    errors = Counter(ln for ln in relevant if _has(ERROR_LINE, ln))
    warnings = Counter(ln for ln in relevant if _has(WARNING_LINE, ln) and not _has(ERROR_LINE, ln))
    event_ids = Counter(m.group(1) for m in _finditer(EVENT_ID, text, EVENT_ID_CUT))
    codes = Counter(m.group(0) for m in _finditer(ERROR_CODE, text, LINE_LOCAL_CUT))
    all_stamps = [m.group(0) for m in _finditer(TIMESTAMP, text, LINE_LOCAL_CUT)]
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
        if _has(RELEVANT, line):
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


def pdf_text(data: bytes, deadline: float | None = None) -> str:
    """The text of the first 50 pages. Past `deadline` (a time.monotonic() value) it stops
    between pages with AnalysisTimeout: run_blocking's timeout cannot stop a thread."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    texts = []
    for page in reader.pages[:50]:
        if deadline is not None and time.monotonic() > deadline:
            raise AnalysisTimeout("Reading the PDF took too long and was stopped")
        texts.append(page.extract_text() or "")
    return "\n".join(texts)


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


def text_facts(
    kind: str, data: bytes, deadline: float | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """E-mail headers (empty for other kinds) and analyse_text's facts of a pdf, email or text
    upload. CPU-bound: call it via `read_text`."""
    headers: dict[str, str] = {}
    if kind == "pdf":
        text = pdf_text(data, deadline)
    elif kind == "email":
        headers, text = email_text(data)
    else:
        text = decode_text(data)
    return headers, analyse_text(text)


async def read_text(
    kind: str, data: bytes, limit_seconds: float = ANALYSIS_TIMEOUT_SECONDS
) -> tuple[dict[str, str], dict[str, Any]]:
    """text_facts off the event loop; AnalysisTimeout after `limit_seconds`."""
    deadline = time.monotonic() + limit_seconds
    what = {"pdf": "Reading the PDF", "email": "Reading the e-mail"}.get(kind, "Analysing the file")
    return await run_blocking(what, text_facts, kind, data, deadline, limit_seconds=limit_seconds)


def base64_text(data: bytes) -> str:
    """base64.b64encode(data).decode(), 768 KB at a time: one call over a 20 MB image holds
    the GIL for a tenth of a second (the pieces, a multiple of 3 bytes, encode the same)."""
    step = 3 * 256 * 1024
    view = memoryview(data)
    return "".join(
        base64.b64encode(view[i : i + step]).decode("ascii") for i in range(0, len(data), step)
    )


async def ocr(data: bytes, limit_seconds: float = ANALYSIS_TIMEOUT_SECONDS) -> str | None:
    """Text read from a screenshot, or None when tesseract is not installed. tesseract runs as
    an asyncio subprocess, so the event loop keeps serving meanwhile; after `limit_seconds`
    it is killed and AnalysisTimeout raised."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="flowpilot-ocr-") as tmp:
        path = Path(tmp) / "image"
        await asyncio.to_thread(path.write_bytes, data)
        stdout = await run_command(
            [binary, str(path), "stdout"],
            what="OCR of the image (tesseract)",
            limit_seconds=limit_seconds,
        )
    return stdout.decode("utf-8", errors="replace").strip()


async def run_command(args: list[str], *, what: str, limit_seconds: float) -> bytes:
    """The command's standard output, whatever its exit status (logged when not 0). On timeout
    or cancellation its process group is killed (and reaped); a timeout raises AnalysisTimeout."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # its own process group: a wrapper script dies with its child
    )
    try:
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(), limit_seconds)
        except BaseException:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            raise
    except TimeoutError:
        log.warning("analysis_command_timed_out", command=Path(args[0]).name, seconds=limit_seconds)
        raise AnalysisTimeout(
            f"{what} took longer than {limit_seconds:g} s and was stopped"
        ) from None
    if proc.returncode:
        log.warning(
            "analysis_command_failed",
            command=Path(args[0]).name,
            returncode=proc.returncode,
            stderr=stderr.decode("utf-8", errors="replace")[-500:],
        )
    return stdout
