import { useEffect } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Header } from "./components/layout/Header";
import { matchPlaybook, matchSession, navigate, usePath } from "./lib/router";
import { LibraryPage } from "./pages/LibraryPage";
import { LoginPage } from "./pages/LoginPage";
import { PlaybookPage } from "./pages/PlaybookPage";
import { QueuePage } from "./pages/QueuePage";
import { SessionPage } from "./pages/SessionPage";
import { SessionsPage } from "./pages/SessionsPage";
import { UsagePage } from "./pages/UsagePage";
import { SettingsPage } from "./pages/SettingsPage";
import { useAuth } from "./stores/auth";

export function App() {
  const { me, loading, load } = useAuth();
  const path = usePath();
  const queryClient = useQueryClient();

  useEffect(() => {
    void load();
  }, [load]);

  // Signed out: nothing read for the last engineer is shown to the next one.
  useEffect(() => {
    if (!loading && !me) queryClient.clear();
  }, [loading, me, queryClient]);

  useEffect(() => {
    if (!loading && !me && path !== "/login") navigate("/login");
    if (!loading && me && path === "/login") navigate("/");
  }, [loading, me, path]);

  if (loading) return <p className="p-8 text-slate-600">Loading…</p>;
  if (!me) return <LoginPage />;
  const sessionId = matchSession(path);
  const playbookId = matchPlaybook(path);
  return (
    <div className="min-h-screen flex flex-col">
      <Header me={me} />
      <main className="flex-1 mx-auto w-full max-w-5xl px-4 py-6">
        {sessionId ? (
          <SessionPage key={sessionId} id={sessionId} />
        ) : playbookId ? (
          <PlaybookPage key={playbookId} id={playbookId} me={me} />
        ) : path === "/library" ? (
          <LibraryPage me={me} />
        ) : path === "/queue" ? (
          <QueuePage />
        ) : path === "/usage" ? (
          <UsagePage />
        ) : path === "/settings" ? (
          <SettingsPage me={me} />
        ) : (
          <SessionsPage />
        )}
      </main>
    </div>
  );
}
