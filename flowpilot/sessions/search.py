"""Session search (`q=`) and the client filter (`client=`).

A query is split into terms (words, or "quoted phrases"; common words like "the" are left out
when there are others); a session matches when every term is found, case-insensitively and
anywhere in a word, in one of: its title, its problem, its client / site / contact / device
(the intake, the PSA ticket's company and contact included), its ticket number, or the text of
any of its messages (any branch). Terms of one or two characters are looked for in the
session's own fields only: they cannot use a trigram index and would match nearly every
conversation.

The sessions are read through `readable_sessions` only; a term is one more condition on it:
its fields hold the term (trigram indexes on the title, the problem and
`flowpilot_session_who(...)`), or the session is among those `message_hits` found with a
message that holds it (trigram index on the account's messages, or the account's messages
newest first for a frequent term, at most MESSAGE_HITS of them). The longest term is looked
up first and each later one only among the sessions the earlier ones left.

For the sessions of one page, `matches_for` says where each matched, with a short snippet.
The field lists below mirror the SQL functions of migration 0025.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    any_,
    case,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.errors import UnprocessableInput
from flowpilot.sessions.models import AISession, SessionMessage
from flowpilot.sessions.schemas import SearchMatch

MAX_TERMS = 8
# Per term, how many of the newest matching messages are read (see message_hits).
MESSAGE_HITS = 1000
# Sessions left by the terms so far, up to which the next term looks only at their messages.
NARROWED = 1000
# Shorter terms match the session's own fields, not its messages.
MESSAGE_TERM_MIN = 3
SNIPPET_CHARS = 140

session_client: ColumnElement[str] = func.flowpilot_session_client(AISession.intake, type_=String)
session_who: ColumnElement[str] = func.flowpilot_session_who(
    AISession.intake, AISession.psa_ticket_id, type_=String
)

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_EDGES = ",;!?()[]{}<>\"'`"


# Words in nearly every conversation: dropped from a search that has other words (a quoted
# phrase keeps them).
_STOP = """a an and are as at be but by for from has have i if in into is it its me my no not of
on or our so than that the their them then there these they this to was we were what when which
will with you your"""
STOP_WORDS = frozenset(_STOP.split())


def _trim(word: str) -> str:
    """Without the punctuation around it ("(VPN).", "0x80070005," → VPN, 0x80070005)."""
    while True:
        trimmed = word.strip(_EDGES).rstrip(".:")
        if trimmed == word:
            return word
        word = trimmed


def parse_terms(q: str | None) -> list[str]:
    """Words and "quoted phrases", edge punctuation dropped, each once (case-insensitive),
    common words left out when there are others."""
    terms: list[str] = []
    common: list[str] = []
    seen: set[str] = set()
    for phrase, word in _TOKEN.findall(q or ""):
        term = " ".join(phrase.split()) if phrase else _trim(word)
        if not term or term.lower() in seen:
            continue
        seen.add(term.lower())
        (common if not phrase and term.lower() in STOP_WORDS else terms).append(term)
    terms = terms or common
    if len(terms) > MAX_TERMS:
        raise UnprocessableInput(
            f"Search for at most {MAX_TERMS} words (put a longer phrase in quotes)",
            code="too_many_terms",
        )
    return terms


def like_escape(text: str) -> str:
    """The text as a literal inside a LIKE pattern (backslash is PostgreSQL's default escape)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(term: str) -> str:
    return f"%{like_escape(term)}%"


def in_fields(term: str) -> ColumnElement[bool]:
    """The session's title, problem or intake fields hold the term."""
    like = _like(term)
    return or_(
        AISession.title.ilike(like),
        AISession.problem_summary.ilike(like),
        session_who.ilike(like),
    )


@dataclass
class TermHits:
    """The sessions whose messages hold a term: at most MESSAGE_HITS messages are read (the
    newest), so `saturated` says that older ones may hold it too."""

    session_ids: list[uuid.UUID]
    saturated: bool


async def message_hits(
    db: AsyncSession,
    account_id: uuid.UUID,
    candidates: Select[Any] | list[uuid.UUID],
    term: str,
) -> TermHits:
    """The sessions among `candidates` with a message that holds the term. `candidates` is a
    select of session ids already scoped to what the caller may read, or, once earlier terms
    have left few, those ids.

    Among a select, the newest matching messages are read: the planner takes the trigram
    index (account, content) for a rare term and only reads its matches, or walks the
    account's messages newest first for a frequent one and stops at MESSAGE_HITS matches.
    Among a few ids, each session is asked whether one of its messages holds the term (exact;
    the trigram index or each session's own messages, whichever is less to read)."""
    # The planner prices ILIKE on long message text like any cheap comparison, so it prefers
    # reading every message of the account to the trigram index (whose account key it counts
    # as matching everything): ~5x slower at 25,000 messages (bench.bounded). For these
    # statements only; a frequent term still walks the newest messages by index.
    await db.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        return await _message_hits(db, account_id, candidates, term)
    finally:
        await db.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))


async def _message_hits(
    db: AsyncSession,
    account_id: uuid.UUID,
    candidates: Select[Any] | list[uuid.UUID],
    term: str,
) -> TermHits:
    holds = SessionMessage.content.ilike(_like(term))
    if isinstance(candidates, list):
        found = await db.scalars(
            select(SessionMessage.session_id)
            .where(
                SessionMessage.account_id == account_id,
                SessionMessage.session_id == any_(literal(candidates, ARRAY(UUID))),
                holds,
            )
            .distinct()
        )
        return TermHits(list(found), False)
    rows = list(
        await db.scalars(
            select(SessionMessage.session_id)
            .where(
                SessionMessage.account_id == account_id,
                holds,
                SessionMessage.session_id.in_(candidates),
            )
            .order_by(SessionMessage.created_at.desc())
            .limit(MESSAGE_HITS + 1)
        )
    )
    return TermHits(list(dict.fromkeys(rows[:MESSAGE_HITS])), len(rows) > MESSAGE_HITS)


def term_filter(term: str, hits: TermHits | None) -> ColumnElement[bool]:
    """The session holds the term: in its fields, or (hits) in one of its messages."""
    if hits is None or not hits.session_ids:
        return in_fields(term)
    return or_(in_fields(term), AISession.id == any_(literal(hits.session_ids, ARRAY(UUID))))


async def apply_search(
    db: AsyncSession, query: Select[Any], account_id: uuid.UUID, terms: list[str]
) -> tuple[Select[Any], bool]:
    """The query narrowed to the sessions holding every term; whether a term was in more
    messages than were read (older sessions may hold it too: the total is a lower bound)."""
    # Search patterns are values the planner must see: a generic plan (psycopg prepares a
    # statement run 5 times) cannot tell a rare term from one in every message.
    await db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    saturated = False
    # The longest (likely the rarest) first: the terms after it look only at what it left. A
    # term in too many messages to read waits until the others have narrowed the sessions.
    ordered = sorted(terms, key=len, reverse=True)
    deferred: list[str] = []
    known: list[uuid.UUID] | None = None  # every session matching the terms so far, if few
    while ordered:
        term = ordered.pop(0)
        hits = None
        if len(term) >= MESSAGE_TERM_MIN:
            candidates = known if known is not None else query.with_only_columns(AISession.id)
            hits = await message_hits(db, account_id, candidates, term)
            if hits.saturated and ordered and term not in deferred:
                deferred.append(term)
                ordered.append(term)
                continue
            saturated = saturated or hits.saturated
        query = query.where(term_filter(term, hits))
        if ordered:
            ids = list(await db.scalars(query.with_only_columns(AISession.id).limit(NARROWED + 1)))
            known = ids if len(ids) <= NARROWED else None
    return query, saturated


def client_filter(client: str) -> ColumnElement[bool]:
    """The session's client is `client` or starts with it, case-insensitively."""
    prefix = " ".join(client.split()).lower()
    return func.lower(session_client).like(like_escape(prefix) + "%")


# ── what matched, for one page ────────────────────────────────────────────────────────────


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def client_of(intake: dict[str, Any] | Any) -> str | None:
    """The session's client, as `flowpilot_session_client` reads it."""
    if not isinstance(intake, dict):
        return None
    ticket = intake.get("psa_ticket")
    company = ticket.get("company") if isinstance(ticket, dict) else None
    for value in (company, intake.get("client"), intake.get("company")):
        name = _text(value).strip()
        if name:
            return name
    return None


def _fields(s: AISession) -> list[tuple[str, str]]:
    """(field, text) in the order a tie is settled: the text the list row does not already
    show first (the row shows the title, the client and the ticket number)."""
    intake = s.intake if isinstance(s.intake, dict) else {}
    raw = intake.get("psa_ticket")
    ticket: dict[str, Any] = raw if isinstance(raw, dict) else {}

    def joined(values: Iterable[Any]) -> str:
        return " · ".join(dict.fromkeys(t for v in values if (t := _text(v).strip())))

    return [
        ("problem", s.problem_summary),
        (
            "contact",
            joined(
                [intake.get(k) for k in ("contact", "contact_name", "contact_email")]
                + [ticket.get("contact"), ticket.get("contact_email")]
            ),
        ),
        ("device", joined(intake.get(k) for k in ("device", "asset", "hostname"))),
        ("site", joined([intake.get("site")])),
        ("ticket", f"#{s.psa_ticket_id}" if s.psa_ticket_id else ""),
        ("client", joined([intake.get("client"), intake.get("company"), ticket.get("company")])),
        ("title", s.title),
    ]


def _covered(text: str, terms: Sequence[str]) -> list[str]:
    low = text.lower()
    return [t for t in terms if t.lower() in low]


def snippet(text: str, terms: Sequence[str], size: int = SNIPPET_CHARS) -> str:
    """About `size` characters of the text on one line, around the first term it holds."""
    line = " ".join(text.split())
    if len(line) <= size:
        return line
    low = line.lower()
    found = [p for t in terms if (p := low.find(t.lower())) >= 0]
    at = min(found) if found else 0
    start = max(0, at - size // 4)
    if start > 0 and " " in line[start:at]:
        start = line.index(" ", start) + 1  # from a word's start
    end = min(len(line), start + size)
    if end < len(line) and " " in line[at:end]:
        end = line.rindex(" ", at, end)  # to a word's end
    return ("…" if start > 0 else "") + line[start:end] + ("…" if end < len(line) else "")


async def _best_messages(
    db: AsyncSession, account_id: uuid.UUID, session_ids: list[uuid.UUID], terms: list[str]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Per session, the message holding the most terms (of equals, an engineer's message
    before a reply quoting it, then the newest): (role, text)."""
    likes = [SessionMessage.content.ilike(f"%{like_escape(t)}%") for t in terms]
    hits = sum((case((like, 1), else_=0) for like in likes), literal(0))
    rows = await db.execute(
        select(SessionMessage.session_id, SessionMessage.role, SessionMessage.content)
        .where(
            SessionMessage.account_id == account_id,
            SessionMessage.session_id.in_(session_ids),
            or_(*likes),
        )
        .distinct(SessionMessage.session_id)
        .order_by(
            SessionMessage.session_id,
            hits.desc(),
            (SessionMessage.role == "user").desc(),
            SessionMessage.created_at.desc(),
        )
    )
    return {sid: (role, content) for sid, role, content in rows}


async def matches_for(
    db: AsyncSession, account_id: uuid.UUID, sessions: Sequence[AISession], terms: list[str]
) -> dict[uuid.UUID, SearchMatch]:
    """Where each session matched: the text holding the most terms; of equals, the one the
    list row does not already show (the problem, then a message, …, the title last)."""
    if not terms:
        return {}
    # session → (terms held, tie rank, field, text, the terms)
    best: dict[uuid.UUID, tuple[int, int, str, str, list[str]]] = {}

    def consider(sid: uuid.UUID, rank: int, field: str, body: str, of: Sequence[str]) -> None:
        covered = _covered(body, of)
        held = best.get(sid)
        if covered and (held is None or (len(covered), -rank) > (held[0], -held[1])):
            best[sid] = (len(covered), rank, field, body, covered)

    for s in sessions:
        for rank, (field, value) in enumerate(_fields(s)):
            consider(s.id, rank if rank == 0 else rank + 1, field, value, terms)
    message_terms = [t for t in terms if len(t) >= MESSAGE_TERM_MIN]
    wanting = [s.id for s in sessions if s.id not in best or best[s.id][0] < len(terms)]
    if message_terms and wanting:
        found = await _best_messages(db, account_id, wanting, message_terms)
        for sid, (role, body) in found.items():
            consider(sid, 1, "reply" if role == "assistant" else "message", body, message_terms)
    return {
        sid: SearchMatch(field=field, snippet=snippet(body, covered), terms=covered)  # type: ignore[arg-type]
        for sid, (_, _, field, body, covered) in best.items()
    }
