import { create } from "zustand";
import { api, toApiError, type Me } from "../api/client";

type AuthState = {
  me: Me | null;
  loading: boolean;
  error: string | null;
  // Set when the e-mail and password open more than one account: the engineer picks one.
  needsAccount: boolean;
  load: () => Promise<void>;
  login: (email: string, password: string, account?: string) => Promise<boolean>;
  logout: () => Promise<void>;
};

export const useAuth = create<AuthState>((set) => ({
  me: null,
  loading: true,
  error: null,
  needsAccount: false,
  load: async () => {
    try {
      set({ me: await api.me(), loading: false });
    } catch {
      set({ me: null, loading: false });
    }
  },
  login: async (email, password, account) => {
    set({ error: null });
    try {
      await api.login(email, password, account);
      set({ me: await api.me(), needsAccount: false });
      return true;
    } catch (err) {
      const error = toApiError(err);
      set((s) => ({ error: error.message, needsAccount: s.needsAccount || error.code === "choose_account" }));
      return false;
    }
  },
  logout: async () => {
    try {
      await api.logout();
    } finally {
      set({ me: null });
    }
  },
}));
