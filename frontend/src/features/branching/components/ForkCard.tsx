// Create hypothesis branches: from the assistant's suggestion or from "Fork from here".
import { type FormEvent, useState } from "react";
import { GitBranch, Plus, X } from "lucide-react";
import type { ForkSuggestion } from "../../../api/client";

type Props = {
  title: string;
  initialReason?: string;
  initialOptions?: ForkSuggestion[];
  onSubmit: (reason: string, options: ForkSuggestion[]) => Promise<boolean>;
  onCancel?: () => void;
};

export function ForkCard({ title, initialReason = "", initialOptions, onSubmit, onCancel }: Props) {
  const [reason, setReason] = useState(initialReason);
  const [options, setOptions] = useState<ForkSuggestion[]>(
    initialOptions?.length ? initialOptions : [{ label: "", description: "" }, { label: "", description: "" }],
  );
  const [busy, setBusy] = useState(false);
  const valid = reason.trim().length >= 5 && options.length >= 2 && options.every((o) => o.label.trim());

  function edit(i: number, field: keyof ForkSuggestion, value: string) {
    setOptions((prev) => prev.map((o, j) => (j === i ? { ...o, [field]: value } : o)));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    const ok = await onSubmit(reason.trim(), options.map((o) => ({ label: o.label.trim(), description: o.description.trim() })));
    setBusy(false);
    if (ok) onCancel?.();
  }

  return (
    <form onSubmit={submit} aria-label={title} className="rounded-lg border border-violet-200 bg-violet-50 p-3 text-sm" data-testid="fork-card">
      <p className="mb-2 flex items-center gap-1 font-medium text-violet-900">
        <GitBranch aria-hidden="true" className="h-4 w-4" /> {title}
      </p>
      <label className="block">
        <span className="text-xs text-slate-600">Why fork here?</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} minLength={5} required
          className="mt-0.5 w-full rounded border border-slate-300 px-2 py-1" />
      </label>
      <ol className="mt-2 space-y-2">
        {options.map((o, i) => (
          <li key={i} className="flex gap-2">
            <label className="flex-1">
              <span className="sr-only">Hypothesis {i + 1}</span>
              <input value={o.label} onChange={(e) => edit(i, "label", e.target.value)} placeholder={`Hypothesis ${i + 1}`}
                aria-label={`Hypothesis ${i + 1}`} className="w-full rounded border border-slate-300 px-2 py-1" />
            </label>
            <label className="flex-[2]">
              <span className="sr-only">Description {i + 1}</span>
              <input value={o.description} onChange={(e) => edit(i, "description", e.target.value)} placeholder="Why / first check"
                aria-label={`Description ${i + 1}`} className="w-full rounded border border-slate-300 px-2 py-1" />
            </label>
            {options.length > 2 && (
              <button type="button" onClick={() => setOptions(options.filter((_, j) => j !== i))}
                aria-label={`Remove hypothesis ${i + 1}`} className="rounded px-1 text-slate-600 hover:bg-slate-200">
                <X aria-hidden="true" className="h-4 w-4" />
              </button>
            )}
          </li>
        ))}
      </ol>
      <div className="mt-2 flex items-center gap-2">
        {options.length < 10 && (
          <button type="button" onClick={() => setOptions([...options, { label: "", description: "" }])}
            className="inline-flex items-center gap-1 rounded px-2 py-1 text-violet-800 hover:bg-violet-100">
            <Plus aria-hidden="true" className="h-4 w-4" /> Add hypothesis
          </button>
        )}
        <span className="flex-1" />
        {onCancel && (
          <button type="button" onClick={onCancel} className="rounded px-2 py-1 text-slate-600 hover:bg-slate-200">Cancel</button>
        )}
        <button type="submit" disabled={!valid || busy} className="rounded bg-violet-700 px-3 py-1 font-medium text-white disabled:opacity-50">
          Create {options.length} branches
        </button>
      </div>
    </form>
  );
}
