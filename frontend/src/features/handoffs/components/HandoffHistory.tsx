import type { Handoff } from "../../../api/client";
import { when } from "../../../lib/format";

export function HandoffHistory({ handoffs }: { handoffs: Handoff[] }) {
  if (!handoffs.length) return null;
  return (
    <details className="rounded-xl bg-white p-3 text-sm shadow-sm">
      <summary className="cursor-pointer font-medium">Handoff history ({handoffs.length})</summary>
      <ol className="mt-2 space-y-2">
        {handoffs.map((h) => (
          <li key={h.id} className="border-l-2 border-slate-200 pl-2">
            <p>
              <strong className="capitalize">{h.intent === "park" ? "Parked" : "Escalated"}</strong> by {h.handed_off_by_name || "someone"}
              {" · "}{when(h.created_at)} · {h.priority} · {h.status}
              {h.assignee_name ? ` · assigned to ${h.assignee_name}` : ""}
              {h.claimed_by_name
                ? h.claimed_by && h.claimed_by === h.handed_off_by
                  ? ` · resumed by ${h.claimed_by_name}`
                  : ` · claimed by ${h.claimed_by_name}`
                : ""}
              {h.claim_note ? ` (${h.claim_note})` : ""}
            </p>
            {h.waiting_on && <p className="text-slate-600">Waiting on: {h.waiting_on}</p>}
            {h.engineer_notes && <p className="text-slate-600">Notes: {h.engineer_notes}</p>}
            {h.ai_assessment && <p className="whitespace-pre-wrap text-slate-600">{h.ai_assessment}</p>}
            {h.psa_note_pushed && <p className="text-xs text-emerald-700">Noted on the PSA ticket (note {h.psa_note_id})</p>}
            {!h.psa_note_pushed && h.psa_note_error && <p className="text-xs text-red-700">PSA note not written: {h.psa_note_error}</p>}
          </li>
        ))}
      </ol>
    </details>
  );
}
