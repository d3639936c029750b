// The team queue, read again every 15 s while it is open.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export const QUEUE_REFRESH_MS = 15_000;

export type QueueFilters = {
  intent?: "park" | "escalate";
  priority?: "normal" | "elevated";
  assigned?: "me" | "unassigned";
};

export function useQueue(filters: QueueFilters) {
  return useQuery({
    queryKey: keys.queuePage(filters),
    queryFn: () => api.queue({ ...filters, limit: 50 }),
    refetchInterval: QUEUE_REFRESH_MS,
    // Another filter's list stays up until its own answer comes (no flash of an empty queue).
    placeholderData: keepPreviousData,
  });
}
