// The bell's notifications: read every 30 s (and on each navigation), marked read when shown.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export const NOTIFICATIONS_REFRESH_MS = 30_000;

export function useNotifications() {
  return useQuery({ queryKey: keys.notifications, queryFn: api.notifications, refetchInterval: NOTIFICATIONS_REFRESH_MS });
}

/** All unread notifications, or only `ids` (the ones the menu showed). */
export function useMarkNotificationsRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids?: string[]) => api.readAllNotifications(ids),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.notifications }),
  });
}

export function useReadNotification() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.readNotification(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.notifications }),
  });
}
