"""Load the starter playbooks (TOML data files) into PostgreSQL, idempotently."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.library.models import LibraryEntry
from flowpilot.library.playbook_format import read_file

DATA_DIR = Path(__file__).parent / "data"
# Bump when the way a playbook is stored changes, so every row is rewritten once.
STORAGE_VERSION = "2"


def read_playbooks(directory: Path = DATA_DIR) -> list[dict[str, Any]]:
    return [read_file(path) for path in sorted(directory.glob("*.toml"))]


def content_hash(data: dict[str, Any]) -> str:
    payload = json.dumps([STORAGE_VERSION, data], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _body(data: dict[str, Any]) -> str:
    parts = list(data.get("symptoms", []))
    for cause in data.get("causes", []):
        parts += [cause["title"], cause["fix"]]
    for step in data["steps"]:
        parts += [step["title"], step["check"], step.get("look_for", "")]
    return "\n".join(p for p in parts if p)


def apply_guide(entry: LibraryEntry, data: dict[str, Any]) -> None:
    """Copy a validated playbook document onto its library row."""
    entry.title = data["title"]
    entry.domain = data["domain"]
    entry.summary = data["summary"]
    entry.keywords_text = " ".join(
        [*data.get("keywords", []), *data.get("aliases", []), *data.get("products", [])]
    )
    entry.body = _body(data)
    entry.steps = [
        {
            "id": s["id"],
            "title": s["title"],
            "instruction": s["check"],
            "expect": s.get("look_for", ""),
            "kind": s.get("kind", "action"),
        }
        for s in data["steps"]
    ]
    entry.guide = data
    entry.content_hash = content_hash(data)


async def sync_starter_library(db: AsyncSession) -> int:
    """Insert or update changed playbooks; returns how many rows were written."""
    existing = {
        e.slug: e
        for e in await db.scalars(select(LibraryEntry).where(LibraryEntry.account_id.is_(None)))
    }
    written = 0
    playbooks = read_playbooks()
    for gone in set(existing) - {p["slug"] for p in playbooks}:
        if existing[gone].status != "retired":
            existing[gone].status = "retired"
            written += 1
    for data in playbooks:
        entry = existing.get(data["slug"])
        if entry is not None and entry.content_hash == content_hash(data):
            continue
        if entry is None:
            entry = LibraryEntry(account_id=None, slug=data["slug"], kind="flow")
            db.add(entry)
        apply_guide(entry, data)
        entry.status = "active"
        written += 1
    await db.flush()
    return written


async def load_library(db: AsyncSession) -> int:
    """Sync the shipped playbooks and commit (start-up, tests, benches)."""
    written = await sync_starter_library(db)
    await db.commit()
    return written
