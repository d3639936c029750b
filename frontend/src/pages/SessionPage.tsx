import { useEffect, useRef, useState } from "react";
import { AlertTriangle, ArrowLeft, RotateCcw } from "lucide-react";
import { api, type SessionStatus } from "../api/client";
import { ChatMessage } from "../components/session/ChatMessage";
import { Composer } from "../components/session/Composer";
import { StatusBadge } from "../components/session/StatusBadge";
import { duration, tokens } from "../lib/format";
import { navigate } from "../lib/router";
import { useChat } from "../stores/chat";

const NEXT: Partial<Record<SessionStatus, { to: SessionStatus; label: string }[]>> = {
  active: [{ to: "paused", label: "Park" }, { to: "resolved", label: "Mark resolved" }],
  paused: [{ to: "active", label: "Resume" }, { to: "resolved", label: "Mark resolved" }],
  resolved: [{ to: "active", label: "Reopen" }, { to: "closed", label: "Close" }],
};

// Stored totals accrue on status changes; while active, add the running interval.
function activeSeconds(s: { status: SessionStatus; total_active_seconds: number; status_changed_at: string }): number {
  if (s.status !== "active") return s.total_active_seconds;
  const running = Math.max(0, Math.floor((Date.now() - new Date(s.status_changed_at).getTime()) / 1000));
  return s.total_active_seconds + running;
}

export function SessionPage({ id }: { id: string }) {
  const { session, messages, streamingText, streaming, error, open, send, retry, stop } = useChat();
  const [loadError, setLoadError] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (useChat.getState().session?.id === id) return;
    open(id).catch((err: Error) => setLoadError(err.message));
  }, [id, open]);

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, streamingText]);

  if (loadError) return <p role="alert" className="text-red-700">{loadError}</p>;
  if (!session) return <p className="text-slate-500">Loading session…</p>;

  async function changeStatus(to: SessionStatus) {
    await api.updateSession(id, { status: to });
    await useChat.getState().refreshSession();
  }

  const chattable = session.can_write && (session.status === "active" || session.status === "paused");
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" onClick={() => navigate("/")} className="inline-flex items-center gap-1 text-sm text-slate-600">
          <ArrowLeft aria-hidden="true" className="h-4 w-4" /> Sessions
        </button>
        <h1 className="flex-1 text-xl font-semibold">{session.title}</h1>
        <StatusBadge status={session.status} />
        {session.can_write && NEXT[session.status]?.map((t) => (
          <button key={t.to} type="button" onClick={() => void changeStatus(t.to)} disabled={streaming}
            className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100">{t.label}</button>
        ))}
      </div>
      <dl className="grid grid-cols-2 gap-2 text-sm text-slate-600 sm:grid-cols-4">
        <div><dt className="text-xs uppercase text-slate-400">Domain</dt><dd>{session.problem_domain ?? "Classifying…"}</dd></div>
        <div><dt className="text-xs uppercase text-slate-400">Active time</dt><dd>{duration(activeSeconds(session))}</dd></div>
        <div><dt className="text-xs uppercase text-slate-400">Turns</dt><dd>{session.turn_count}</dd></div>
        <div>
          <dt className="text-xs uppercase text-slate-400">Tokens (in / out / cached)</dt>
          <dd data-testid="usage">{tokens(session.usage.input_tokens)} / {tokens(session.usage.output_tokens)} / {tokens(session.usage.cache_read_tokens)}</dd>
        </div>
      </dl>
      <section aria-label="Conversation" aria-live="polite" className="flex flex-col gap-4">
        {messages.map((m) => <ChatMessage key={m.id} role={m.role} content={m.content} stopped={m.meta?.stopped === true} />)}
        {streaming && (
          <div data-testid="streaming">
            <ChatMessage role="assistant" content={streamingText || "…"} />
          </div>
        )}
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
      <Composer disabled={!chattable} streaming={streaming} onSend={(t) => void send(t)} onStop={stop} />
    </div>
  );
}
