import { useState } from "react";
import { FileText, RotateCcw, X } from "lucide-react";
import { api, type Upload } from "../../../api/client";
import { useDialog } from "../../../lib/useDialog";

type Props = { sessionId: string; upload: Upload; onRemove?: () => void; onRetry?: () => void; compact?: boolean };

export function UploadCard({ sessionId, upload, onRemove, onRetry, compact = false }: Props) {
  const [zoom, setZoom] = useState(false);
  const url = api.uploadUrl(sessionId, upload.id);
  return (
    <figure className="flex max-w-xs items-start gap-2 rounded-lg border border-slate-200 bg-white p-2 text-xs" data-testid="upload-card">
      {upload.kind === "image" ? (
        <button type="button" onClick={() => setZoom(true)} aria-label={`Preview ${upload.original_name}`} className="shrink-0">
          <img src={url} alt={upload.original_name} className="h-12 w-16 rounded object-cover" />
        </button>
      ) : (
        <FileText aria-hidden="true" className="h-8 w-8 shrink-0 text-slate-600" />
      )}
      <figcaption className="min-w-0 flex-1">
        <p className="truncate font-medium" title={upload.original_name}>{upload.original_name}</p>
        {!compact && (
          <p className="text-slate-600" data-testid="upload-description">
            {upload.description_status === "pending" && <span className="italic">Reading the file…</span>}
            {upload.description_status === "done" && upload.ai_description}
            {upload.description_status === "failed" && (
              <span className="text-red-700">
                Could not describe it{upload.description_error ? `: ${upload.description_error}` : "."}{" "}
                {onRetry && (
                  <button type="button" onClick={onRetry} className="inline-flex items-center gap-0.5 underline">
                    <RotateCcw aria-hidden="true" className="h-3 w-3" /> Retry
                  </button>
                )}
              </span>
            )}
          </p>
        )}
      </figcaption>
      {onRemove && (
        <button type="button" onClick={onRemove} aria-label={`Remove ${upload.original_name} from the message`} className="rounded p-0.5 text-slate-600 hover:bg-slate-100">
          <X aria-hidden="true" className="h-3 w-3" />
        </button>
      )}
      {zoom && <Lightbox url={url} name={upload.original_name} onClose={() => setZoom(false)} />}
    </figure>
  );
}

// The full-size image: closes on Escape, on a click anywhere, or with its close button, and gives
// the focus back to the thumbnail that opened it.
function Lightbox({ url, name, onClose }: { url: string; name: string; onClose: () => void }) {
  const dialog = useDialog(onClose);
  return (
    // A click on the backdrop closes it; the keyboard has Escape (useDialog) and the button.
    // eslint-disable-next-line jsx-a11y/click-events-have-key-events, jsx-a11y/no-noninteractive-element-interactions
    <div ref={dialog} role="dialog" aria-modal="true" aria-label={name} onClick={onClose} data-testid="lightbox"
      className="fixed inset-0 z-30 flex items-center justify-center bg-slate-900/70 p-6">
      <button type="button" onClick={onClose} aria-label="Close preview" className="absolute right-4 top-4 rounded bg-white p-1">
        <X aria-hidden="true" className="h-5 w-5" />
      </button>
      <img src={url} alt={name} className="max-h-full max-w-full rounded shadow-2xl" />
    </div>
  );
}
