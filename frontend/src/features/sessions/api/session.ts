// What the session page shows beside the conversation (the conversation itself streams, and
// lives in the chat store).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas, type Step } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";
import { useChat } from "../../../stores/chat";

export function useSteps(sessionId: string) {
  return useQuery({ queryKey: keys.steps(sessionId), queryFn: () => api.steps(sessionId) });
}

export function useSessionTime(sessionId: string) {
  return useQuery({ queryKey: keys.time(sessionId), queryFn: () => api.sessionTime(sessionId) });
}

export function useSessionCost(sessionId: string) {
  return useQuery({ queryKey: keys.usage(sessionId), queryFn: () => api.sessionUsage(sessionId) });
}

export function useRedactions(sessionId: string) {
  return useQuery({ queryKey: keys.redactions(sessionId), queryFn: () => api.redactions(sessionId) });
}

export function useReportStep(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ stepId, body }: { stepId: string; body: Schemas["StepReportIn"] }) => api.reportStep(sessionId, stepId, body),
    onSuccess: (changed) =>
      queryClient.setQueryData<Step[]>(keys.steps(sessionId), (steps = []) => steps.map((s) => (s.id === changed.id ? changed : s))),
  });
}

/** After a status change, a claim, a handoff or resolving: the session and its history. */
export function useSessionChanged(sessionId: string) {
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      useChat.getState().refreshSession(),
      queryClient.invalidateQueries({ queryKey: keys.handoffs(sessionId) }),
      queryClient.invalidateQueries({ queryKey: keys.time(sessionId) }),
    ]);
  };
}

export function useChangeStatus(sessionId: string) {
  const sessionChanged = useSessionChanged(sessionId);
  return useMutation({
    mutationFn: (status: Schemas["SessionOut"]["status"]) => api.updateSession(sessionId, { status }),
    onSuccess: sessionChanged,
  });
}
