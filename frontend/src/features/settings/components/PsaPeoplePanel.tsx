// Admin: who each user is in one PSA connection (a ConnectWise member, a HaloPSA agent, an
// Autotask resource and its role). Pushes write notes and time as the engineer who pushes.
import { type FormEvent, useState } from "react";
import { Search, Trash2 } from "lucide-react";
import { api, type PsaConnection, type PsaPersonRow } from "../../../api/client";
import { usePsaPeople } from "../api/settings";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";
import { PERSON_KIND, type Vendor } from "../utils/vendors";

export function PsaPeoplePanel({ connection }: { connection: PsaConnection }) {
  const people = usePsaPeople(connection.id);
  const data = people.data;
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const kind = PERSON_KIND[connection.vendor as Vendor];
  // Each change answers with the sentence to show.
  const action = useAction<string>(keys.psaPeople(connection.id));
  const error = (action.error ?? people.error)?.message ?? null;

  async function run(userId: string, fn: () => Promise<string>) {
    setNotice(null);
    setBusy(userId);
    try {
      setNotice(await action.mutateAsync(fn));
      setEditing(null);
    } catch {
      // shown above the table
    }
    setBusy(null);
  }

  const lookUp = (u: PsaPersonRow, email?: string) =>
    run(u.user_id, async () => (await api.lookUpPerson(connection.id, u.user_id, email)).message);

  return (
    <section aria-label={`People in ${connection.name}`} data-testid="psa-people"
      className="basis-full rounded border border-slate-200 p-3 text-sm">
      <p className="mb-2 text-xs text-slate-600">
        Notes and time are written as the {kind.kind} mapped to the engineer who pushes.{" "}
        {data?.fallback
          ? `Engineers without a mapping log their time as ${data.fallback}.`
          : `Engineers without a mapping cannot push time to ${connection.name} (it would be logged as someone else).`}
      </p>
      {error && <p role="alert" className="mb-2 text-red-700">{error}</p>}
      {notice && <p aria-live="polite" data-testid="psa-people-notice" className="mb-2 text-emerald-800">{notice}</p>}
      <table className="w-full text-left" aria-label={`${connection.name} people`}>
        <thead className="text-xs uppercase text-slate-600">
          <tr><th className="py-1">User</th><th>{connection.name} {kind.kind}</th><th className="sr-only">Actions</th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {(data?.people ?? []).map((u) => (
            <tr key={u.user_id} data-testid="psa-person-row" className={u.is_active ? "" : "opacity-60"}>
              <td className="py-2 pr-2 align-top">
                <span className="font-medium">{u.full_name || u.email}</span><br />
                <span className="text-xs text-slate-600">{u.email}{u.is_active ? "" : " · inactive"}</span>
              </td>
              <td className="pr-2 align-top">
                {u.mapping ? (
                  <span data-testid="psa-person-mapping">
                    {u.mapping.person_name} · {u.mapping.person_id}
                    {data?.needs_role && (u.mapping.role_id ? ` · role ${u.mapping.role_id}` : " · no role id")}
                    <span className="ml-1 rounded bg-slate-100 px-1 text-xs text-slate-600">{u.mapping.source === "lookup" ? "looked up" : "typed in"}</span>
                  </span>
                ) : <span className="text-slate-600">not mapped</span>}
                {editing === u.user_id && (
                  <PersonForm user={u} kindLabel={kind.idLabel} hint={kind.idHint} needsRole={!!data?.needs_role}
                    onLookUp={(email) => lookUp(u, email)} onCancel={() => setEditing(null)}
                    onSave={(body) => run(u.user_id, async () => {
                      const saved = await api.setPerson(connection.id, u.user_id, body);
                      return `${u.email} is ${kind.kind} ${saved.mapping?.person_id ?? body.person_id}`;
                    })} />
                )}
              </td>
              <td className="whitespace-nowrap text-right align-top">
                <button type="button" disabled={busy === u.user_id} onClick={() => void lookUp(u)}
                  aria-label={`Look up ${u.email} by e-mail`}
                  className="inline-flex items-center gap-1 rounded border px-2 py-0.5 text-xs">
                  <Search aria-hidden="true" className="h-3 w-3" /> {busy === u.user_id ? "Asking…" : "Look up by e-mail"}
                </button>
                <button type="button" onClick={() => setEditing(editing === u.user_id ? null : u.user_id)}
                  aria-label={`Set the ${kind.kind} of ${u.email}`} className="ml-1 rounded border px-2 py-0.5 text-xs">Set…</button>
                {u.mapping && (
                  <button type="button" aria-label={`Remove the ${kind.kind} of ${u.email}`}
                    onClick={() => void run(u.user_id, async () => {
                      await api.removePerson(connection.id, u.user_id);
                      return `${u.email} is no longer mapped`;
                    })}
                    className="ml-1 rounded p-1 text-red-700 hover:bg-red-50"><Trash2 aria-hidden="true" className="h-3 w-3" /></button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PersonForm({ user, kindLabel, hint, needsRole, onLookUp, onSave, onCancel }: {
  user: PsaPersonRow;
  kindLabel: string;
  hint: string;
  needsRole: boolean;
  onLookUp: (email: string) => Promise<void>;
  onSave: (body: { person_id: string; role_id?: string | null; person_name?: string | null }) => Promise<void>;
  onCancel: () => void;
}) {
  const [email, setEmail] = useState("");
  const [personId, setPersonId] = useState(user.mapping?.person_id ?? "");
  const [roleId, setRoleId] = useState(user.mapping?.role_id ?? "");
  const [label, setLabel] = useState("");
  return (
    <div className="mt-2 space-y-2 rounded bg-slate-50 p-2">
      <form aria-label={`Look up another e-mail for ${user.email}`} className="flex flex-wrap items-end gap-2"
        onSubmit={(e: FormEvent) => { e.preventDefault(); void onLookUp(email.trim()); }}>
        <label className="block">Their e-mail in the PSA
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required
            className="mt-0.5 block w-56 rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" className="rounded border px-2 py-1">Look up</button>
      </form>
      <form aria-label={`Type in the person for ${user.email}`} className="flex flex-wrap items-end gap-2"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void onSave({ person_id: personId.trim(), role_id: needsRole ? roleId.trim() || null : null, person_name: label.trim() || null });
        }}>
        <label className="block">{kindLabel}
          <input value={personId} onChange={(e) => setPersonId(e.target.value)} required placeholder={hint}
            className="mt-0.5 block w-36 rounded border border-slate-300 px-2 py-1" />
        </label>
        {needsRole && (
          <label className="block">Role id
            <input value={roleId} onChange={(e) => setRoleId(e.target.value)} required inputMode="numeric" pattern="[0-9]{1,18}"
              className="mt-0.5 block w-32 rounded border border-slate-300 px-2 py-1" />
          </label>
        )}
        <label className="block">Shown as (optional)
          <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200}
            className="mt-0.5 block w-40 rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" className="rounded bg-blue-600 px-3 py-1 text-white">Save</button>
        <button type="button" onClick={onCancel} className="rounded px-3 py-1">Cancel</button>
      </form>
    </div>
  );
}
