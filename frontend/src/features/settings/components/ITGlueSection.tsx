// Admin: optional export of KB articles to IT Glue, as flexible assets of a type made for
// them (a title field and a body field, named by their name-keys). The API key is write-only.
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../../../api/client";
import { useITGlueSettings } from "../api/settings";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";
import { TestBadge } from "./TestBadge";

// IT Glue's data centres; "other" takes any address (a proxy, a test system).
const REGIONS = [
  { id: "us", label: "US (api.itglue.com)", url: "https://api.itglue.com" },
  { id: "eu", label: "EU (api.eu.itglue.com)", url: "https://api.eu.itglue.com" },
  { id: "au", label: "Australia (api.au.itglue.com)", url: "https://api.au.itglue.com" },
];
const regionOf = (url: string) => REGIONS.find((r) => r.url === url)?.id ?? "other";

export function ITGlueSection() {
  const settings = useITGlueSettings();
  const stored = settings.data ?? null;
  const [region, setRegion] = useState("us");
  const [baseUrl, setBaseUrl] = useState(REGIONS[0].url);
  const [apiKey, setApiKey] = useState("");
  const [organizationId, setOrganizationId] = useState("");
  const [typeId, setTypeId] = useState("");
  const [titleTrait, setTitleTrait] = useState("title");
  const [bodyTrait, setBodyTrait] = useState("body");
  const action = useAction(keys.itglue, keys.deliveryTargets);
  const error = (action.error ?? settings.error)?.message ?? null;

  // The form starts from (and after each change, returns to) what the server has stored.
  useEffect(() => {
    if (!stored?.configured) return;
    setBaseUrl(stored.base_url ?? REGIONS[0].url);
    setRegion(regionOf(stored.base_url ?? ""));
    setOrganizationId(stored.organization_id ? String(stored.organization_id) : "");
    setTypeId(stored.flexible_asset_type_id ? String(stored.flexible_asset_type_id) : "");
    setTitleTrait(stored.title_trait ?? "title");
    setBodyTrait(stored.body_trait ?? "body");
  }, [stored]);

  const run = (fn: () => Promise<unknown>) => action.mutate(fn);
  function save(e: FormEvent) {
    e.preventDefault();
    const url = REGIONS.find((r) => r.id === region)?.url ?? baseUrl;
    void run(() => api.saveITGlue({
      base_url: url,
      api_key: apiKey || null,
      organization_id: Number(organizationId),
      flexible_asset_type_id: Number(typeId),
      title_trait: titleTrait.trim(),
      body_trait: bodyTrait.trim(),
    }).then(() => setApiKey("")));
  }

  const input = "mt-0.5 block w-full rounded border border-slate-300 px-2 py-1";
  const nameKey = "[a-z0-9][a-z0-9_\\-]{0,99}";
  return (
    <section aria-labelledby="itglue-title" className="rounded-xl bg-white p-4 shadow-sm">
      <h2 id="itglue-title" className="mb-1 text-lg font-semibold">IT Glue (optional KB export)</h2>
      <p className="text-sm text-slate-600">
        Approved KB articles are added as flexible assets in one organization. In IT Glue, make a flexible asset
        type for them with a Text field for the title and a Textbox field for the article, and enter the fields'
        name-keys (the field name in lower case, spaces as hyphens).
      </p>
      {stored?.configured && <TestBadge ok={stored.last_test_ok} message={stored.last_test_message} />}
      <form onSubmit={save} aria-label="IT Glue" className="mt-3 grid gap-2 text-sm sm:grid-cols-3">
        <label className="block">Data centre
          <select value={region} onChange={(e) => setRegion(e.target.value)} className={input}>
            {REGIONS.map((r) => <option key={r.id} value={r.id}>{r.label}</option>)}
            <option value="other">Other address</option>
          </select>
        </label>
        {region === "other" && (
          <label className="block">API address
            <input value={baseUrl} required placeholder="https://api.itglue.com" onChange={(e) => setBaseUrl(e.target.value)} className={input} />
          </label>
        )}
        <label className="block">API key{stored?.api_key_set && <span className="text-slate-600"> (set; leave empty to keep)</span>}
          <input type="password" autoComplete="off" value={apiKey} required={!stored?.api_key_set} onChange={(e) => setApiKey(e.target.value)} className={input} />
        </label>
        <label className="block">Organization ID
          <input inputMode="numeric" pattern="[0-9]{1,16}" required value={organizationId} onChange={(e) => setOrganizationId(e.target.value)} className={input} />
        </label>
        <label className="block">Flexible asset type ID
          <input inputMode="numeric" pattern="[0-9]{1,16}" required value={typeId} onChange={(e) => setTypeId(e.target.value)} className={input} />
        </label>
        <label className="block">Title field name-key
          <input value={titleTrait} required pattern={nameKey} onChange={(e) => setTitleTrait(e.target.value)} className={input} />
        </label>
        <label className="block">Body field name-key
          <input value={bodyTrait} required pattern={nameKey} onChange={(e) => setBodyTrait(e.target.value)} className={input} />
        </label>
        <div className="flex gap-2 sm:col-span-3">
          <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-white">Save IT Glue</button>
          {stored?.configured && (
            <>
              <button type="button" onClick={() => void run(() => api.testITGlue())} className="rounded border px-3 py-1">Test connection</button>
              <button type="button" onClick={() => void run(() => api.deleteITGlue())} className="rounded px-3 py-1 text-red-700">Remove</button>
            </>
          )}
        </div>
      </form>
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}
