// What the assistant's last answer on this branch rests on: the playbook it follows (with its
// match confidence), the runners-up, and what the engineer's reports have established so far.
import type { Message } from "../../../api/client";
import { percent } from "../../library/utils/confidence";

type Candidate = { slug: string; title: string; confidence: number; matched?: string[]; own?: boolean };
type Guide = { focus?: Candidate | null; candidates?: Candidate[]; no_fit?: boolean; known?: string[] };

function guideOf(message: Message | undefined): Guide | null {
  const raw = message?.meta?.guide;
  return raw && typeof raw === "object" ? (raw as Guide) : null;
}

export function GuidancePanel({ message }: { message: Message | undefined }) {
  const guide = guideOf(message);
  if (!guide) return null;
  const others = (guide.candidates ?? []).filter((c) => c.slug !== guide.focus?.slug).slice(0, 2);
  const known = guide.known ?? [];
  return (
    <section aria-label="Guidance" className="rounded-xl border border-slate-200 bg-white p-3 text-sm">
      {guide.focus ? (
        <p data-testid="guide-focus">
          <span className="font-medium">Playbook:</span> {guide.focus.title}{" "}
          <span className="rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-900">{percent(guide.focus.confidence)} match</span>
          {guide.focus.own && <span className="ml-1 text-xs text-slate-700">(yours)</span>}
        </p>
      ) : (
        <p data-testid="guide-focus" className="text-amber-900">No playbook fits this well yet: the assistant is working from general knowledge.</p>
      )}
      {others.length > 0 && (
        <p className="mt-1 text-xs text-slate-700">
          Also considered: {others.map((c) => `${c.title} (${percent(c.confidence)})`).join(" · ")}
        </p>
      )}
      {known.length > 0 && (
        <div className="mt-2">
          <h2 className="text-xs font-medium uppercase text-slate-700">Known so far</h2>
          <ul className="mt-0.5 list-disc pl-5 text-slate-800" aria-label="Known so far">
            {known.map((k) => <li key={k}>{k}</li>)}
          </ul>
        </div>
      )}
    </section>
  );
}
