// Paste or write a playbook as Markdown (or TOML); the server validates it and says what is wrong.
import { type FormEvent, useState } from "react";
import type { PlaybookSourceFormat } from "../../../api/client";

type Props = {
  title: string;
  initial: string;
  initialFormat?: PlaybookSourceFormat;
  onSave: (format: PlaybookSourceFormat, content: string, note: string) => Promise<void>;
  onCancel: () => void;
};

export function PlaybookEditor({ title, initial, initialFormat = "markdown", onSave, onCancel }: Props) {
  const [format, setFormat] = useState<PlaybookSourceFormat>(initialFormat);
  const [content, setContent] = useState(initial);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave(format, content, note);
    } catch (err) {
      setError((err as Error).message);
    }
    setBusy(false);
  }

  async function readFile(file: File) {
    setContent(await file.text());
    if (file.name.endsWith(".toml")) setFormat("toml");
    if (/\.(md|markdown|txt)$/i.test(file.name)) setFormat("markdown");
  }

  return (
    <form onSubmit={submit} aria-label={title} className="space-y-3 rounded-xl bg-white p-4 shadow-sm">
      <h2 className="text-lg font-semibold">{title}</h2>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <label>
          <span className="mr-2">Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as PlaybookSourceFormat)} className="rounded border border-slate-300 px-2 py-1">
            <option value="markdown">Markdown</option>
            <option value="toml">TOML</option>
          </select>
        </label>
        <label>
          <span className="mr-2">Import a file</span>
          <input type="file" accept=".md,.markdown,.txt,.toml" onChange={(e) => e.target.files?.[0] && void readFile(e.target.files[0])} className="text-sm" />
        </label>
      </div>
      <label className="block text-sm">
        Playbook text
        <textarea value={content} onChange={(e) => setContent(e.target.value)} rows={22} spellCheck={false}
          className="mt-1 block w-full rounded border border-slate-300 p-2 font-mono text-xs" />
      </label>
      <label className="block text-sm">
        What changed (kept with the version)
        <input value={note} maxLength={300} onChange={(e) => setNote(e.target.value)} className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" />
      </label>
      {error && <p role="alert" className="whitespace-pre-wrap text-sm text-red-700">{error}</p>}
      <div className="flex gap-2">
        <button type="submit" disabled={busy || !content.trim()} className="rounded bg-blue-600 px-3 py-1 text-sm font-medium text-white disabled:opacity-50">
          Save playbook
        </button>
        <button type="button" onClick={onCancel} className="rounded border border-slate-300 px-3 py-1 text-sm">Cancel</button>
      </div>
    </form>
  );
}
