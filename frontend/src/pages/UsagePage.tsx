// What the AI cost this month: by engineer, client, session, day or model.
import { useState } from "react";
import type { UsageReport } from "../api/client";
import { useUsageReport } from "../features/usage/api/usage";
import { money } from "../lib/format";
import { BudgetSection } from "../features/usage/components/BudgetSection";
import { PriceSection } from "../features/usage/components/PriceSection";
import { useAuth } from "../stores/auth";

const GROUPS: { value: UsageReport["group_by"]; label: string }[] = [
  { value: "engineer", label: "Engineer" },
  { value: "client", label: "Client" },
  { value: "session", label: "Session" },
  { value: "day", label: "Day" },
  { value: "model", label: "Model" },
];

function monthStart(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

export function UsagePage() {
  const [groupBy, setGroupBy] = useState<UsageReport["group_by"]>("engineer");
  // The month this page opened in (a report does not change month under the reader).
  const [from] = useState(monthStart);
  const usage = useUsageReport(groupBy, from);
  const report = usage.data ?? null;
  const error = usage.error?.message ?? null;
  const role = useAuth((s) => s.me?.role);
  const isAdmin = role === "admin";

  return (
    <div className="space-y-4">
    <BudgetSection isAdmin={isAdmin} />
    <section aria-labelledby="usage-title" className="rounded-xl bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="usage-title" className="mr-auto text-lg font-semibold">AI usage this month</h1>
        <label className="text-sm">
          <span className="mr-2">By</span>
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as UsageReport["group_by"])}
            className="rounded border border-slate-300 px-2 py-1">
            {GROUPS.map((g) => <option key={g.value} value={g.value}>{g.label}</option>)}
          </select>
        </label>
      </div>
      {error && <p role="alert" className="mt-3 text-sm text-red-700">{error}</p>}
      {report && (
        <>
          <p className="mt-3 text-sm text-slate-700" data-testid="usage-total">
            {money(report.total.cost_usd)} for {report.total.turns} answer{report.total.turns === 1 ? "" : "s"}
            {report.total.job_calls ? ` and ${report.total.job_calls} background calls` : ""} · saved {money(report.total.cache_savings_usd)} by
            prompt caching{report.total.unpriced_turns ? ` · ${report.total.unpriced_turns} answers from models without a known price` : ""}.
            Background calls are branch summaries, intake and evidence readings, resolution documents,
            escalation assessments, briefings and upload descriptions.
          </p>
          <div className="relative mt-3 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b text-slate-700">
                <th scope="col" className="py-1">{GROUPS.find((g) => g.value === groupBy)?.label}</th>
                <th scope="col" className="py-1 text-right">Answers</th>
                <th scope="col" className="py-1 text-right">Tokens in / out</th>
                <th scope="col" className="py-1 text-right">Cost</th>
              </tr>
            </thead>
            <tbody>
              {report.groups.map((g) => (
                <tr key={g.key} className="border-b border-slate-100">
                  <td className="max-w-xs truncate py-1" title={g.label}>{g.label}</td>
                  <td className="py-1 text-right">{g.turns}</td>
                  <td className="py-1 text-right">{g.input_tokens + g.cache_read_tokens + g.cache_write_tokens} / {g.output_tokens}</td>
                  <td className="py-1 text-right">{money(g.cost_usd)}</td>
                </tr>
              ))}
              {report.groups.length === 0 && <tr><td colSpan={4} className="py-4 text-center text-slate-600">No answers yet this month.</td></tr>}
            </tbody>
          </table>
          </div>
        </>
      )}
    </section>
    {(isAdmin || role === "lead") && <PriceSection canEdit={isAdmin} />}
    </div>
  );
}
