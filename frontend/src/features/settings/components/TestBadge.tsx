import { CheckCircle2, CircleDashed, XCircle } from "lucide-react";

export function TestBadge({ ok, message }: { ok: boolean | null | undefined; message?: string | null }) {
  if (ok === null || ok === undefined)
    return <span className="inline-flex items-center gap-1 text-xs text-slate-600"><CircleDashed aria-hidden="true" className="h-3 w-3" /> Not tested</span>;
  return ok ? (
    <span className="inline-flex items-center gap-1 text-xs text-emerald-700" title={message ?? ""}>
      <CheckCircle2 aria-hidden="true" className="h-3 w-3" /> Works{message ? `: ${message}` : ""}
    </span>
  ) : (
    <span className="inline-flex items-center gap-1 text-xs text-red-700">
      <XCircle aria-hidden="true" className="h-3 w-3" /> Failed{message ? `: ${message}` : ""}
    </span>
  );
}
