// Inline editor for edit-and-resend: the edited text goes to a new branch; the original stays.
import { useId, useState } from "react";

type Props = { initial: string; onSubmit: (content: string) => Promise<boolean>; onCancel: () => void };

export function EditMessage({ initial, onSubmit, onCancel }: Props) {
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const empty = !text.trim();
  return (
    <form
      aria-label="Edit message"
      className="flex flex-col gap-2 rounded-lg border border-blue-200 bg-blue-50 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (empty || busy) return;
        setBusy(true);
        void onSubmit(text).finally(() => setBusy(false));
      }}
    >
      <label htmlFor={fieldId} className="text-sm font-medium text-slate-700">
        Edited message (sent on a new branch; the original stays on its branch)
      </label>
      <textarea id={fieldId} value={text} onChange={(e) => setText(e.target.value)} rows={3}
        onKeyDown={(e) => {
          if (e.key === "Escape") onCancel();
        }}
        // eslint-disable-next-line jsx-a11y/no-autofocus -- the engineer just asked to edit this message
        autoFocus
        className="w-full rounded border border-slate-300 bg-white p-2 text-sm" />
      <div className="flex gap-2">
        <button type="submit" disabled={empty || busy}
          className="rounded bg-blue-600 px-3 py-1 text-sm font-medium text-white disabled:opacity-50">
          Send as new branch
        </button>
        <button type="button" onClick={onCancel} className="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100">
          Cancel
        </button>
      </div>
    </form>
  );
}
