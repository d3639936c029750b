import { diffLines } from "../../../lib/diff";

export function OutputDiff({ before, after }: { before: string; after: string }) {
  const lines = diffLines(before, after);
  return (
    <pre aria-label="Changes against the generated version" data-testid="output-diff"
      className="max-h-96 overflow-auto rounded border border-slate-200 bg-slate-50 p-2 text-xs leading-5">
      {lines.map((l, i) => (
        <div key={i} className={l.kind === "added" ? "bg-emerald-100 text-emerald-900" : l.kind === "removed" ? "bg-red-100 text-red-900 line-through" : ""}>
          <span aria-hidden="true" className="mr-2 select-none text-slate-600">{l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}</span>
          <span className="sr-only">{l.kind === "added" ? "added: " : l.kind === "removed" ? "removed: " : ""}</span>
          {l.text || " "}
        </div>
      ))}
    </pre>
  );
}
