// The open session's branch tree, and what changed when the engineer switched branches.
import { create } from "zustand";
import { api, type BranchTree, type Compare, type ForkRequest, type Schemas, type Transition } from "../api/client";
import { useChat } from "./chat";

type BranchState = {
  tree: BranchTree | null;
  transition: Transition | null;
  compare: Compare | null;
  error: string | null;
  load: (sessionId: string) => Promise<void>;
  fork: (sessionId: string, body: ForkRequest) => Promise<boolean>;
  switchTo: (sessionId: string, branchId: string) => Promise<void>;
  update: (sessionId: string, branchId: string, body: Schemas["BranchUpdate"]) => Promise<boolean>;
  revive: (sessionId: string, branchId: string, body: Schemas["ReviveRequest"]) => Promise<boolean>;
  openCompare: (sessionId: string, a: string, b: string) => Promise<void>;
  closeCompare: () => void;
  dismissTransition: () => void;
  reset: () => void;
};

async function attempt(set: (p: Partial<BranchState>) => void, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    set({ error: null });
    return true;
  } catch (err) {
    set({ error: (err as Error).message });
    return false;
  }
}

export const useBranches = create<BranchState>((set, get) => ({
  tree: null,
  transition: null,
  compare: null,
  error: null,
  load: async (sessionId) => {
    await attempt(set, async () => set({ tree: await api.branches(sessionId) }));
  },
  fork: (sessionId, body) =>
    attempt(set, async () => {
      const result = await api.fork(sessionId, body);
      await get().load(sessionId);
      await useChat.getState().open(sessionId);
      set({ transition: null });
      void result;
    }),
  switchTo: async (sessionId, branchId) => {
    await attempt(set, async () => {
      const result = await api.switchBranch(sessionId, branchId);
      useChat.getState().replaceMessages(result.messages);
      set({ transition: result.transition.changes.length ? result.transition : null });
      await get().load(sessionId);
      await useChat.getState().refreshSession();
    });
  },
  update: (sessionId, branchId, body) =>
    attempt(set, async () => {
      await api.updateBranch(sessionId, branchId, body);
      await get().load(sessionId);
      await useChat.getState().refreshSession();
    }),
  revive: (sessionId, branchId, body) =>
    attempt(set, async () => {
      await api.revive(sessionId, branchId, body);
      await get().load(sessionId);
    }),
  openCompare: async (sessionId, a, b) => {
    await attempt(set, async () => set({ compare: await api.compare(sessionId, a, b) }));
  },
  closeCompare: () => set({ compare: null }),
  dismissTransition: () => set({ transition: null }),
  reset: () => set({ tree: null, transition: null, compare: null, error: null }),
}));

// A turn moves the branch head (an edit or a regeneration also makes a new branch) and may change summaries: the tree is read again when one ends
// (the chat store does not know about branches; this store follows it).
useChat.subscribe((state, previous) => {
  const changed = state.turnsDone !== previous.turnsDone || state.branchesMade !== previous.branchesMade;
  if (changed && state.session) {
    void useBranches.getState().load(state.session.id);
  }
});
