import { type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent, useRef, useState } from "react";
import { Paperclip, Send, Square } from "lucide-react";
import { useDescribeAgain, useSessionUploads, useUploadFiles } from "../../uploads/api/uploads";
import { UploadCard } from "../../uploads/components/UploadCard";

type Props = {
  sessionId: string;
  branchId: string | null;
  disabled: boolean;
  streaming: boolean;
  // Resolves false when the server refused the message (nothing was saved): the text comes back.
  onSend: (text: string, uploadIds: string[]) => Promise<boolean>;
  onStop: () => void;
};

export function Composer({ sessionId, branchId, disabled, streaming, onSend, onStop }: Props) {
  const [text, setText] = useState("");
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const uploads = useSessionUploads(sessionId);
  const upload = useUploadFiles(sessionId);
  const describeAgain = useDescribeAgain(sessionId);
  // The files attached to the message being written, and how far the one being sent has got.
  const [draft, setDraft] = useState<string[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const attached = (uploads.data ?? []).filter((u) => draft.includes(u.id));
  const error = upload.error?.message ?? describeAgain.error?.message ?? uploads.error?.message ?? null;

  async function add(files: File[]) {
    if (!files.length) return;
    setProgress(0);
    try {
      const added = await upload.mutateAsync({ files, branchId, onProgress: setProgress });
      setDraft((d) => [...d, ...added.map((u) => u.id)]);
    } catch {
      // the reason is shown with the attachments
    } finally {
      setProgress(null);
    }
  }

  function submit(e?: FormEvent) {
    e?.preventDefault();
    const value = text.trim();
    if (!value || disabled || streaming || progress !== null) return;
    const uploads = draft;
    setText("");
    setDraft([]);
    void onSend(value, uploads).then((accepted) => {
      if (!accepted) setText((typed) => typed || value);
    });
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  }

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const files = Array.from(e.clipboardData.files);
    if (files.length) {
      e.preventDefault(); // a pasted screenshot becomes an attachment, not text
      void add(files.map((f, i) => (f.name && f.name !== "image.png" ? f : new File([f], `screenshot-${Date.now()}-${i}.png`, { type: f.type }))));
    }
  }

  function onDrop(e: DragEvent<HTMLFormElement>) {
    e.preventDefault();
    setDragging(false);
    if (!disabled) void add(Array.from(e.dataTransfer.files));
  }

  return (
    <form onSubmit={submit} onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)} onDrop={onDrop}
      className={`flex flex-col gap-2 rounded-xl bg-white p-3 shadow-sm ${dragging ? "ring-2 ring-blue-400" : ""}`}>
      {(attached.length > 0 || progress !== null || error) && (
        <div className="flex flex-wrap gap-2" aria-label="Attachments">
          {attached.map((u) => (
            <UploadCard key={u.id} sessionId={sessionId} upload={u} onRemove={() => setDraft((d) => d.filter((id) => id !== u.id))}
              onRetry={() => describeAgain.mutate(u.id)} />
          ))}
          {progress !== null && (
            <label className="flex items-center gap-2 text-xs text-slate-600">
              Uploading <progress value={progress} max={1} className="w-32" />
            </label>
          )}
          {error && <p role="alert" className="text-xs text-red-700">{error}</p>}
        </div>
      )}
      <div className="flex items-end gap-2">
        <input ref={picker} type="file" multiple hidden aria-hidden="true" tabIndex={-1}
          onChange={(e) => { void add(Array.from(e.target.files ?? [])); e.target.value = ""; }} />
        <button type="button" onClick={() => picker.current?.click()} disabled={disabled} aria-label="Attach files"
          className="rounded p-2 text-slate-600 hover:bg-slate-100 disabled:opacity-40">
          <Paperclip aria-hidden="true" className="h-5 w-5" />
        </button>
        <label htmlFor="composer" className="sr-only">Message</label>
        <textarea id="composer" rows={2} value={text} disabled={disabled} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} onPaste={onPaste}
          placeholder={disabled ? "This session is not active" : "Describe what you see, paste a screenshot or drop a log… (Enter to send)"}
          className="flex-1 resize-y rounded border border-slate-300 px-3 py-2 disabled:bg-slate-100" />
        {streaming ? (
          <button type="button" onClick={onStop} className="inline-flex items-center gap-1 rounded bg-slate-700 px-3 py-2 text-white">
            <Square aria-hidden="true" className="h-4 w-4" /> Stop
          </button>
        ) : (
          <button type="submit" disabled={disabled || !text.trim() || progress !== null}
            className="inline-flex items-center gap-1 rounded bg-blue-600 px-3 py-2 text-white disabled:opacity-50">
            <Send aria-hidden="true" className="h-4 w-4" /> Send
          </button>
        )}
      </div>
    </form>
  );
}
