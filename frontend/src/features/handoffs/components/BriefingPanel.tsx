import { RefreshCw, X } from "lucide-react";
import { useBriefing, useRegenerateBriefing } from "../api/handoffs";
import { useAuth } from "../../../stores/auth";

export function BriefingPanel({ sessionId, handoffId, onClose }: { sessionId: string; handoffId: string; onClose: () => void }) {
  const read = useBriefing(sessionId, handoffId);
  const regenerate = useRegenerateBriefing(sessionId, handoffId);
  const briefing = read.data;
  const error = (regenerate.error ?? read.error)?.message ?? null;
  const myId = useAuth((s) => s.me?.id);

  return (
    <section aria-label="Briefing" data-testid="briefing" className="rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm">
      <div className="mb-2 flex items-center gap-2">
        <h2 className="flex-1 font-semibold text-amber-900">Briefing</h2>
        <button type="button" onClick={() => regenerate.mutate()} className="inline-flex items-center gap-1 rounded px-2 py-0.5 hover:bg-amber-100">
          <RefreshCw aria-hidden="true" className="h-3 w-3" /> Regenerate
        </button>
        <button type="button" onClick={onClose} aria-label="Close briefing" className="rounded p-1 hover:bg-amber-100">
          <X aria-hidden="true" className="h-4 w-4" />
        </button>
      </div>
      {error && <p role="alert" className="text-red-700">{error}</p>}
      {briefing?.handoff.assignee_id && (
        // Handed to someone by name: whoever picked it up sees whose it was.
        <p data-testid="briefing-assignee" className="mb-2 font-medium text-amber-900">
          {briefing.handoff.assignee_id === myId ? "Assigned to you" : `Assigned to ${briefing.handoff.assignee_name || "a colleague"}`}
          {briefing.handoff.claimed_by && briefing.handoff.claimed_by !== briefing.handoff.assignee_id
            ? ` · picked up by ${briefing.handoff.claimed_by === myId ? "you" : briefing.handoff.claimed_by_name || "a colleague"}`
            : ""}
        </p>
      )}
      {briefing ? <p className="whitespace-pre-wrap text-amber-950">{briefing.briefing}</p> : !error && <p>Preparing the briefing…</p>}
    </section>
  );
}
