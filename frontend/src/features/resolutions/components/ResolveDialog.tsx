// Resolve a session: say which branch fixed it and how; the documents are then written.
import { type FormEvent, useState } from "react";
import type { Branch } from "../../../api/client";
import { useResolveSession } from "../api/resolve";
import { useBackdrop, useDialog } from "../../../lib/useDialog";

type Props = { sessionId: string; branches: Branch[]; activeBranchId: string | null; onClose: () => void; onDone: () => void };

export function ResolveDialog({ sessionId, branches, activeBranchId, onClose, onDone }: Props) {
  const candidates = branches.filter((b) => b.status !== "dead_end");
  const preferred = candidates.find((b) => b.status === "solved") ?? candidates.find((b) => b.id === activeBranchId) ?? candidates[0];
  const [branchId, setBranchId] = useState(preferred?.id ?? "");
  const [reason, setReason] = useState("");
  const resolve = useResolveSession(sessionId);
  const dialog = useDialog(onClose);
  const backdrop = useBackdrop(onClose);
  const chosen = candidates.find((b) => b.id === branchId);
  const alreadySolved = chosen?.status === "solved";

  function submit(e: FormEvent) {
    e.preventDefault();
    // A branch already solved needs no reason again: the session alone is resolved.
    const branchId = !chosen || alreadySolved ? null : chosen.id;
    resolve.mutate({ branchId, reason: reason.trim() }, { onSuccess: onDone });
  }

  return (
    <div {...backdrop} className="fixed inset-0 z-20 flex items-center justify-center bg-slate-900/40 p-4">
      <div ref={dialog} role="dialog" aria-modal="true" aria-labelledby="resolve-title" className="w-full max-w-lg rounded-xl bg-white p-5 shadow-xl">
        <h2 id="resolve-title" className="text-lg font-semibold">Resolve this session</h2>
        <form onSubmit={submit} className="mt-3 space-y-3 text-sm">
          <fieldset>
            <legend className="mb-1 text-slate-600">Which line of investigation fixed it?</legend>
            {candidates.map((b) => (
              <label key={b.id} className="flex items-center gap-2 py-0.5">
                <input type="radio" name="solved-branch" value={b.id} checked={branchId === b.id} onChange={() => setBranchId(b.id)} />
                {b.label} <span className="text-xs text-slate-600">({b.status})</span>
              </label>
            ))}
          </fieldset>
          {!alreadySolved && (
            <label className="block">What fixed it?
              <textarea value={reason} onChange={(e) => setReason(e.target.value)} required rows={3} maxLength={2000}
                className="mt-0.5 w-full rounded border border-slate-300 px-2 py-1" />
            </label>
          )}
          <p className="text-xs text-slate-600">FlowPilot then writes the ticket notes, a KB article (dead ends become “rule out first”) and a client summary for you to review.</p>
          {resolve.error && <p role="alert" className="text-red-700">{resolve.error.message}</p>}
          <div className="flex justify-end gap-2">
            <button type="button" onClick={onClose} className="rounded px-3 py-1">Cancel</button>
            <button type="submit" disabled={resolve.isPending || resolve.isSuccess || (!alreadySolved && !reason.trim())} className="rounded bg-emerald-700 px-3 py-1 font-medium text-white disabled:opacity-50">
              Resolve
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
