// The playbook library: the starter playbooks and the account's own, with their versions.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export type PlaybookFilters = Parameters<typeof api.playbooks>[0];

export function usePlaybooks(filters: PlaybookFilters) {
  return useQuery({ queryKey: keys.playbookList(filters), queryFn: () => api.playbooks(filters), placeholderData: keepPreviousData });
}

export function usePlaybook(id: string) {
  return useQuery({ queryKey: keys.playbook(id), queryFn: () => api.playbook(id) });
}

/** Only the account's own playbooks have versions (a starter is read-only). */
export function usePlaybookVersions(id: string, own: boolean) {
  return useQuery({ queryKey: keys.playbookVersions(id), queryFn: () => api.playbookVersions(id), enabled: own });
}

/** Which playbooks a ticket's first message would be offered ("Rank"): asked on demand. */
export function useRankPlaybooks() {
  return useMutation({ mutationFn: (text: string) => api.searchLibrary(text, 5) });
}
