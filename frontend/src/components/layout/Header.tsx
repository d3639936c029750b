import { LogOut, Plane, WifiOff } from "lucide-react";
import type { Me } from "../../api/client";
import { navigate } from "../../lib/router";
import { useAuth } from "../../stores/auth";
import { NotificationsMenu } from "../../features/notifications/components/NotificationsMenu";

export function Header({ me }: { me: Me }) {
  const logout = useAuth((s) => s.logout);
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <a
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate("/");
          }}
          className="flex items-center gap-2 font-semibold text-slate-900"
        >
          <Plane aria-hidden="true" className="h-5 w-5 text-blue-600" /> FlowPilot
        </a>
        <span className="hidden text-sm text-slate-600 md:inline">{me.account.name}</span>
        <nav aria-label="Main" className="order-last flex w-full gap-1 overflow-x-auto text-sm sm:order-none sm:w-auto">
          {[["/", "Sessions"], ["/queue", "Queue"], ["/library", "Library"], ["/usage", "Usage"], ...(me.role === "admin" ? [["/settings", "Settings"]] : [])].map(([href, label]) => (
            <a key={href} href={href} onClick={(e) => { e.preventDefault(); navigate(href); }}
              className="rounded px-2 py-1 text-slate-700 hover:bg-slate-100">{label}</a>
          ))}
        </nav>
        <div className="ml-auto flex min-w-0 items-center gap-2 sm:gap-3">
          {me.offline ? (
            <span
              className="inline-flex items-center gap-1 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800"
              title="No AI model is configured: answers come from the playbook library"
              data-testid="offline-badge"
            >
              <WifiOff aria-hidden="true" className="h-3 w-3" /> Offline mode
            </span>
          ) : (
            <span className="max-w-40 truncate rounded-full bg-emerald-100 px-2 py-0.5 text-xs text-emerald-800 sm:max-w-none">
              {me.provider} · {me.model}
            </span>
          )}
          <NotificationsMenu />
          <span className="hidden max-w-48 truncate text-sm text-slate-700 md:inline" title={me.email}>{me.full_name || me.email}</span>
          <button
            type="button"
            onClick={() => void logout()}
            className="inline-flex items-center gap-1 rounded px-2 py-1 text-sm text-slate-600 hover:bg-slate-100"
          >
            <LogOut aria-hidden="true" className="h-4 w-4" /> <span className="sr-only sm:not-sr-only">Sign out</span>
          </button>
        </div>
      </div>
    </header>
  );
}
