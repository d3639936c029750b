// What the AI costs: the month's report, the budget and the price table it is worked out at.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type UsageReport } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export function useUsageReport(groupBy: UsageReport["group_by"], from: string) {
  return useQuery({
    queryKey: keys.usageReport(groupBy, from),
    queryFn: () => api.usage(groupBy, from),
    placeholderData: keepPreviousData,
  });
}

export function useAiBudget() {
  return useQuery({ queryKey: keys.aiBudget, queryFn: api.aiBudget });
}

export function useAiPrices() {
  return useQuery({ queryKey: keys.aiPrices, queryFn: api.aiPrices });
}
