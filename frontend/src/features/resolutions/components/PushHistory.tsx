import type { PushLog } from "../../../api/client";
import { when } from "../../../lib/format";

const LABEL: Record<PushLog["destination"], string> = { psa: "PSA", email: "E-mail", kb_library: "KB library", clipboard: "Clipboard", hudu: "Hudu", itglue: "IT Glue" };
const STYLE: Record<PushLog["result"], string> = {
  queued: "bg-slate-100 text-slate-700",
  retrying: "bg-amber-100 text-amber-800",
  ok: "bg-emerald-100 text-emerald-800",
  failed: "bg-red-100 text-red-800",
};
const WORD: Record<PushLog["result"], string> = { queued: "sending…", retrying: "retrying", ok: "delivered", failed: "failed" };

export function PushHistory({ pushes }: { pushes: PushLog[] }) {
  if (!pushes.length) return null;
  return (
    <ul aria-label="Deliveries" className="mt-3 space-y-1 text-xs" data-testid="push-history">
      {pushes.map((p) => (
        <li key={p.id} className="flex flex-wrap items-baseline gap-2">
          <span className={`rounded px-1.5 py-0.5 font-medium ${STYLE[p.result]}`} data-testid="push-result">{LABEL[p.destination]} · {WORD[p.result]}</span>
          <span className="text-slate-600">{p.request_summary}</span>
          {p.external_id && <span className="text-slate-600">ref {p.external_id}</span>}
          {p.result === "retrying" && p.next_attempt_at && <span className="text-amber-800">next try {when(p.next_attempt_at)}</span>}
          {p.error && <span role={p.result === "failed" ? "alert" : undefined} className="basis-full text-red-700">{p.error}</span>}
          <span className="text-slate-600">{when(p.updated_at)}</span>
        </li>
      ))}
    </ul>
  );
}
