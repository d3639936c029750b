// Admin: what a cloud model may see of the account's clients.
import { api, type AiPrivacy } from "../../../api/client";
import { useAiPrivacy } from "../api/settings";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";

export function AiPrivacySection() {
  const privacy = useAiPrivacy();
  const level = privacy.data?.level ?? null;
  const save = useAction(keys.aiPrivacy);
  const error = (save.error ?? privacy.error)?.message ?? null;

  function choose(next: AiPrivacy["level"]) {
    save.mutate(() => api.saveAiPrivacy({ level: next }));
  }

  return (
    <section aria-labelledby="ai-privacy-title" className="rounded-xl bg-white p-4 shadow-sm">
      <h2 id="ai-privacy-title" className="mb-2 text-lg font-semibold">AI privacy</h2>
      <p className="mb-3 text-sm text-slate-700">
        Keys, passwords and tokens are always masked before a cloud model sees a prompt. Hide client
        identifiers too to send names, e-mail addresses, phone numbers, IPs, internal host names and
        ticket numbers as placeholders (the engineer still sees the real values). A model on a
        private address gets the real values.
      </p>
      {level && (
        <label className="text-sm">
          <span className="mr-2">What the AI is not sent</span>
          <select value={level} onChange={(e) => choose(e.target.value as AiPrivacy["level"])}
            className="rounded border border-slate-300 px-2 py-1">
            <option value="secrets">Secrets only</option>
            <option value="identifiers">Secrets and client identifiers</option>
          </select>
        </label>
      )}
      {save.isSuccess && <span role="status" className="ml-3 text-sm text-emerald-800">Saved</span>}
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}
