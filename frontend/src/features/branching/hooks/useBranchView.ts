// What the branch views show besides the tree itself (which is server state, see
// features/branching/api): what changed on the last switch, and which two branches are compared.
import { create } from "zustand";
import type { Transition } from "../../../api/client";

type BranchView = {
  transition: Transition | null;
  comparing: [string, string] | null;
  showTransition: (transition: Transition | null) => void;
  dismissTransition: () => void;
  compare: (a: string, b: string) => void;
  closeCompare: () => void;
  reset: () => void;
};

export const useBranchView = create<BranchView>((set) => ({
  transition: null,
  comparing: null,
  showTransition: (transition) => set({ transition }),
  dismissTransition: () => set({ transition: null }),
  compare: (a, b) => set({ comparing: [a, b] }),
  closeCompare: () => set({ comparing: null }),
  reset: () => set({ transition: null, comparing: null }),
}));
