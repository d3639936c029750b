// The account's integrations and policies (admins change them on the settings page).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { keys } from "../../../lib/queryKeys";

export function usePsaConnections() {
  return useQuery({ queryKey: keys.psaConnections, queryFn: api.psaConnections });
}

export function usePsaPeople(connectionId: string) {
  return useQuery({ queryKey: keys.psaPeople(connectionId), queryFn: () => api.psaPeople(connectionId) });
}

export function useSmtpSettings() {
  return useQuery({ queryKey: keys.smtp, queryFn: api.smtpSettings });
}

export function useHuduSettings() {
  return useQuery({ queryKey: keys.hudu, queryFn: api.huduSettings });
}

export function useITGlueSettings() {
  return useQuery({ queryKey: keys.itglue, queryFn: api.itglueSettings });
}

export function useAiPrivacy() {
  return useQuery({ queryKey: keys.aiPrivacy, queryFn: api.aiPrivacy });
}

export function useAudit(filters: { action?: string; limit: number; offset: number }) {
  return useQuery({ queryKey: keys.audit(filters), queryFn: () => api.audit(filters), placeholderData: keepPreviousData });
}
