import { type RefObject, useEffect, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { AlertTriangle, ArrowLeft, GitBranch, Pencil, RefreshCw, RotateCcw, Share2 } from "lucide-react";
import type { ForkSuggestion, Message, Session, SessionStatus } from "../api/client";
import { useBranchTree, useCompare, useFork } from "../features/branching/api/branches";
import { useClaimHandoff } from "../features/handoffs/api/claim";
import { useHandoffs } from "../features/handoffs/api/handoffs";
import { useChangeStatus, useSessionChanged, useSessionTime, useSteps } from "../features/sessions/api/session";
import { useRefreshAfterTurns } from "../features/sessions/hooks/useRefreshAfterTurns";
import { useSessionUploads } from "../features/uploads/api/uploads";
import { PrivacyNote } from "../features/sessions/components/PrivacyNote";
import { SessionCost } from "../features/sessions/components/SessionCost";
import { useAuth } from "../stores/auth";
import { BriefingPanel } from "../features/handoffs/components/BriefingPanel";
import { HandoffHistory } from "../features/handoffs/components/HandoffHistory";
import { HandoffModal } from "../features/handoffs/components/HandoffModal";
import { ResolutionOutputPanel } from "../features/resolutions/components/ResolutionOutputPanel";
import type { TicketLink } from "../features/resolutions/components/PushControls";
import { ResolveDialog } from "../features/resolutions/components/ResolveDialog";
import { UploadCard } from "../features/uploads/components/UploadCard";
import { BranchMap } from "../features/branching/components/BranchMap";
import { BranchTransitionBar } from "../features/branching/components/BranchTransitionBar";
import { ComparePanel } from "../features/branching/components/ComparePanel";
import { ForkCard } from "../features/branching/components/ForkCard";
import { ChatMessage } from "../features/sessions/components/ChatMessage";
import { Composer } from "../features/sessions/components/Composer";
import { EditMessage } from "../features/sessions/components/EditMessage";
import { GuidancePanel } from "../features/sessions/components/GuidancePanel";
import { StepReport } from "../features/sessions/components/StepReport";
import { StatusBadge } from "../features/sessions/components/StatusBadge";
import { duration, tokens } from "../lib/format";
import { navigate, queryParam } from "../lib/router";
import { useBranchView } from "../features/branching/hooks/useBranchView";
import { useChat } from "../stores/chat";

const NEXT: Partial<Record<SessionStatus, { to: SessionStatus; label: string }[]>> = {
  active: [{ to: "resolved", label: "Mark resolved" }],
  paused: [{ to: "resolved", label: "Mark resolved" }],
  escalated: [{ to: "resolved", label: "Mark resolved" }],
  resolved: [{ to: "active", label: "Reopen" }, { to: "closed", label: "Close" }],
};

// Stored totals accrue on status changes; while active, add the running interval.
function activeSeconds(s: { status: SessionStatus; total_active_seconds: number; status_changed_at: string }): number {
  if (s.status !== "active") return s.total_active_seconds;
  const running = Math.max(0, Math.floor((Date.now() - new Date(s.status_changed_at).getTime()) / 1000));
  return s.total_active_seconds + running;
}

function MessageAttachments({ sessionId, message }: { sessionId: string; message: Message }) {
  const items = useSessionUploads(sessionId).data ?? [];
  const ids = new Set(message.attachments.map((a) => String(a.upload_id)));
  const shown = items.filter((u) => ids.has(u.id));
  if (!shown.length) return null;
  return (
    <div className="flex flex-wrap justify-end gap-2">
      {shown.map((u) => <UploadCard key={u.id} sessionId={sessionId} upload={u} />)}
    </div>
  );
}

function ticketLink(s: Session): TicketLink {
  const t = (s.intake?.psa_ticket ?? {}) as { connection_name?: string; contact_email?: string };
  return {
    ticketId: s.psa_ticket_id ?? null,
    connectionId: s.psa_connection_id ?? null,
    connectionName: t.connection_name ?? null,
    contactEmail: t.contact_email || null,
  };
}

function suggestionsOf(m: Message): ForkSuggestion[] {
  const raw = m.meta?.fork_suggestions;
  return Array.isArray(raw) ? (raw as ForkSuggestion[]) : [];
}

/** The answer as it streams: the only part of the page that follows every chunk. */
function StreamingAnswer({ bottom }: { bottom: RefObject<HTMLDivElement | null> }) {
  const text = useChat((s) => s.streamingText);
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [text, bottom]);
  return (
    <div data-testid="streaming">
      <ChatMessage role="assistant" content={text || "…"} />
    </div>
  );
}

export function SessionPage({ id }: { id: string }) {
  // Not the streamed text: a chunk re-renders only the streaming answer, not every message.
  const { session, messages, streaming, error, open, send, retry, stop, edit, regenerate } = useChat(
    useShallow((s) => ({
      session: s.session, messages: s.messages, streaming: s.streaming, error: s.error,
      open: s.open, send: s.send, retry: s.retry, stop: s.stop, edit: s.edit, regenerate: s.regenerate,
    })),
  );
  const tree = useBranchTree(id).data ?? null;
  const transition = useBranchView((s) => s.transition);
  const compare = useCompare(id, useBranchView((s) => s.comparing)).data;
  const fork = useFork(id);
  const handoffs = useHandoffs(id).data ?? [];
  const time = useSessionTime(id).data ?? null;
  const steps = useSteps(id).data ?? [];
  const claim = useClaimHandoff();
  const changeStatus = useChangeStatus(id);
  const sessionChanged = useSessionChanged(id);
  useRefreshAfterTurns(id);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [forkFrom, setForkFrom] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<Set<string>>(new Set());
  const [handoffOpen, setHandoffOpen] = useState(false);
  const [resolving, setResolving] = useState(false);
  const [briefingFor, setBriefingFor] = useState<string | null>(queryParam("briefing"));
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    useBranchView.getState().reset();
    open(id).catch((err: Error) => setLoadError(err.message));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length]);

  if (loadError) return <p role="alert" className="text-red-700">{loadError}</p>;
  if (!session) return <p className="text-slate-600">Loading session…</p>;

  const openHandoff = handoffs.find((h) => h.status === "open");
  async function claimOpen() {
    if (!openHandoff) return;
    try {
      await claim.mutateAsync({ sessionId: id, handoffId: openHandoff.id });
    } catch {
      return; // shown under the title
    }
    await useChat.getState().refreshSession();
    // Picking up someone else's work gets a briefing; resuming your own park does not.
    const mine = openHandoff.handed_off_by === useAuth.getState().me?.id;
    if (openHandoff.handed_off_by !== null && !mine) setBriefingFor(openHandoff.id);
  }
  const actionError = changeStatus.error ?? claim.error;

  const stepByMessage = new Map(steps.map((st) => [st.message_id, st]));
  const activeBranch = tree?.branches.find((b) => b.id === tree.active_branch_id);
  const forkedAt = new Set((tree?.fork_points ?? []).map((p) => p.trigger_message_id));
  const lastAssistant = [...messages].reverse().find((m) => m.role === "assistant");
  const suggestion =
    lastAssistant && !forkedAt.has(lastAssistant.id) && !dismissed.has(lastAssistant.id) && session.can_write && !streaming
      ? suggestionsOf(lastAssistant)
      : [];
  const chattable =
    session.can_write &&
    (session.status === "active" || session.status === "paused") &&
    activeBranch?.status !== "dead_end" &&
    activeBranch?.status !== "solved";

  // Edit-and-resend and regenerate make a new branch: the session must take messages.
  const redoable = session.can_write && !streaming && (session.status === "active" || session.status === "paused");

  const doFork = (fromMessageId: string) => (reason: string, options: ForkSuggestion[]) =>
    fork.mutateAsync({ fork_reason: reason, options, from_message_id: fromMessageId }).then(() => true, () => false);

  return (
    <div className="grid gap-4 md:grid-cols-[17rem_1fr]">
      <aside className="order-2 md:order-1">
        {tree && <BranchMap sessionId={id} tree={tree} canWrite={session.can_write} />}
      </aside>
      <div className="order-1 flex min-w-0 flex-col gap-4 md:order-2">
        <div className="flex flex-wrap items-center gap-3">
          <button type="button" onClick={() => navigate("/")} className="inline-flex items-center gap-1 text-sm text-slate-600">
            <ArrowLeft aria-hidden="true" className="h-4 w-4" /> Sessions
          </button>
          <h1 className="min-w-0 basis-full break-words text-xl font-semibold md:basis-0 md:flex-1" data-testid="session-title">{session.title}</h1>
          <StatusBadge status={session.status} />
          {session.can_write && session.status === "active" && (
            <button type="button" onClick={() => setHandoffOpen(true)} disabled={streaming}
              className="inline-flex items-center gap-1 rounded border border-orange-300 px-2 py-1 text-sm text-orange-800 hover:bg-orange-50">
              <Share2 aria-hidden="true" className="h-4 w-4" /> Hand off
            </button>
          )}
          {openHandoff && (
            <button type="button" onClick={() => void claimOpen()}
              className="rounded bg-blue-600 px-2 py-1 text-sm font-medium text-white">
              {openHandoff.intent === "park" ? "Resume" : "Claim"}
            </button>
          )}
          {session.can_write && NEXT[session.status]?.map((t) => (
            <button key={t.to} type="button" disabled={streaming}
              onClick={() => (t.to === "resolved" && tree ? setResolving(true) : changeStatus.mutate(t.to))}
              className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100">{t.label}</button>
          ))}
        </div>
        {actionError && <p role="alert" className="text-sm text-red-700">{actionError.message}</p>}
        <dl className="grid grid-cols-2 gap-2 text-sm text-slate-600 sm:grid-cols-4">
          <div><dt className="text-xs uppercase text-slate-600">Domain</dt><dd>{session.problem_domain ?? "Classifying…"}</dd></div>
          <div>
            <dt className="text-xs uppercase text-slate-600">Active / parked</dt>
            <dd data-testid="time">{duration(activeSeconds(session))} / {duration(time?.total_parked_seconds ?? session.total_parked_seconds)}</dd>
            {time && time.per_engineer.length > 0 && (
              <dd data-testid="time-per-engineer" className="text-xs">
                {time.per_engineer.map((e) => `${e.user_name || "someone"} ${duration(e.seconds)}`).join(" · ")}
              </dd>
            )}
          </div>
          {(["client", "contact", "device"] as const).map((k) => {
            const value = session.intake?.[k];
            return typeof value === "string" && value ? (
              <div key={k}>
                <dt className="text-xs uppercase text-slate-600">{k}</dt>
                <dd data-testid={`intake-${k}`} className="break-words">{value}</dd>
              </div>
            ) : null;
          })}
          {session.psa_ticket_id && (
            <div>
              <dt className="text-xs uppercase text-slate-600">PSA ticket</dt>
              <dd data-testid="psa-ticket">{ticketLink(session).connectionName ?? "PSA"} #{session.psa_ticket_id}</dd>
            </div>
          )}
          <div><dt className="text-xs uppercase text-slate-600">Branch</dt><dd data-testid="active-branch">{activeBranch?.label ?? "Main"}</dd></div>
          <div>
            <dt className="text-xs uppercase text-slate-600">Tokens (in / out / cached)</dt>
            <dd data-testid="usage">{tokens(session.usage.input_tokens)} / {tokens(session.usage.output_tokens)} / {tokens(session.usage.cache_read_tokens)}</dd>
            <SessionCost sessionId={id} />
          </div>
        </dl>
        <PrivacyNote sessionId={id} />
        {(session.status === "resolved" || session.status === "closed") && (
          <ResolutionOutputPanel sessionId={id} canWrite={session.can_write} ticket={ticketLink(session)} />
        )}
        {briefingFor && <BriefingPanel sessionId={id} handoffId={briefingFor} onClose={() => setBriefingFor(null)} />}
        <HandoffHistory handoffs={handoffs} />
        {transition && <BranchTransitionBar transition={transition} onDismiss={useBranchView.getState().dismissTransition} />}
        {compare && <ComparePanel data={compare} onClose={useBranchView.getState().closeCompare} />}
        <section aria-label="Conversation" aria-live="polite" className="flex flex-col gap-4">
          {messages.map((m) => (
            <div key={m.id} className="flex flex-col gap-2">
              <ChatMessage role={m.role} content={m.content} stopped={m.meta?.stopped === true} partial={m.meta?.partial === true}
                usage={m.role === "assistant" ? m : undefined}
                attachments={<MessageAttachments sessionId={id} message={m} />}
                actions={session.can_write && m.role !== "system" && !streaming ? (
                  <>
                    <button type="button" onClick={() => setForkFrom(forkFrom === m.id ? null : m.id)}
                      className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-slate-600 hover:bg-slate-200"
                      aria-label="Fork from here">
                      <GitBranch aria-hidden="true" className="h-3 w-3" /> Fork from here
                    </button>
                    {redoable && m.role === "user" && (
                      <button type="button" onClick={() => setEditing(editing === m.id ? null : m.id)}
                        aria-expanded={editing === m.id}
                        className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-slate-600 hover:bg-slate-200">
                        <Pencil aria-hidden="true" className="h-3 w-3" /> Edit
                      </button>
                    )}
                    {redoable && m.role === "assistant" && (
                      <button type="button" onClick={() => void regenerate(m.id)}
                        className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-slate-600 hover:bg-slate-200">
                        <RefreshCw aria-hidden="true" className="h-3 w-3" /> Regenerate
                      </button>
                    )}
                  </>
                ) : undefined} />
              {editing === m.id && redoable && (
                <EditMessage initial={m.content} onCancel={() => setEditing(null)}
                  onSubmit={async (content) => {
                    setEditing(null);
                    return edit(m.id, content);
                  }} />
              )}
              {stepByMessage.has(m.id) && (
                <StepReport sessionId={id} step={stepByMessage.get(m.id)!} canWrite={session.can_write} />
              )}
              {forkFrom === m.id && (
                <ForkCard title="Fork from this message" onCancel={() => setForkFrom(null)} onSubmit={doFork(m.id)} />
              )}
              {m.id === lastAssistant?.id && suggestion.length >= 2 && forkFrom !== m.id && (
                <ForkCard key={`suggest-${m.id}`} title="The assistant suggests exploring these hypotheses"
                  initialReason="Competing hypotheses suggested by the assistant" initialOptions={suggestion}
                  onCancel={() => setDismissed(new Set([...dismissed, m.id]))} onSubmit={doFork(m.id)} />
              )}
            </div>
          ))}
          {streaming && <StreamingAnswer bottom={bottom} />}
          {error && !streaming && (
            <div role="alert" className="flex items-center gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
              <AlertTriangle aria-hidden="true" className="h-4 w-4 shrink-0" />
              <span className="flex-1">{error.detail}</span>
              {error.retryable && error.messageId && session.can_write && (
                <button type="button" onClick={() => void retry(error.messageId!)}
                  className="inline-flex items-center gap-1 rounded bg-red-700 px-3 py-1 text-white">
                  <RotateCcw aria-hidden="true" className="h-4 w-4" /> Retry
                </button>
              )}
            </div>
          )}
          <div ref={bottom} />
        </section>
        {!streaming && <GuidancePanel message={lastAssistant} />}
        <Composer sessionId={id} branchId={tree?.active_branch_id ?? null} disabled={!chattable} streaming={streaming}
          onSend={(t, ids) => send(t, ids)} onStop={stop} />
        {resolving && tree && (
          <ResolveDialog sessionId={id} branches={tree.branches} activeBranchId={tree.active_branch_id ?? null}
            onClose={() => setResolving(false)}
            onDone={() => setResolving(false)} />
        )}
        {handoffOpen && (
          <HandoffModal sessionId={id} sessionTeamId={session.team_id ?? null} onClose={() => setHandoffOpen(false)}
            onDone={() => { setHandoffOpen(false); void sessionChanged(); }} />
        )}
      </div>
    </div>
  );
}
