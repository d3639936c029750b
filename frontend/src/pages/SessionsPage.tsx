import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Plus } from "lucide-react";
import { api, type PsaConnection, type PsaTicket, type SessionPage, type SessionStatus } from "../api/client";
import { TicketPicker } from "../components/psa/TicketPicker";
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
      <h1 className="sr-only">Troubleshooting sessions</h1>
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
                className="flex flex-wrap items-center gap-x-3 gap-y-1 py-3 hover:bg-slate-50 sm:flex-nowrap">
                <StatusBadge status={s.status} />
                <span className="order-first w-full min-w-0 truncate font-medium sm:order-none sm:w-auto sm:flex-1" title={s.title}>{s.title}</span>
                <span className="hidden text-sm text-slate-600 sm:inline">{s.problem_domain ?? "—"}</span>
                <span className="text-sm text-slate-600">{s.owner_name}</span>
                <span className="text-xs text-slate-600">{when(s.updated_at)}</span>
              </a>
            </li>
          ))}
          {page && page.items.length === 0 && <li className="py-6 text-center text-slate-600">No sessions here yet.</li>}
        </ul>
        {page && page.total > PAGE && (
          <nav aria-label="Pages" className="mt-3 flex items-center justify-between text-sm">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}
              className="rounded border px-3 py-1 disabled:opacity-40">Previous</button>
            <span>{offset + 1}–{Math.min(offset + PAGE, page.total)} of {page.total}{page.total_capped ? "+" : ""}</span>
            <button type="button" disabled={offset + PAGE >= page.total && !page.total_capped} onClick={() => setOffset(offset + PAGE)}
              className="rounded border px-3 py-1 disabled:opacity-40">Next</button>
          </nav>
        )}
      </section>
    </div>
  );
}

function NewSessionForm() {
  const [connections, setConnections] = useState<PsaConnection[]>([]);
  const [mode, setMode] = useState<"describe" | "ticket">("describe");
  useEffect(() => void api.psaConnections().then(setConnections).catch(() => undefined), []);

  return (
    <section className="rounded-xl bg-white p-4 shadow-sm" aria-labelledby="new-session-title">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="new-session-title" className="mr-auto text-lg font-semibold">New troubleshooting session</h2>
        {connections.length > 0 && (
          <div role="group" aria-label="Start from" className="flex rounded border border-slate-300 text-sm">
            {(["describe", "ticket"] as const).map((m) => (
              <button key={m} type="button" aria-pressed={mode === m} onClick={() => setMode(m)}
                className={`px-3 py-1 ${mode === m ? "bg-blue-600 text-white" : "text-slate-700"}`}>
                {m === "describe" ? "Describe the problem" : "From a PSA ticket"}
              </button>
            ))}
          </div>
        )}
      </div>
      {mode === "ticket" && connections.length > 0 ? <FromTicketForm connections={connections} /> : <DescribeForm />}
    </section>
  );
}

function start(session: { id: string; problem_summary: string }) {
  // The problem statement is the first message of the conversation.
  useChat.getState().queueFirstMessage(session.id, session.problem_summary);
  navigate(`/sessions/${session.id}`);
}

// Who and what the problem is about, for a session not started from a ticket: it reaches the
// assistant's context, the ticket notes and the usage report's per-client view.
const INTAKE_FIELDS = [
  { key: "client", label: "Client", placeholder: "e.g. Acme Dental" },
  { key: "contact", label: "Contact", placeholder: "who reported it" },
  { key: "device", label: "Device", placeholder: "e.g. ACME-LT-042" },
] as const;

function DescribeForm() {
  const [summary, setSummary] = useState("");
  const [intake, setIntake] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const given = Object.fromEntries(
      Object.entries(intake).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v),
    );
    try {
      start(await api.createSession({ problem_summary: summary, intake: given }));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label="Describe the problem">
      <label htmlFor="problem" className="mt-2 block text-sm text-slate-600">What is the problem?</label>
      <textarea id="problem" required minLength={3} maxLength={4000} rows={3} value={summary}
        onChange={(e) => setSummary(e.target.value)}
        placeholder="e.g. Outlook keeps asking for a password on one laptop"
        className="mt-1 w-full rounded border border-slate-300 px-3 py-2" />
      <div className="mt-2 grid gap-2 sm:grid-cols-3">
        {INTAKE_FIELDS.map((f) => (
          <label key={f.key} className="block text-sm text-slate-600">
            {f.label} <span className="text-xs">(optional)</span>
            <input value={intake[f.key] ?? ""} maxLength={200} placeholder={f.placeholder}
              onChange={(e) => setIntake({ ...intake, [f.key]: e.target.value })}
              className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 text-slate-900" />
          </label>
        ))}
      </div>
      {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      <button type="submit" disabled={busy || summary.trim().length < 3}
        className="mt-2 inline-flex items-center gap-1 rounded bg-blue-600 px-4 py-2 font-medium text-white hover:bg-blue-700 disabled:opacity-50">
        <Plus aria-hidden="true" className="h-4 w-4" /> Start session
      </button>
    </form>
  );
}

function FromTicketForm({ connections }: { connections: PsaConnection[] }) {
  const [connectionId, setConnectionId] = useState((connections.find((c) => c.is_default) ?? connections[0]).id);
  const [ticketId, setTicketId] = useState("");
  const [ticket, setTicket] = useState<PsaTicket | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function attempt(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError((err as Error).message);
    }
    setBusy(false);
  }
  const lookUp = (e: FormEvent) => {
    e.preventDefault();
    void attempt(async () => setTicket(await api.lookUpTicket(connectionId, ticketId.trim())));
  };

  return (
    <form onSubmit={lookUp} aria-label="Start from a PSA ticket" className="mt-2 space-y-2 text-sm">
      <div className="flex flex-wrap items-end gap-2">
        <label className="block">PSA
          <select value={connectionId} onChange={(e) => { setConnectionId(e.target.value); setTicket(null); }}
            className="mt-0.5 block rounded border border-slate-300 px-2 py-1">
            {connections.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label className="block">Ticket number
          <input value={ticketId} inputMode="numeric" pattern="[0-9]{1,18}" required
            onChange={(e) => { setTicketId(e.target.value); setTicket(null); }}
            className="mt-0.5 block w-36 rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" disabled={busy || !ticketId.trim()} className="rounded border border-slate-300 px-3 py-1">Look up</button>
      </div>
      <TicketPicker connectionId={connectionId}
        onPick={(t) => {
          setTicketId(t.id);
          void attempt(async () => setTicket(await api.lookUpTicket(connectionId, t.id)));
        }} />
      {ticket && (
        <div className="rounded border border-blue-100 bg-blue-50 p-3" data-testid="ticket-preview">
          <p className="font-medium">#{ticket.id} {ticket.summary}</p>
          <p className="text-slate-600">{ticket.company}{ticket.contact && ` · ${ticket.contact}`}{ticket.contact_email && ` <${ticket.contact_email}>`}</p>
          {ticket.description && <p className="mt-1 line-clamp-3 whitespace-pre-wrap text-slate-700">{ticket.description}</p>}
          <button type="button" disabled={busy}
            onClick={() => void attempt(async () => start(await api.createSession({ psa_ticket_id: ticket.id, psa_connection_id: connectionId })))}
            className="mt-2 inline-flex items-center gap-1 rounded bg-blue-600 px-4 py-2 font-medium text-white disabled:opacity-50">
            <Plus aria-hidden="true" className="h-4 w-4" /> Start from ticket #{ticket.id}
          </button>
        </div>
      )}
      {error && <p role="alert" className="text-red-700">{error}</p>}
    </form>
  );
}
