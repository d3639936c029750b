"""Load the starter playbooks (TOML data files) into PostgreSQL, idempotently."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.library.models import LibraryEntry

DATA_DIR = Path(__file__).parent / "data"
STEP_KINDS = {"question", "action", "verification", "info_request", "script_generation", "note"}


class PlaybookError(ValueError):
    pass


def read_playbooks(directory: Path = DATA_DIR) -> list[dict[str, Any]]:
    playbooks = []
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        validate(data, path.name)
        playbooks.append(data)
    return playbooks


def validate(data: dict[str, Any], name: str) -> None:
    for key in ("slug", "title", "domain", "summary", "keywords", "steps"):
        if key not in data:
            raise PlaybookError(f"{name}: missing '{key}'")
    if len(data["steps"]) < 3:
        raise PlaybookError(f"{name}: a playbook needs at least 3 steps")
    for step in data["steps"]:
        if not step.get("title") or not step.get("instruction"):
            raise PlaybookError(f"{name}: every step needs a title and an instruction")
        if step.get("kind", "action") not in STEP_KINDS:
            raise PlaybookError(f"{name}: unknown step kind {step.get('kind')}")


def _content_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _body(data: dict[str, Any]) -> str:
    parts = list(data.get("symptoms", []))
    for step in data["steps"]:
        parts += [step["title"], step["instruction"], step.get("expect", "")]
    return "\n".join(p for p in parts if p)


async def sync_starter_library(db: AsyncSession) -> int:
    """Insert or update changed playbooks; returns how many rows were written."""
    existing = {
        e.slug: e
        for e in await db.scalars(select(LibraryEntry).where(LibraryEntry.account_id.is_(None)))
    }
    written = 0
    for data in read_playbooks():
        digest = _content_hash(data)
        entry = existing.get(data["slug"])
        if entry is not None and entry.content_hash == digest:
            continue
        if entry is None:
            entry = LibraryEntry(account_id=None, slug=data["slug"], kind="flow")
            db.add(entry)
        entry.title = data["title"]
        entry.domain = data["domain"]
        entry.summary = data["summary"]
        entry.keywords_text = " ".join(data["keywords"])
        entry.body = _body(data)
        entry.steps = [
            {
                "title": s["title"],
                "instruction": s["instruction"],
                "expect": s.get("expect", ""),
                "kind": s.get("kind", "action"),
            }
            for s in data["steps"]
        ]
        entry.content_hash = digest
        written += 1
    await db.flush()
    return written
