// The account's engineers and teams.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export function useUsers() {
  return useQuery({ queryKey: keys.users, queryFn: api.users });
}

export function useTeams() {
  return useQuery({ queryKey: keys.teams, queryFn: api.teams });
}

export function useTeamMembers(teamId: string) {
  return useQuery({ queryKey: keys.teamMembers(teamId), queryFn: () => api.teamMembers(teamId), enabled: teamId !== "" });
}
