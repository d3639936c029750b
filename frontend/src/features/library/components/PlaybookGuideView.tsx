// A playbook as an engineer reads it: what it covers, the causes it knows, the checks in order.
import type { Playbook } from "../../../api/client";

type Guide = Playbook["guide"];

function Phrases({ label, items }: { label: string; items: string[] }) {
  if (!items.length) return null;
  return (
    <div>
      <dt className="text-xs font-medium uppercase text-slate-600">{label}</dt>
      <dd className="mt-0.5 flex flex-wrap gap-1">
        {items.map((v) => <span key={v} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-800">{v}</span>)}
      </dd>
    </div>
  );
}

export function PlaybookGuideView({ guide }: { guide: Guide }) {
  return (
    <div className="space-y-4 text-sm">
      <p className="text-slate-800">{guide.summary}</p>
      <dl className="grid gap-2 sm:grid-cols-2">
        <Phrases label="Symptoms" items={guide.symptoms ?? []} />
        <Phrases label="Error codes and aliases" items={guide.aliases ?? []} />
        <Phrases label="Products" items={guide.products ?? []} />
        <Phrases label="Keywords" items={guide.keywords ?? []} />
      </dl>
      {(guide.causes ?? []).length > 0 && (
        <section aria-labelledby="causes-title">
          <h3 id="causes-title" className="font-semibold">Causes and fixes</h3>
          <ul className="mt-1 space-y-2">
            {(guide.causes ?? []).map((c) => (
              <li key={c.id} className="rounded border border-slate-200 p-2">
                <p className="font-medium">{c.title}</p>
                <p className="whitespace-pre-wrap text-slate-800"><span className="font-medium">Fix:</span> {c.fix}</p>
                {(c.confirm_if ?? []).length > 0 && <p className="text-xs text-slate-700">Confirmed when the engineer reports: {(c.confirm_if ?? []).join("; ")}</p>}
                {c.disprove && <p className="text-xs text-slate-700">Ruled out when: {c.disprove}</p>}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="checks-title">
        <h3 id="checks-title" className="font-semibold">Checks</h3>
        <ol className="mt-1 list-decimal space-y-2 pl-5">
          {(guide.steps ?? []).map((s) => (
            <li key={s.id}>
              <p className="font-medium">{s.title}</p>
              <pre className="mt-0.5 whitespace-pre-wrap rounded bg-slate-50 px-2 py-1 font-mono text-xs text-slate-900">{s.check}</pre>
              {s.look_for && <p className="text-slate-800"><span className="font-medium">Look for:</span> {s.look_for}</p>}
              {(s.results ?? []).length > 0 && (
                <ul className="list-disc pl-5 text-slate-800">
                  {(s.results ?? []).map((r) => <li key={r.if}>{r.if} → {r.means}</li>)}
                </ul>
              )}
              {(s.when ?? []).length > 0 && <p className="text-xs text-slate-700">Only when: {(s.when ?? []).join("; ")}</p>}
              {(s.done_if ?? []).length > 0 && <p className="text-xs text-slate-700">Skipped when reported: {(s.done_if ?? []).join("; ")}</p>}
              {s.caution && <p className="text-xs text-amber-800">Caution: {s.caution}</p>}
            </li>
          ))}
        </ol>
      </section>
      {(guide.sources ?? []).length > 0 && (
        <section aria-labelledby="sources-title">
          <h3 id="sources-title" className="font-semibold">Sources</h3>
          <ul className="list-disc pl-5">
            {(guide.sources ?? []).map((s) => (
              <li key={s.url}><a href={s.url} target="_blank" rel="noreferrer" className="text-blue-700 underline">{s.title}</a></li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
