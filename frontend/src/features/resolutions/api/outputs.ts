// A resolved session's three documents: written by a background job, then edited, approved and
// delivered (deliveries are queued too). The panel follows both while they are under way.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Output } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";
import { useAction } from "../../../lib/useAction";

export const OUTPUTS_POLL_MS = 2000;
// The job retries a failed generation a few times; after about three minutes without documents
// it has given up (or the model is down), and asking every two seconds would go on for ever.
export const MAX_EMPTY_POLLS = 90;

const delivering = (outputs: Output[]) =>
  outputs.some((o) => (o.pushes ?? []).some((p) => p.result === "queued" || p.result === "retrying"));

// The documents, and how many answers in a row had none (the count is what stops the polling).
type Documents = { outputs: Output[]; emptyAnswers: number };

export function useOutputs(sessionId: string) {
  const queryClient = useQueryClient();
  const key = keys.outputs(sessionId);
  const query = useQuery({
    queryKey: key,
    queryFn: async (): Promise<Documents> => {
      const { outputs } = await api.outputs(sessionId);
      const before = queryClient.getQueryData<Documents>(key)?.emptyAnswers ?? 0;
      return { outputs, emptyAnswers: outputs.length ? 0 : before + 1 };
    },
    refetchInterval: (q) => {
      const documents = q.state.data;
      if (q.state.status === "error") return false;
      if (!documents) return OUTPUTS_POLL_MS;
      if (documents.outputs.length === 0) return documents.emptyAnswers < MAX_EMPTY_POLLS ? OUTPUTS_POLL_MS : false;
      return delivering(documents.outputs) ? OUTPUTS_POLL_MS : false;
    },
  });
  function checkAgain() {
    queryClient.setQueryData<Documents>(key, { outputs: [], emptyAnswers: 0 });
    void query.refetch();
  }
  return {
    outputs: query.data?.outputs ?? null,
    error: query.error,
    gaveUp: (query.data?.emptyAnswers ?? 0) >= MAX_EMPTY_POLLS,
    checkAgain,
  };
}

export function useDeliveryTargets() {
  return useQuery({ queryKey: keys.deliveryTargets, queryFn: api.deliveryTargets });
}

export function useOutputVersions(sessionId: string, outputId: string | null) {
  return useQuery({
    queryKey: keys.outputVersions(sessionId, outputId ?? ""),
    queryFn: () => api.outputVersions(sessionId, outputId!),
    enabled: outputId !== null,
  });
}

/** One action on the documents (generate, edit, approve, push, copy); the documents are read again after it. */
export function useOutputAction(sessionId: string) {
  return useAction(keys.outputs(sessionId));
}
