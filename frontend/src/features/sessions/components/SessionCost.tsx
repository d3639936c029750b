// What this session's answers cost at the price table's rates.
import { useSessionCost } from "../api/session";
import { money } from "../../../lib/format";

// Read again after each turn (see useRefreshAfterTurns).
export function SessionCost({ sessionId }: { sessionId: string }) {
  const report = useSessionCost(sessionId).data;
  if (!report || report.total.turns === 0) return null;
  const { cost_usd, cache_savings_usd, unpriced_turns } = report.total;
  return (
    <dd data-testid="session-cost" className="text-xs">
      {money(cost_usd)}{cache_savings_usd > 0 ? ` (cache saved ${money(cache_savings_usd)})` : ""}
      {unpriced_turns ? ` · ${unpriced_turns} unpriced` : ""}
    </dd>
  );
}
