// Admin: the mail server client summaries are sent through. The password is write-only.
import { type FormEvent, useEffect, useState } from "react";
import { api, type SmtpSettings, type SmtpSettingsIn, type TestResult } from "../../../api/client";
import { useSmtpSettings } from "../api/settings";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";
import { TestBadge } from "./TestBadge";

const EMPTY: SmtpSettingsIn = { host: "", port: 587, security: "starttls", username: "", from_address: "", from_name: "" };

export function SmtpSection({ defaultTestAddress }: { defaultTestAddress: string }) {
  const settings = useSmtpSettings();
  const stored = settings.data ?? null;
  const [form, setForm] = useState<SmtpSettingsIn>(EMPTY);
  const [password, setPassword] = useState("");
  const [testTo, setTestTo] = useState(defaultTestAddress);
  const [notice, setNotice] = useState<string | null>(null);
  // A test that ran but failed answers 200 with ok: false (the mail server's words).
  const [testFailed, setTestFailed] = useState<string | null>(null);
  const save = useAction(keys.smtp);
  const test = useAction<TestResult>(keys.smtp);
  const error = testFailed ?? (save.error ?? test.error ?? settings.error)?.message ?? null;

  // The form starts from (and after each change, returns to) what the server has stored.
  useEffect(() => {
    if (stored?.configured) setForm(formOf(stored));
  }, [stored]);

  function submit(e: FormEvent) {
    e.preventDefault();
    setTestFailed(null);
    test.reset();
    save.mutate(() => api.saveSmtp({ ...form, ...(password ? { password } : {}) }), {
      onSuccess: () => {
        setPassword("");
        setNotice("Mail server saved");
      },
    });
  }

  function sendTest() {
    setTestFailed(null);
    save.reset();
    test.mutate(() => api.testSmtp(testTo), {
      onSuccess: (r) => {
        setNotice(r.ok ? r.message : null);
        if (!r.ok) setTestFailed(r.message);
      },
    });
  }
  const busy = test.isPending;

  const input = "mt-0.5 block w-full rounded border border-slate-300 px-2 py-1";
  return (
    <section aria-labelledby="smtp-title" className="rounded-xl bg-white p-4 shadow-sm">
      <h2 id="smtp-title" className="mb-1 text-lg font-semibold">Outgoing e-mail (client summaries)</h2>
      {stored?.configured && <TestBadge ok={stored.last_test_ok} message={stored.last_test_message} />}
      <form onSubmit={submit} aria-label="Mail server" className="mt-3 grid gap-2 text-sm sm:grid-cols-3">
        <label className="block sm:col-span-2">SMTP host
          <input value={form.host} required onChange={(e) => setForm({ ...form, host: e.target.value })} className={input} />
        </label>
        <label className="block">Port
          <input type="number" min={1} max={65535} value={form.port ?? 587} onChange={(e) => setForm({ ...form, port: Number(e.target.value) })} className={input} />
        </label>
        <label className="block">Security
          <select value={form.security} onChange={(e) => setForm({ ...form, security: e.target.value as SmtpSettingsIn["security"] })} className={input}>
            <option value="starttls">STARTTLS</option>
            <option value="tls">TLS</option>
            <option value="none">None</option>
          </select>
        </label>
        <label className="block">User name
          <input value={form.username ?? ""} autoComplete="off" onChange={(e) => setForm({ ...form, username: e.target.value })} className={input} />
        </label>
        <label className="block">Password{stored?.password_set && <span className="text-slate-600"> (set; leave empty to keep)</span>}
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} className={input} />
        </label>
        <label className="block sm:col-span-2">From address
          <input type="email" required value={form.from_address} onChange={(e) => setForm({ ...form, from_address: e.target.value })} className={input} />
        </label>
        <label className="block">From name
          <input value={form.from_name ?? ""} onChange={(e) => setForm({ ...form, from_name: e.target.value })} className={input} />
        </label>
        <div className="sm:col-span-3"><button type="submit" className="rounded bg-blue-600 px-3 py-1 text-white">Save mail server</button></div>
      </form>
      {stored?.configured && (
        <div className="mt-3 flex flex-wrap items-end gap-2 text-sm">
          <label className="block">Send a test to
            <input type="email" value={testTo} onChange={(e) => setTestTo(e.target.value)} className={input} />
          </label>
          <button type="button" disabled={busy || !testTo} onClick={sendTest} className="rounded border px-3 py-1">
            {busy ? "Sending…" : "Send test e-mail"}
          </button>
        </div>
      )}
      {notice && <p role="status" className="mt-2 text-sm text-emerald-700">{notice}</p>}
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}

function formOf(s: SmtpSettings): SmtpSettingsIn {
  return {
    host: s.host ?? "", port: s.port ?? 587, security: (s.security as SmtpSettingsIn["security"]) ?? "starttls",
    username: s.username ?? "", from_address: s.from_address ?? "", from_name: s.from_name ?? "",
  };
}
