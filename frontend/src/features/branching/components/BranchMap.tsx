// The session's hypotheses as a tree: switch, mark, revive, rename, compare.
import { useState } from "react";
import { GitCompare } from "lucide-react";
import type { BranchTree } from "../../../api/client";
import {
  useBranchActionError, useBranchTree, useCompare, useReviveBranch, useSwitchBranch, useUpdateBranch,
} from "../api/branches";
import { useSessionUploads } from "../../uploads/api/uploads";
import { useBranchView } from "../hooks/useBranchView";
import { BranchNode } from "./BranchNode";
import { BranchTreeView } from "./BranchTreeView";
import { orderTree } from "../utils/orderTree";

export function BranchMap({ sessionId, tree, canWrite }: { sessionId: string; tree: BranchTree; canWrite: boolean }) {
  const switchBranch = useSwitchBranch(sessionId);
  const update = useUpdateBranch(sessionId);
  const revive = useReviveBranch(sessionId);
  const openCompare = useBranchView((s) => s.compare);
  const comparing = useCompare(sessionId, useBranchView((s) => s.comparing));
  const treeRead = useBranchTree(sessionId);
  const actionError = useBranchActionError(sessionId);
  const uploads = useSessionUploads(sessionId).data ?? [];
  const error = actionError ?? comparing.error ?? treeRead.error;
  // Forms under a branch close once the change is saved (they stay open with the reason if not).
  const worked = (change: Promise<unknown>) => change.then(() => true, () => false);
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
      <BranchTreeView tree={tree} onSwitch={(branchId) => switchBranch.mutate(branchId)} />
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
            onSwitch={() => switchBranch.mutate(branch.id)}
            onStatus={(status, reason, resolveSession) =>
              worked(update.mutateAsync({ branchId: branch.id, body: { status, status_reason: reason, resolve_session: resolveSession } }))}
            onRename={(label) => worked(update.mutateAsync({ branchId: branch.id, body: { label, resolve_session: false } }))}
            onRevive={(from, description) =>
              worked(revive.mutateAsync({ branchId: branch.id, body: { evidence_from_branch_id: from, evidence_description: description } }))}
          />
        ))}
      </ul>
      <button type="button" disabled={picked.length !== 2} onClick={() => openCompare(picked[0], picked[1])}
        className="mt-3 inline-flex w-full items-center justify-center gap-1 rounded border border-slate-300 px-2 py-1 text-sm disabled:opacity-40">
        <GitCompare aria-hidden="true" className="h-4 w-4" /> Compare selected
      </button>
      {error && <p role="alert" className="mt-2 text-xs text-red-700">{error.message}</p>}
    </nav>
  );
}
