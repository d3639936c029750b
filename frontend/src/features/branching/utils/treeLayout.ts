// Where each branch sits in the visual tree, and which branch an arrow key moves to.
import type { Branch, BranchStatus } from "../../../api/client";
import { orderTree } from "./orderTree";

export const ROW = 34;
export const INDENT = 26;
export const PAD = 14;

export type PlacedBranch = {
  branch: Branch;
  depth: number;
  x: number;
  y: number;
  parent: PlacedBranch | null;
  onPath: boolean; // the active branch or one of its ancestors
};

export const STATUS_COLOUR: Record<BranchStatus, string> = {
  active: "#2563eb",
  untried: "#64748b",
  dead_end: "#dc2626",
  solved: "#047857",
  revived: "#7c3aed",
};

export function layoutTree(branches: Branch[], activeId: string | null): PlacedBranch[] {
  const byId = new Map<string, PlacedBranch>();
  const placed = orderTree(branches).map(({ branch, depth }, row) => {
    const node: PlacedBranch = {
      branch,
      depth,
      x: PAD + depth * INDENT,
      y: PAD + row * ROW,
      parent: branch.parent_branch_id ? byId.get(branch.parent_branch_id) ?? null : null,
      onPath: false,
    };
    byId.set(branch.id, node);
    return node;
  });
  for (let node = activeId ? byId.get(activeId) ?? null : null; node; node = node.parent) node.onPath = true;
  return placed;
}

export type Move = "next" | "previous" | "parent" | "child" | "first" | "last";

const KEYS: Record<string, Move> = {
  ArrowDown: "next",
  ArrowUp: "previous",
  ArrowLeft: "parent",
  ArrowRight: "child",
  Home: "first",
  End: "last",
};

export function moveFor(key: string): Move | null {
  return KEYS[key] ?? null;
}

/** Siblings for ArrowUp/Down, parent and first child for Left/Right (as in a file tree). */
export function neighbour(placed: PlacedBranch[], fromId: string, move: Move): string {
  const from = placed.find((p) => p.branch.id === fromId);
  if (!from) return placed[0]?.branch.id ?? fromId;
  const siblings = placed.filter((p) => p.parent === from.parent);
  const at = siblings.indexOf(from);
  switch (move) {
    case "next":
      return (siblings[at + 1] ?? from).branch.id;
    case "previous":
      return (siblings[at - 1] ?? from).branch.id;
    case "parent":
      return (from.parent ?? from).branch.id;
    case "child":
      return (placed.find((p) => p.parent === from) ?? from).branch.id;
    case "first":
      return placed[0].branch.id;
    case "last":
      return placed[placed.length - 1].branch.id;
  }
}
