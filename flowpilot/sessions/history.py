"""Reading a branch's history in bounded work per turn.

A path (root → head) is cut into fixed chunks of CHUNK messages by depth. Each complete chunk
gets an immutable digest row (`HistoryChunk`: a short text, the evidence its messages
established, the guide marks of its replies), written once by a job. A turn then reads:

- for guidance: the chunk rows up to the last complete chunk before the head, plus the
  messages after it (at most 2 × CHUNK), never the whole path;
- for a model's prompt: the newest messages that fit the token budget, with the window's start
  moved back to a chunk boundary, and the digests of the cut chunks before it. The window's
  start only moves a whole chunk at a time, so the prompt prefix stays byte-identical from turn
  to turn until the next chunk is cut.

A chunk not digested yet (older sessions, or a job still queued) is digested on the spot from
its messages and queued for storing; the text is deterministic, so it is the same either way.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.guidance.evidence import Evidence, extract, merge_all
from flowpilot.jobs.defer import defer
from flowpilot.lru import Lru
from flowpilot.sessions.models import HistoryChunk, SessionBranch, SessionMessage

CHUNK = 40
# How many of the newest cut chunks a prompt carries as digests (older ones only through
# the evidence they established).
DIGESTS_IN_PROMPT = 8
DIGEST_LINE_CHARS = {"user": 140, "assistant": 60, "system": 100}
DIGEST_MAX_CHARS = 1_500
# Of a prompt's history budget, the share the digests may take; the newest messages get the rest.
DIGEST_SHARE = 0.25
# After a cut, the newest messages fill this share of the window's budget: cuts are rare
# (each one re-writes the cached prompt after the digests), not one chunk every few turns.
WINDOW_REFILL = 0.5
UNBOUNDED = 2**62


@dataclass(frozen=True)
class PathRow:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    depth: int
    role: str
    content: str
    meta: dict[str, Any]


@dataclass
class Chunk:
    last_message_id: uuid.UUID
    previous_message_id: uuid.UUID | None
    first_depth: int
    digest: str
    evidence: dict[str, Any]
    guides: list[dict[str, Any]]
    stored: bool = True


@dataclass
class History:
    """What one turn reads: `tail` (messages after the digested chunks, oldest first) and
    `chunks` (oldest first). `window` is the prompt's verbatim part when one was asked for."""

    tail: list[PathRow]
    chunks: list[Chunk]
    window: list[PathRow] = field(default_factory=list)
    digest_chars: int = 0

    @property
    def unstored(self) -> list[Chunk]:
        return [c for c in self.chunks if not c.stored]

    @property
    def window_start(self) -> int | None:
        return self.window[0].depth if self.window else None

    def chunks_evidence(self) -> Evidence:
        """What the digested chunks established, merged oldest first. The merge of a chain of
        stored chunks (immutable) is kept: a turn at 2,000 messages merges ~50 of them."""
        if not self.chunks:
            return Evidence()
        if not all(c.stored for c in self.chunks):
            return merge_all([Evidence.from_dict(c.evidence) for c in self.chunks])
        key = tuple(c.last_message_id for c in self.chunks)
        if (merged := _CHAIN_EVIDENCE.recall(key)) is None:
            # The chain one chunk shorter is the usual one known (a chunk is cut every 40
            # messages): merging is a fold, so the newest chunk is merged into it.
            before = _CHAIN_EVIDENCE.get(key[:-1])
            newest = Evidence.from_dict(self.chunks[-1].evidence)
            merged = (
                before.merge(newest)
                if before is not None
                else merge_all([Evidence.from_dict(c.evidence) for c in self.chunks])
            )
            _CHAIN_EVIDENCE.keep(key, merged)
        return merged

    def prompt_digests(self) -> list[str]:
        if not self.window:
            return []
        return [c.digest for c in self.digests_before(self.window[0].depth, self.digest_chars)]

    def digests_before(self, depth: int, max_chars: int) -> list[Chunk]:
        """The newest chunks that end before `depth` whose digests fit in `max_chars` (at most
        DIGESTS_IN_PROMPT). The choice only changes when another chunk is cut."""
        chosen: list[Chunk] = []
        used = 0
        # A complete chunk read as tail messages is digested like any other (only one that
        # ends before `depth` can be chosen: the rows from `depth` on are not digested).
        complete = [*self.chunks, *_complete_chunks([r for r in self.tail if r.depth < depth])]
        for chunk in reversed([c for c in complete if c.first_depth + CHUNK <= depth]):
            used += len(chunk.digest)
            if len(chosen) == DIGESTS_IN_PROMPT or used > max_chars:
                break
            chosen.insert(0, chunk)
        return chosen


def _complete_chunks(rows: list[PathRow]) -> list[Chunk]:
    by_chunk: dict[int, list[PathRow]] = {}
    for row in rows:
        by_chunk.setdefault(chunk_start(row.depth), []).append(row)
    return [
        compose_chunk(part[-1].id, part)
        for start, part in sorted(by_chunk.items())
        if len(part) == CHUNK and part[0].depth == start
    ]


# Walks up the parent links from the head, newest first, and stops at `min_depth` or once
# the text of the `roles` walked so far exceeds the budget (the row that crosses it is kept,
# which tells the caller where the budget ran out).
_WALK_SQL = """
    WITH RECURSIVE walk AS (
        SELECT id, parent_id, depth, role,
               CASE WHEN role = ANY(:roles) THEN length(content) ELSE 0 END AS used
        FROM session_messages
        WHERE id = :head AND session_id = :sid AND depth >= :min_depth
        UNION ALL
        SELECT m.id, m.parent_id, m.depth, m.role,
               w.used + CASE WHEN m.role = ANY(:roles) THEN length(m.content) ELSE 0 END
        FROM session_messages m JOIN walk w ON m.id = w.parent_id
        WHERE w.used <= :budget AND m.depth >= :min_depth
    )
    SELECT w.id, w.parent_id, w.depth, w.role, m.content, {meta} AS meta, w.used
    FROM walk w JOIN session_messages m ON m.id = w.id
    WHERE w.role = ANY(:keep)
    ORDER BY w.depth
    """
_WALK = text(_WALK_SQL.format(meta="m.meta"))
# The prompt window reads text only: a prompt carries no message metadata (and ~500 JSON
# documents need not be decoded every turn).
_WALK_TEXT = text(_WALK_SQL.format(meta="NULL::jsonb"))

_CHAIN = text(
    """
    WITH RECURSIVE chain AS (
        SELECT c.*, 1 AS n FROM history_chunks c
        WHERE c.last_message_id = :last AND c.session_id = :sid
        UNION ALL
        SELECT c.*, p.n + 1 FROM history_chunks c JOIN chain p
            ON c.last_message_id = p.previous_message_id
        WHERE c.session_id = :sid
    )
    SELECT last_message_id, previous_message_id, first_depth,
           CASE WHEN n <= :digests THEN digest ELSE '' END AS digest, evidence, guides
    FROM chain ORDER BY first_depth
    """
)

_ONE_CHUNK = text(
    """
    SELECT last_message_id, previous_message_id, first_depth, digest, evidence, guides
    FROM history_chunks WHERE last_message_id = :last AND session_id = :sid
    """
)

ALL_ROLES = ["user", "assistant", "system"]


async def walk(
    db: AsyncSession,
    session_id: uuid.UUID,
    head_id: uuid.UUID,
    *,
    min_depth: int = 0,
    budget_chars: int = UNBOUNDED,
    roles: list[str] | None = None,
    keep: list[str] | None = None,
    with_meta: bool = True,
) -> list[tuple[PathRow, int]]:
    """(row, characters of `roles` used from the head to here), root-most first; only the
    rows of the `keep` roles are read in full (and without metadata unless `with_meta`)."""
    result = await db.execute(
        _WALK if with_meta else _WALK_TEXT,
        {
            "head": head_id,
            "sid": session_id,
            "min_depth": min_depth,
            "budget": budget_chars,
            "roles": roles or ALL_ROLES,
            "keep": keep or ALL_ROLES,
        },
    )
    return [
        (PathRow(r.id, r.parent_id, r.depth, r.role, r.content, r.meta or {}), r.used)
        for r in result
    ]


async def fork_depth(db: AsyncSession, branch: SessionBranch) -> int:
    """Depth of the message a branch was forked from (-1 for the main branch): the branch's
    own turns are the ones below it. A message's depth never changes: kept per process."""
    forked_from = branch.forked_from_message_id
    if forked_from is None:
        return -1
    if (known := _FORK_DEPTHS.recall(forked_from)) is not None:
        return known
    depth = await db.scalar(select(SessionMessage.depth).where(SessionMessage.id == forked_from))
    if depth is None:
        return -1
    _FORK_DEPTHS.keep(forked_from, depth)
    return int(depth)


def chunk_start(depth: int) -> int:
    return depth - depth % CHUNK


async def read_history(
    db: AsyncSession,
    session_id: uuid.UUID,
    head_id: uuid.UUID,
    *,
    prompt_budget_chars: int | None = None,
    window_start: int | None = None,
    head_depth: int | None = None,
) -> History:
    """The tail and chunk facts for guidance; with a budget, also the prompt window.
    `head_depth` when the caller knows it (it just wrote the head)."""
    if head_depth is None:
        head_depth = await db.scalar(
            select(SessionMessage.depth).where(
                SessionMessage.id == head_id, SessionMessage.session_id == session_id
            )
        )
    if head_depth is None:
        return History(tail=[], chunks=[])
    # The current partial chunk and the complete one before it are read as messages (the
    # newest chunk's digest job may still be queued).
    tail_from = max(0, chunk_start(head_depth) - CHUNK)
    tail = await _tail(db, session_id, head_id, tail_from)
    chunks = await _chain(db, session_id, tail[0].parent_id if tail else None, tail_from)
    history = History(tail=tail, chunks=chunks)
    if prompt_budget_chars is not None:
        budget = int(prompt_budget_chars * (1 - DIGEST_SHARE))
        history.window = _extended_window(session_id, tail, budget, window_start) or await _window(
            db, session_id, head_id, head_depth, budget, window_start
        )
        _remember_window(session_id, history.window, budget)
        history.digest_chars = int(prompt_budget_chars * DIGEST_SHARE)
    return history


# The tail's path with each row's version (xmin: a new one with every update that commits),
# then the rows whose version this process has not read yet: a turn reads in full the two or
# three messages written since the last turn (and any whose metadata a job enriched), not the
# whole tail again.
_TAIL_VERSIONS = text(
    """
    WITH RECURSIVE walk AS (
        SELECT id, parent_id, depth, xmin::text AS version FROM session_messages
        WHERE id = :head AND session_id = :sid AND depth >= :min_depth
        UNION ALL
        SELECT m.id, m.parent_id, m.depth, m.xmin::text
        FROM session_messages m JOIN walk w ON m.id = w.parent_id
        WHERE m.depth >= :min_depth
    )
    SELECT id, version FROM walk ORDER BY depth
    """
)
_ROWS = text(
    """
    SELECT id, parent_id, depth, role, content, meta, xmin::text AS version
    FROM session_messages WHERE id = ANY(:ids) AND session_id = :sid
    """
)
# ~50 branches being worked at once (80 rows each); a row longer than ROW_CHARS_KEPT (a pasted
# log) is read each time rather than kept: at most ~32 MB of text.
ROWS_KEPT = 4096
ROW_CHARS_KEPT = 8_000
_ROWS_READ: Lru[tuple[uuid.UUID, str], PathRow] = Lru(ROWS_KEPT)


async def _tail(
    db: AsyncSession, session_id: uuid.UUID, head_id: uuid.UUID, min_depth: int
) -> list[PathRow]:
    """The path from `min_depth` to the head, oldest first, with metadata."""
    path = (
        await db.execute(
            _TAIL_VERSIONS, {"head": head_id, "sid": session_id, "min_depth": min_depth}
        )
    ).all()
    rows = {r.id: _ROWS_READ.recall((r.id, r.version)) for r in path}
    missing = [r.id for r in path if rows[r.id] is None]
    if missing:
        for r in await db.execute(_ROWS, {"ids": missing, "sid": session_id}):
            read = PathRow(r.id, r.parent_id, r.depth, r.role, r.content, r.meta or {})
            rows[r.id] = read
            if len(r.content) <= ROW_CHARS_KEPT:
                _ROWS_READ.keep((r.id, r.version), read)
    # A message gone between the two reads (its session deleted) is left out.
    return [row for r in path if (row := rows[r.id]) is not None]


async def _window(
    db: AsyncSession,
    session_id: uuid.UUID,
    head_id: uuid.UUID,
    head_depth: int,
    budget: int,
    start_hint: int | None,
) -> list[PathRow]:
    """The newest messages from a chunk boundary on. The start stays where the branch's last
    prompt had it while everything from there still fits; past the budget it jumps forward to
    where the newest messages fill only part of the budget (WINDOW_REFILL), so the next cut is
    many turns away and the prefix stays cached until then."""
    rows = await walk(db, session_id, head_id, budget_chars=budget, with_meta=False)
    if not rows:
        return []
    first, used = rows[0]
    fits_from = first.depth if used <= budget else first.depth + 1
    if start_hint is not None and fits_from <= start_hint <= head_depth:
        start = start_hint
    elif fits_from == 0:
        start = 0  # the whole path fits
    else:
        refill = budget * WINDOW_REFILL
        over = max((row.depth for row, used in rows if used > refill), default=-1)
        start = min(chunk_start(over) + CHUNK if over >= 0 else 0, chunk_start(head_depth))
    if start < first.depth:
        rows = await walk(db, session_id, head_id, min_depth=start, with_meta=False)
    return [row for row, _ in rows if row.depth >= start]


# The prompt window a turn of each branch last sent, by the message it ended at: the next turn
# on that path sends the same rows plus the ones written since (a message's text never
# changes), so it reads none of them again until the window's start has to move.
@dataclass(frozen=True)
class _SentWindow:
    budget: int
    rows: tuple[PathRow, ...]
    chars: int


KEPT = 256
_WINDOWS: Lru[tuple[uuid.UUID, uuid.UUID], _SentWindow] = Lru(KEPT)
_FORK_DEPTHS: Lru[uuid.UUID, int] = Lru(KEPT)
_CHAIN_EVIDENCE: Lru[tuple[uuid.UUID, ...], Evidence] = Lru(KEPT)


def _extended_window(
    session_id: uuid.UUID, tail: list[PathRow], budget: int, start: int | None
) -> list[PathRow] | None:
    """The window of the newest ancestor in `tail` that a turn sent, extended by the tail's
    newer rows, when it still starts at `start` and fits the budget; None otherwise (read it)."""
    if start is None:
        return None
    for i in range(len(tail) - 1, -1, -1):
        sent = _WINDOWS.get((session_id, tail[i].id))
        if sent is not None:
            break
    else:
        return None
    newer = [replace(row, meta={}) for row in tail[i + 1 :]]
    chars = sent.chars + sum(len(row.content) for row in newer)
    if sent.budget != budget or not sent.rows or sent.rows[0].depth != start or chars > budget:
        return None
    # The branch moved on: one window kept per path being worked.
    _WINDOWS.pop((session_id, tail[i].id), None)
    return [*sent.rows, *newer]


def _remember_window(session_id: uuid.UUID, window: list[PathRow], budget: int) -> None:
    if window:
        chars = sum(len(row.content) for row in window)
        _WINDOWS.keep((session_id, window[-1].id), _SentWindow(budget, tuple(window), chars))


# Stored chunks are written once and never change, so a chain that reaches the path's first
# message is the same on every later read (a turn reads it each time; ~48 rows of JSON at
# 2,000 messages). Per process, bounded; a chain with a chunk not stored yet is not kept.
CHAINS_KEPT = 512
_CHAINS: Lru[tuple[uuid.UUID, uuid.UUID, int], list[Chunk]] = Lru(CHAINS_KEPT)


async def _stored_chain(
    db: AsyncSession, session_id: uuid.UUID, last_id: uuid.UUID, digests: int
) -> list[Chunk]:
    key = (session_id, last_id, digests)
    cached = _CHAINS.recall(key)
    if cached is not None:
        return list(cached)
    chain = await _extended_chain(db, session_id, last_id, digests)
    if chain is None:
        rows = (
            await db.execute(_CHAIN, {"last": last_id, "sid": session_id, "digests": digests})
        ).all()
        chain = [_chunk_of(r) for r in rows]
    if chain and chain[0].first_depth == 0:
        _CHAINS.keep(key, chain)
    return list(chain)


async def _extended_chain(
    db: AsyncSession, session_id: uuid.UUID, last_id: uuid.UUID, digests: int
) -> list[Chunk] | None:
    """The chain ending at `last_id` from the kept chain ending at the chunk before it (the
    path grew by one chunk since the last turn read it): one row read instead of the whole
    chain. None when that chain is not kept."""
    row = (await db.execute(_ONE_CHUNK, {"last": last_id, "sid": session_id})).first()
    if row is None:
        return []
    if row.previous_message_id is None:
        return None
    before = _CHAINS.get((session_id, row.previous_message_id, digests))
    if before is None:
        return None
    chain = [*before, _chunk_of(row)]
    # As _CHAIN reads it: only the newest `digests` chunks keep their digest's text.
    return [
        c if c.digest == "" or len(chain) - i <= digests else replace(c, digest="")
        for i, c in enumerate(chain)
    ]


def _chunk_of(row: Any) -> Chunk:
    return Chunk(
        row.last_message_id,
        row.previous_message_id,
        row.first_depth,
        row.digest,
        row.evidence or {},
        row.guides or [],
    )


async def _chain(
    db: AsyncSession, session_id: uuid.UUID, last_id: uuid.UUID | None, end_depth: int
) -> list[Chunk]:
    """Chunks ending at `last_id` and every one before it, oldest first; a chunk with no row
    yet is digested from its messages."""
    found: list[Chunk] = []
    digests_left = DIGESTS_IN_PROMPT
    while last_id is not None and end_depth > 0:
        stored = await _stored_chain(db, session_id, last_id, digests_left)
        found = stored + found
        digests_left = max(0, digests_left - len(stored))
        end_depth = stored[0].first_depth if stored else end_depth
        last_id = stored[0].previous_message_id if stored else last_id
        if last_id is None or end_depth <= 0:
            break
        missing = await digest_chunk(db, session_id, last_id, end_depth - CHUNK)
        missing.stored = False
        found.insert(0, missing)
        digests_left = max(0, digests_left - 1)
        end_depth, last_id = missing.first_depth, missing.previous_message_id
    return found


async def digest_chunk(
    db: AsyncSession, session_id: uuid.UUID, last_id: uuid.UUID, first_depth: int
) -> Chunk:
    rows = [r for r, _ in await walk(db, session_id, last_id, min_depth=first_depth)]
    return compose_chunk(last_id, rows)


def compose_chunk(last_id: uuid.UUID, rows: list[PathRow]) -> Chunk:
    first_depth = rows[0].depth if rows else 0
    lines = [f"(Messages {first_depth + 1}–{first_depth + len(rows)} of this path, digested:)"]
    size = len(lines[0])
    left_out = 0
    for row in rows:
        body = " ".join(row.content.split())
        if body:
            limit = DIGEST_LINE_CHARS.get(row.role, 100)
            line = f"- {row.role}: {body[:limit]}{'…' if len(body) > limit else ''}"
            if size + len(line) + 1 > DIGEST_MAX_CHARS - 40:
                left_out += 1
            else:
                lines.append(line)
                size += len(line) + 1
    if left_out:
        lines.append(f"- (and {left_out} more messages)")
    return Chunk(
        last_message_id=last_id,
        previous_message_id=rows[0].parent_id if rows else None,
        first_depth=first_depth,
        digest="\n".join(lines),
        evidence=rows_evidence(rows).as_dict(),
        guides=guide_marks(rows),
    )


def rows_evidence(rows: list[PathRow]) -> Evidence:
    """What the engineer's messages among `rows` established (stored with each message)."""
    items = []
    for row in rows:
        if row.role != "user":
            continue
        stored = row.meta.get("evidence")
        item = Evidence.from_dict(stored) if isinstance(stored, dict) else extract(row.content)
        if row.depth == 0:
            item.findings = []  # the problem statement itself, not a finding
        items.append(item)
    return merge_all(items)


def guide_marks(rows: list[PathRow]) -> list[dict[str, Any]]:
    """A mark per guided reply; the last one also keeps the whole guide (the candidates the
    branch's playbook was chosen with), for a turn whose recent messages have none."""
    marks = []
    last_full: dict[str, Any] | None = None
    for row in rows:
        guide = row.meta.get("guide") if row.role == "assistant" else None
        if isinstance(guide, dict):
            marks.append(guide_mark(row.depth, guide))
            last_full = guide
    if marks and last_full is not None:
        marks[-1]["guide"] = last_full
    return marks


def guide_mark(depth: int, guide: dict[str, Any]) -> dict[str, Any]:
    """The part of a reply's guide that later turns need: which playbook, which step, which
    fix it gave."""
    focus = guide.get("focus") or {}
    return {
        "depth": depth,
        "slug": focus.get("slug") if isinstance(focus, dict) else None,
        "step_id": guide.get("step_id"),
        "fix_cause": guide.get("fix_cause"),
    }


async def store_chunk(
    db: AsyncSession, session_id: uuid.UUID, account_id: uuid.UUID, chunk: Chunk
) -> None:
    """Write once; a second writer of the same chunk changes nothing."""
    await db.execute(
        insert(HistoryChunk)
        .values(
            id=uuid.uuid4(),
            session_id=session_id,
            account_id=account_id,
            last_message_id=chunk.last_message_id,
            previous_message_id=chunk.previous_message_id,
            first_depth=chunk.first_depth,
            digest=chunk.digest,
            evidence=chunk.evidence,
            guides=chunk.guides,
        )
        .on_conflict_do_nothing(index_elements=["last_message_id"])
    )


async def completed_chunk_end(db: AsyncSession, message: SessionMessage) -> uuid.UUID | None:
    """When `message` completes a chunk, the last message of the chunk before it (digested
    one chunk late, so jobs that enrich a message's evidence have long finished)."""
    if message.depth % CHUNK != CHUNK - 1 or message.depth < 2 * CHUNK - 1:
        return None
    rows = await walk(db, message.session_id, message.id, min_depth=message.depth - CHUNK)
    return rows[0][0].id if rows and rows[0][0].depth == message.depth - CHUNK else None


async def queue_chunk_digests(
    db: AsyncSession, message: SessionMessage, last_ids: list[uuid.UUID]
) -> None:
    """Defer, in the caller's transaction, a digest job for each chunk a turn had to digest
    on the spot and for the chunk `message` makes old enough; one job per chunk."""
    due = await completed_chunk_end(db, message)
    for last_id in dict.fromkeys([*last_ids, *([due] if due else [])]):
        with contextlib.suppress(AlreadyEnqueued):
            await defer(
                db,
                "store_history_chunk",
                _queueing_lock=f"chunk-{last_id}",
                last_message_id=str(last_id),
            )
