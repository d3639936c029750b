// Whether the AI is sent this session's client identifiers, and what stood in for them.
import { EyeOff } from "lucide-react";
import { useRedactions } from "../api/session";

// Read again after each turn (see useRefreshAfterTurns).
export function PrivacyNote({ sessionId }: { sessionId: string }) {
  const data = useRedactions(sessionId).data;
  if (!data || data.level !== "identifiers" || !data.applies) return null;
  return (
    <details className="rounded border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="privacy-note">
      <summary className="cursor-pointer">
        <EyeOff aria-hidden="true" className="mr-1 inline h-4 w-4" />
        Client identifiers are hidden from the AI: {data.entries.length} value{data.entries.length === 1 ? "" : "s"} replaced
      </summary>
      {data.entries.length > 0 && (
        <ul className="mt-2 grid gap-1 sm:grid-cols-2">
          {data.entries.map((e) => (
            <li key={e.placeholder}><code>{e.placeholder}</code> = {e.original}</li>
          ))}
        </ul>
      )}
    </details>
  );
}
