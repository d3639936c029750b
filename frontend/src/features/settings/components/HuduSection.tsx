// Admin: optional export of KB articles to Hudu. The API key is write-only.
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../../../api/client";
import { useHuduSettings } from "../api/settings";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";
import { TestBadge } from "./TestBadge";

export function HuduSection() {
  const settings = useHuduSettings();
  const stored = settings.data ?? null;
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [companyId, setCompanyId] = useState("");
  const action = useAction(keys.hudu, keys.deliveryTargets);
  const error = (action.error ?? settings.error)?.message ?? null;

  // The form starts from (and after each change, returns to) what the server has stored.
  useEffect(() => {
    if (!stored) return;
    setBaseUrl(stored.base_url ?? "");
    setCompanyId(stored.company_id ? String(stored.company_id) : "");
  }, [stored]);

  const run = (fn: () => Promise<unknown>) => action.mutate(fn);
  function save(e: FormEvent) {
    e.preventDefault();
    void run(() => api.saveHudu({ base_url: baseUrl, api_key: apiKey || null, company_id: companyId ? Number(companyId) : null }).then(() => setApiKey("")));
  }

  const input = "mt-0.5 block w-full rounded border border-slate-300 px-2 py-1";
  return (
    <section aria-labelledby="hudu-title" className="rounded-xl bg-white p-4 shadow-sm">
      <h2 id="hudu-title" className="mb-1 text-lg font-semibold">Hudu (optional KB export)</h2>
      {stored?.configured && <TestBadge ok={stored.last_test_ok} message={stored.last_test_message} />}
      <form onSubmit={save} aria-label="Hudu" className="mt-3 grid gap-2 text-sm sm:grid-cols-3">
        <label className="block">Hudu URL
          <input value={baseUrl} required placeholder="https://docs.yourmsp.com" onChange={(e) => setBaseUrl(e.target.value)} className={input} />
        </label>
        <label className="block">API key{stored?.api_key_set && <span className="text-slate-600"> (set; leave empty to keep)</span>}
          <input type="password" autoComplete="off" value={apiKey} required={!stored?.api_key_set} onChange={(e) => setApiKey(e.target.value)} className={input} />
        </label>
        <label className="block">Company ID<span className="text-slate-600"> (optional)</span>
          <input inputMode="numeric" value={companyId} onChange={(e) => setCompanyId(e.target.value)} className={input} />
        </label>
        <div className="flex gap-2 sm:col-span-3">
          <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-white">Save Hudu</button>
          {stored?.configured && (
            <>
              <button type="button" onClick={() => void run(() => api.testHudu())} className="rounded border px-3 py-1">Test connection</button>
              <button type="button" onClick={() => void run(() => api.deleteHudu())} className="rounded px-3 py-1 text-red-700">Remove</button>
            </>
          )}
        </div>
      </form>
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}
