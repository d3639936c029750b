// One cache of server state for the app (a test makes its own, so no test sees another's answers).
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";

// Only a request that got no answer is tried again: an answer from the server (a 404, a 409, a
// 502 from a PSA) is what the engineer should see at once, not after a round of retries.
function worthRetrying(failures: number, error: unknown): boolean {
  return failures < 2 && error instanceof ApiError && error.status === 0 && error.code === "network_error";
}

export function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: worthRetrying,
        // Pages read again when they open or when something they show changed (invalidation),
        // not each time the window gets the focus back.
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
