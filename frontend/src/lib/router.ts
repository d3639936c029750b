// A tiny client-side router: the app has a handful of screens, a dependency is not worth it.
import { useSyncExternalStore } from "react";

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(path: string): void {
  if (path === window.location.pathname + window.location.search) return;
  window.history.pushState({}, "", path);
  listeners.forEach((l) => l());
}

export function usePath(): string {
  return useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => window.location.pathname,
  );
}

export function queryParam(name: string): string | null {
  return new URLSearchParams(window.location.search).get(name);
}

export function matchSession(path: string): string | null {
  const m = path.match(/^\/sessions\/([0-9a-f-]{36})$/);
  return m ? m[1] : null;
}

export function matchPlaybook(path: string): string | null {
  const m = path.match(/^\/library\/([0-9a-f-]{36})$/);
  return m ? m[1] : null;
}
