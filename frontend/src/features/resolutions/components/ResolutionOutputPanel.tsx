// The three documents of a resolved session: read, edit (with a diff), approve, deliver.
import { useState } from "react";
import { Check, FileText, RefreshCw, X } from "lucide-react";
import { api, type Output, type OutputVersion } from "../../../api/client";
import { useDeliveryTargets, useOutputAction, useOutputs, useOutputVersions } from "../api/outputs";
import { renderMarkdown } from "../../../lib/markdown";
import { OutputDiff } from "./OutputDiff";
import { PushControls, type TicketLink } from "./PushControls";
import { PushHistory } from "./PushHistory";

const LABELS: Record<Output["output_type"], string> = {
  psa_ticket_notes: "PSA ticket notes",
  knowledge_base: "KB article",
  client_summary: "Client summary",
};
const ORDER: Output["output_type"][] = ["psa_ticket_notes", "knowledge_base", "client_summary"];

type Props = { sessionId: string; canWrite: boolean; ticket: TicketLink };

export function ResolutionOutputPanel({ sessionId, canWrite, ticket }: Props) {
  // Polled while the job writes the documents or a delivery is still on its way.
  const { outputs, error: loadError, gaveUp, checkAgain } = useOutputs(sessionId);
  const targets = useDeliveryTargets().data ?? null;
  const [tab, setTab] = useState<Output["output_type"]>("psa_ticket_notes");
  const [editing, setEditing] = useState<string | null>(null);
  const [versionsOf, setVersionsOf] = useState<string | null>(null);
  const versions = useOutputVersions(sessionId, versionsOf);
  const [showDiff, setShowDiff] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useOutputAction(sessionId);
  const error = action.error?.message ?? loadError?.message ?? versions.error?.message ?? null;

  /** True when it worked (the documents are read again by then); a failure shows its reason. */
  async function act(fn: () => Promise<unknown>, message?: string): Promise<boolean> {
    try {
      await action.mutateAsync(fn);
    } catch {
      return false;
    }
    if (message) setNotice(message);
    return true;
  }

  const current = outputs?.find((o) => o.output_type === tab) ?? null;
  const text = current ? current.edited_content ?? current.generated_content : "";

  return (
    <section aria-labelledby="outputs-title" className="rounded-xl bg-white p-4 shadow-sm" data-testid="outputs-panel">
      <div className="mb-3 flex items-center gap-2">
        <h2 id="outputs-title" className="flex-1 font-semibold">Resolution documents</h2>
        {canWrite && (
          <button type="button" onClick={() => void act(() => api.generateOutputs(sessionId), "Documents regenerated")}
            className="inline-flex items-center gap-1 rounded border border-slate-300 px-2 py-1 text-sm">
            <RefreshCw aria-hidden="true" className="h-4 w-4" /> {outputs?.length ? "Regenerate" : "Generate now"}
          </button>
        )}
      </div>
      {outputs && outputs.length === 0 && !gaveUp && <p className="text-sm text-slate-600">Writing the documents…</p>}
      {gaveUp && (
        <p className="text-sm text-slate-600">
          No documents yet: writing them may have failed.{" "}
          <button type="button" onClick={checkAgain} className="text-blue-700 underline">Check again</button>
        </p>
      )}
      {outputs && outputs.length > 0 && (
        <>
          <div role="tablist" aria-label="Documents" className="mb-3 flex gap-1 border-b border-slate-200">
            {ORDER.map((t) => {
              const o = outputs.find((x) => x.output_type === t);
              return (
                <button key={t} type="button" role="tab" aria-selected={tab === t}
                  onClick={() => { setTab(t); setEditing(null); setVersionsOf(null); setShowDiff(false); }}
                  className={`-mb-px border-b-2 px-3 py-1.5 text-sm ${tab === t ? "border-blue-600 font-medium text-blue-700" : "border-transparent text-slate-600"}`}>
                  {LABELS[t]} {o && <span className="ml-1 rounded bg-slate-100 px-1 text-[11px]">{o.status}</span>}
                </button>
              );
            })}
          </div>
          {current && (
            <div role="tabpanel" aria-label={LABELS[current.output_type]}>
              <p className="mb-2 text-xs text-slate-600">
                Version {current.version} · {current.edited_content ? "edited" : "as generated"} · {current.generated_by_model}
                {current.pushed_to && ` · pushed to ${current.pushed_to}`}
                {current.edited_content && editing === null && (
                  <button type="button" aria-pressed={showDiff} onClick={() => setShowDiff(!showDiff)}
                    className="ml-2 rounded px-1 text-blue-700 underline">{showDiff ? "Hide changes" : "Show changes"}</button>
                )}
              </p>
              {typeof current.structured_data?.generation_note === "string" && (
                <p role="note" className="mb-2 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900">
                  {current.structured_data.generation_note}
                </p>
              )}
              {editing !== null ? (
                <form onSubmit={(e) => { e.preventDefault(); void act(() => api.editOutput(sessionId, current.id, { edited_content: editing }), "Saved").then((ok) => ok && setEditing(null)); }}>
                  <label className="block text-sm">
                    <span className="sr-only">Edit {LABELS[current.output_type]}</span>
                    <textarea value={editing} onChange={(e) => setEditing(e.target.value)} rows={14}
                      aria-label={`Edit ${LABELS[current.output_type]}`}
                      className="w-full rounded border border-slate-300 p-2 font-mono text-xs" />
                  </label>
                  <div className="mt-2 flex gap-2">
                    <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-sm text-white">Save edit</button>
                    <button type="button" onClick={() => setEditing(null)} className="rounded px-3 py-1 text-sm">Cancel</button>
                  </div>
                </form>
              ) : showDiff && current.edited_content ? (
                <OutputDiff before={current.generated_content} after={current.edited_content} />
              ) : (
                <div className="prose-chat rounded border border-slate-100 p-3 text-sm" data-testid="output-text"
                  dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />
              )}
              {canWrite && editing === null && (
                <div className="mt-3 flex flex-wrap gap-2 text-sm">
                  {current.status !== "pushed" && (
                    <button type="button" onClick={() => setEditing(text)} className="inline-flex items-center gap-1 rounded border px-2 py-1">
                      <FileText aria-hidden="true" className="h-4 w-4" /> Edit
                    </button>
                  )}
                  {current.status === "draft" && (
                    <>
                      <button type="button" onClick={() => void act(() => api.editOutput(sessionId, current.id, { status: "approved" }), "Approved")}
                        className="inline-flex items-center gap-1 rounded border px-2 py-1"><Check aria-hidden="true" className="h-4 w-4" /> Approve</button>
                      <button type="button" onClick={() => void act(() => api.editOutput(sessionId, current.id, { status: "rejected" }), "Rejected")}
                        className="inline-flex items-center gap-1 rounded border px-2 py-1"><X aria-hidden="true" className="h-4 w-4" /> Reject</button>
                    </>
                  )}
                  <PushControls sessionId={sessionId} output={current} text={text} ticket={ticket} targets={targets} act={act} />
                  <button type="button" onClick={() => setVersionsOf(current.id)}
                    className="rounded px-2 py-1 text-slate-600 underline">Versions</button>
                </div>
              )}
              <PushHistory pushes={current.pushes ?? []} />
              {versionsOf === current.id && versions.data && (
                <VersionList versions={versions.data} current={current.version}
                  onRestore={canWrite && current.status !== "pushed"
                    ? (v) => void act(() => api.editOutput(sessionId, current.id, { edited_content: v.content }), `Restored version ${v.version} as a new edit`).then((ok) => ok && setVersionsOf(null))
                    : undefined} />
              )}
            </div>
          )}
        </>
      )}
      {notice && <p role="status" className="mt-2 text-sm text-emerald-700">{notice}</p>}
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}

function VersionList({ versions, current, onRestore }: { versions: OutputVersion[]; current: number; onRestore?: (v: OutputVersion) => void }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <ol className="mt-3 space-y-1 text-xs text-slate-600" aria-label="Versions">
      {versions.map((v) => (
        <li key={v.version}>
          <button type="button" aria-expanded={open === v.version} onClick={() => setOpen(open === v.version ? null : v.version)}
            className="underline-offset-2 hover:underline">
            v{v.version} · {v.source} · {new Date(v.created_at).toLocaleString()}{v.version === current && " (current)"}
          </button>
          {open === v.version && (
            <div className="mt-1 rounded border border-slate-200 bg-slate-50 p-2">
              <pre className="max-h-64 overflow-auto whitespace-pre-wrap">{v.content}</pre>
              {onRestore && v.version !== current && (
                <button type="button" onClick={() => onRestore(v)} className="mt-1 rounded border px-2 py-0.5">Restore this version</button>
              )}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
