// What this session's answers cost at the price table's rates.
import { useEffect, useState } from "react";
import { api, type UsageReport } from "../../api/client";
import { money } from "../../lib/format";

export function SessionCost({ sessionId, refreshKey }: { sessionId: string; refreshKey: number }) {
  const [report, setReport] = useState<UsageReport | null>(null);
  useEffect(() => {
    api.sessionUsage(sessionId).then(setReport).catch(() => setReport(null));
  }, [sessionId, refreshKey]);
  if (!report || report.total.turns === 0) return null;
  const { cost_usd, cache_savings_usd, unpriced_turns } = report.total;
  return (
    <dd data-testid="session-cost" className="text-xs">
      {money(cost_usd)}{cache_savings_usd > 0 ? ` (cache saved ${money(cache_savings_usd)})` : ""}
      {unpriced_turns ? ` · ${unpriced_turns} unpriced` : ""}
    </dd>
  );
}
