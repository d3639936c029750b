// Claiming a parked or escalated session (from the queue, a notification or the session page).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export type ClaimTarget = { sessionId: string; handoffId: string };

export function useClaimHandoff() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ sessionId, handoffId }: ClaimTarget) => api.claim(sessionId, handoffId),
    // Won or lost, the queue, the bell and the session's history have changed.
    onSettled: (_answer, _error, { sessionId }) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.queue }),
        queryClient.invalidateQueries({ queryKey: keys.notifications }),
        queryClient.invalidateQueries({ queryKey: keys.handoffs(sessionId) }),
        queryClient.invalidateQueries({ queryKey: keys.time(sessionId) }),
      ]),
  });
}
