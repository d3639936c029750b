// The session's branch tree and what changes it. Fork, switch and status changes also move the
// conversation shown (the chat store): each says what to read again.
import { useMutation, useMutationState, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";
import { useBranchView } from "../hooks/useBranchView";
import { useChat } from "../../../stores/chat";

// Every branch action of a session shares this key: the branch map shows the latest one's failure.
const actionKey = (sessionId: string) => ["branch-action", sessionId] as const;

export function useBranchTree(sessionId: string) {
  return useQuery({ queryKey: keys.branches(sessionId), queryFn: () => api.branches(sessionId) });
}

export function useCompare(sessionId: string, pair: [string, string] | null) {
  return useQuery({
    queryKey: keys.compare(sessionId, pair?.[0] ?? "", pair?.[1] ?? ""),
    queryFn: () => api.compare(sessionId, pair![0], pair![1]),
    enabled: pair !== null,
  });
}

function useTreeReload(sessionId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: keys.branches(sessionId) });
}

export function useFork(sessionId: string) {
  const reloadTree = useTreeReload(sessionId);
  return useMutation({
    mutationKey: actionKey(sessionId),
    mutationFn: (body: Schemas["ForkCreateRequest"]) => api.fork(sessionId, body),
    onSuccess: async () => {
      await reloadTree();
      await useChat.getState().open(sessionId); // the new active branch's conversation
      useBranchView.getState().dismissTransition();
    },
  });
}

export function useSwitchBranch(sessionId: string) {
  const queryClient = useQueryClient();
  const reloadTree = useTreeReload(sessionId);
  return useMutation({
    mutationKey: actionKey(sessionId),
    mutationFn: (branchId: string) => api.switchBranch(sessionId, branchId),
    onSuccess: async (result) => {
      useChat.getState().replaceMessages(result.messages);
      useBranchView.getState().showTransition(result.transition.changes.length ? result.transition : null);
      void queryClient.invalidateQueries({ queryKey: keys.steps(sessionId) });
      await reloadTree();
      await useChat.getState().refreshSession();
    },
  });
}

type BranchChange = { branchId: string; body: Schemas["BranchUpdate"] };

export function useUpdateBranch(sessionId: string) {
  const reloadTree = useTreeReload(sessionId);
  return useMutation({
    mutationKey: actionKey(sessionId),
    mutationFn: ({ branchId, body }: BranchChange) => api.updateBranch(sessionId, branchId, body),
    onSuccess: async () => {
      await reloadTree();
      await useChat.getState().refreshSession(); // solving a branch can resolve the session
    },
  });
}

type Revival = { branchId: string; body: Schemas["ReviveRequest"] };

export function useReviveBranch(sessionId: string) {
  const reloadTree = useTreeReload(sessionId);
  return useMutation({
    mutationKey: actionKey(sessionId),
    mutationFn: ({ branchId, body }: Revival) => api.revive(sessionId, branchId, body),
    onSuccess: () => reloadTree(),
  });
}

/** The latest branch action's failure, if the latest one failed. */
export function useBranchActionError(sessionId: string): Error | null {
  const errors = useMutationState({
    filters: { mutationKey: actionKey(sessionId) },
    select: (m) => (m.state.status === "error" ? m.state.error : null),
  });
  return errors.length ? errors[errors.length - 1] : null;
}
