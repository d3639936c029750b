import type { BranchStatus } from "../../../api/client";

const STYLE: Record<BranchStatus, string> = {
  active: "bg-blue-100 text-blue-800",
  untried: "bg-slate-100 text-slate-600",
  dead_end: "bg-red-100 text-red-800",
  solved: "bg-emerald-100 text-emerald-800",
  revived: "bg-violet-100 text-violet-800",
};

export const STATUS_LABEL: Record<BranchStatus, string> = {
  active: "active",
  untried: "untried",
  dead_end: "dead end",
  solved: "solved",
  revived: "revived",
};

/** `current`: the branch being worked. An active branch the engineer has moved away from (the
 * one a fork started from) is still open, not "active" next to the one in use. */
export function BranchStatusBadge({ status, current = true }: { status: BranchStatus; current?: boolean }) {
  const open = status === "active" && !current;
  return (
    <span className={`shrink-0 whitespace-nowrap rounded-full px-1.5 py-0.5 text-[11px] font-medium ${open ? "bg-sky-50 text-sky-800" : STYLE[status]}`}>
      {open ? "open" : STATUS_LABEL[status]}
    </span>
  );
}
