// The session's hypotheses as a tree: switch, mark, revive, rename, compare.
import { useState } from "react";
import { GitCompare } from "lucide-react";
import type { BranchTree } from "../../api/client";
import { useBranches } from "../../stores/branches";
import { useUploads } from "../../stores/uploads";
import { BranchNode } from "./BranchNode";
import { BranchTreeView } from "./BranchTreeView";
import { orderTree } from "./orderTree";

export function BranchMap({ sessionId, tree, canWrite }: { sessionId: string; tree: BranchTree; canWrite: boolean }) {
  const { switchTo, update, revive, openCompare, error } = useBranches();
  const uploads = useUploads((s) => s.items);
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));

  return (
    <nav aria-label="Branch map" className="rounded-xl bg-white p-3 shadow-sm">
      <h2 className="mb-1 text-sm font-semibold text-slate-700">Branches</h2>
      <p className="mb-2 text-xs text-slate-600">
        {tree.hypothesis_count} hypothesis branch{tree.hypothesis_count === 1 ? "" : "es"}
        {tree.branch_limit !== null ? ` of ${tree.branch_limit} on the ${tree.plan} plan` : ""}
      </p>
      <BranchTreeView tree={tree} onSwitch={(branchId) => void switchTo(sessionId, branchId)} />
      <ul className="space-y-1">
        {orderTree(tree.branches).map(({ branch, depth }) => (
          <BranchNode
            key={branch.id}
            branch={branch}
            depth={depth}
            active={branch.id === tree.active_branch_id}
            canWrite={canWrite}
            others={tree.branches.filter((b) => b.id !== branch.id)}
            comparing={picked.includes(branch.id)}
            artifacts={uploads.filter((u) => u.uploaded_on_branch_id === branch.id).map((u) => u.original_name)}
            onToggleCompare={() => toggle(branch.id)}
            onSwitch={() => void switchTo(sessionId, branch.id)}
            onStatus={(status, reason, resolveSession) =>
              update(sessionId, branch.id, { status, status_reason: reason, resolve_session: resolveSession })}
            onRename={(label) => update(sessionId, branch.id, { label, resolve_session: false })}
            onRevive={(from, description) =>
              revive(sessionId, branch.id, { evidence_from_branch_id: from, evidence_description: description })}
          />
        ))}
      </ul>
      <button type="button" disabled={picked.length !== 2} onClick={() => void openCompare(sessionId, picked[0], picked[1])}
        className="mt-3 inline-flex w-full items-center justify-center gap-1 rounded border border-slate-300 px-2 py-1 text-sm disabled:opacity-40">
        <GitCompare aria-hidden="true" className="h-4 w-4" /> Compare selected
      </button>
      {error && <p role="alert" className="mt-2 text-xs text-red-700">{error}</p>}
    </nav>
  );
}
