import { useCallback, useEffect, useState } from "react";
import { Bell } from "lucide-react";
import { api, type NotificationList } from "../../api/client";
import { navigate, usePath } from "../../lib/router";

const REFRESH_MS = 30_000;

export function NotificationsMenu() {
  const [data, setData] = useState<NotificationList | null>(null);
  const [open, setOpen] = useState(false);

  const path = usePath();
  const load = useCallback(() => api.notifications().then(setData).catch(() => undefined), []);
  useEffect(() => {
    void load(); // on every navigation, and every 30 s
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load, path]);

  const unread = data?.unread ?? 0;
  return (
    <div className="relative">
      <button type="button" onClick={() => { setOpen(!open); void load(); }} aria-expanded={open}
        aria-label={`Notifications${unread ? ` (${unread} unread)` : ""}`}
        className="relative rounded p-1.5 text-slate-600 hover:bg-slate-100">
        <Bell aria-hidden="true" className="h-5 w-5" />
        {unread > 0 && (
          <span className="absolute -right-0.5 -top-0.5 rounded-full bg-red-600 px-1 text-[10px] font-bold text-white" data-testid="unread-count">{unread}</span>
        )}
      </button>
      {open && (
        <div className="absolute right-0 z-10 mt-2 w-80 rounded-lg border border-slate-200 bg-white p-2 shadow-lg">
          <div className="mb-1 flex items-center px-1">
            <span className="flex-1 text-sm font-semibold">Notifications</span>
            {unread > 0 && (
              <button type="button" onClick={() => api.readAllNotifications().then(load)} className="text-xs text-blue-700 hover:underline">
                Mark all read
              </button>
            )}
          </div>
          <ul className="max-h-80 overflow-y-auto">
            {data?.items.map((n) => (
              <li key={n.id}>
                <button type="button" className={`w-full rounded px-2 py-1.5 text-left text-sm hover:bg-slate-50 ${n.read_at ? "text-slate-500" : "font-medium"}`}
                  onClick={async () => {
                    await api.readNotification(n.id);
                    setOpen(false);
                    void load();
                    if (n.session_id) navigate("/queue");
                  }}>
                  {n.title}
                </button>
              </li>
            ))}
            {data && data.items.length === 0 && <li className="px-2 py-3 text-sm text-slate-500">No notifications.</li>}
          </ul>
        </div>
      )}
    </div>
  );
}
