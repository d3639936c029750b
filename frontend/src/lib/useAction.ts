// A change the page makes through one of the typed API calls, with what it makes stale: the
// mutation's state (pending, its error) drives the page; the stale reads are refetched after it,
// whether it worked or not (a failure can be a conflict with a change made elsewhere).
import { type QueryKey, useMutation, useQueryClient } from "@tanstack/react-query";

export function useAction<T = unknown>(...stale: QueryKey[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (run: () => Promise<T>) => run(),
    onSettled: () => Promise.all(stale.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}
