import { useEffect, useState } from "react";
import { Bell } from "lucide-react";
import type { NotificationList } from "../../../api/client";
import { useClaimHandoff } from "../../handoffs/api/claim";
import { useMarkNotificationsRead, useNotifications, useReadNotification } from "../api/notifications";
import { navigate, usePath } from "../../../lib/router";
import { useDismiss } from "../../../lib/useDismiss";

type Notification = NotificationList["items"][number];

export function NotificationsMenu() {
  const [open, setOpen] = useState(false);
  // What was unread when the menu opened: still shown as new while it stays open.
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const { panel, anchor } = useDismiss(open, () => setOpen(false));
  const { data, refetch } = useNotifications();
  const markRead = useMarkNotificationsRead();
  const readOne = useReadNotification();
  const claim = useClaimHandoff();

  // Every navigation looks again too (the interval covers a page left open); a read already
  // under way is the answer.
  const path = usePath();
  useEffect(() => {
    void refetch({ cancelRefetch: false });
  }, [path, refetch]);

  // Opening the menu shows the latest notifications and marks the ones it shows as read.
  async function openMenu() {
    setOpen(true);
    [markRead, readOne, claim].forEach((m) => m.reset());
    const latest = await refetch();
    if (latest.isError || !latest.data) return;
    const seen = latest.data.items.filter((n) => !n.read_at).map((n) => n.id);
    setFresh(new Set(seen));
    if (seen.length > 0) markRead.mutate(seen);
  }

  async function follow(n: Notification) {
    try {
      await readOne.mutateAsync(n.id);
    } catch {
      return; // the menu stays open with the reason
    }
    setOpen(false);
    if (n.session_id) navigate("/queue");
  }

  // An escalation (or a handoff named for you) is claimed from where it was announced: the briefing opens, as from the queue.
  async function claimFrom(n: Notification, sessionId: string, handoffId: string) {
    try {
      await claim.mutateAsync({ sessionId, handoffId });
    } catch {
      return;
    }
    await readOne.mutateAsync(n.id).catch(() => undefined); // claimed is what mattered
    setOpen(false);
    navigate(`/sessions/${sessionId}?briefing=${handoffId}`);
  }

  const failure = claim.error ?? markRead.error ?? readOne.error;
  const unread = data?.unread ?? 0;
  return (
    <div className="relative">
      <button ref={anchor} type="button" onClick={() => (open ? setOpen(false) : void openMenu())} aria-expanded={open}
        aria-haspopup="true" aria-controls={open ? "notifications-menu" : undefined}
        aria-label={`Notifications${unread ? ` (${unread} unread)` : ""}`}
        className="relative rounded p-1.5 text-slate-700 hover:bg-slate-100">
        <Bell aria-hidden="true" className="h-5 w-5" />
        {unread > 0 && (
          <span className="absolute -right-0.5 -top-0.5 rounded-full bg-red-700 px-1 text-[10px] font-bold text-white" data-testid="unread-count">{unread}</span>
        )}
      </button>
      {open && (
        <div ref={panel} id="notifications-menu" role="region" aria-label="Notifications" data-testid="notifications-menu"
          className="absolute right-0 z-10 mt-2 w-80 max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white p-2 shadow-lg">
          <div className="mb-1 flex items-center px-1">
            <h2 className="flex-1 text-sm font-semibold">Notifications</h2>
            <button type="button" onClick={() => markRead.mutate(undefined)} disabled={unread === 0}
              className="text-xs text-blue-700 hover:underline disabled:text-slate-600 disabled:no-underline">
              Mark all read
            </button>
          </div>
          {failure && <p role="alert" className="mb-1 px-1 text-xs text-red-700">{failure.message}</p>}
          <ul className="max-h-80 overflow-y-auto">
            {data?.items.map((n) => (
              <li key={n.id} className="flex items-start gap-1">
                <button type="button" className={`min-w-0 flex-1 rounded px-2 py-1.5 text-left text-sm hover:bg-slate-50 ${fresh.has(n.id) || !n.read_at ? "font-medium text-slate-900" : "text-slate-600"}`}
                  onClick={() => void follow(n)}>
                  {(fresh.has(n.id) || !n.read_at) && <span className="sr-only">New: </span>}
                  {n.title}
                </button>
                {(n.kind === "escalation" || n.kind === "handoff_assigned") && n.session_id && n.handoff_id && (
                  <button type="button" aria-label={`Claim ${n.title}`}
                    onClick={() => void claimFrom(n, n.session_id!, n.handoff_id!)}
                    className="mt-1 shrink-0 rounded border border-blue-300 px-2 py-0.5 text-xs text-blue-800 hover:bg-blue-50">
                    Claim
                  </button>
                )}
              </li>
            ))}
            {data && data.items.length === 0 && <li className="px-2 py-3 text-sm text-slate-600">No notifications.</li>}
          </ul>
        </div>
      )}
    </div>
  );
}
