// The engineer's word on a suggestion: done (with what they found), skipped or not applicable.
// Only what is marked done reaches the ticket notes, the KB article and the client summary.
import { type FormEvent, useState } from "react";
import { Check, SkipForward, Undo2 } from "lucide-react";
import type { Step } from "../../../api/client";
import { useReportStep } from "../api/session";

type Props = { sessionId: string; step: Step; canWrite: boolean };

const LABEL: Record<string, string> = {
  done: "Done",
  skipped: "Skipped",
  not_applicable: "Not applicable",
};

export function StepReport({ sessionId, step, canWrite }: Props) {
  const [writing, setWriting] = useState(false);
  const [result, setResult] = useState("");
  const reportStep = useReportStep(sessionId);
  const error = reportStep.error?.message ?? null;

  function report(state: Step["state"], text = "") {
    reportStep.mutate(
      { stepId: step.id, body: { state: state as "done", result: text } },
      { onSuccess: () => { setWriting(false); setResult(""); } },
    );
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    report("done", result);
  }

  if (step.state === "record") return null;
  const reported = step.state !== "suggested";
  return (
    <div className="ml-11 flex flex-col gap-1 text-xs" data-testid="step-report" data-state={step.state}>
      {reported ? (
        <p className="flex flex-wrap items-center gap-2 text-slate-800">
          <span className={`rounded px-1.5 py-0.5 font-medium ${step.state === "done" ? "bg-emerald-100 text-emerald-900" : "bg-slate-200 text-slate-800"}`}>
            {LABEL[step.state]}
          </span>
          <span>{step.title}{step.result ? `: ${step.result}` : ""}</span>
          {step.reported_by_name && <span className="text-slate-600">— {step.reported_by_name}</span>}
          {canWrite && (
            <button type="button" onClick={() => report("suggested")} aria-label={`Undo report on ${step.title}`}
              className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-slate-700 hover:bg-slate-200">
              <Undo2 aria-hidden="true" className="h-3 w-3" /> Change
            </button>
          )}
        </p>
      ) : (
        <div className="flex flex-wrap items-center gap-2 text-slate-700">
          <span>Suggested, not done yet: <span className="font-medium text-slate-900">{step.title}</span></span>
          {canWrite && !writing && (
            <>
              <button type="button" onClick={() => setWriting(true)} aria-label={`Mark done: ${step.title}`}
                className="inline-flex items-center gap-1 rounded border border-emerald-300 px-1.5 py-0.5 text-emerald-900 hover:bg-emerald-50">
                <Check aria-hidden="true" className="h-3 w-3" /> Done…
              </button>
              <button type="button" onClick={() => report("skipped")} aria-label={`Skip: ${step.title}`}
                className="inline-flex items-center gap-1 rounded border border-slate-300 px-1.5 py-0.5 hover:bg-slate-100">
                <SkipForward aria-hidden="true" className="h-3 w-3" /> Skip
              </button>
              <button type="button" onClick={() => report("not_applicable")} aria-label={`Not applicable: ${step.title}`}
                className="rounded border border-slate-300 px-1.5 py-0.5 hover:bg-slate-100">
                N/A
              </button>
            </>
          )}
        </div>
      )}
      {writing && (
        <form onSubmit={submit} className="flex flex-wrap items-center gap-2" aria-label={`Result of ${step.title}`}>
          <label className="flex-1">
            <span className="sr-only">What did you find?</span>
            <input value={result} onChange={(e) => setResult(e.target.value)} placeholder="What did you find?"
              // The engineer just asked to report a result: the focus goes where they type it.
              // eslint-disable-next-line jsx-a11y/no-autofocus
              aria-label="What did you find?" maxLength={2000} autoFocus
              className="w-full rounded border border-slate-300 px-2 py-1 text-sm" />
          </label>
          <button type="submit" disabled={!result.trim()} className="rounded bg-emerald-700 px-2 py-1 text-white disabled:opacity-50">Save</button>
          <button type="button" onClick={() => setWriting(false)} className="rounded border border-slate-300 px-2 py-1">Cancel</button>
        </form>
      )}
      {error && <p role="alert" className="text-red-700">{error}</p>}
    </div>
  );
}
