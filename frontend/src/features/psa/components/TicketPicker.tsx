// "Find ticket": search a PSA connection's open tickets by number, summary or company and pick one.
// Lives inside other forms: a <div>, and Enter in its search box searches instead of submitting.
import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { Search } from "lucide-react";
import { api, type PsaTicketHit } from "../../../api/client";
import { when } from "../../../lib/format";

export const SEARCH_DELAY_MS = 300;
const PAGE_SIZE = 10;

type Props = {
  connectionId: string;
  onPick: (ticket: PsaTicketHit, connectionId: string) => void;
  label?: string;
};
type Results = { query: string; items: PsaTicketHit[]; hasMore: boolean; cursor: string | null };

export function TicketPicker({ connectionId, onPick, label = "Find ticket" }: Props) {
  const id = useId();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Results | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const timer = useRef<number | undefined>(undefined);
  const inFlight = useRef<AbortController | null>(null);

  async function search(q: string, cursor: string | null) {
    window.clearTimeout(timer.current);
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setBusy(true);
    setError(null);
    try {
      const page = await api.searchTickets(connectionId, { q, cursor, page_size: PAGE_SIZE }, controller.signal);
      if (controller.signal.aborted) return;
      setResults((shown) => ({
        query: q,
        items: cursor && shown ? [...shown.items, ...page.items.filter((t) => !shown.items.some((s) => s.id === t.id))] : page.items,
        hasMore: page.has_more,
        cursor: page.next_cursor ?? null,
      }));
    } catch (err) {
      if (!controller.signal.aborted) setError((err as Error).message);
    } finally {
      if (inFlight.current === controller) {
        inFlight.current = null;
        setBusy(false);
      }
    }
  }

  // Another connection: its own results.
  useEffect(() => {
    setResults(null);
    setError(null);
  }, [connectionId]);

  // Debounced: the search starts when typing pauses; each keystroke cancels the pending one.
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      window.clearTimeout(timer.current);
      inFlight.current?.abort();
      setBusy(false);
      setResults(null);
      setError(null);
      return;
    }
    timer.current = window.setTimeout(() => void search(q, null), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer.current);
    // `search` is a new function each render and reads the current connection itself: the
    // query and the connection are what start a search.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, connectionId]);

  // After "More results", keyboard focus goes to the first ticket that came in.
  const focusAt = useRef<number | null>(null);
  useEffect(() => {
    if (focusAt.current === null || !results) return;
    options()[Math.min(focusAt.current, results.items.length - 1)]?.focus();
    focusAt.current = null;
  }, [results]);

  useEffect(() => () => inFlight.current?.abort(), []);

  function pick(ticket: PsaTicketHit) {
    onPick(ticket, connectionId);
    setQuery("");
    setResults(null);
    input.current?.focus();
  }

  const options = () => Array.from(list.current?.querySelectorAll<HTMLButtonElement>("button:not(:disabled)") ?? []);

  function onInputKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "Enter") {
      e.preventDefault(); // search now; never submit the form around the picker
      if (query.trim()) void search(query.trim(), null);
    } else if (e.key === "ArrowDown" && results?.items.length) {
      e.preventDefault();
      options()[0]?.focus();
    } else if (e.key === "Escape" && (results || query)) {
      e.preventDefault();
      setQuery("");
    }
  }

  function onListKey(e: KeyboardEvent<HTMLUListElement>) {
    const all = options();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[e.key];
    if (e.key === "Escape" || (e.key === "ArrowUp" && at === 0)) {
      e.preventDefault();
      input.current?.focus();
    } else if (to !== undefined) {
      e.preventDefault();
      all[Math.max(0, Math.min(to, all.length - 1))]?.focus();
    }
  }

  const q = query.trim();
  const status = !q
    ? "Type a ticket number, part of its summary or the company."
    : busy
      ? "Searching…"
      : results && results.query === q
        ? results.items.length
          ? `${results.items.length} open ticket${results.items.length === 1 ? "" : "s"}${results.hasMore ? ", more available" : ""}. Arrow down to choose.`
          : `No open tickets match “${q}”.`
        : "";

  return (
    <div className="space-y-1" data-testid="ticket-picker">
      <label htmlFor={`${id}-q`} className="block">{label}</label>
      <div className="relative w-full max-w-md">
        <Search aria-hidden="true" className="pointer-events-none absolute left-2 top-1.5 h-4 w-4 text-slate-400" />
        <input ref={input} id={`${id}-q`} type="search" value={query} maxLength={100} autoComplete="off"
          placeholder="Number, summary or company" aria-describedby={`${id}-status`} aria-controls={`${id}-results`}
          onChange={(e) => setQuery(e.target.value)} onKeyDown={onInputKey}
          className="block w-full rounded border border-slate-300 py-1 pl-7 pr-2" />
      </div>
      <p id={`${id}-status`} role="status" aria-live="polite" className="text-xs text-slate-600">{status}</p>
      {error && <p role="alert" className="text-red-700">{error}</p>}
      {results && results.items.length > 0 && (
        // The arrow keys move between the result buttons: one handler for the whole list.
        // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
        <ul ref={list} id={`${id}-results`} aria-label="Matching open tickets" aria-busy={busy} onKeyDown={onListKey}
          className="max-h-72 max-w-md divide-y divide-slate-100 overflow-y-auto rounded border border-slate-200 bg-white">
          {results.items.map((t) => (
            <li key={t.id}>
              <button type="button" onClick={() => pick(t)}
                className="block w-full px-3 py-2 text-left hover:bg-blue-50 focus:bg-blue-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500">
                <span className="font-medium">#{t.id}</span>
                {t.number !== t.id && <> <span className="text-xs text-slate-600">{t.number}</span></>}{" "}
                <span>{t.summary}</span>
                <span className="block text-xs text-slate-600">
                  {t.company || "No company"} · {t.status || "no status"}{t.updated && ` · updated ${when(t.updated)}`}
                </span>
              </button>
            </li>
          ))}
          {results.hasMore && (
            <li>
              <button type="button" disabled={busy}
                onClick={() => { focusAt.current = results.items.length; void search(results.query, results.cursor); }}
                className="block w-full px-3 py-2 text-left text-blue-700 hover:bg-blue-50 disabled:opacity-50">
                More results
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
