"""One chat turn: save the user's message first, then stream the provider's reply.

The user's message is committed before the provider is called, so a failed or stopped call
never loses it; the reply is written in its own short transaction when the stream ends. No
database connection is held while the model is talking.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowpilot import metrics, telemetry
from flowpilot.ai.base import (
    ChatMessage,
    ChatProvider,
    ChatRequest,
    Completed,
    ImagePart,
    ProviderError,
    Usage,
)
from flowpilot.auth.service import Principal
from flowpilot.branching.prompt import CHARS_PER_TOKEN, BranchAwarePromptBuilder
from flowpilot.branching.suggestions import ForkOptionsFilter
from flowpilot.branching.summaries import artifacts_by_branch, queue_summary, sibling_summaries
from flowpilot.budgets import service as budgets
from flowpilot.config import Settings
from flowpilot.conversation.account_facts import AccountFacts
from flowpilot.conversation.follow_up import run_follow_up
from flowpilot.errors import Conflict, NotFound
from flowpilot.guidance.evidence import extract
from flowpilot.guidance.plan import Earlier, GuidePlan, build_plan
from flowpilot.library.retrieval import library_index
from flowpilot.pricing.prices import PriceTable
from flowpilot.privacy import service as privacy
from flowpilot.privacy.vault import Vault
from flowpilot.sessions import service, tree
from flowpilot.sessions.history import (
    History,
    PathRow,
    guide_marks,
    queue_chunk_digests,
    read_history,
    rows_evidence,
)
from flowpilot.sessions.history import fork_depth as history_fork_depth
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch, SessionMessage
from flowpilot.storage import Storage
from flowpilot.uploads.analysis import base64_text
from flowpilot.uploads.models import FileUpload

log = structlog.get_logger(__name__)
CHATTABLE = ("active", "paused")
# How many of the newest messages on a path guidance reads in full.
RECENT_FOR_GUIDANCE = 24
# How often a streaming turn checks for a stop request (any app process may receive it).
# A Stop this process receives takes effect at the next chunk; a Stop another app process
# received is read from the database this often (one query per streaming turn each time).
STOP_POLL_SECONDS = 1.0
# The turns streaming in this process, by the message they answer: Stop sets the event.
_STREAMING: dict[uuid.UUID, asyncio.Event] = {}
# Turns keep running when the client disconnects; a strong reference keeps the task alive.
_RUNNING: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True)
class Saved:
    """An engineer's message saved for a turn, with the rows it was saved under (locked)."""

    turn: Turn
    message: SessionMessage
    session: AISession
    branch: SessionBranch


@dataclass(frozen=True)
class Turn:
    session_id: uuid.UUID
    account_id: uuid.UUID
    branch_id: uuid.UUID
    user_message_id: uuid.UUID
    # Who asked: the answer's cost counts against their monthly AI budget.
    author_id: uuid.UUID | None = None
    # The message's follow-up (follow_up.py) is due: the turn runs it beside the model.
    follow_up: bool = False


async def _resume_if_paused(db: AsyncSession, session: AISession, principal: Principal) -> None:
    """Writing in a paused session resumes it. A park or resume racing this message must not
    refuse it: re-read the status and try again (the transition is a guarded UPDATE)."""
    for _ in range(3):
        if session.status != "paused":
            break
        try:
            await service.transition(db, session, "active", actor=principal.user_id)
        except Conflict as exc:
            if exc.code != "stale_status":
                raise
            await db.refresh(session)
    if session.status not in CHATTABLE:
        raise Conflict(
            f"This session is {session.status}; reopen it before sending messages",
            code="session_not_active",
        )


def model_reads_evidence(provider: ChatProvider) -> bool:
    """With a real model, each engineer message is also read by the model (a job)."""
    return provider.name != "offline"


async def append_user_message(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    content: str,
    branch_id: uuid.UUID | None = None,
    upload_ids: list[uuid.UUID] | None = None,
) -> Saved:
    """The engineer's message saved on the branch, due its follow-up (follow_up.py: its
    reports on open suggestions, the model's reading), which the turn runs beside the model."""
    # One lock order for every writer: the session row, then the branch.
    session = await service.get_writable_session(db, principal, session_id, for_update=True)
    await _resume_if_paused(db, session, principal)
    branch, head = await service.lock_branch_with_head(
        db, session.id, session.account_id, branch_id or session.active_branch_id
    )
    if branch.status in ("dead_end", "solved"):
        raise Conflict(
            f"This branch is marked {branch.status.replace('_', ' ')}; "
            + (
                "revive it with evidence first"
                if branch.status == "dead_end"
                else "reopen it first"
            ),
            code="branch_closed",
        )
    # Chatting on a branch makes it the one being worked.
    from flowpilot.branching.service import make_active

    await make_active(db, session, branch)
    attachments = await attach_uploads(db, session, branch, upload_ids or [])
    await db.flush()  # what the lines above changed, before the message's own statement
    message = await tree.add_head_message(
        db,
        branch=branch,
        parent=head,
        role="user",
        content=content,
        branch_changes={"summary_stale": True},
        author_id=principal.user_id,
        attachments=attachments,
        # What the message establishes (codes, scope, what was done), extracted once.
        meta={"evidence": extract(content).as_dict()},
        follow_up_due=True,
    )
    turn = Turn(
        session.id, session.account_id, branch.id, message.id, principal.user_id, follow_up=True
    )
    return Saved(turn, message, session, branch)


async def save_and_prepare(
    db: AsyncSession,
    runner: ChatRunner,
    save: Callable[[], Awaitable[Saved]],
    facts: AccountFacts | None = None,
) -> tuple[Turn, SessionMessage, Prepared | None]:
    """Save the engineer's message and build the provider's request in the same transaction:
    its session, branch and message are loaded and locked already, so nothing is read twice
    and no second connection is taken before the first words. Reads only, no model call; the
    caller commits before the provider is called. A build that fails costs nothing: the
    transaction is rolled back, the message saved again, and the turn builds its request
    after the commit (where a failure is reported as the turn's error)."""
    with telemetry.phase("turn.save"):
        saved = await save()
    if runner.sends_images(saved.message):
        # Screenshots are read from file storage: not inside a transaction.
        return saved.turn, saved.message, None
    try:
        return saved.turn, saved.message, await runner.prepare(db, saved.turn, saved, facts)
    except Exception:
        log.warning(
            "prepare_in_request_failed", session_id=str(saved.turn.session_id), exc_info=True
        )
    await db.rollback()
    saved = await save()
    return saved.turn, saved.message, None


async def attach_uploads(
    db: AsyncSession, session: AISession, branch: SessionBranch, upload_ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """Uploads referenced by a message: they must be this session's (404 otherwise); an upload
    not yet tied to a branch joins the branch it is discussed on."""
    if not upload_ids:
        return []
    rows = {
        u.id: u
        for u in await db.scalars(
            select(FileUpload).where(
                FileUpload.id.in_(upload_ids),
                FileUpload.session_id == session.id,
                FileUpload.account_id == session.account_id,
            )
        )
    }
    if len(rows) != len(set(upload_ids)):
        raise NotFound("Upload not found")
    out = []
    for uid in dict.fromkeys(upload_ids):
        upload = rows[uid]
        if upload.uploaded_on_branch_id is None:
            upload.uploaded_on_branch_id = branch.id
        out.append({"upload_id": str(upload.id), "name": upload.original_name, "kind": upload.kind})
    return out


async def turn_for_retry(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, message_id: uuid.UUID
) -> Turn:
    session = await service.get_writable_session(db, principal, session_id)
    if session.status not in CHATTABLE:
        raise Conflict(f"This session is {session.status}", code="session_not_active")
    message = await db.scalar(
        select(SessionMessage).where(
            SessionMessage.id == message_id,
            SessionMessage.session_id == session.id,
            SessionMessage.account_id == session.account_id,
        )
    )
    if message is None or message.role != "user":
        raise NotFound("Message not found")
    if not await service.unanswered_ids(db, [message]):
        raise Conflict("This message already has an answer", code="already_answered")
    if message.meta.get("stop_requested"):
        message.meta = {k: v for k, v in message.meta.items() if k != "stop_requested"}
        await db.flush()
    return Turn(
        session.id,
        session.account_id,
        message.branch_id,
        message.id,
        message.author_id,
        follow_up=message.follow_up_due,
    )


async def edit_turn(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    content: str,
) -> Saved:
    """Edit-and-resend: a new branch from the edited message's parent, made active, with the
    new text as a sibling of the original (which stays on its branch with what followed)."""
    from flowpilot.branching.service import branch_for_new_version

    _, branch, original = await branch_for_new_version(
        db, principal, session_id, message_id, "user"
    )
    # The edited message keeps what the original attached.
    upload_ids = [uuid.UUID(a["upload_id"]) for a in original.attachments if a.get("upload_id")]
    return await append_user_message(
        db, principal, session_id, content, branch.id, upload_ids=upload_ids
    )


async def regenerate_turn(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Turn, SessionMessage]:
    """Another answer to the same question: a new branch from the user message the answer
    replies to, made active; the new answer is a sibling of the old one (which stays)."""
    from flowpilot.branching.service import branch_for_new_version

    session, branch, answer = await branch_for_new_version(
        db, principal, session_id, message_id, "assistant"
    )
    asked = await db.get(SessionMessage, answer.reply_to_id or answer.parent_id)
    assert asked is not None
    if asked.meta.get("stop_requested"):
        # A stop asked of the earlier answer must not stop this one.
        asked.meta = {k: v for k, v in asked.meta.items() if k != "stop_requested"}
        await db.flush()
    turn = Turn(
        session.id,
        session.account_id,
        branch.id,
        asked.id,
        principal.user_id,
        follow_up=asked.follow_up_due,
    )
    return turn, asked


def _as_chat(rows: list[PathRow]) -> list[ChatMessage]:
    # FlowPilot's own notes in the tree (e.g. a revival) reach the model as context.
    return [
        ChatMessage(role="user", text=f"(FlowPilot note) {r.content}", meta=r.meta)
        if r.role == "system"
        else ChatMessage(role=r.role, text=r.content, meta=r.meta)  # type: ignore[arg-type]
        for r in rows
    ]


def _earlier(past: History, older: list[PathRow], fork_depth: int) -> Earlier | None:
    """What the path established before the recent messages guidance reads in full: the
    digested chunks, then the tail messages older than the recent ones."""
    if not past.chunks and not older:
        return None
    marks = [g for c in past.chunks for g in c.guides] + guide_marks(older)
    return Earlier(
        evidence=past.chunks_evidence().merge(rows_evidence(older)),
        guides=[g for g in marks if int(g.get("depth", 0)) > fork_depth],
    )


@dataclass(frozen=True)
class Prepared:
    """A turn's request to the provider, and what saving its answer needs."""

    request: ChatRequest
    past: History
    provider: ChatProvider
    vault: Vault | None
    started: float  # time.monotonic() when preparing began (first-token latency counts it)

    def parts(self) -> tuple[ChatRequest, History, ChatProvider, Vault | None]:
        return self.request, self.past, self.provider, self.vault


class ChatRunner:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        provider: ChatProvider,
        settings: Settings,
        storage: Storage | None = None,
    ) -> None:
        self.maker = maker
        self.provider = provider
        self.settings = settings
        self.storage = storage

    async def run(
        self, turn: Turn, prepared: Prepared | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yields {'event': …, 'data': …} dicts: delta* then done, or error. `prepared`: the
        request built in the transaction that saved the message (built here otherwise)."""
        started = prepared.started if prepared else time.monotonic()
        follow: asyncio.Task[Beside] | None = None
        # Spans are started and ended by hand: a generator's yields would detach a current one.
        turn_span = telemetry.tracer().start_span(
            "chat.turn",
            attributes={
                "flowpilot.session_id": str(turn.session_id),
                "flowpilot.branch_id": str(turn.branch_id),
            },
        )
        try:
            try:
                if prepared is None:
                    async with self.maker() as db:
                        prepared = await self.prepare(db, turn)
                request, past, provider, vault = prepared.parts()
            except Exception:
                log.exception("prompt_build_failed", session_id=str(turn.session_id))
                turn_span.set_status(telemetry.Status(telemetry.StatusCode.ERROR, "prompt build"))
                yield _error("Could not prepare the request. Try again.", "internal_error", turn)
                return
            # The message's reports and the model's reading of it, beside the first words.
            follow = self._start_beside(turn)
            metrics.ACTIVE_STREAMS.inc()
            model_span = telemetry.tracer().start_span(
                f"model.stream {provider.name}",
                context=telemetry.inside(turn_span),
                attributes={
                    "gen_ai.system": provider.name,
                    "gen_ai.request.model": provider.model,
                },
            )
            try:
                relayed = self._relay(
                    turn, request, past, provider, vault, started, model_span, follow
                )
                async for item in relayed:
                    yield item
            finally:
                model_span.end()
                metrics.ACTIVE_STREAMS.dec()
        finally:
            # Never left running past the turn (a disconnected client's turn runs on too).
            await _settled(follow)
            turn_span.end()

    def _start_beside(self, turn: Turn) -> asyncio.Task[Beside] | None:
        if not turn.follow_up and budgets.costs_nothing(self.provider):
            return None
        task = asyncio.create_task(self._beside(turn))
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)
        return task

    async def _run_follow_up(self, db: AsyncSession, turn: Turn) -> None:
        await run_follow_up(
            db,
            turn.session_id,
            turn.account_id,
            turn.user_message_id,
            model_evidence=model_reads_evidence(self.provider),
        )

    async def _beside(self, turn: Turn) -> Beside:
        """While the model thinks, in one short transaction: the message's follow-up (when
        due) and the account's prices for this reply. What fails is left to the reply's
        transaction."""
        try:
            async with self.maker() as db:
                if turn.follow_up:
                    await self._run_follow_up(db, turn)
                prices = await budgets.prices_for(db, turn.account_id, self.provider)
                await db.commit()
            return Beside(followed_up=True, prices=prices)
        except Exception:
            log.exception(
                "follow_up_failed" if turn.follow_up else "prices_read_failed",
                session_id=str(turn.session_id),
            )
            return Beside(followed_up=not turn.follow_up, prices=None)

    async def _relay(
        self,
        turn: Turn,
        request: ChatRequest,
        past: History,
        provider: ChatProvider,
        vault: Vault | None,
        started: float,
        model_span: telemetry.Span,
        follow: asyncio.Task[Beside] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        parts: list[str] = []
        completed: Completed | None = None
        last_check = time.monotonic()
        suggestions = ForkOptionsFilter()
        first = True
        # A cloud model gets the session's client identifiers as placeholders when the account
        # asks for it; what streams back is restored.
        stream = provider.stream_chat(request)
        stop_here = _STREAMING.setdefault(turn.user_message_id, asyncio.Event())
        try:
            async for event in stream:
                if isinstance(event, Completed):
                    completed = event
                    continue
                visible = suggestions.feed(event.text)
                if not visible:
                    continue
                parts.append(visible)
                if first:
                    first = False
                    metrics.FIRST_TOKEN_SECONDS.labels(self.provider.name).observe(
                        time.monotonic() - started
                    )
                    model_span.add_event("first_token")
                yield {"event": "delta", "data": {"text": visible}}
                if stop_here.is_set() or time.monotonic() - last_check >= STOP_POLL_SECONDS:
                    last_check = time.monotonic()
                    if stop_here.is_set() or await self._stop_requested(turn):
                        # What the model wrote so far is kept; its usage is not reported
                        # for an interrupted stream.
                        completed = Completed(usage=Usage(), meta={"stopped": True})
                        break
        except ProviderError as exc:
            metrics.PROVIDER_ERRORS.labels(self.provider.name).inc()
            model_span.set_status(telemetry.Status(telemetry.StatusCode.ERROR, exc.detail[:200]))
            model_span.set_attribute("http.response.status_code", exc.status or 0)
            log.warning(
                "provider_failed", provider=self.provider.name, detail=exc.detail, status=exc.status
            )
            await _settled(follow)
            yield _error(exc.detail, "provider_error", turn, retryable=exc.retryable)
            return
        finally:
            _STREAMING.pop(turn.user_message_id, None)
            await stream.aclose()  # type: ignore[attr-defined]
        tail, options = suggestions.finish()
        if tail:
            parts.append(tail)
            yield {"event": "delta", "data": {"text": tail}}
        if options and completed is not None:
            completed.meta.setdefault("fork_suggestions", options)
        text = "".join(parts).strip()
        if completed is None or not text:
            await _settled(follow)
            yield _error("The model returned an empty answer. Try again.", "provider_error", turn)
            return
        latency_ms = int((time.monotonic() - started) * 1000)
        metrics.TURN_SECONDS.labels(self.provider.name).observe(latency_ms / 1000)
        metrics.count_tokens(
            self.provider.name,
            str(completed.meta.get("model") or self.provider.model),
            completed.usage,
        )
        model_span.set_attribute("gen_ai.usage.input_tokens", completed.usage.input_tokens)
        model_span.set_attribute("gen_ai.usage.output_tokens", completed.usage.output_tokens)
        plan = request.guide if isinstance(request.guide, GuidePlan) else None
        # The message's reports come before the suggestions this reply makes; a follow-up
        # that failed on its own runs in the reply's transaction.
        beside = await _settled(follow)
        reply, step = await self._save_reply(
            turn,
            text,
            completed,
            latency_ms,
            plan,
            past,
            vault,
            follow_up_owed=not beside.followed_up,
            prices=beside.prices,
        )
        yield {
            "event": "done",
            "data": {"assistant_message": reply, "step": step, "usage": completed.usage},
        }

    async def _stop_requested(self, turn: Turn) -> bool:
        async with self.maker() as db:
            flag = await db.scalar(
                select(SessionMessage.meta["stop_requested"].as_boolean()).where(
                    SessionMessage.id == turn.user_message_id
                )
            )
        return bool(flag)

    async def prepare(
        self,
        db: AsyncSession,
        turn: Turn,
        saved: Saved | None = None,
        facts: AccountFacts | None = None,
    ) -> Prepared:
        """The provider's request for this turn, read in `db`'s transaction (reads only).
        `saved`: the rows the message was just saved under, in this transaction (not read
        again); `facts`: the account's settings, read before the message was saved."""
        if facts is not None and facts.account_id != turn.account_id:
            facts = None
        started = time.monotonic()
        asked: SessionMessage | None
        if saved is not None:
            session, branch, asked = saved.session, saved.branch, saved.message
        else:
            found = await db.get(AISession, turn.session_id)
            assert found is not None and found.account_id == turn.account_id
            on = await db.get(SessionBranch, turn.branch_id)
            assert on is not None
            session, branch = found, on
            asked = await db.get(SessionMessage, turn.user_message_id)
        # A model reads the newest messages that fit the budget; the offline provider
        # sends no prompt, so only the recent part its guidance needs is read.
        budget = (
            self.settings.history_token_budget * CHARS_PER_TOKEN
            if getattr(self.provider, "reads_history", True)
            else None
        )
        with telemetry.phase("turn.history"):
            past = await read_history(
                db,
                session.id,
                turn.user_message_id,
                prompt_budget_chars=budget,
                window_start=branch.prompt_window_start,
                head_depth=asked.depth if asked else None,
            )
            fork_depth = await history_fork_depth(db, branch)
        # Guidance reads the newest messages in full and what came before as evidence and
        # guide marks: the same work at any history length.
        older, recent = past.tail[:-RECENT_FOR_GUIDANCE], past.tail[-RECENT_FOR_GUIDANCE:]
        uploads = await artifacts_by_branch(db, session.id) if session.has_uploads else {}
        # A session that never forked has no other branch to summarise.
        siblings = (
            await sibling_summaries(db, session.id, branch.id, uploads)
            if session.is_branching
            else []
        )
        attachments = uploads.get(branch.id, [])
        with telemetry.phase("turn.library"):
            index = await library_index(
                db, session.account_id, facts.library_fingerprint if facts else None
            )
        with telemetry.phase("turn.plan"):
            plan = build_plan(
                index,
                problem_summary=session.problem_summary,
                history=_as_chat(recent),
                own_history=_as_chat([r for r in recent if r.depth > fork_depth]),
                hypothesis=branch.label if branch.parent_branch_id else None,
                attachments=attachments,
                earlier=_earlier(past, older, fork_depth),
            )
        with telemetry.phase("turn.prompt"):
            window = _as_chat(past.window)
            provider, vault = await privacy.guarded(
                db, self.provider, session, facts.privacy_level if facts else None
            )
            await self._attach_images(db, asked, turn, window, provider)
            builder = BranchAwarePromptBuilder(max_tokens=self.settings.ai_max_output_tokens)
            request = builder.build(
                title=session.title,
                problem_summary=session.problem_summary,
                problem_domain=session.problem_domain,
                branch_label=branch.label if branch.parent_branch_id else None,
                history=window,
                digests=past.prompt_digests(),
                siblings=siblings,
                plan=plan,
                intake=session.intake,
                attachments=attachments,
            )
        return Prepared(request, past, provider, vault, started)

    def sends_images(self, message: SessionMessage) -> bool:
        """Whether this turn's message has screenshots for a vision model."""
        return (
            self.storage is not None and self.provider.supports_images and bool(_image_ids(message))
        )

    async def _attach_images(
        self,
        db: AsyncSession,
        message: SessionMessage | None,
        turn: Turn,
        history: list[ChatMessage],
        provider: ChatProvider,
    ) -> None:
        """Screenshots attached to this turn go to a vision model directly (once); never to a
        cloud model the session's client identifiers are hidden from."""
        if self.storage is None or not provider.supports_images or not history:
            return
        ids = _image_ids(message)
        if not ids:
            return
        uploads = await db.scalars(
            select(FileUpload).where(
                FileUpload.id.in_([uuid.UUID(i) for i in ids]),
                FileUpload.account_id == turn.account_id,
            )
        )
        # Encoding a large screenshot takes tens of milliseconds: off the event loop.
        history[-1].images = [
            ImagePart(
                u.detected_type,
                await asyncio.to_thread(base64_text, await self.storage.get(u.storage_key)),
            )
            for u in uploads
        ]

    async def _save_reply(
        self,
        turn: Turn,
        text: str,
        completed: Completed,
        latency_ms: int,
        plan: GuidePlan | None,
        past: History,
        vault: Vault | None = None,
        *,
        follow_up_owed: bool = False,
        prices: PriceTable | None = None,
    ) -> tuple[SessionMessage, AISessionStep]:
        usage = completed.usage
        meta = {k: v for k, v in completed.meta.items() if v is not None}
        if plan is not None:
            meta["guide"] = plan.meta()
        meta.update(provider=self.provider.name, model=meta.get("model", self.provider.model))
        async with self.maker() as db:
            if prices is None:
                # Read before any row lock is taken (nothing for a provider that costs nothing).
                prices = await budgets.prices_for(db, turn.account_id, self.provider)
            # The session's row first (every writer's lock order), locked by the statement
            # that numbers this turn's step and counts its usage.
            number = await service.next_step_number(db, turn.session_id, turn_usage=usage)
            # The branch's head is the question (or a later message written meanwhile).
            branch, head = await service.lock_branch_with_head(
                db, turn.session_id, turn.account_id, turn.branch_id
            )
            if follow_up_owed:
                await self._run_follow_up(db, turn)
            parent: service.Head | SessionMessage | None = head or await db.get(
                SessionMessage, turn.user_message_id
            )
            assert parent is not None
            changes = {}
            if past.window_start is not None:
                # Where this prompt's verbatim part began; it never moves back.
                start = max(branch.prompt_window_start or 0, past.window_start)
                if start != branch.prompt_window_start:
                    changes["prompt_window_start"] = start
            await db.flush()  # the follow-up's changes, before the reply's own statement
            reply = await tree.add_head_message(
                db,
                branch=branch,
                parent=parent,
                role="assistant",
                content=text,
                branch_changes=changes,
                reply_to_id=turn.user_message_id,
                attachments=[],
                meta=meta,
                **usage.columns(),
            )
            step_type = step_type_for(text, meta)
            step = await tree.add_step(
                db,
                session_id=turn.session_id,
                account_id=turn.account_id,
                number=number,
                branch_id=turn.branch_id,
                message_id=reply.id,
                step_type=step_type,
                title=str(meta.get("title") or _first_line(text))[:300],
                content=text,
                state=suggestion_state(step_type, meta),
                data={k: meta[k] for k in ("guide", "fork_suggestions") if k in meta},
                provider=self.provider.name,
                model=str(meta.get("model", "")),
                latency_ms=latency_ms,
                **usage.columns(),
            )
            await queue_summary(db, turn.branch_id, self.settings.summary_settle_seconds)
            await queue_chunk_digests(db, reply, [c.last_message_id for c in past.unstored])
            await privacy.remember(db, turn.session_id, turn.account_id, vault)
            model = str(meta.get("model") or self.provider.model)
            cost = budgets.cost_of(prices, self.provider, model, usage)
            await budgets.add_spend(db, turn.account_id, turn.author_id, cost)
            await db.commit()
            return reply, step


@dataclass(frozen=True)
class Beside:
    """What a turn did while the model was thinking."""

    followed_up: bool  # the message's follow-up ran (or none was due)
    prices: PriceTable | None  # the account's prices (None: the reply's transaction reads them)


async def _settled(follow: asyncio.Task[Beside] | None) -> Beside:
    """Wait for what the turn runs beside the model."""
    return Beside(followed_up=True, prices=None) if follow is None else await follow


def _image_ids(message: SessionMessage | None) -> list[str]:
    """The uploads a message attached that are screenshots."""
    attachments = message.attachments if message else []
    return [a["upload_id"] for a in attachments if a.get("kind") == "image"]


def start_detached(
    runner: ChatRunner, turn: Turn, prepared: Prepared | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Run the turn in its own task and relay its events.

    A client that disconnects (closed tab, network blip) stops receiving events, but the reply
    is still generated and saved; only an explicit stop request ends it early.
    """
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    async def drive() -> None:
        try:
            async for item in runner.run(turn, prepared):
                queue.put_nowait(item)
                # Let the relay write it now: words that arrived in one read of the model's
                # stream would otherwise wait for the whole read, and the last words for the
                # reply to be saved.
                await asyncio.sleep(0)
        except Exception:
            log.exception("turn_failed", session_id=str(turn.session_id))
            queue.put_nowait(
                _error("The answer could not be saved. Try again.", "internal_error", turn)
            )
        finally:
            queue.put_nowait(None)

    task = asyncio.create_task(drive())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    listener = (queue, turn, asyncio.get_running_loop())

    async def relay() -> AsyncIterator[dict[str, Any]]:
        _LISTENING.add(listener)
        try:
            while (item := await queue.get()) is not None:
                yield item
                if item.get("data", {}).get("code") == "server_stopping":
                    return
        finally:
            _LISTENING.discard(listener)

    return relay()


# Streams being relayed to a client: told when the server stops, so they end with an event
# the web app understands instead of a cut connection.
_LISTENING: set[tuple[asyncio.Queue[dict[str, Any] | None], Turn, asyncio.AbstractEventLoop]] = (
    set()
)


def announce_shutdown() -> None:
    """The server is stopping: every open answer stream ends with a retryable error (the
    engineer's message is saved; Retry asks again once the server is back)."""
    for queue, turn, loop in list(_LISTENING):
        event = _error(
            "The server is restarting; your message is saved. Retry in a moment.",
            "server_stopping",
            turn,
        )
        loop.call_soon_threadsafe(queue.put_nowait, event)


async def request_stop(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, message_id: uuid.UUID
) -> None:
    session = await service.get_writable_session(db, principal, session_id)
    message = await db.scalar(
        select(SessionMessage).where(
            SessionMessage.id == message_id,
            SessionMessage.session_id == session.id,
            SessionMessage.account_id == session.account_id,
            SessionMessage.role == "user",
        )
    )
    if message is None:
        raise NotFound("Message not found")
    if not await service.unanswered_ids(db, [message]):
        raise Conflict("This message already has an answer", code="already_answered")
    message.meta = {**(message.meta or {}), "stop_requested": True}
    await db.flush()
    # Streaming in this process: stop at its next chunk (others read the flag above).
    if (streaming := _STREAMING.get(message_id)) is not None:
        streaming.set()


def step_type_for(text: str, meta: dict[str, Any]) -> str:
    explicit = meta.get("step_type")
    if isinstance(explicit, str):
        return explicit
    if "```" in text:
        return "script_generation"
    return "question" if text.rstrip().endswith("?") else "action"


PROPOSING_TYPES = ("question", "action", "script_generation", "verification", "info_request")
# Lines that frame an answer rather than propose anything (never a step title).
BOILERPLATE = re.compile(
    r"^(offline mode|sure|certainly|of course|great|thanks|thank you|ok|okay|got it|"
    r"understood|here is|here's|let's|i'll|i will)\b",
    re.I,
)


def suggestion_state(step_type: str, meta: dict[str, Any]) -> str:
    """A reply that proposes work is a suggestion until the engineer reports on it; a
    stopped or partial reply proposes nothing (it never enters the record as work)."""
    if meta.get("stopped") or meta.get("partial"):
        return "record"
    return "suggested" if step_type in PROPOSING_TYPES else "record"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip(" #*_>-")
        if line and not BOILERPLATE.match(line):
            return line[:200]
    return ""


def _error(detail: str, code: str, turn: Turn, *, retryable: bool = True) -> dict[str, Any]:
    return {
        "event": "error",
        "data": {
            "detail": detail,
            "code": code,
            "retryable": retryable,
            "user_message_id": turn.user_message_id,
        },
    }
