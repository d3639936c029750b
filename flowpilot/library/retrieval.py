"""The library as a ranked index: starter playbooks, the account's own playbooks and its
published KB articles, scored together against a branch's evidence.

Each process keeps the indexed documents in memory keyed by (entry id, content hash); a turn
reads only ids and hashes, and loads full rows for what changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.guidance.evidence import extract
from flowpilot.guidance.ranking import Doc, Index, Match, evidence_query, index_doc, playbook_fields
from flowpilot.library.models import LibraryEntry
from flowpilot.library.service import readable_entries
from flowpilot.lru import Lru

_DOCS: dict[tuple[uuid.UUID, str], Doc] = {}
MAX_INDEXES = 64
_INDEXES: Lru[frozenset[tuple[uuid.UUID, str]], Index] = Lru(MAX_INDEXES)
# By (account, fingerprint of its readable entries): a turn whose library has not changed
# reads one short value instead of a row per entry.
_BY_FINGERPRINT: Lru[tuple[uuid.UUID, str], Index] = Lru(MAX_INDEXES)
MAX_DOCS = 20000


def _version_key(content_hash: str, updated_at: Any, own: bool) -> str:
    return f"{content_hash}:{updated_at.timestamp() if updated_at else 0}:{own}"


def guide_of(entry: LibraryEntry) -> dict[str, Any]:
    """The decision guide of an entry; older rows and KB articles get one from their fields."""
    if entry.guide:
        return entry.guide
    steps = [
        {
            "id": f"step-{i + 1}",
            "title": s.get("title", ""),
            "check": s.get("instruction", ""),
            "look_for": s.get("expect", ""),
            "kind": s.get("kind", "action"),
        }
        for i, s in enumerate(entry.steps or [])
    ]
    return {
        "slug": entry.slug,
        "title": entry.title,
        "domain": entry.domain,
        "summary": entry.summary,
        "keywords": entry.keywords_text.split(),
        "symptoms": [],
        "causes": [],
        "steps": steps,
        "sources": [],
    }


def doc_for(entry: LibraryEntry, account_id: uuid.UUID) -> Doc:
    guide = guide_of(entry)
    fields = playbook_fields(
        {
            **guide,
            "title": entry.title,
            "summary": entry.summary,
            "domain": entry.domain,
            "keywords": guide.get("keywords") or [entry.keywords_text],
        }
    )
    return index_doc(
        key=str(entry.id),
        slug=entry.slug,
        title=entry.title,
        kind="flow" if entry.kind == "flow" else "kb_article",
        own=entry.account_id == account_id,
        fields=fields,
        payload={"guide": guide, "domain": entry.domain, "entry_id": str(entry.id)},
    )


def _fingerprint(account_id: uuid.UUID | BindParameter[uuid.UUID]) -> Any:
    """Every readable active entry's id, content, last change, owner and slug, as one hash."""
    entry = func.concat_ws(
        ":",
        LibraryEntry.id,
        LibraryEntry.content_hash,
        LibraryEntry.updated_at,
        LibraryEntry.account_id,
        LibraryEntry.slug,
    )
    together = func.string_agg(entry, aggregate_order_by(literal(","), LibraryEntry.id))
    return (
        readable_entries(account_id)
        .with_only_columns(func.md5(func.coalesce(together, "")))
        .where(LibraryEntry.status == "active")
    )


# Built once, the account a parameter: a turn neither assembles it nor works out its cache
# key again (measured: 0.7-1.0 -> 0.45 ms per call).
_ACCOUNT_FINGERPRINT = _fingerprint(bindparam("account_id"))


def fingerprint_column(account_id: BindParameter[uuid.UUID]) -> Any:
    """The account's library fingerprint as a column another read can carry (a chat turn
    reads it with its other account settings)."""
    return _fingerprint(account_id).scalar_subquery()


async def library_index(
    db: AsyncSession, account_id: uuid.UUID, fingerprint_read: str | None = None
) -> Index:
    """The search index of what the account reads; `fingerprint_read`: the library's
    fingerprint (`fingerprint_column`) when the caller has read it already."""
    if fingerprint_read is None:
        fingerprint_read = str(await db.scalar(_ACCOUNT_FINGERPRINT, {"account_id": account_id}))
    fingerprint = (account_id, fingerprint_read)
    if (known := _BY_FINGERPRINT.recall(fingerprint)) is not None:
        return known
    index = await _index_of_rows(db, account_id)
    _BY_FINGERPRINT.keep(fingerprint, index)
    return index


async def _index_of_rows(db: AsyncSession, account_id: uuid.UUID) -> Index:
    rows = (
        await db.execute(
            readable_entries(account_id)
            .with_only_columns(
                LibraryEntry.id,
                LibraryEntry.content_hash,
                LibraryEntry.updated_at,
                LibraryEntry.account_id,
                LibraryEntry.slug,
            )
            .where(LibraryEntry.status == "active")
        )
    ).all()
    # An account's copy of a starter playbook takes the starter's place.
    own_slugs = {r.slug for r in rows if r.account_id is not None}
    rows = [r for r in rows if r.account_id is not None or r.slug not in own_slugs]
    # The account's own flag is part of the key: a starter doc is shared by every account.
    keys = frozenset(
        (r.id, _version_key(r.content_hash, r.updated_at, r.account_id == account_id)) for r in rows
    )
    index = _INDEXES.recall(keys)
    if index is not None:
        return index
    if len(_DOCS) > MAX_DOCS:
        _DOCS.clear()
    missing = [entry_id for entry_id, h in keys if (entry_id, h) not in _DOCS]
    if missing:
        for entry in await db.scalars(select(LibraryEntry).where(LibraryEntry.id.in_(missing))):
            key = _version_key(entry.content_hash, entry.updated_at, entry.account_id == account_id)
            _DOCS[(entry.id, key)] = doc_for(entry, account_id)
    index = Index([_DOCS[k] for k in sorted(keys, key=lambda k: str(k[0])) if k in _DOCS])
    _INDEXES.keep(keys, index)
    return index


async def rank_text(
    db: AsyncSession, account_id: uuid.UUID, text: str, limit: int = 5
) -> list[Match]:
    text = text.strip()[:4000]
    if not text:
        return []
    return (await library_index(db, account_id)).rank(evidence_query(text, extract(text)), limit)


@dataclass
class SearchHit:
    entry: LibraryEntry
    score: float  # match confidence, 0..1
    matched: list[str]


async def search(
    db: AsyncSession, account_id: uuid.UUID, text: str, limit: int = 5, *, fits_only: bool = False
) -> list[SearchHit]:
    """The library ranked against a text the way a chat turn ranks it (same confidence)."""
    matches = await rank_text(db, account_id, text, limit)
    if fits_only:
        matches = [m for m in matches if m.fits]
    if not matches:
        return []
    ids = [uuid.UUID(m.doc.key) for m in matches]
    rows = await db.scalars(readable_entries(account_id).where(LibraryEntry.id.in_(ids)))
    entries = {e.id: e for e in rows}
    return [
        SearchHit(entries[uuid.UUID(m.doc.key)], m.confidence, m.matched)
        for m in matches
        if uuid.UUID(m.doc.key) in entries
    ]
