from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel


class LibraryStep(BaseModel):
    title: str
    instruction: str
    expect: str = ""
    kind: str = "action"


class LibraryEntryOut(BaseModel):
    id: uuid.UUID
    kind: str
    slug: str
    title: str
    domain: str
    summary: str
    scope: str  # "starter" or "account"
    steps: list[LibraryStep]


class LibrarySearchHit(BaseModel):
    entry: LibraryEntryOut
    score: float  # match confidence 0..1, the same figure chat turns use
    fits: bool  # at or above the threshold the assistant follows a playbook
    matched: list[str] = []


def entry_out(entry: Any) -> LibraryEntryOut:
    return LibraryEntryOut(
        id=entry.id,
        kind=entry.kind,
        slug=entry.slug,
        title=entry.title,
        domain=entry.domain,
        summary=entry.summary,
        scope="starter" if entry.account_id is None else "account",
        steps=[LibraryStep(**s) for s in entry.steps],
    )
