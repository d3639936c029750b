"""The library a caller can read (the starter playbooks plus their account's own entries) and
the account's own playbooks: create, import, edit as new versions, retire and restore."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
import uuid
from typing import Any, Literal

from sqlalchemy import BindParameter, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.service import Principal
from flowpilot.errors import Conflict, DomainError, Forbidden, NotFound
from flowpilot.library.loader import apply_guide
from flowpilot.library.markdown import parse_markdown
from flowpilot.library.models import LibraryEntry, LibraryEntryVersion
from flowpilot.library.playbook_format import PlaybookError, validate
from flowpilot.library.schemas import PlaybookUpdate

SourceFormat = Literal["markdown", "toml"]
Scope = Literal["all", "account", "starter"]


class InvalidPlaybook(DomainError):
    status_code = 422
    code = "invalid_playbook"


def readable_entries(account_id: uuid.UUID | BindParameter[uuid.UUID]) -> Select[LibraryEntry]:
    """The starter library and the account's own entries (`account_id` may be a parameter of
    a statement built once)."""
    return select(LibraryEntry).where(
        or_(LibraryEntry.account_id.is_(None), LibraryEntry.account_id == account_id)
    )


async def get_entry(db: AsyncSession, account_id: uuid.UUID, entry_id: uuid.UUID) -> LibraryEntry:
    entry = await db.scalar(readable_entries(account_id).where(LibraryEntry.id == entry_id))
    if entry is None:
        raise NotFound("Library entry not found")
    return entry


def require_author(principal: Principal) -> None:
    if not principal.is_lead:
        raise Forbidden("Only leads and admins can change the account's playbooks")


def parse_source(fmt: SourceFormat, content: str) -> dict[str, Any]:
    """A validated playbook from Markdown or TOML text; 422 with the exact problem otherwise."""
    if "\x00" in content:
        raise InvalidPlaybook("The playbook text contains a NUL byte")
    try:
        if fmt == "toml":
            try:
                data = tomllib.loads(content)
            except tomllib.TOMLDecodeError as exc:
                raise PlaybookError(f"not valid TOML ({exc})") from exc
        else:
            data = parse_markdown(content)
        return validate(data)
    except PlaybookError as exc:
        raise InvalidPlaybook(str(exc)) from exc


def checked_guide(guide: dict[str, Any]) -> dict[str, Any]:
    if "\\u0000" in json.dumps(guide):
        raise InvalidPlaybook("The playbook contains a NUL byte")
    try:
        return validate(copy.deepcopy(guide))
    except (PlaybookError, AttributeError, TypeError) as exc:
        raise InvalidPlaybook(str(exc) or "The playbook is not in the playbook format") from exc


async def list_playbooks(
    db: AsyncSession,
    account_id: uuid.UUID,
    *,
    scope: Scope = "all",
    status: Literal["active", "retired", "all"] = "active",
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[LibraryEntry], int]:
    query = readable_entries(account_id)
    if scope == "account":
        query = query.where(LibraryEntry.account_id == account_id)
    elif scope == "starter":
        query = query.where(LibraryEntry.account_id.is_(None))
    if status != "all":
        query = query.where(LibraryEntry.status == status)
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await db.scalars(
        query.order_by(LibraryEntry.account_id.is_(None), LibraryEntry.domain, LibraryEntry.title)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def _own_entry(
    db: AsyncSession, principal: Principal, entry_id: uuid.UUID, *, for_update: bool = False
) -> LibraryEntry:
    entry = await get_entry(db, principal.account_id, entry_id)
    if entry.account_id is None:
        raise Conflict(
            "Starter playbooks are read-only: copy it to your library to change it",
            code="starter_read_only",
        )
    if for_update:
        await db.refresh(entry, with_for_update=True)
    return entry


def _snapshot(entry: LibraryEntry, principal: Principal, note: str) -> LibraryEntryVersion:
    return LibraryEntryVersion(
        entry_id=entry.id,
        account_id=entry.account_id,
        version=entry.version,
        title=entry.title,
        guide=entry.guide,
        status=entry.status,
        note=note[:300],
        created_by=principal.user_id,
    )


async def create_playbook(
    db: AsyncSession, principal: Principal, guide: dict[str, Any], note: str = "Created"
) -> LibraryEntry:
    require_author(principal)
    data = checked_guide(guide)
    taken = await db.scalar(
        select(LibraryEntry.id).where(
            LibraryEntry.account_id == principal.account_id, LibraryEntry.slug == data["slug"]
        )
    )
    if taken is not None:
        raise Conflict(f"Your library already has a playbook with slug '{data['slug']}'")
    entry = LibraryEntry(
        account_id=principal.account_id,
        slug=data["slug"],
        kind="flow",
        status="active",
        version=1,
        created_by=principal.user_id,
    )
    apply_guide(entry, data)
    db.add(entry)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as exc:  # a concurrent create with the same slug
        raise Conflict(f"Your library already has a playbook with slug '{data['slug']}'") from exc
    db.add(_snapshot(entry, principal, note))
    await db.flush()
    return entry


async def copy_starter(db: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> LibraryEntry:
    """An editable copy of a starter playbook; it takes the starter's place for this account."""
    require_author(principal)
    entry = await get_entry(db, principal.account_id, entry_id)
    if entry.account_id is not None:
        raise Conflict("This playbook is already in your library")
    if not entry.guide:
        raise Conflict("This entry has no playbook to copy")
    return await create_playbook(
        db, principal, entry.guide, note=f"Copied from starter {entry.slug}"
    )


async def update_playbook(
    db: AsyncSession, principal: Principal, entry_id: uuid.UUID, change: PlaybookUpdate
) -> LibraryEntry:
    """A new version of the account's playbook, from JSON or from Markdown / TOML text."""
    require_author(principal)
    entry = await _own_entry(db, principal, entry_id, for_update=True)
    expected = change.expected_version
    if expected is not None and expected != entry.version:
        raise Conflict(
            f"Someone saved version {entry.version} since you opened version "
            f"{expected}; reload it and apply your change again",
            code="version_conflict",
        )
    if change.guide is not None:
        data = checked_guide(change.guide)
    else:
        data = parse_source(change.format or "markdown", change.content or "")
    if data["slug"] != entry.slug:
        raise InvalidPlaybook("The slug of a playbook cannot change; create a new playbook")
    entry.kind = "flow"
    apply_guide(entry, data)
    entry.version += 1
    db.add(_snapshot(entry, principal, change.note or "Edited"))
    await db.flush()
    return entry


async def set_status(
    db: AsyncSession,
    principal: Principal,
    entry_id: uuid.UUID,
    status: Literal["active", "retired"],
) -> LibraryEntry:
    require_author(principal)
    entry = await _own_entry(db, principal, entry_id, for_update=True)
    if entry.status == status:
        return entry
    entry.status = status
    entry.version += 1
    db.add(_snapshot(entry, principal, "Retired" if status == "retired" else "Restored"))
    await db.flush()
    return entry


async def versions(
    db: AsyncSession, account_id: uuid.UUID, entry_id: uuid.UUID
) -> list[LibraryEntryVersion]:
    entry = await get_entry(db, account_id, entry_id)
    rows = await db.scalars(
        select(LibraryEntryVersion)
        .where(
            LibraryEntryVersion.account_id == account_id, LibraryEntryVersion.entry_id == entry.id
        )
        .order_by(LibraryEntryVersion.version.desc())
    )
    return list(rows)


async def own_active_slugs(db: AsyncSession, account_id: uuid.UUID) -> set[str]:
    rows = await db.scalars(
        select(LibraryEntry.slug).where(
            LibraryEntry.account_id == account_id, LibraryEntry.status == "active"
        )
    )
    return set(rows)


async def get_version(
    db: AsyncSession, account_id: uuid.UUID, entry_id: uuid.UUID, version: int
) -> LibraryEntryVersion:
    entry = await get_entry(db, account_id, entry_id)
    row = await db.scalar(
        select(LibraryEntryVersion).where(
            LibraryEntryVersion.account_id == account_id,
            LibraryEntryVersion.entry_id == entry.id,
            LibraryEntryVersion.version == version,
        )
    )
    if row is None:
        raise NotFound("No such version of this playbook")
    return row


async def publish_article(
    db: AsyncSession, account_id: uuid.UUID, slug: str, article: dict[str, Any], body: str
) -> LibraryEntry:
    """A KB article (already scrubbed) as an account entry, ranked like a playbook: its
    symptoms, cause and fix are what retrieval matches, under the same threshold."""
    entry = await db.scalar(
        select(LibraryEntry).where(LibraryEntry.account_id == account_id, LibraryEntry.slug == slug)
    )
    if entry is None:
        entry = LibraryEntry(account_id=account_id, slug=slug, kind="kb_article", version=1)
        db.add(entry)
    rule_out = [str(x) for x in article.get("rule_out_first", [])]
    resolution = [str(x) for x in article.get("resolution", [])]
    steps = [
        {"title": f"Rule out: {r.split(':')[0]}"[:120], "instruction": r, "expect": "",
         "kind": "verification"}
        for r in rule_out
    ] + [
        {"title": r[:120], "instruction": r, "expect": "", "kind": "action"} for r in resolution
    ]  # fmt: skip
    entry.title = str(article["title"])[:300]
    entry.domain = str(article.get("domain") or "General")[:120]
    cause = str(article.get("cause") or "")
    entry.summary = (f"Cause: {cause}. " if cause else "") + "; ".join(resolution)[:800]
    entry.keywords_text = " ".join(str(t) for t in article.get("tags", []))
    entry.body = body
    entry.steps = steps or [
        {"title": "Apply the documented fix", "instruction": body[:1000], "expect": "",
         "kind": "action"}
    ]  # fmt: skip
    # A guide so retrieval scores its symptoms and the advisor can offer its fix.
    entry.guide = {
        "slug": slug,
        "title": entry.title,
        "domain": entry.domain,
        "summary": entry.summary,
        "symptoms": [str(x) for x in article.get("symptoms", [])][:8],
        "keywords": [str(t) for t in article.get("tags", [])][:12],
        "aliases": [],
        "products": [],
        "sources": [],
        "causes": [{"id": "cause", "title": cause, "fix": "; ".join(resolution), "confirm_if": []}]
        if cause and resolution
        else [],
        "steps": [
            {"id": f"step-{i + 1}", "title": st["title"], "check": st["instruction"],
             "kind": st["kind"], "look_for": ""}
            for i, st in enumerate(entry.steps)
        ],
    }  # fmt: skip
    entry.content_hash = hashlib.sha256(
        json.dumps(entry.guide, sort_keys=True).encode()
    ).hexdigest()
    entry.status = "active"
    await db.flush()
    return entry
