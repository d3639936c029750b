import { Info, X } from "lucide-react";
import type { Transition } from "../../../api/client";
import { STATUS_LABEL } from "./BranchStatusBadge";

export function BranchTransitionBar({ transition, onDismiss }: { transition: Transition; onDismiss: () => void }) {
  return (
    <section role="status" aria-label="Changes on other branches" className="rounded-lg border border-sky-200 bg-sky-50 p-3 text-sm" data-testid="transition-bar">
      <div className="flex items-start gap-2">
        <Info aria-hidden="true" className="mt-0.5 h-4 w-4 text-sky-700" />
        <div className="flex-1">
          <p className="font-medium text-sky-900">
            {transition.since ? "Since you were last on this branch:" : "What the other branches concluded:"}
          </p>
          <ul className="mt-1 space-y-0.5 text-sky-900">
            {transition.changes.map((c) => (
              <li key={c.branch_id}>
                <strong>{c.label}</strong> ({STATUS_LABEL[c.status]}): {c.concluded}
              </li>
            ))}
          </ul>
        </div>
        <button type="button" onClick={onDismiss} aria-label="Dismiss" className="rounded p-1 text-sky-700 hover:bg-sky-100">
          <X aria-hidden="true" className="h-4 w-4" />
        </button>
      </div>
    </section>
  );
}
