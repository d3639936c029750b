import { type FormEvent, type KeyboardEvent, useState } from "react";
import { Send, Square } from "lucide-react";

type Props = { disabled: boolean; streaming: boolean; onSend: (text: string) => void; onStop: () => void };

export function Composer({ disabled, streaming, onSend, onStop }: Props) {
  const [text, setText] = useState("");

  function submit(e?: FormEvent) {
    e?.preventDefault();
    const value = text.trim();
    if (!value || disabled || streaming) return;
    onSend(value);
    setText("");
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  }

  return (
    <form onSubmit={submit} className="flex items-end gap-2 rounded-xl bg-white p-3 shadow-sm">
      <label htmlFor="composer" className="sr-only">Message</label>
      <textarea id="composer" rows={2} value={text} disabled={disabled} onChange={(e) => setText(e.target.value)} onKeyDown={onKey}
        placeholder={disabled ? "This session is not active" : "Describe what you see, or paste an error… (Enter to send)"}
        className="flex-1 resize-y rounded border border-slate-300 px-3 py-2 disabled:bg-slate-100" />
      {streaming ? (
        <button type="button" onClick={onStop} className="inline-flex items-center gap-1 rounded bg-slate-700 px-3 py-2 text-white">
          <Square aria-hidden="true" className="h-4 w-4" /> Stop
        </button>
      ) : (
        <button type="submit" disabled={disabled || !text.trim()}
          className="inline-flex items-center gap-1 rounded bg-blue-600 px-3 py-2 text-white disabled:opacity-50">
          <Send aria-hidden="true" className="h-4 w-4" /> Send
        </button>
      )}
    </form>
  );
}
