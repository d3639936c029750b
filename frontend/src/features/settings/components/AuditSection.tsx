// Admin: the account's audit trail (who read, exported, approved, changed what; sign-ins).
import { useState } from "react";
import { useAudit } from "../api/settings";
import { when } from "../../../lib/format";

const ACTIONS = [
  "auth.sign_in", "auth.sign_in_failed", "session.read", "upload.read", "ticket.preview",
  "output.approve", "output.push", "output.copy", "handoff.assign", "handoff.claim", "settings.psa_connection", "settings.psa_person",
  "settings.smtp", "settings.hudu", "settings.itglue", "settings.ai_privacy", "settings.ai_budget", "settings.ai_price",
  "user.create", "user.role", "user.deactivate", "user.teams",
  "team.change",
];
const PAGE = 50;

export function AuditSection() {
  const [action, setAction] = useState("");
  const [offset, setOffset] = useState(0);
  const audit = useAudit({ action: action || undefined, limit: PAGE, offset });
  const page = audit.data;
  const error = audit.error?.message ?? null;

  return (
    <section aria-labelledby="audit-title" className="rounded-xl bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="audit-title" className="mr-auto text-lg font-semibold">Audit trail</h2>
        <label className="text-sm">
          <span className="mr-2">Action</span>
          <select value={action} onChange={(e) => { setAction(e.target.value); setOffset(0); }} className="rounded border border-slate-300 px-2 py-1">
            <option value="">Any</option>
            {ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
      </div>
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
      <table className="mt-3 w-full text-left text-xs" aria-label="Audit events">
        <thead className="text-slate-700">
          <tr><th className="py-1 pr-2">When</th><th className="pr-2">Who</th><th className="pr-2">Action</th><th className="pr-2">Object</th><th>From</th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100 text-slate-900">
          {page?.items.map((ev) => (
            <tr key={ev.id} data-testid="audit-row">
              <td className="py-1 pr-2 whitespace-nowrap">{when(ev.created_at)}</td>
              <td className="pr-2">{ev.actor_email || "—"}</td>
              <td className="pr-2 font-mono">{ev.action}</td>
              <td className="pr-2">{ev.object_type}{ev.object_id ? ` ${ev.object_id.slice(0, 8)}` : ""}</td>
              <td>{ev.ip || "—"}</td>
            </tr>
          ))}
          {page && page.items.length === 0 && <tr><td colSpan={5} className="py-4 text-center text-slate-700">Nothing recorded yet.</td></tr>}
        </tbody>
      </table>
      {page && page.total > PAGE && (
        <div className="mt-2 flex items-center gap-2 text-sm">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50">Newer</button>
          <span className="text-slate-700">{offset + 1}–{Math.min(offset + PAGE, page.total)} of {page.total}</span>
          <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)} className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50">Older</button>
        </div>
      )}
    </section>
  );
}
