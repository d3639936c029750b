import { type FormEvent, useState } from "react";
import { Plane } from "lucide-react";
import { navigate } from "../lib/router";
import { useAuth } from "../stores/auth";

export function LoginPage() {
  const { login, error, needsAccount } = useAuth();
  const [account, setAccount] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    if (await login(email, password, needsAccount ? account : undefined)) navigate("/");
    setBusy(false);
  }

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form onSubmit={submit} className="w-full max-w-sm space-y-4 rounded-xl bg-white p-6 shadow" aria-labelledby="login-title">
        <h1 id="login-title" className="flex items-center gap-2 text-xl font-semibold">
          <Plane aria-hidden="true" className="h-6 w-6 text-blue-600" /> Sign in to FlowPilot
        </h1>
        <div>
          <label htmlFor="email" className="block text-sm font-medium">E-mail</label>
          <input id="email" type="email" autoComplete="username" required value={email}
            onChange={(e) => setEmail(e.target.value)}
            className="mt-1 w-full rounded border border-slate-300 px-3 py-2" />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium">Password</label>
          <input id="password" type="password" autoComplete="current-password" required value={password}
            onChange={(e) => setPassword(e.target.value)}
            className="mt-1 w-full rounded border border-slate-300 px-3 py-2" />
        </div>
        {needsAccount && (
          <div>
            <label htmlFor="account" className="block text-sm font-medium">Account</label>
            <input id="account" autoComplete="organization" required value={account}
              onChange={(e) => setAccount(e.target.value)}
              className="mt-1 w-full rounded border border-slate-300 px-3 py-2" />
          </div>
        )}
        {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
        <button type="submit" disabled={busy}
          className="w-full rounded bg-blue-600 px-4 py-2 font-medium text-white hover:bg-blue-700 disabled:opacity-50">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
