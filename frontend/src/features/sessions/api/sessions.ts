// The sessions list (with its search) and starting a session.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export type SessionFilters = Parameters<typeof api.listSessions>[0];

export function useSessionList(filters: SessionFilters) {
  return useQuery({
    queryKey: keys.sessionList(filters),
    queryFn: () => api.listSessions(filters),
    // The list on screen stays until the next search's answer replaces it.
    placeholderData: keepPreviousData,
  });
}

export function useSessionClients(prefix: string) {
  return useQuery({
    queryKey: keys.sessionClients(prefix),
    queryFn: async () => (await api.sessionClients(prefix)).items,
    placeholderData: keepPreviousData,
  });
}

export function useCreateSession() {
  return useMutation({ mutationFn: (body: Schemas["SessionCreate"]) => api.createSession(body) });
}

export function useLookUpTicket() {
  return useMutation({
    mutationFn: ({ connectionId, ticketId }: { connectionId: string; ticketId: string }) => api.lookUpTicket(connectionId, ticketId),
  });
}
