import { create } from "zustand";
import { api, type Me } from "../api/client";

type AuthState = {
  me: Me | null;
  loading: boolean;
  error: string | null;
  load: () => Promise<void>;
  login: (email: string, password: string) => Promise<boolean>;
  logout: () => Promise<void>;
};

export const useAuth = create<AuthState>((set) => ({
  me: null,
  loading: true,
  error: null,
  load: async () => {
    try {
      set({ me: await api.me(), loading: false });
    } catch {
      set({ me: null, loading: false });
    }
  },
  login: async (email, password) => {
    set({ error: null });
    try {
      await api.login(email, password);
      set({ me: await api.me() });
      return true;
    } catch (err) {
      set({ error: (err as Error).message });
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
