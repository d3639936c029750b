// Resolving a session: its branch is marked solved (or the session alone resolved); the
// documents are then written in the background.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";
import { useChat } from "../../../stores/chat";

type Resolution = { branchId: string | null; reason: string };

export function useResolveSession(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ branchId, reason }: Resolution): Promise<void> => {
      if (branchId) await api.updateBranch(sessionId, branchId, { status: "solved", status_reason: reason, resolve_session: true });
      else await api.updateSession(sessionId, { status: "resolved" });
    },
    onSuccess: () =>
      Promise.all([
        useChat.getState().refreshSession(),
        queryClient.invalidateQueries({ queryKey: keys.branches(sessionId) }),
        queryClient.invalidateQueries({ queryKey: keys.handoffs(sessionId) }),
        queryClient.invalidateQueries({ queryKey: keys.time(sessionId) }),
      ]),
  });
}
