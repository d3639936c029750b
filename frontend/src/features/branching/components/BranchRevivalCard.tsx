import { type FormEvent, useState } from "react";
import type { Branch } from "../../../api/client";

type Props = { branch: Branch; candidates: Branch[]; onRevive: (evidenceFrom: string, description: string) => Promise<boolean>; onCancel: () => void };

export function BranchRevivalCard({ branch, candidates, onRevive, onCancel }: Props) {
  const [from, setFrom] = useState(candidates[0]?.id ?? "");
  const [description, setDescription] = useState("");
  const valid = from && description.trim().length >= 5;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (valid && (await onRevive(from, description.trim()))) onCancel();
  }

  return (
    <form onSubmit={submit} aria-label={`Revive ${branch.label}`} className="mt-1 space-y-1 rounded border border-violet-200 bg-violet-50 p-2 text-xs">
      <label className="block">
        <span>Evidence from branch</span>
        <select value={from} onChange={(e) => setFrom(e.target.value)} className="mt-0.5 w-full rounded border border-slate-300 px-1 py-0.5">
          {candidates.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
        </select>
      </label>
      <label className="block">
        <span>What did it show?</span>
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} minLength={5}
          className="mt-0.5 w-full rounded border border-slate-300 px-1 py-0.5" />
      </label>
      <div className="flex justify-end gap-1">
        <button type="button" onClick={onCancel} className="rounded px-2 py-0.5 hover:bg-slate-200">Cancel</button>
        <button type="submit" disabled={!valid} className="rounded bg-violet-700 px-2 py-0.5 text-white disabled:opacity-50">Revive</button>
      </div>
    </form>
  );
}
