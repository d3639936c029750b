// "Would FlowPilot offer this?": rank the library against a ticket text the way a chat turn does.
import { type FormEvent, useState } from "react";
import { useRankPlaybooks } from "../api/library";
import { navigate } from "../../../lib/router";
import { percent } from "../utils/confidence";

export function FitTester() {
  const [text, setText] = useState("");
  const rank = useRankPlaybooks();
  // The last ranking stays up while the next is asked for (and when it fails).
  const [hits, setHits] = useState<NonNullable<typeof rank.data> | null>(null);
  const error = rank.error?.message ?? null;

  function run(e: FormEvent) {
    e.preventDefault();
    rank.mutate(text, { onSuccess: setHits });
  }

  return (
    <section aria-labelledby="fit-title" className="rounded-xl bg-white p-4 shadow-sm">
      <h2 id="fit-title" className="text-base font-semibold">Which playbook would a ticket get?</h2>
      <form onSubmit={run} className="mt-2 flex flex-col gap-2 sm:flex-row">
        <label className="flex-1 text-sm">
          <span className="sr-only">Ticket text</span>
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="Paste a ticket's first message"
            aria-label="Ticket text" className="block w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" disabled={!text.trim()} className="rounded border border-slate-300 px-3 py-1 text-sm disabled:opacity-50">Rank</button>
      </form>
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
      {hits && (
        <ol className="mt-2 space-y-1 text-sm" aria-label="Ranked playbooks">
          {hits.length === 0 && <li className="text-slate-700">Nothing in the library matches.</li>}
          {hits.map((h) => (
            <li key={h.entry.id} className="flex items-center gap-2">
              <span className={`w-14 shrink-0 rounded px-1 text-center text-xs font-medium ${h.fits ? "bg-emerald-100 text-emerald-900" : "bg-slate-100 text-slate-700"}`}>
                {percent(h.score)}
              </span>
              <a href={`/library/${h.entry.id}`} onClick={(e) => { e.preventDefault(); navigate(`/library/${h.entry.id}`); }} className="text-blue-700 underline">
                {h.entry.title}
              </a>
              <span className="text-xs text-slate-600">{h.entry.scope === "account" ? "yours" : "starter"}{h.fits ? "" : " · would not be offered"}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
