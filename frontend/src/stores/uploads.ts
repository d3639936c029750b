// The open session's files: upload with progress, follow descriptions until they are ready.
import { create } from "zustand";
import { api, type Upload } from "../api/client";

const POLL_MS = 1500;

type UploadState = {
  sessionId: string | null;
  items: Upload[];
  draft: string[]; // attached to the message being written
  progress: number | null;
  error: string | null;
  timer: number | null;
  load: (sessionId: string) => Promise<void>;
  add: (files: File[], branchId: string | null) => Promise<void>;
  retry: (uploadId: string) => Promise<void>;
  detach: (uploadId: string) => void;
  clearDraft: () => void;
};

export const useUploads = create<UploadState>((set, get) => {
  function follow() {
    const { timer, items } = get();
    if (timer !== null) window.clearTimeout(timer);
    if (!items.some((u) => u.description_status === "pending")) return set({ timer: null });
    const next = window.setTimeout(async () => {
      const id = get().sessionId;
      if (!id) return;
      try {
        set({ items: await api.uploads(id) });
      } finally {
        follow();
      }
    }, POLL_MS);
    set({ timer: next });
  }

  return {
    sessionId: null,
    items: [],
    draft: [],
    progress: null,
    error: null,
    timer: null,
    load: async (sessionId) => {
      set({ sessionId, items: [], draft: [], error: null });
      try {
        set({ items: await api.uploads(sessionId) });
        follow();
      } catch (err) {
        set({ error: (err as Error).message });
      }
    },
    add: async (files, branchId) => {
      const id = get().sessionId;
      if (!id || !files.length) return;
      set({ progress: 0, error: null });
      try {
        const added = await api.upload(id, files, branchId, (f) => set({ progress: f }));
        set((s) => ({ items: [...s.items, ...added], draft: [...s.draft, ...added.map((u) => u.id)] }));
        follow();
      } catch (err) {
        set({ error: (err as Error).message });
      } finally {
        set({ progress: null });
      }
    },
    retry: async (uploadId) => {
      const id = get().sessionId;
      if (!id) return;
      const updated = await api.describeAgain(id, uploadId);
      set((s) => ({ items: s.items.map((u) => (u.id === uploadId ? updated : u)) }));
      follow();
    },
    detach: (uploadId) => set((s) => ({ draft: s.draft.filter((d) => d !== uploadId) })),
    clearDraft: () => set({ draft: [] }),
  };
});
