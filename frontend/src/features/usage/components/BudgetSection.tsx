// This month's AI spend against the account's budget; admins set what happens at 100 %.
import { useEffect, useState, type FormEvent } from "react";
import { api, type AiBudget, type AiBudgetIn } from "../../../api/client";
import { useAiBudget } from "../api/usage";
import { money } from "../../../lib/format";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";

type Props = { isAdmin: boolean };

// A budget is set in whole cents; what was spent can be a fraction of one (money()).
const cents = (usd: number) => `$${usd.toFixed(2)}`;

export function BudgetSection({ isAdmin }: Props) {
  const read = useAiBudget();
  const budget = read.data ?? null;
  const change = useAction<AiBudget>(keys.aiBudget);
  const error = (change.error ?? read.error)?.message ?? null;
  const [saved, setSaved] = useState<string | null>(null);
  const [monthly, setMonthly] = useState("");
  const [perEngineer, setPerEngineer] = useState("");
  const [action, setAction] = useState<AiBudgetIn["action"]>("warn");

  // The form starts from (and after each change, returns to) the stored budget.
  useEffect(() => {
    if (!budget) return;
    setMonthly(budget.monthly_usd != null ? String(budget.monthly_usd) : "");
    setPerEngineer(budget.engineer_monthly_usd != null ? String(budget.engineer_monthly_usd) : "");
    setAction(budget.action ?? "warn");
  }, [budget]);

  function run(fn: () => Promise<AiBudget>, done: string) {
    setSaved(null);
    change.mutate(fn, {
      onSuccess: () => setSaved(done),
    });
  }

  function save(event: FormEvent) {
    event.preventDefault();
    run(() => api.saveAiBudget({
      monthly_usd: monthly,
      engineer_monthly_usd: perEngineer.trim() ? perEngineer : null,
      action: action ?? "warn",
    }), "Budget saved");
  }

  const remove = () => run(() => api.deleteAiBudget(), "Budget removed");

  const used = budget?.used ?? null;
  return (
    <section aria-labelledby="budget-title" className="rounded-xl bg-white p-4 shadow-sm" data-testid="ai-budget">
      <h2 id="budget-title" className="text-lg font-semibold">AI budget</h2>
      {budget && (
        <p className="mt-2 text-sm text-slate-700" data-testid="ai-budget-status">
          {budget.configured && budget.monthly_usd != null
            ? `${money(budget.spent_usd)} of ${cents(budget.monthly_usd)} used this month (${Math.round((used ?? 0) * 100)} %)`
            : `${money(budget.spent_usd)} spent this month; no budget set`}
          {` · yours: ${money(budget.my_spent_usd)}`}
          {budget.configured && budget.engineer_monthly_usd != null ? ` of ${cents(budget.engineer_monthly_usd)}` : ""}
          {budget.blocked ? " · model turns are refused until next month (offline mode still works)" : ""}
        </p>
      )}
      {used != null && (
        <div className="mt-2 h-2 w-full rounded bg-slate-100" role="progressbar" aria-label="Share of the budget used"
          aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.min(100, Math.round(used * 100))}>
          <div className={`h-2 rounded ${used >= 1 ? "bg-red-600" : used >= 0.8 ? "bg-amber-500" : "bg-emerald-600"}`}
            style={{ width: `${Math.min(100, Math.round(used * 100))}%` }} />
        </div>
      )}
      {isAdmin && budget && (
        <form onSubmit={save} aria-label="AI budget settings" className="mt-3 flex flex-wrap items-end gap-3 text-sm">
          <label className="flex flex-col">
            <span>Monthly budget (US $)</span>
            <input type="number" min="0.01" step="0.01" required value={monthly}
              onChange={(e) => setMonthly(e.target.value)} className="w-32 rounded border border-slate-300 px-2 py-1" />
          </label>
          <label className="flex flex-col">
            <span>Per engineer (optional)</span>
            <input type="number" min="0.01" step="0.01" value={perEngineer}
              onChange={(e) => setPerEngineer(e.target.value)} className="w-32 rounded border border-slate-300 px-2 py-1" />
          </label>
          <label className="flex flex-col">
            <span>At 100 %</span>
            <select value={action ?? "warn"} onChange={(e) => setAction(e.target.value as AiBudgetIn["action"])}
              className="rounded border border-slate-300 px-2 py-1">
              <option value="warn">Warn and carry on</option>
              <option value="block">Refuse model turns</option>
            </select>
          </label>
          <button type="submit" className="rounded bg-blue-700 px-3 py-1.5 font-medium text-white hover:bg-blue-800">Save budget</button>
          {budget?.configured && (
            <button type="button" onClick={remove} className="rounded border border-slate-300 px-3 py-1.5 hover:bg-slate-50">
              Remove budget
            </button>
          )}
        </form>
      )}
      <p className="mt-2 text-xs text-slate-600">
        Admins and leads are notified at 80 % and 100 %. Offline mode and models on your own network cost nothing and are never refused.
      </p>
      {saved && <p role="status" className="mt-2 text-sm text-emerald-800">{saved}</p>}
      {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}
