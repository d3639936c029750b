import { X } from "lucide-react";
import type { Compare } from "../../../api/client";
import { BranchStatusBadge } from "./BranchStatusBadge";

export function ComparePanel({ data, onClose }: { data: Compare; onClose: () => void }) {
  return (
    <section aria-label="Branch comparison" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="compare-panel">
      <div className="mb-2 flex items-center">
        <h2 className="flex-1 font-semibold">Compare branches</h2>
        <button type="button" onClick={onClose} aria-label="Close comparison" className="rounded p-1 hover:bg-slate-100">
          <X aria-hidden="true" className="h-4 w-4" />
        </button>
      </div>
      <div className="grid grid-cols-2 gap-4 text-sm">
        {[data.a, data.b].map((side) => (
          <div key={side.branch.id}>
            <h3 className="flex items-center gap-2 font-medium">{side.branch.label} <BranchStatusBadge status={side.branch.status} /></h3>
            <p className="mt-1 text-slate-700"><span className="text-xs uppercase text-slate-600">Conclusion</span><br />{side.conclusion.concluded}</p>
            {side.evidence && <p className="mt-1 text-slate-700"><span className="text-xs uppercase text-slate-600">Evidence</span><br />{side.evidence}</p>}
            <p className="mt-2 text-xs uppercase text-slate-600">Steps ({side.steps.length})</p>
            <ol className="list-decimal pl-5 text-slate-700">
              {side.steps.map((s) => (
                <li key={s.id}>
                  {s.state !== "record" && (
                    <span className="mr-1 rounded bg-slate-100 px-1 text-[11px] text-slate-800">
                      {s.state === "suggested" ? "not done" : s.state.replace("_", " ")}
                    </span>
                  )}
                  {s.title || s.step_type}
                  {s.state === "done" && s.result ? `: ${s.result}` : ""}
                </li>
              ))}
            </ol>
          </div>
        ))}
      </div>
    </section>
  );
}
