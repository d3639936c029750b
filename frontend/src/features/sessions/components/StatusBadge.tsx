import type { SessionStatus } from "../../../api/client";

const COLORS: Record<SessionStatus, string> = {
  active: "bg-blue-100 text-blue-800",
  paused: "bg-slate-200 text-slate-700",
  escalated: "bg-orange-100 text-orange-800",
  resolved: "bg-emerald-100 text-emerald-800",
  closed: "bg-slate-100 text-slate-600",
};

export function StatusBadge({ status }: { status: SessionStatus }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${COLORS[status]}`}>{status}</span>;
}
