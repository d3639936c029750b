import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Plus } from "lucide-react";
import { api, type SessionPage, type SessionStatus } from "../api/client";
import { StatusBadge } from "../components/session/StatusBadge";
import { when } from "../lib/format";
import { navigate } from "../lib/router";
import { useChat } from "../stores/chat";

const STATUSES: SessionStatus[] = ["active", "paused", "escalated", "resolved", "closed"];
const PAGE = 20;

export function SessionsPage() {
  const [scope, setScope] = useState<"mine" | "team" | "all">("mine");
  const [status, setStatus] = useState<SessionStatus | "">("");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<SessionPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setPage(await api.listSessions({ scope, status: status || undefined, limit: PAGE, offset }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [scope, status, offset]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="space-y-6">
      <NewSessionForm />
      <section aria-labelledby="sessions-title" className="rounded-xl bg-white p-4 shadow-sm">
        <div className="flex flex-wrap items-end gap-3">
          <h2 id="sessions-title" className="mr-auto text-lg font-semibold">Sessions</h2>
          <div role="group" aria-label="Whose sessions" className="flex rounded border border-slate-300">
            {(["mine", "team", "all"] as const).map((s) => (
              <button key={s} type="button" aria-pressed={scope === s}
                onClick={() => { setScope(s); setOffset(0); }}
                className={`px-3 py-1 text-sm capitalize ${scope === s ? "bg-blue-600 text-white" : "text-slate-700"}`}>
                {s}
              </button>
            ))}
          </div>
          <label className="text-sm">
            <span className="mr-2">Status</span>
            <select value={status} onChange={(e) => { setStatus(e.target.value as SessionStatus | ""); setOffset(0); }}
              className="rounded border border-slate-300 px-2 py-1">
              <option value="">Any</option>
              {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
        </div>
        {error && <p role="alert" className="mt-3 text-sm text-red-700">{error}</p>}
        <ul className="mt-4 divide-y divide-slate-100">
          {page?.items.map((s) => (
            <li key={s.id}>
              <a href={`/sessions/${s.id}`} onClick={(e) => { e.preventDefault(); navigate(`/sessions/${s.id}`); }}
                className="flex items-center gap-3 py-3 hover:bg-slate-50">
                <StatusBadge status={s.status} />
                <span className="flex-1 truncate font-medium">{s.title}</span>
                <span className="hidden text-sm text-slate-500 sm:inline">{s.problem_domain ?? "—"}</span>
                <span className="text-sm text-slate-500">{s.owner_name}</span>
                <span className="text-xs text-slate-400">{when(s.updated_at)}</span>
              </a>
            </li>
          ))}
          {page && page.items.length === 0 && <li className="py-6 text-center text-slate-500">No sessions here yet.</li>}
        </ul>
        {page && page.total > PAGE && (
          <nav aria-label="Pages" className="mt-3 flex items-center justify-between text-sm">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}
              className="rounded border px-3 py-1 disabled:opacity-40">Previous</button>
            <span>{offset + 1}–{Math.min(offset + PAGE, page.total)} of {page.total}</span>
            <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}
              className="rounded border px-3 py-1 disabled:opacity-40">Next</button>
          </nav>
        )}
      </section>
    </div>
  );
}

function NewSessionForm() {
  const [summary, setSummary] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api.createSession({ problem_summary: summary });
      // The problem statement is the first message of the conversation.
      useChat.getState().queueFirstMessage(session.id, summary);
      navigate(`/sessions/${session.id}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="rounded-xl bg-white p-4 shadow-sm" aria-labelledby="new-session-title">
      <h2 id="new-session-title" className="text-lg font-semibold">New troubleshooting session</h2>
      <label htmlFor="problem" className="mt-2 block text-sm text-slate-600">What is the problem?</label>
      <textarea id="problem" required minLength={3} maxLength={4000} rows={3} value={summary}
        onChange={(e) => setSummary(e.target.value)}
        placeholder="e.g. Outlook keeps asking for a password on one laptop"
        className="mt-1 w-full rounded border border-slate-300 px-3 py-2" />
      {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      <button type="submit" disabled={busy || summary.trim().length < 3}
        className="mt-2 inline-flex items-center gap-1 rounded bg-blue-600 px-4 py-2 font-medium text-white hover:bg-blue-700 disabled:opacity-50">
        <Plus aria-hidden="true" className="h-4 w-4" /> Start session
      </button>
    </form>
  );
}
