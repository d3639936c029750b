import { useState } from "react";
import { MoreHorizontal, Paperclip } from "lucide-react";
import type { Branch } from "../../../api/client";
import { useDismiss } from "../../../lib/useDismiss";
import { BranchRevivalCard } from "./BranchRevivalCard";
import { BranchStatusBadge } from "./BranchStatusBadge";
import { StatusReasonForm } from "./StatusReasonForm";

type Props = {
  branch: Branch;
  depth: number;
  active: boolean;
  canWrite: boolean;
  others: Branch[];
  comparing: boolean;
  artifacts: string[];
  onSwitch: () => void;
  onToggleCompare: () => void;
  onStatus: (status: "dead_end" | "solved" | "active", reason: string | null, resolveSession: boolean) => Promise<boolean>;
  onRename: (label: string) => Promise<boolean>;
  onRevive: (from: string, description: string) => Promise<boolean>;
};

type Panel = "none" | "dead_end" | "solved" | "rename" | "revive";

export function BranchNode(props: Props) {
  const { branch, depth, active, canWrite } = props;
  const [open, setOpen] = useState(false);
  const [panel, setPanel] = useState<Panel>("none");
  const [label, setLabel] = useState(branch.label);
  // The whole node counts as inside: its forms open below the actions.
  const actions = useDismiss<HTMLLIElement>(open, () => setOpen(false));
  const close = () => {
    setPanel("none");
    setOpen(false);
  };
  const workable = branch.status === "active" || branch.status === "untried" || branch.status === "revived";

  return (
    <li ref={actions.panel} style={{ paddingLeft: `${depth * 0.9}rem` }} data-testid="branch-node" data-branch={branch.label}>
      <div className={`flex items-center gap-1 rounded ${active ? "bg-blue-50 ring-1 ring-blue-300" : ""}`}>
        <button type="button" onClick={props.onSwitch} aria-current={active ? "true" : undefined}
          aria-label={`Switch to branch ${branch.label}`}
          className="flex min-w-0 flex-1 items-center gap-1.5 rounded px-1.5 py-1 text-left text-sm hover:bg-slate-100">
          <span title={branch.label} className={`min-w-0 break-words ${branch.status === "dead_end" ? "text-slate-600 line-through" : ""}`}>{branch.label}</span>
          <BranchStatusBadge status={branch.status} current={active} />
          <span className="ml-auto shrink-0 text-[11px] text-slate-600" title="steps on this branch">{branch.step_count}</span>
        </button>
        <label className="flex items-center" title="Select to compare">
          <input type="checkbox" checked={props.comparing} onChange={props.onToggleCompare} aria-label={`Compare ${branch.label}`} />
        </label>
        {canWrite && (
          <button ref={actions.anchor} type="button" onClick={() => setOpen(!open)} aria-expanded={open} aria-label={`Actions for ${branch.label}`}
            className="rounded p-1 text-slate-600 hover:bg-slate-200">
            <MoreHorizontal aria-hidden="true" className="h-4 w-4" />
          </button>
        )}
      </div>
      {props.artifacts.length > 0 && (
        <ul aria-label={`Files on ${branch.label}`} className="ml-3 mt-0.5 space-y-0.5 text-[11px] text-slate-600">
          {props.artifacts.map((name, i) => (
            <li key={`${name}-${i}`} className="flex items-center gap-1 truncate">
              <Paperclip aria-hidden="true" className="h-3 w-3 shrink-0" /> {name}
            </li>
          ))}
        </ul>
      )}
      {open && canWrite && (
        <div className="ml-2 mt-1 flex flex-wrap gap-1 text-xs">
          {workable && <button type="button" onClick={() => setPanel("dead_end")} className="rounded border px-1.5 py-0.5 hover:bg-red-50">Mark dead end</button>}
          {workable && <button type="button" onClick={() => setPanel("solved")} className="rounded border px-1.5 py-0.5 hover:bg-emerald-50">Mark solved</button>}
          {branch.status === "dead_end" && <button type="button" onClick={() => setPanel("revive")} className="rounded border px-1.5 py-0.5 hover:bg-violet-50">Revive</button>}
          {branch.status === "solved" && <button type="button" onClick={() => void props.onStatus("active", null, false)} className="rounded border px-1.5 py-0.5">Reopen</button>}
          <button type="button" onClick={() => setPanel("rename")} className="rounded border px-1.5 py-0.5 hover:bg-slate-50">Rename</button>
        </div>
      )}
      {panel === "dead_end" && <StatusReasonForm verb="dead end" onCancel={close} onSubmit={(r) => props.onStatus("dead_end", r, false)} />}
      {panel === "solved" && <StatusReasonForm verb="solved" onCancel={close} onSubmit={(r, res) => props.onStatus("solved", r, res)} />}
      {panel === "revive" && <BranchRevivalCard branch={branch} candidates={props.others} onCancel={close} onRevive={props.onRevive} />}
      {panel === "rename" && (
        <form aria-label={`Rename ${branch.label}`} className="mt-1 flex gap-1 text-xs"
          onSubmit={async (e) => { e.preventDefault(); if (label.trim() && (await props.onRename(label.trim()))) close(); }}>
          <label className="flex-1">
            <span className="sr-only">New name</span>
            <input value={label} onChange={(e) => setLabel(e.target.value)} className="w-full rounded border border-slate-300 px-1 py-0.5" />
          </label>
          <button type="submit" className="rounded bg-slate-800 px-2 py-0.5 text-white">Save</button>
          <button type="button" onClick={close} className="rounded px-2 py-0.5 hover:bg-slate-200">Cancel</button>
        </form>
      )}
    </li>
  );
}
