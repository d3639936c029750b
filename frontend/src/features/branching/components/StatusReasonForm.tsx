import { type FormEvent, useState } from "react";

type Props = {
  verb: "dead end" | "solved";
  onSubmit: (reason: string, resolveSession: boolean) => Promise<boolean>;
  onCancel: () => void;
};

export function StatusReasonForm({ verb, onSubmit, onCancel }: Props) {
  const [reason, setReason] = useState("");
  const [resolve, setResolve] = useState(true);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (reason.trim() && (await onSubmit(reason.trim(), verb === "solved" && resolve))) onCancel();
  }

  return (
    <form onSubmit={submit} aria-label={`Mark ${verb}`} className="mt-1 space-y-1 rounded border border-slate-200 bg-white p-2 text-xs">
      <label className="block">
        <span>{verb === "dead end" ? "Why is it ruled out?" : "What fixed it?"}</span>
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} required
          className="mt-0.5 w-full rounded border border-slate-300 px-1 py-0.5" />
      </label>
      {verb === "solved" && (
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={resolve} onChange={(e) => setResolve(e.target.checked)} /> Resolve the session
        </label>
      )}
      <div className="flex justify-end gap-1">
        <button type="button" onClick={onCancel} className="rounded px-2 py-0.5 hover:bg-slate-200">Cancel</button>
        <button type="submit" disabled={!reason.trim()} className="rounded bg-slate-800 px-2 py-0.5 text-white disabled:opacity-50">
          Mark {verb}
        </button>
      </div>
    </form>
  );
}
