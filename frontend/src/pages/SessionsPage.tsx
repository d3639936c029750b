import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Plus, Search, X } from "lucide-react";
import type { PsaConnection, SearchMatch, SessionStatus } from "../api/client";
import { TicketPicker } from "../features/psa/components/TicketPicker";
import { useCreateSession, useLookUpTicket, useSessionClients, useSessionList } from "../features/sessions/api/sessions";
import { usePsaConnections } from "../features/settings/api/settings";
import { StatusBadge } from "../features/sessions/components/StatusBadge";
import { when } from "../lib/format";
import { navigate } from "../lib/router";
import { highlightParts } from "../lib/search";
import { useChat } from "../stores/chat";

const STATUSES: SessionStatus[] = ["active", "paused", "escalated", "resolved", "closed"];
const PAGE = 20;
const DEBOUNCE_MS = 300;
type Scope = "mine" | "team" | "all";
type Ticket = "" | "linked" | "unlinked";

// What the list shows, as in the address bar (a link or a reload keeps it).
type ListState = { scope: Scope; status: SessionStatus | ""; q: string; client: string; ticket: Ticket; offset: number };

function fromUrl(): ListState {
  const p = new URLSearchParams(window.location.search);
  const scope = p.get("scope");
  const status = p.get("status");
  const ticket = p.get("ticket");
  return {
    scope: scope === "team" || scope === "all" ? scope : "mine",
    status: STATUSES.includes(status as SessionStatus) ? (status as SessionStatus) : "",
    q: p.get("q") ?? "",
    client: p.get("client") ?? "",
    ticket: ticket === "linked" || ticket === "unlinked" ? ticket : "",
    offset: Math.max(0, Number.parseInt(p.get("offset") ?? "0", 10) || 0),
  };
}

function toUrl(state: ListState): void {
  const p = new URLSearchParams();
  if (state.scope !== "mine") p.set("scope", state.scope);
  if (state.status) p.set("status", state.status);
  if (state.q) p.set("q", state.q);
  if (state.client) p.set("client", state.client);
  if (state.ticket) p.set("ticket", state.ticket);
  if (state.offset) p.set("offset", String(state.offset));
  const search = p.toString();
  const url = window.location.pathname + (search ? `?${search}` : "");
  if (url !== window.location.pathname + window.location.search) window.history.replaceState({}, "", url);
}

/** A value that follows `value` once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

const MATCH_LABELS: Record<SearchMatch["field"], string> = {
  title: "Title",
  problem: "Problem",
  client: "Client",
  site: "Site",
  contact: "Contact",
  device: "Device",
  ticket: "Ticket",
  message: "Engineer",
  reply: "Assistant",
};

function Highlighted({ text, terms }: { text: string; terms: string[] }) {
  return (
    <>
      {highlightParts(text, terms).map((part, n) =>
        part.hit ? <mark key={n} className="rounded-sm bg-yellow-100 px-0.5 text-inherit">{part.text}</mark> : part.text,
      )}
    </>
  );
}

export function SessionsPage() {
  const [initial] = useState(fromUrl);
  const [scope, setScope] = useState<Scope>(initial.scope);
  const [status, setStatus] = useState<SessionStatus | "">(initial.status);
  const [ticket, setTicket] = useState<Ticket>(initial.ticket);
  const [offset, setOffset] = useState(initial.offset);
  // What is typed, and what is searched for (after a pause in typing, or at once on Enter).
  const [qText, setQText] = useState(initial.q);
  const [q, setQ] = useState(initial.q);
  const [clientText, setClientText] = useState(initial.client);
  const [client, setClient] = useState(initial.client);

  // Typing pauses: search for what is typed now (Enter and Escape do it at once).
  const settledQ = useDebounced(qText.trim(), DEBOUNCE_MS);
  const settledClient = useDebounced(clientText.trim(), DEBOUNCE_MS);
  const seen = useRef({ q: settledQ, client: settledClient });
  useEffect(() => {
    if (settledQ === seen.current.q) return;
    seen.current.q = settledQ;
    setQ(settledQ);
    setOffset(0);
  }, [settledQ]);
  useEffect(() => {
    if (settledClient === seen.current.client) return;
    seen.current.client = settledClient;
    setClient(settledClient);
    setOffset(0);
  }, [settledClient]);

  useEffect(() => toUrl({ scope, status, q, client, ticket, offset }), [scope, status, q, client, ticket, offset]);
  const list = useSessionList({
    scope,
    status: status || undefined,
    q: q || undefined,
    client: client || undefined,
    has_ticket: ticket ? ticket === "linked" : undefined,
    limit: PAGE,
    offset,
  });
  const page = list.data ?? null;
  const error = list.error?.message ?? null;
  const clients = useSessionClients(settledClient).data ?? [];

  function searchNow(e: FormEvent) {
    e.preventDefault();
    setQ(qText.trim());
    setClient(clientText.trim());
    setOffset(0);
  }
  function clearOnEscape(e: KeyboardEvent<HTMLInputElement>, clear: () => void) {
    if (e.key === "Escape") {
      e.preventDefault();
      clear();
      setOffset(0);
    }
  }
  const clearQ = () => {
    setQText("");
    setQ("");
  };
  const clearClient = () => {
    setClientText("");
    setClient("");
  };
  function clearAll() {
    clearQ();
    clearClient();
    setStatus("");
    setTicket("");
    setOffset(0);
  }

  const filtered = Boolean(q || client || status || ticket);
  const terms = page?.terms ?? [];
  const one = page?.total === 1 && !page.total_capped;
  const count = page ? `${page.total}${page.total_capped ? "+" : ""} ${one ? "session matches" : "sessions match"}` : "";
  const what = [q && `“${q}”`, client && `client “${client}”`, status && `status ${status}`, ticket && (ticket === "linked" ? "with a ticket" : "without a ticket")]
    .filter(Boolean)
    .join(", ");

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
        <form role="search" aria-label="Search sessions" onSubmit={searchNow} className="mt-3 flex flex-wrap items-end gap-3">
          <label className="min-w-0 flex-1 basis-64 text-sm">
            <span className="block">Search</span>
            <span className="relative mt-0.5 block">
              <Search aria-hidden="true" className="pointer-events-none absolute left-2 top-1/2 h-4 w-4 -translate-y-1/2 text-slate-500" />
              <input type="search" value={qText} maxLength={200} autoComplete="off"
                onChange={(e) => setQText(e.target.value)} onKeyDown={(e) => clearOnEscape(e, clearQ)}
                placeholder="Client, ticket number, error code, words from the chat"
                aria-describedby="search-hint"
                className="block w-full rounded border border-slate-300 py-1 pl-8 pr-2" />
            </span>
          </label>
          <label className="text-sm">
            <span className="block">Client</span>
            <input value={clientText} maxLength={200} list="session-clients" autoComplete="off"
              onChange={(e) => setClientText(e.target.value)} onKeyDown={(e) => clearOnEscape(e, clearClient)}
              placeholder="Any client"
              className="mt-0.5 block w-44 rounded border border-slate-300 px-2 py-1" />
            <datalist id="session-clients">
              {clients.map((c) => <option key={c} value={c} />)}
            </datalist>
          </label>
          <label className="text-sm">
            <span className="block">PSA ticket</span>
            <select value={ticket} onChange={(e) => { setTicket(e.target.value as Ticket); setOffset(0); }}
              className="mt-0.5 block rounded border border-slate-300 px-2 py-1">
              <option value="">Any</option>
              <option value="linked">Linked</option>
              <option value="unlinked">Not linked</option>
            </select>
          </label>
          <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-sm font-medium text-white">Search</button>
          {filtered && (
            <button type="button" onClick={clearAll} className="inline-flex items-center gap-1 rounded border border-slate-300 px-3 py-1 text-sm">
              <X aria-hidden="true" className="h-4 w-4" /> Clear
            </button>
          )}
          <p id="search-hint" className="sr-only">Every word must be found; put a phrase in quotes. Escape clears.</p>
        </form>
        <p role="status" className={filtered ? "mt-3 text-sm text-slate-600" : "sr-only"}>
          {page && filtered ? `${count} ${what}` : ""}
        </p>
        {error && <p role="alert" className="mt-3 text-sm text-red-700">{error}</p>}
        {page && page.items.length > 0 && (
          <div aria-hidden="true" className="mt-3 hidden gap-x-3 border-b border-slate-200 pb-1 text-xs font-medium uppercase tracking-wide text-slate-500 sm:flex">
            <span className="w-20">Status</span>
            <span className="flex-1">Title</span>
            <span className="w-32">Client</span>
            <span className="w-16">Ticket</span>
            <span className="hidden w-28 xl:inline">Domain</span>
            <span className="w-28">Engineer</span>
            <span className="w-32">Updated</span>
          </div>
        )}
        <ul className="mt-1 divide-y divide-slate-100" aria-label="Sessions">
          {page?.items.map((s) => (
            <li key={s.id} data-testid="session-row">
              <a href={`/sessions/${s.id}`} onClick={(e) => { e.preventDefault(); navigate(`/sessions/${s.id}`); }}
                className="flex flex-wrap items-center gap-x-3 gap-y-1 py-3 hover:bg-slate-50 sm:flex-nowrap">
                <span className="sm:w-20"><StatusBadge status={s.status} /></span>
                <span className="order-first w-full min-w-0 sm:order-none sm:w-auto sm:flex-1">
                  <span className="block truncate font-medium" title={s.title}><Highlighted text={s.title} terms={terms} /></span>
                  {s.match && s.match.field !== "title" && (
                    <span className="line-clamp-2 break-words text-xs text-slate-600" data-testid="match-snippet">
                      <span className="font-medium">{MATCH_LABELS[s.match.field]}:</span>{" "}
                      <Highlighted text={s.match.snippet} terms={s.match.terms} />
                    </span>
                  )}
                </span>
                {s.client ? (
                  <span className="min-w-0 max-w-full truncate text-sm text-slate-700 sm:w-32" title={s.client} data-testid="session-client">
                    <span className="sr-only">Client: </span><Highlighted text={s.client} terms={terms} />
                  </span>
                ) : <span aria-hidden="true" className="hidden text-sm text-slate-400 sm:inline sm:w-32">—</span>}
                {s.psa_ticket_id ? (
                  <span className="truncate text-sm tabular-nums text-slate-700 sm:w-16" title={`Ticket #${s.psa_ticket_id}`} data-testid="session-ticket">
                    <span className="sr-only">Ticket </span><Highlighted text={`#${s.psa_ticket_id}`} terms={terms} />
                  </span>
                ) : <span aria-hidden="true" className="hidden text-sm text-slate-400 sm:inline sm:w-16">—</span>}
                <span className="hidden truncate text-sm text-slate-600 xl:inline xl:w-28">{s.problem_domain ?? "—"}</span>
                <span className="truncate text-sm text-slate-600 sm:w-28">{s.owner_name}</span>
                <span className="text-xs text-slate-600 sm:w-32">{when(s.updated_at)}</span>
              </a>
            </li>
          ))}
          {page && page.items.length === 0 && (
            <li className="py-6 text-center text-slate-600">
              {filtered ? (
                <>
                  No sessions match {what}.{" "}
                  <button type="button" onClick={clearAll} className="text-blue-700 underline">Clear the search</button>
                </>
              ) : offset > 0 ? "No more sessions." : "No sessions here yet."}
            </li>
          )}
        </ul>
        {page && (page.total > PAGE || offset > 0) && (
          <nav aria-label="Pages" className="mt-3 flex items-center justify-between text-sm">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}
              className="rounded border px-3 py-1 disabled:opacity-40">Previous</button>
            <span>{Math.min(offset + 1, page.total)}–{Math.min(offset + PAGE, page.total)} of {page.total}{page.total_capped ? "+" : ""}</span>
            <button type="button" disabled={page.items.length < PAGE || (offset + PAGE >= page.total && !page.total_capped)} onClick={() => setOffset(offset + PAGE)}
              className="rounded border px-3 py-1 disabled:opacity-40">Next</button>
          </nav>
        )}
      </section>
    </div>
  );
}

function NewSessionForm() {
  const connections = usePsaConnections().data ?? [];
  const [mode, setMode] = useState<"describe" | "ticket">("describe");

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
  const create = useCreateSession();
  // Still busy once it worked: the page is on its way to the new session.
  const busy = create.isPending || create.isSuccess;
  const error = create.error?.message ?? null;

  function submit(e: FormEvent) {
    e.preventDefault();
    const given = Object.fromEntries(
      Object.entries(intake).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v),
    );
    create.mutate({ problem_summary: summary, intake: given }, { onSuccess: start });
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
  const lookUp = useLookUpTicket();
  const create = useCreateSession();
  // The ticket shown is the last one looked up, until the connection or the number changes.
  const ticket = lookUp.data ?? null;
  const busy = lookUp.isPending || create.isPending || create.isSuccess;
  const error = (create.error ?? lookUp.error)?.message ?? null;

  function find(id: string) {
    create.reset();
    lookUp.mutate({ connectionId, ticketId: id });
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    find(ticketId.trim());
  };

  return (
    <form onSubmit={submit} aria-label="Start from a PSA ticket" className="mt-2 space-y-2 text-sm">
      <div className="flex flex-wrap items-end gap-2">
        <label className="block">PSA
          <select value={connectionId} onChange={(e) => { setConnectionId(e.target.value); lookUp.reset(); }}
            className="mt-0.5 block rounded border border-slate-300 px-2 py-1">
            {connections.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label className="block">Ticket number
          <input value={ticketId} inputMode="numeric" pattern="[0-9]{1,18}" required
            onChange={(e) => { setTicketId(e.target.value); lookUp.reset(); }}
            className="mt-0.5 block w-36 rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" disabled={busy || !ticketId.trim()} className="rounded border border-slate-300 px-3 py-1">Look up</button>
      </div>
      <TicketPicker connectionId={connectionId}
        onPick={(t) => {
          setTicketId(t.id);
          find(t.id);
        }} />
      {ticket && (
        <div className="rounded border border-blue-100 bg-blue-50 p-3" data-testid="ticket-preview">
          <p className="font-medium">#{ticket.id} {ticket.summary}</p>
          <p className="text-slate-600">{ticket.company}{ticket.contact && ` · ${ticket.contact}`}{ticket.contact_email && ` <${ticket.contact_email}>`}</p>
          {ticket.description && <p className="mt-1 line-clamp-3 whitespace-pre-wrap text-slate-700">{ticket.description}</p>}
          <button type="button" disabled={busy}
            onClick={() => create.mutate({ psa_ticket_id: ticket.id, psa_connection_id: connectionId }, { onSuccess: start })}
            className="mt-2 inline-flex items-center gap-1 rounded bg-blue-600 px-4 py-2 font-medium text-white disabled:opacity-50">
            <Plus aria-hidden="true" className="h-4 w-4" /> Start from ticket #{ticket.id}
          </button>
        </div>
      )}
      {error && <p role="alert" className="text-red-700">{error}</p>}
    </form>
  );
}
