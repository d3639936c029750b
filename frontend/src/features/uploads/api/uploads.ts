// The open session's files: uploaded with progress, then followed until their descriptions are
// ready (the model reads each file in the background).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Upload } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export const UPLOADS_POLL_MS = 1500;

const reading = (items: Upload[] | undefined) => (items ?? []).some((u) => u.description_status === "pending");

export function useSessionUploads(sessionId: string) {
  return useQuery({
    queryKey: keys.uploads(sessionId),
    queryFn: () => api.uploads(sessionId),
    refetchInterval: (q) => (reading(q.state.data) ? UPLOADS_POLL_MS : false),
  });
}

type Sending = { files: File[]; branchId: string | null; onProgress: (fraction: number) => void };

export function useUploadFiles(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ files, branchId, onProgress }: Sending) => api.upload(sessionId, files, branchId, onProgress),
    // Shown at once (as "Reading the file…"); the list's polling then follows the descriptions.
    onSuccess: (added) =>
      queryClient.setQueryData<Upload[]>(keys.uploads(sessionId), (items = []) => [
        ...items.filter((u) => !added.some((a) => a.id === u.id)),
        ...added,
      ]),
  });
}

export function useDescribeAgain(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (uploadId: string) => api.describeAgain(sessionId, uploadId),
    onSuccess: (updated) =>
      queryClient.setQueryData<Upload[]>(keys.uploads(sessionId), (items = []) =>
        items.map((u) => (u.id === updated.id ? updated : u)),
      ),
  });
}
