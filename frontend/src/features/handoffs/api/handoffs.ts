// A session's handoffs: the history, the briefing for whoever picks it up, parking and escalating.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export function useHandoffs(sessionId: string) {
  return useQuery({ queryKey: keys.handoffs(sessionId), queryFn: () => api.handoffs(sessionId) });
}

export function useBriefing(sessionId: string, handoffId: string) {
  return useQuery({ queryKey: keys.briefing(sessionId, handoffId), queryFn: () => api.briefing(sessionId, handoffId) });
}

export function useRegenerateBriefing(sessionId: string, handoffId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.briefing(sessionId, handoffId, true),
    onSuccess: (briefing) => queryClient.setQueryData(keys.briefing(sessionId, handoffId), briefing),
  });
}

export function usePreviewAssessment(sessionId: string) {
  return useMutation({ mutationFn: (body: Schemas["HandoffPreviewRequest"]) => api.previewHandoff(sessionId, body) });
}

export function useHandOff(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["HandoffCreateRequest"]) => api.createHandoff(sessionId, body),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.handoffs(sessionId) }),
        queryClient.invalidateQueries({ queryKey: keys.queue }),
      ]),
  });
}
