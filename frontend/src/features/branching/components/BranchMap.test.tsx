import { orderTree } from "../utils/orderTree";
import type { Branch } from "../../../api/client";

function b(id: string, parent: string | null, order: number): Branch {
  return { id, parent_branch_id: parent, branch_order: order, label: id } as Branch;
}

describe("orderTree", () => {
  it("lists parents before their children, depth-first, in branch order", () => {
    const tree = orderTree([b("c", "root", 3), b("root", null, 1), b("a", "root", 2), b("a1", "a", 4)]);
    expect(tree.map((n) => [n.branch.id, n.depth])).toEqual([["root", 0], ["a", 1], ["a1", 2], ["c", 1]]);
  });
});
