import type { Branch } from "../../../api/client";
import { layoutTree, moveFor, neighbour } from "./treeLayout";

function b(id: string, parent: string | null, order: number): Branch {
  return { id, parent_branch_id: parent, branch_order: order, label: id, status: "untried" } as Branch;
}

// main ─┬─ dns ── dns-a
//       └─ vpn
const BRANCHES = [b("vpn", "main", 3), b("main", null, 1), b("dns-a", "dns", 4), b("dns", "main", 2)];

describe("the visual branch tree", () => {
  it("places branches in rows, indented by depth, and marks the path to the active branch", () => {
    const placed = layoutTree(BRANCHES, "dns-a");
    expect(placed.map((p) => p.branch.id)).toEqual(["main", "dns", "dns-a", "vpn"]);
    expect(placed.map((p) => p.depth)).toEqual([0, 1, 2, 1]);
    expect(placed[2].x).toBeGreaterThan(placed[1].x);
    expect(placed[3].y).toBeGreaterThan(placed[2].y);
    expect(placed.filter((p) => p.onPath).map((p) => p.branch.id)).toEqual(["main", "dns", "dns-a"]);
  });

  it("moves between siblings with up and down, to parent and first child with left and right", () => {
    const placed = layoutTree(BRANCHES, "main");
    const go = (from: string, key: string) => neighbour(placed, from, moveFor(key)!);
    expect(go("dns", "ArrowDown")).toBe("vpn");
    expect(go("vpn", "ArrowDown")).toBe("vpn"); // the last sibling stays
    expect(go("vpn", "ArrowUp")).toBe("dns");
    expect(go("dns-a", "ArrowLeft")).toBe("dns");
    expect(go("main", "ArrowRight")).toBe("dns");
    expect(go("vpn", "ArrowRight")).toBe("vpn"); // no children
    expect(go("vpn", "Home")).toBe("main");
    expect(moveFor("a")).toBeNull();
  });
});
