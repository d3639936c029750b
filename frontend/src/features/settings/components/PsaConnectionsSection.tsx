// Admin: the account's PSA connections. Secrets are write-only: the server never returns them.
import { type FormEvent, useState } from "react";
import { Plug, Plus, Trash2, UserCheck } from "lucide-react";
import { api } from "../../../api/client";
import { usePsaConnections } from "../api/settings";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";
import { PsaPeoplePanel } from "./PsaPeoplePanel";
import { TestBadge } from "./TestBadge";
import { VENDORS, type Vendor } from "../utils/vendors";

export function PsaConnectionsSection() {
  const connections = usePsaConnections();
  const items = connections.data ?? [];
  const [adding, setAdding] = useState(false);
  const [testing, setTesting] = useState<string | null>(null);
  const [peopleOf, setPeopleOf] = useState<string | null>(null);
  // Where documents can be delivered follows the connections.
  const action = useAction(keys.psaConnections, keys.deliveryTargets);
  const error = (action.error ?? connections.error)?.message ?? null;

  const run = (fn: () => Promise<unknown>) => action.mutateAsync(fn).catch(() => undefined);

  return (
    <section aria-labelledby="psa-title" className="rounded-xl bg-white p-4 shadow-sm">
      <div className="mb-3 flex items-center">
        <h2 id="psa-title" className="flex-1 text-lg font-semibold">PSA connections</h2>
        {!adding && (
          <button type="button" onClick={() => setAdding(true)} className="inline-flex items-center gap-1 rounded bg-blue-600 px-3 py-1 text-sm text-white">
            <Plus aria-hidden="true" className="h-4 w-4" /> Add connection
          </button>
        )}
      </div>
      {adding && <ConnectionForm onDone={() => setAdding(false)} onCancel={() => setAdding(false)} />}
      {items.length === 0 && !adding && <p className="text-sm text-slate-600">No PSA connected yet: notes can only be copied.</p>}
      <ul className="divide-y divide-slate-100">
        {items.map((c) => (
          <li key={c.id} className="flex flex-wrap items-center gap-3 py-3" data-testid="psa-connection">
            <Plug aria-hidden="true" className="h-4 w-4 text-slate-600" />
            <div className="min-w-0 flex-1">
              <p className="font-medium">{c.name} {c.is_default && <span className="ml-1 rounded bg-blue-50 px-1 text-xs text-blue-700">default</span>}</p>
              <p className="text-xs text-slate-600">{VENDORS[c.vendor as Vendor].label} · secrets set: {c.secret_fields_set.join(", ") || "none"}</p>
              <TestBadge ok={c.last_test_ok} message={c.last_test_message} />
            </div>
            <button type="button" disabled={testing === c.id}
              onClick={() => { setTesting(c.id); void run(() => api.testPsaConnection(c.id)).then(() => setTesting(null)); }}
              className="rounded border px-2 py-1 text-sm">{testing === c.id ? "Testing…" : "Test connection"}</button>
            <button type="button" aria-expanded={peopleOf === c.id} onClick={() => setPeopleOf(peopleOf === c.id ? null : c.id)}
              className="inline-flex items-center gap-1 rounded border px-2 py-1 text-sm">
              <UserCheck aria-hidden="true" className="h-4 w-4" /> People
            </button>
            {!c.is_default && (
              <button type="button" onClick={() => void run(() => api.updatePsaConnection(c.id, { is_default: true }))}
                className="rounded border px-2 py-1 text-sm">Make default</button>
            )}
            <button type="button" aria-label={`Delete ${c.name}`}
              onClick={() => { if (window.confirm(`Delete the connection ${c.name}?`)) void run(() => api.deletePsaConnection(c.id)); }}
              className="rounded p-1 text-red-700 hover:bg-red-50"><Trash2 aria-hidden="true" className="h-4 w-4" /></button>
            {peopleOf === c.id && <PsaPeoplePanel connection={c} />}
          </li>
        ))}
      </ul>
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}

function ConnectionForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const [vendor, setVendor] = useState<Vendor>("connectwise");
  const [name, setName] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [isDefault, setIsDefault] = useState(true);
  const create = useAction(keys.psaConnections, keys.deliveryTargets);
  const error = create.error?.message ?? null;
  const fields = VENDORS[vendor].fields;

  function submit(e: FormEvent) {
    e.preventDefault();
    const pick = (secret: boolean) =>
      Object.fromEntries(fields.filter((f) => !!f.secret === secret && values[f.name]?.trim()).map((f) => [f.name, values[f.name].trim()]));
    create.mutate(() => api.createPsaConnection({ vendor, name, settings: pick(false), secrets: pick(true), is_default: isDefault }), {
      onSuccess: onDone,
    });
  }

  return (
    <form onSubmit={submit} aria-label="New PSA connection" className="mb-4 grid gap-2 rounded border border-slate-200 p-3 text-sm sm:grid-cols-2">
      <label className="block">PSA
        <select value={vendor} onChange={(e) => { setVendor(e.target.value as Vendor); setValues({}); }}
          className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1">
          {Object.entries(VENDORS).map(([v, d]) => <option key={v} value={v}>{d.label}</option>)}
        </select>
      </label>
      <label className="block">Name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120}
          className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1" />
      </label>
      {fields.map((f) => (
        <label key={`${vendor}-${f.name}`} className="block">{f.label}{f.optional && !f.choices && <span className="text-slate-600"> (optional)</span>}
          {f.choices ? (
            <select value={values[f.name] ?? ""} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1">
              {f.choices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
            </select>
          ) : (
            <input type={f.secret ? "password" : "text"} autoComplete="off" value={values[f.name] ?? ""} placeholder={f.placeholder}
              required={!f.optional} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1" />
          )}
        </label>
      ))}
      <label className="flex items-center gap-2 sm:col-span-2">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} /> Default for new sessions and pushes
      </label>
      {error && <p role="alert" className="text-red-700 sm:col-span-2">{error}</p>}
      <div className="flex gap-2 sm:col-span-2">
        <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-white">Save connection</button>
        <button type="button" onClick={onCancel} className="rounded px-3 py-1">Cancel</button>
      </div>
    </form>
  );
}
