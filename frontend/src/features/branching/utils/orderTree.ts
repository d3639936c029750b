// The branches depth-first, parents before children, siblings in branch order.
import type { Branch } from "../../../api/client";

export function orderTree(branches: Branch[]): { branch: Branch; depth: number }[] {
  const children = new Map<string | null, Branch[]>();
  for (const b of branches) {
    const key = b.parent_branch_id ?? null;
    children.set(key, [...(children.get(key) ?? []), b]);
  }
  const out: { branch: Branch; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const b of (children.get(parent) ?? []).sort((x, y) => x.branch_order - y.branch_order)) {
      out.push({ branch: b, depth });
      walk(b.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}
