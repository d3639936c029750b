// The prices usage is worked out at: shipped list prices and the account's own (admins edit,
// leads read).
import { useState, type FormEvent } from "react";
import { api, type AiPriceIn, type AiPriceRow, type AiPriceTable } from "../../../api/client";
import { useAiPrices } from "../api/usage";
import { when } from "../../../lib/format";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";

type Props = { canEdit: boolean };
type Provider = AiPriceIn["provider"];
type Figures = Pick<AiPriceIn, "input_per_million" | "output_per_million" | "cache_write_per_million" | "cache_read_per_million">;

const FIELDS: { key: keyof Figures; label: string }[] = [
  { key: "input_per_million", label: "Input" },
  { key: "output_per_million", label: "Output" },
  { key: "cache_write_per_million", label: "Cache write" },
  { key: "cache_read_per_million", label: "Cache read" },
];
const EMPTY: Figures = { input_per_million: "", output_per_million: "", cache_write_per_million: "", cache_read_per_million: "" };

const perMillion = (usd: number) => `$${usd}`;
const name = (row: Pick<AiPriceRow, "provider" | "model_prefix">) => `${row.provider}/${row.model_prefix}`;
const figuresOf = (row: AiPriceRow): Figures => ({
  input_per_million: String(row.input_per_million),
  output_per_million: String(row.output_per_million),
  cache_write_per_million: String(row.cache_write_per_million),
  cache_read_per_million: String(row.cache_read_per_million),
});

type FieldsProps = { value: Figures; onChange: (v: Figures) => void; max: number; focusFirst?: boolean };

function PriceFields({ value, onChange, max, focusFirst = false }: FieldsProps) {
  return (
    <>
      {FIELDS.map((f, i) => (
        <label key={f.key} className="flex flex-col">
          <span>{f.label} ($ per million)</span>
          <input type="number" inputMode="decimal" min="0" max={max} step="any" required value={value[f.key]}
            // The admin just chose to edit this row: the focus goes to its first price.
            // eslint-disable-next-line jsx-a11y/no-autofocus
            aria-describedby="price-max" autoFocus={focusFirst && i === 0}
            onChange={(e) => onChange({ ...value, [f.key]: e.target.value })}
            className="w-28 rounded border border-slate-300 px-2 py-1" />
        </label>
      ))}
    </>
  );
}

export function PriceSection({ canEdit }: Props) {
  const prices = useAiPrices();
  const table = prices.data ?? null;
  // A changed price reprices the usage report: it is read again too.
  const change = useAction<AiPriceTable>(keys.aiPrices, keys.usageAll);
  const error = (change.error ?? prices.error)?.message ?? null;
  const [saved, setSaved] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null); // provider/prefix of the open row
  const [figures, setFigures] = useState<Figures>(EMPTY);
  const [provider, setProvider] = useState<Provider>("anthropic");
  const [prefix, setPrefix] = useState("");
  const [added, setAdded] = useState<Figures>(EMPTY);

  async function run(action: () => Promise<AiPriceTable>, done: string): Promise<boolean> {
    setSaved(null);
    try {
      await change.mutateAsync(action);
    } catch {
      return false;
    }
    setSaved(done);
    return true;
  }

  async function save(event: FormEvent, row: AiPriceRow) {
    event.preventDefault();
    const body = { provider: row.provider as Provider, model_prefix: row.model_prefix, ...figures };
    if (await run(() => api.saveAiPrice(body), `Price saved for ${name(row)}`)) setEditing(null);
  }

  async function reset(row: AiPriceRow) {
    if (!row.id) return;
    const done = row.default ? `${name(row)} is back to the default price` : `Price for ${name(row)} removed`;
    if (await run(() => api.deleteAiPrice(row.id as string), done)) setEditing(null);
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    const body = { provider, model_prefix: prefix, ...added };
    if (await run(() => api.saveAiPrice(body), `Price saved for ${provider}/${prefix.trim()}`)) {
      setPrefix("");
      setAdded(EMPTY);
    }
  }

  const columns = canEdit ? 7 : 6;
  return (
    <section aria-labelledby="prices-title" className="rounded-xl bg-white p-4 shadow-sm" data-testid="ai-prices">
      <h2 id="prices-title" className="text-lg font-semibold">Prices</h2>
      <p className="mt-1 text-sm text-slate-700">
        US dollars per million tokens. A model is priced by the row with the longest prefix its name starts with.
        The usage report is worked out at these prices when it is read, earlier months included; what budgets
        already counted keeps the price it was counted at. Offline mode and models on your own network cost nothing.
      </p>
      {table && (
        <div className="relative mt-3 overflow-x-auto">
        <table className="w-full text-left text-sm" aria-label="Model prices">
          <thead>
            <tr className="border-b text-slate-700">
              <th scope="col" className="py-1">Model</th>
              {FIELDS.map((f) => <th key={f.key} scope="col" className="py-1 pl-3 text-right">{f.label}</th>)}
              <th scope="col" className="py-1 pl-3">Source</th>
              {canEdit && <th scope="col" className="py-1"><span className="sr-only">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row) => {
              const key = name(row);
              const shipped = row.default;
              return [
                <tr key={key} className="border-b border-slate-100" data-testid="price-row">
                  <th scope="row" className="py-1 font-normal whitespace-nowrap">{key}</th>
                  {FIELDS.map((f) => <td key={f.key} className="py-1 pl-3 text-right">{perMillion(row[f.key])}</td>)}
                  <td className="py-1 pl-3 text-slate-700">
                    {row.source === "override" ? (
                      <>
                        Your price
                        <span className="block text-xs text-slate-600">
                          {shipped ? `default ${FIELDS.map((f) => perMillion(shipped[f.key])).join(" / ")}` : "no default"}
                          {row.updated_by ? ` · ${row.updated_by}` : ""}{row.updated_at ? `, ${when(row.updated_at)}` : ""}
                        </span>
                      </>
                    ) : "Default"}
                  </td>
                  {canEdit && (
                    <td className="py-1 text-right whitespace-nowrap">
                      <button type="button" aria-expanded={editing === key} aria-label={`Edit ${key}`}
                        onClick={() => { setEditing(editing === key ? null : key); setFigures(figuresOf(row)); change.reset(); }}
                        className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50">Edit</button>
                      {row.source === "override" && (
                        <button type="button" onClick={() => void reset(row)}
                          aria-label={`${row.default ? "Reset to default" : "Remove"}: ${key}`}
                          className="ml-2 rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50">
                          {row.default ? "Reset to default" : "Remove"}
                        </button>
                      )}
                    </td>
                  )}
                </tr>,
                canEdit && editing === key && (
                  <tr key={`${key}-edit`} className="border-b border-slate-100 bg-slate-50">
                    <td colSpan={columns} className="p-2">
                      <form onSubmit={(e) => void save(e, row)} aria-label={`Price for ${key}`}
                        className="flex flex-wrap items-end gap-3">
                        <PriceFields value={figures} onChange={setFigures} max={table.max_per_million} focusFirst />
                        <button type="submit" className="rounded bg-blue-700 px-3 py-1.5 font-medium text-white hover:bg-blue-800">Save price</button>
                        <button type="button" onClick={() => setEditing(null)} className="rounded border border-slate-300 px-3 py-1.5 hover:bg-white">Cancel</button>
                      </form>
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
        </div>
      )}
      {canEdit && table && (
        <form onSubmit={(e) => void add(e)} aria-labelledby="add-price-title" className="mt-4 flex flex-wrap items-end gap-3 text-sm">
          <h3 id="add-price-title" className="w-full font-medium">Add a price for another model</h3>
          <label className="flex flex-col">
            <span>Provider</span>
            <select value={provider} onChange={(e) => setProvider(e.target.value as Provider)}
              className="rounded border border-slate-300 px-2 py-1">
              {table.providers.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </label>
          <label className="flex flex-col">
            <span>Model name starts with</span>
            <input required maxLength={100} value={prefix} onChange={(e) => setPrefix(e.target.value)}
              placeholder="e.g. gpt-4o-2024" className="w-48 rounded border border-slate-300 px-2 py-1" />
          </label>
          <PriceFields value={added} onChange={setAdded} max={table.max_per_million} />
          <button type="submit" className="rounded bg-blue-700 px-3 py-1.5 font-medium text-white hover:bg-blue-800">Add price</button>
        </form>
      )}
      {table && <p id="price-max" className="mt-2 text-xs text-slate-600">Each price is between $0 and ${table.max_per_million} per million tokens, to six decimals.</p>}
      {saved && <p role="status" className="mt-2 text-sm text-emerald-800">{saved}</p>}
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}
