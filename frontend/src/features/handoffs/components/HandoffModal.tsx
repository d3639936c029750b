// Park or escalate the session: notes, priority, what we wait on, optionally a named colleague
// from the team it goes to, and (for an escalation) a preview of the structured assessment
// before confirming.
import { type FormEvent, useId, useState } from "react";
import { X } from "lucide-react";
import type { Assessment } from "../../../api/client";
import { useHandOff, usePreviewAssessment } from "../api/handoffs";
import { useTeamMembers, useTeams } from "../../settings/api/people";
import { useBackdrop, useDialog } from "../../../lib/useDialog";
import { useAuth } from "../../../stores/auth";

type Props = { sessionId: string; sessionTeamId: string | null; onClose: () => void; onDone: () => void };

export function HandoffModal({ sessionId, sessionTeamId, onClose, onDone }: Props) {
  const [intent, setIntent] = useState<"park" | "escalate">("escalate");
  const [notes, setNotes] = useState("");
  const [priority, setPriority] = useState<"normal" | "elevated">("normal");
  // Local date and time from the picker ("2026-12-01T17:00"); sent as an instant with its zone.
  const [due, setDue] = useState("");
  const [waitingOn, setWaitingOn] = useState("");
  const [teamId, setTeamId] = useState("");
  const teams = useTeams().data ?? [];
  const [chosenAssignee, setAssigneeId] = useState("");
  const myId = useAuth((s) => s.me?.id);
  const assigneeField = useId();
  const [assessment, setAssessment] = useState<Assessment | null>(null);
  const preview = usePreviewAssessment(sessionId);
  const handOff = useHandOff(sessionId);
  const busy = preview.isPending || handOff.isPending || handOff.isSuccess;
  const error = (handOff.error ?? preview.error)?.message ?? null;
  const dialog = useDialog(onClose);
  const backdrop = useBackdrop(onClose);

  // The team the handoff goes to (the chosen target team, else the session's): its members,
  // less yourself, can be named. A name from the team chosen before is dropped.
  const goesTo = (intent === "escalate" && teamId) || sessionTeamId || "";
  const members = (useTeamMembers(goesTo).data ?? []).filter((m) => m.id !== myId);
  const assigneeId = goesTo && members.some((m) => m.id === chosenAssignee) ? chosenAssignee : "";

  function previewAssessment() {
    handOff.reset();
    preview.mutate(
      { intent, waiting_on: waitingOn || null, engineer_notes: notes || null },
      { onSuccess: (p) => setAssessment(p.assessment ?? null) },
    );
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    preview.reset();
    handOff.mutate(
      {
        intent,
        engineer_notes: notes || null,
        priority,
        waiting_on: waitingOn || null,
        target_team_id: intent === "escalate" && teamId ? teamId : null,
        assignee_id: assigneeId || null,
        assessment: intent === "escalate" ? assessment : null,
        due_at: intent === "escalate" && due ? new Date(due).toISOString() : null,
      },
      { onSuccess: onDone },
    );
  }

  return (
    <div {...backdrop} className="fixed inset-0 z-20 flex items-center justify-center bg-slate-900/40 p-4">
      <div ref={dialog} role="dialog" aria-modal="true" aria-labelledby="handoff-title"
        className="max-h-[90vh] w-full max-w-lg overflow-y-auto rounded-xl bg-white p-5 shadow-xl">
        <div className="mb-3 flex items-center">
          <h2 id="handoff-title" className="flex-1 text-lg font-semibold">Hand off this session</h2>
          <button type="button" onClick={onClose} aria-label="Close" className="rounded p-1 hover:bg-slate-100">
            <X aria-hidden="true" className="h-4 w-4" />
          </button>
        </div>
        <form onSubmit={submit} className="space-y-3 text-sm">
          <fieldset className="flex gap-4">
            <legend className="mb-1 font-medium">Intent</legend>
            <label className="flex items-center gap-1">
              <input type="radio" name="intent" checked={intent === "park"} onChange={() => { setIntent("park"); setAssessment(null); }} /> Park (waiting on something)
            </label>
            <label className="flex items-center gap-1">
              <input type="radio" name="intent" checked={intent === "escalate"} onChange={() => setIntent("escalate")} /> Escalate to the queue
            </label>
          </fieldset>
          <label className="block">
            <span className="font-medium">Notes for whoever picks it up</span>
            <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
          </label>
          <div className="flex gap-3">
            <label className="flex-1">
              <span className="font-medium">Priority</span>
              <select value={priority} onChange={(e) => setPriority(e.target.value as "normal" | "elevated")} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
                <option value="normal">Normal</option>
                <option value="elevated">Elevated</option>
              </select>
            </label>
            {intent === "escalate" && (
              <label className="flex-1">
                <span className="font-medium">Due by <span className="font-normal text-slate-600">(optional)</span></span>
                <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)}
                  className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
              </label>
            )}
            {intent === "escalate" && (
              <label className="flex-1">
                <span className="font-medium">Team</span>
                <select value={teamId} onChange={(e) => setTeamId(e.target.value)} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
                  <option value="">The session's team</option>
                  {teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
                </select>
              </label>
            )}
          </div>
          <div>
            <label htmlFor={assigneeField} className="font-medium">
              Assign to <span className="font-normal text-slate-600">(optional)</span>
            </label>
            <select id={assigneeField} value={assigneeId} onChange={(e) => setAssigneeId(e.target.value)} disabled={!goesTo}
              aria-describedby={`${assigneeField}-hint`} className="mt-1 w-full rounded border border-slate-300 px-2 py-1 disabled:bg-slate-100">
              <option value="">Nobody in particular</option>
              {members.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
            </select>
            <p id={`${assigneeField}-hint`} className="mt-1 text-xs text-slate-600">
              {goesTo
                ? "They are notified; anyone in the team can still claim it."
                : intent === "escalate"
                  ? "This session has no team: choose a team above to name someone in it."
                  : "This session has no team: escalate it to a team to name someone in it."}
            </p>
          </div>
          <label className="block">
            <span className="font-medium">Waiting on</span>
            <input value={waitingOn} onChange={(e) => setWaitingOn(e.target.value)} placeholder="e.g. client to reboot the firewall"
              className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
          </label>
          {intent === "escalate" && (
            <section aria-label="Assessment" className="rounded border border-slate-200 bg-slate-50 p-3">
              {assessment ? (
                <div className="space-y-1" data-testid="assessment">
                  <p><strong>Likely cause</strong> ({assessment.confidence} confidence): {assessment.likely_cause}</p>
                  {(assessment.ruled_out ?? []).length > 0 && <p><strong>Ruled out:</strong> {(assessment.ruled_out ?? []).join("; ")}</p>}
                  {(assessment.suggested_steps ?? []).length > 0 && <p><strong>Next:</strong> {(assessment.suggested_steps ?? []).join("; ")}</p>}
                  {(assessment.risks ?? []).length > 0 && <p><strong>Risks:</strong> {(assessment.risks ?? []).join("; ")}</p>}
                </div>
              ) : (
                <p className="text-slate-600">The assistant writes an assessment for the next engineer.</p>
              )}
              <button type="button" onClick={previewAssessment} disabled={busy}
                className="mt-2 rounded border border-slate-300 bg-white px-2 py-1 hover:bg-slate-100">
                {assessment ? "Regenerate assessment" : "Preview assessment"}
              </button>
            </section>
          )}
          {error && <p role="alert" className="text-red-700">{error}</p>}
          <div className="flex justify-end gap-2">
            <button type="button" onClick={onClose} className="rounded px-3 py-1.5 hover:bg-slate-100">Cancel</button>
            <button type="submit" disabled={busy} className="rounded bg-orange-700 px-3 py-1.5 font-medium text-white disabled:opacity-50">
              {intent === "park" ? "Park session" : "Escalate"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
