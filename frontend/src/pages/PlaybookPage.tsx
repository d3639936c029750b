// One playbook: read it; leads and admins edit (a new version), retire, restore or copy a starter.
import { useState } from "react";
import { ArrowLeft } from "lucide-react";
import { api, type Me, type Playbook } from "../api/client";
import { usePlaybook, usePlaybookVersions } from "../features/library/api/library";
import { keys } from "../lib/queryKeys";
import { useAction } from "../lib/useAction";
import { PlaybookEditor } from "../features/library/components/PlaybookEditor";
import { PlaybookGuideView } from "../features/library/components/PlaybookGuideView";
import { when } from "../lib/format";
import { navigate } from "../lib/router";

export function PlaybookPage({ id, me }: { id: string; me: Me }) {
  const canWrite = me.role === "lead" || me.role === "admin";
  const read = usePlaybook(id);
  const playbook = read.data ?? null;
  const versions = usePlaybookVersions(id, playbook?.scope === "account").data ?? [];
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Any change to a playbook can change the library's list (a retired one, a copy) too.
  const change = useAction<Playbook>(keys.playbooks);
  const save = useAction<Playbook>(keys.playbooks);
  const [openError, setOpenError] = useState<string | null>(null);
  const error = openError ?? (change.error ?? read.error)?.message ?? null;

  async function act(run: () => Promise<Playbook>, done: string) {
    setOpenError(null);
    let p: Playbook;
    try {
      p = await change.mutateAsync(run);
    } catch {
      return; // shown under the title
    }
    setNotice(done);
    if (p.id !== id) navigate(`/library/${p.id}`);
  }

  // An older version is read only when the lead chooses to edit from it.
  async function editFrom(version: number) {
    setOpenError(null);
    try {
      setEditing((await api.playbookVersion(id, version)).markdown);
    } catch (err) {
      setOpenError((err as Error).message);
    }
  }

  if (!playbook) return error ? <p role="alert" className="text-red-700">{error}</p> : <p className="text-slate-700">Loading playbook…</p>;
  if (editing !== null)
    return (
      <PlaybookEditor title={`Edit ${playbook.title}`} initial={editing} onCancel={() => setEditing(null)}
        onSave={async (format, content, note) => {
          // A failure is thrown on to the editor, which shows it where the text is.
          await save.mutateAsync(() => api.editPlaybook(id, { format, content, note, expected_version: playbook.version }));
          setEditing(null);
          setNotice("Saved as a new version");
        }} />
    );

  const own = playbook.scope === "account";
  return (
    <article aria-labelledby="playbook-title" className="space-y-4 rounded-xl bg-white p-4 shadow-sm">
      <button type="button" onClick={() => navigate("/library")} className="inline-flex items-center gap-1 text-sm text-slate-700">
        <ArrowLeft aria-hidden="true" className="h-4 w-4" /> Library
      </button>
      <div className="flex flex-wrap items-center gap-2">
        <h1 id="playbook-title" className="mr-auto text-xl font-semibold">{playbook.title}</h1>
        <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-800">{own ? `yours · version ${playbook.version}` : "starter"}</span>
        {playbook.status === "retired" && <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900">retired</span>}
        {canWrite && own && playbook.status === "active" && (
          <>
            <button type="button" onClick={() => setEditing(playbook.markdown)} className="rounded bg-blue-600 px-3 py-1 text-sm font-medium text-white">Edit</button>
            <button type="button" onClick={() => void act(() => api.retirePlaybook(id), "Retired: no longer offered in sessions")}
              className="rounded border border-slate-300 px-3 py-1 text-sm">Retire</button>
          </>
        )}
        {canWrite && own && playbook.status === "retired" && (
          <button type="button" onClick={() => void act(() => api.restorePlaybook(id), "Restored")} className="rounded border border-slate-300 px-3 py-1 text-sm">Restore</button>
        )}
        {canWrite && !own && !playbook.replaced_by_own && (
          <button type="button" onClick={() => void act(() => api.copyPlaybook(id), "Copied to your library: your copy is offered in its place")}
            className="rounded border border-slate-300 px-3 py-1 text-sm">Copy to your library</button>
        )}
      </div>
      <p className="text-xs text-slate-700">{playbook.domain} · {playbook.slug}{playbook.replaced_by_own ? " · replaced by your copy in sessions" : ""}</p>
      {notice && <p role="status" className="text-sm text-emerald-800">{notice}</p>}
      {error && <p role="alert" className="whitespace-pre-wrap text-sm text-red-700">{error}</p>}
      <PlaybookGuideView guide={playbook.guide} />
      {versions.length > 0 && (
        <section aria-labelledby="versions-title">
          <h2 id="versions-title" className="font-semibold">Versions</h2>
          <ul className="mt-1 divide-y divide-slate-100 text-sm">
            {versions.map((v) => (
              <li key={v.version} className="flex flex-wrap items-center gap-2 py-1">
                <span className="w-10 font-medium">v{v.version}</span>
                <span className="flex-1">{v.note || "—"}</span>
                <span className="text-xs text-slate-700">{v.created_by_name ?? "someone"} · {when(v.created_at)}</span>
                {canWrite && v.version !== playbook.version && playbook.status === "active" && (
                  <button type="button" onClick={() => void editFrom(v.version)} className="rounded px-2 py-0.5 text-xs text-blue-800 hover:bg-slate-100">
                    Edit from v{v.version}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}
