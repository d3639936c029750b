// The playbook library: the starter playbooks and the account's own (leads and admins write).
import { useState } from "react";
import { api, type Me, type Playbook } from "../api/client";
import { usePlaybooks } from "../features/library/api/library";
import { keys } from "../lib/queryKeys";
import { useAction } from "../lib/useAction";
import { FitTester } from "../features/library/components/FitTester";
import { PlaybookEditor } from "../features/library/components/PlaybookEditor";
import { PLAYBOOK_TEMPLATE } from "../features/library/utils/template";
import { navigate } from "../lib/router";

type Scope = "all" | "account" | "starter";
type Status = "active" | "retired" | "all";

export function LibraryPage({ me }: { me: Me }) {
  const canWrite = me.role === "lead" || me.role === "admin";
  const [scope, setScope] = useState<Scope>("all");
  const [status, setStatus] = useState<Status>("active");
  const [filter, setFilter] = useState("");
  const playbooks = usePlaybooks({ scope, status, limit: 500 });
  const page = playbooks.data ?? null;
  const error = playbooks.error?.message ?? null;
  const [creating, setCreating] = useState(false);
  const importPlaybook = useAction<Playbook>(keys.playbooks);

  if (creating)
    return (
      <PlaybookEditor title="New playbook" initial={PLAYBOOK_TEMPLATE} onCancel={() => setCreating(false)}
        onSave={async (format, content, note) => {
          // A failure is thrown on to the editor, which shows it where the text is.
          const made = await importPlaybook.mutateAsync(() => api.importPlaybook(format, content, note));
          navigate(`/library/${made.id}`);
        }} />
    );

  const needle = filter.trim().toLowerCase();
  const items = (page?.items ?? []).filter(
    (p) => !needle || `${p.title} ${p.domain} ${p.slug}`.toLowerCase().includes(needle),
  );
  return (
    <div className="space-y-4">
      <section aria-labelledby="library-title" className="rounded-xl bg-white p-4 shadow-sm">
        <div className="flex flex-wrap items-end gap-3">
          <h1 id="library-title" className="mr-auto text-lg font-semibold">Playbook library</h1>
          <label className="text-sm">
            <span className="mr-2">Show</span>
            <select value={scope} onChange={(e) => setScope(e.target.value as Scope)} className="rounded border border-slate-300 px-2 py-1">
              <option value="all">All playbooks</option>
              <option value="account">Your playbooks</option>
              <option value="starter">Starter library</option>
            </select>
          </label>
          <label className="text-sm">
            <span className="mr-2">Status</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as Status)} className="rounded border border-slate-300 px-2 py-1">
              <option value="active">Active</option>
              <option value="retired">Retired</option>
              <option value="all">Any</option>
            </select>
          </label>
          <label className="text-sm">
            <span className="mr-2">Filter</span>
            <input value={filter} onChange={(e) => setFilter(e.target.value)} className="rounded border border-slate-300 px-2 py-1" />
          </label>
          {canWrite && (
            <button type="button" onClick={() => setCreating(true)} className="rounded bg-blue-600 px-3 py-1 text-sm font-medium text-white">
              New playbook
            </button>
          )}
        </div>
        {!canWrite && <p className="mt-2 text-xs text-slate-700">Leads and admins add and edit the account's playbooks.</p>}
        {error && <p role="alert" className="mt-3 text-sm text-red-700">{error}</p>}
        <p className="mt-3 text-xs text-slate-700">{page ? `${items.length} of ${page.total}` : "Loading…"}</p>
        <ul className="mt-1 divide-y divide-slate-100" aria-label="Playbooks">
          {items.map((p) => (
            <li key={p.id} className="flex flex-wrap items-center gap-2 py-2" data-testid="playbook-row">
              <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${p.scope === "account" ? "bg-blue-100 text-blue-900" : "bg-slate-100 text-slate-800"}`}>
                {p.scope === "account" ? (p.kind === "kb_article" ? "KB article" : "yours") : "starter"}
              </span>
              <a href={`/library/${p.id}`} onClick={(e) => { e.preventDefault(); navigate(`/library/${p.id}`); }}
                className="min-w-0 flex-1 truncate font-medium text-blue-800 hover:underline">{p.title}</a>
              <span className="text-xs text-slate-700">{p.domain}</span>
              {p.status === "retired" && <span className="rounded bg-amber-100 px-1.5 text-xs text-amber-900">retired</span>}
              {p.replaced_by_own && <span className="rounded bg-slate-100 px-1.5 text-xs text-slate-800">replaced by your copy</span>}
              {p.scope === "account" && <span className="text-xs text-slate-700">v{p.version}</span>}
            </li>
          ))}
          {page && items.length === 0 && <li className="py-6 text-center text-slate-700">No playbooks here yet.</li>}
        </ul>
      </section>
      <FitTester />
    </div>
  );
}
