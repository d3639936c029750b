// Admin: the account's engineers and teams (roles, team membership, deactivation).
import { type FormEvent, useState } from "react";
import { Trash2, UserPlus, Users } from "lucide-react";
import { api, type Team } from "../../../api/client";
import { useTeams, useUsers } from "../api/people";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";

const ROLES = ["engineer", "lead", "admin"] as const;
type Role = (typeof ROLES)[number];

export function PeopleSection({ meId }: { meId: string }) {
  const usersRead = useUsers();
  const teamsRead = useTeams();
  const users = usersRead.data ?? [];
  const teams = teamsRead.data ?? [];
  // A user's teams change the teams' member counts and the reverse: both lists are read again.
  const action = useAction(keys.users, keys.teams);
  const error = (action.error ?? usersRead.error ?? teamsRead.error)?.message ?? null;
  const [notice, setNotice] = useState<string | null>(null);

  async function run(fn: () => Promise<unknown>, message: string) {
    setNotice(null);
    try {
      await action.mutateAsync(fn);
    } catch {
      return; // shown below
    }
    setNotice(message);
  }

  return (
    <section aria-labelledby="people-title" className="rounded-xl bg-white p-4 shadow-sm">
      <h2 id="people-title" className="mb-3 flex items-center gap-2 text-lg font-semibold"><Users aria-hidden="true" className="h-5 w-5" /> People and teams</h2>
      <TeamsList teams={teams} run={run} />
      <NewUserForm teams={teams} run={run} />
      <table className="mt-4 w-full text-left text-sm" aria-label="Users">
        <thead className="text-xs uppercase text-slate-600">
          <tr><th className="py-1">Name</th><th>Role</th><th>Teams</th><th>Status</th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((u) => (
            <tr key={u.id} data-testid="user-row">
              <td className="py-2"><span className="font-medium">{u.full_name || u.email}</span><br /><span className="text-xs text-slate-600">{u.email}</span></td>
              <td>
                <label><span className="sr-only">Role of {u.email}</span>
                  <select value={u.role} disabled={u.id === meId}
                    onChange={(e) => void run(() => api.updateUser(u.id, { role: e.target.value as Role }), `${u.email} is now ${e.target.value}`)}
                    className="rounded border border-slate-300 px-1 py-0.5">
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </label>
              </td>
              <td>
                <fieldset className="flex flex-wrap gap-2">
                  <legend className="sr-only">Teams of {u.email}</legend>
                  {teams.map((t) => {
                    const member = u.teams.some((x) => x.id === t.id);
                    const next = member ? u.teams.filter((x) => x.id !== t.id).map((x) => x.id) : [...u.teams.map((x) => x.id), t.id];
                    return (
                      <label key={t.id} className="inline-flex items-center gap-1">
                        <input type="checkbox" checked={member}
                          onChange={() => void run(() => api.updateUser(u.id, { team_ids: next }), `Teams of ${u.email} updated`)} />
                        {t.name}
                      </label>
                    );
                  })}
                </fieldset>
              </td>
              <td>
                {u.id === meId ? <span className="text-xs text-slate-600">you</span> : (
                  <button type="button" onClick={() => void run(() => api.updateUser(u.id, { is_active: !u.is_active }), `${u.email} ${u.is_active ? "deactivated" : "reactivated"}`)}
                    className={`rounded border px-2 py-0.5 text-xs ${u.is_active ? "" : "border-amber-300 bg-amber-50"}`}>
                    {u.is_active ? "Deactivate" : "Reactivate"}
                  </button>
                )}
                {!u.is_active && <span className="ml-1 text-xs text-amber-800">inactive</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {notice && <p role="status" className="mt-2 text-sm text-emerald-700">{notice}</p>}
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}

type Run = (fn: () => Promise<unknown>, message: string) => Promise<void>;

function TeamsList({ teams, run }: { teams: Team[]; run: Run }) {
  const [name, setName] = useState("");
  function add(e: FormEvent) {
    e.preventDefault();
    void run(() => api.createTeam(name.trim()).then(() => setName("")), `Team ${name.trim()} created`);
  }
  return (
    <div className="mb-4">
      <h3 className="text-sm font-medium text-slate-700">Teams</h3>
      <ul className="mt-1 flex flex-wrap gap-2 text-sm">
        {teams.map((t) => (
          <li key={t.id} className="inline-flex items-center gap-1 rounded-full bg-slate-100 px-2 py-0.5" data-testid="team-chip">
            {t.name} <span className="text-xs text-slate-600">({t.member_count})</span>
            <button type="button" aria-label={`Delete team ${t.name}`}
              onClick={() => { if (window.confirm(`Delete the team ${t.name}? Its sessions stay.`)) void run(() => api.deleteTeam(t.id), `Team ${t.name} deleted`); }}
              className="rounded p-0.5 text-red-700 hover:bg-red-50"><Trash2 aria-hidden="true" className="h-3 w-3" /></button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} aria-label="New team" className="mt-2 flex items-end gap-2 text-sm">
        <label className="block">New team
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200}
            className="mt-0.5 block rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" disabled={!name.trim()} className="rounded border px-3 py-1">Add team</button>
      </form>
    </div>
  );
}

function NewUserForm({ teams, run }: { teams: Team[]; run: Run }) {
  const [email, setEmail] = useState("");
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("engineer");
  const [teamIds, setTeamIds] = useState<string[]>([]);

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(
      () => api.createUser({ email, full_name: fullName, password, role, team_ids: teamIds }).then(() => {
        setEmail(""); setFullName(""); setPassword(""); setRole("engineer"); setTeamIds([]);
      }),
      `${email} can now sign in`,
    );
  }

  const input = "mt-0.5 block w-full rounded border border-slate-300 px-2 py-1";
  return (
    <form onSubmit={submit} aria-label="New user" className="grid gap-2 rounded border border-slate-200 p-3 text-sm sm:grid-cols-4">
      <label className="block">E-mail<input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} className={input} /></label>
      <label className="block">Full name<input value={fullName} onChange={(e) => setFullName(e.target.value)} className={input} /></label>
      <label className="block">Initial password<input type="password" autoComplete="new-password" minLength={8} required value={password} onChange={(e) => setPassword(e.target.value)} className={input} /></label>
      <label className="block">Role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)} className={input}>
          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </label>
      <fieldset className="flex flex-wrap items-center gap-3 sm:col-span-3">
        <legend className="sr-only">Teams of the new user</legend>
        {teams.map((t) => (
          <label key={t.id} className="inline-flex items-center gap-1">
            <input type="checkbox" checked={teamIds.includes(t.id)}
              onChange={(e) => setTeamIds(e.target.checked ? [...teamIds, t.id] : teamIds.filter((x) => x !== t.id))} /> {t.name}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="inline-flex items-center justify-center gap-1 rounded bg-blue-600 px-3 py-1 text-white">
        <UserPlus aria-hidden="true" className="h-4 w-4" /> Add user
      </button>
    </form>
  );
}
