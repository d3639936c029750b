// Keeping the session page's side panels current with the conversation.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { keys } from "../../../lib/queryKeys";
import { useChat } from "../../../stores/chat";

/**
 * A finished turn (answered, failed or stopped) moves the branch head and may add a step, tokens
 * and redactions: those are read again when one ends, not on every streamed chunk. Subscribed
 * outside React's render, so the page itself does not re-render for it.
 */
export function useRefreshAfterTurns(sessionId: string) {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      useChat.subscribe((state, previous) => {
        if (state.turnsDone === previous.turnsDone && state.branchesMade === previous.branchesMade) return;
        for (const key of [keys.branches(sessionId), keys.steps(sessionId), keys.usage(sessionId), keys.redactions(sessionId)]) {
          void queryClient.invalidateQueries({ queryKey: key });
        }
      }),
    [queryClient, sessionId],
  );
}
