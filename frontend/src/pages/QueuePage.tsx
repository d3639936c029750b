// The team queue: parked and escalated sessions waiting for someone, refreshed every 15 s.
import { useState } from "react";
import { toApiError, type QueuePage as Page } from "../api/client";
import { useClaimHandoff } from "../features/handoffs/api/claim";
import { useQueue } from "../features/handoffs/api/queue";
import { duration } from "../lib/format";
import { navigate } from "../lib/router";
import { useAuth } from "../stores/auth";

type Item = Page["items"][number];
// Losing a race for an item is not a failure of the page: the item says who won instead.
const LOST = ["already_claimed", "handoff_closed"];

export function QueuePage() {
  const [intent, setIntent] = useState<"" | "park" | "escalate">("");
  const [priority, setPriority] = useState<"" | "normal" | "elevated">("");
  const [assigned, setAssigned] = useState<"" | "me" | "unassigned">("");
  const myId = useAuth((s) => s.me?.id);
  const queue = useQueue({ intent: intent || undefined, priority: priority || undefined, assigned: assigned || undefined });
  const page = queue.data;
  const claim = useClaimHandoff();
  // Claims someone else won: the item stays listed with who took it, not silently gone.
  const [lost, setLost] = useState<Record<string, { item: Item; why: string }>>({});

  async function claimItem(item: Item) {
    try {
      await claim.mutateAsync({ sessionId: item.session_id, handoffId: item.handoff_id });
    } catch (err) {
      // The list is read again already (the claim's invalidation); the reason stays on the item.
      const failure = toApiError(err);
      if (LOST.includes(failure.code)) setLost((prev) => ({ ...prev, [item.handoff_id]: { item, why: failure.message } }));
      return;
    }
    // Resuming your own park needs no briefing; picking up someone else's work does.
    const mine = item.handed_off_by === useAuth.getState().me?.id;
    navigate(mine ? `/sessions/${item.session_id}` : `/sessions/${item.session_id}?briefing=${item.handoff_id}`);
  }

  const claimError = claim.error && !LOST.includes(toApiError(claim.error).code) ? claim.error.message : null;
  const error = claimError ?? queue.error?.message ?? null;
  const listed = page?.items ?? [];
  const gone = Object.values(lost).filter((l) => !listed.some((i) => i.handoff_id === l.item.handoff_id));

  return (
    <section aria-labelledby="queue-title" className="rounded-xl bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="queue-title" className="mr-auto text-lg font-semibold">Team queue</h1>
        <label className="text-sm">
          <span className="mr-2">Intent</span>
          <select value={intent} onChange={(e) => setIntent(e.target.value as typeof intent)} className="rounded border border-slate-300 px-2 py-1">
            <option value="">Any</option>
            <option value="escalate">Escalated</option>
            <option value="park">Parked</option>
          </select>
        </label>
        <label className="text-sm">
          <span className="mr-2">Priority</span>
          <select value={priority} onChange={(e) => setPriority(e.target.value as typeof priority)} className="rounded border border-slate-300 px-2 py-1">
            <option value="">Any</option>
            <option value="elevated">Elevated</option>
            <option value="normal">Normal</option>
          </select>
        </label>
        <div className="text-sm">
          <label htmlFor="queue-assigned" className="mr-2">Assigned</label>
          <select id="queue-assigned" value={assigned} onChange={(e) => setAssigned(e.target.value as typeof assigned)} className="rounded border border-slate-300 px-2 py-1">
            <option value="">All</option>
            <option value="me">Assigned to me</option>
            <option value="unassigned">Unassigned</option>
          </select>
        </div>
      </div>
      {error && <p role="alert" className="mt-3 text-sm text-red-700">{error}</p>}
      <ul className="mt-4 divide-y divide-slate-100">
        {page?.items.map((item) => (
          <li key={item.handoff_id} className="flex flex-wrap items-center gap-3 py-3" data-testid="queue-item">
            <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${item.priority === "elevated" ? "bg-red-100 text-red-800" : "bg-slate-100 text-slate-700"}`}>
              {item.priority}
            </span>
            <span className="rounded-full bg-orange-100 px-2 py-0.5 text-xs text-orange-800">{item.intent === "escalate" ? "escalated" : "parked"}</span>
            {/* On a phone: a card, the text first, the badges and Claim under it. */}
            <div className="order-first min-w-0 basis-full sm:order-none sm:basis-0 sm:flex-1">
              <p className="truncate font-medium" title={item.title}>{item.title}</p>
              <p className="break-words text-xs text-slate-600">
                {item.problem_domain ?? "—"} · {item.branch_count} branch{item.branch_count === 1 ? "" : "es"} · by {item.handed_off_by_name ?? "?"}
                {item.target_team_name ? ` · ${item.target_team_name}` : ""} · waiting {duration(item.waiting_seconds)}
              </p>
              {item.assignee_id && (
                <p data-testid="queue-assignee" className={`text-xs ${item.assignee_id === myId ? "font-semibold text-blue-800" : "text-slate-700"}`}>
                  {item.assignee_id === myId ? "Assigned to you" : `Assigned to ${item.assignee_name ?? "a colleague"}`}
                </p>
              )}
              {item.due_at && (
                <p data-testid="queue-due" className={`text-xs ${item.overdue ? "font-semibold text-red-700" : "text-slate-700"}`}>
                  {dueText(item.due_at, item.overdue ?? false)}
                </p>
              )}
              {item.engineer_notes && <p className="text-xs text-slate-600">“{item.engineer_notes}”</p>}
            </div>
            <button type="button" disabled={claim.isPending} onClick={() => void claimItem(item)}
              aria-label={`Claim ${item.title}`} className="ml-auto rounded bg-blue-600 sm:ml-0 px-3 py-1 text-sm font-medium text-white disabled:opacity-50">
              Claim
            </button>
          </li>
        ))}
        {gone.map(({ item, why }) => (
          <li key={item.handoff_id} className="flex flex-wrap items-center gap-3 py-3 opacity-80" data-testid="queue-item-taken">
            <div className="min-w-0 flex-1">
              <p className="truncate font-medium" title={item.title}>{item.title}</p>
              <p role="status" className="text-sm text-amber-800">{why}</p>
            </div>
            <button type="button" onClick={() => setLost(({ [item.handoff_id]: _, ...rest }) => rest)}
              aria-label={`Dismiss ${item.title}`} className="rounded border border-slate-300 px-2 py-1 text-sm">
              Dismiss
            </button>
          </li>
        ))}
        {page && page.items.length === 0 && gone.length === 0 && (
          <li className="py-6 text-center text-slate-600">
            {assigned === "me" ? "Nothing assigned to you." : assigned === "unassigned" ? "Nothing unassigned waiting." : "Nothing waiting. Nice."}
          </li>
        )}
      </ul>
    </section>
  );
}

function dueText(dueAt: string, overdue: boolean): string {
  const due = new Date(dueAt);
  const seconds = Math.abs(Math.round((due.getTime() - Date.now()) / 1000));
  const at = due.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return overdue ? `Overdue by ${duration(seconds)} (due ${at})` : `Due in ${duration(seconds)} (${at})`;
}
