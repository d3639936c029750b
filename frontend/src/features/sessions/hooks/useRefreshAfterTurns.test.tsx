import { waitFor } from "@testing-library/react";
import { api, type Session } from "../../../api/client";
import { useChat } from "../../../stores/chat";
import { renderWithQueryClient } from "../../../testing/withQueryClient";
import { useBranchTree } from "../../branching/api/branches";
import { useRefreshAfterTurns } from "./useRefreshAfterTurns";

function BranchCount({ sessionId }: { sessionId: string }) {
  useRefreshAfterTurns(sessionId);
  const tree = useBranchTree(sessionId).data;
  return <p>{tree ? `${tree.branches.length} branches` : "loading"}</p>;
}

describe("the branch tree follows the chat", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is read again when a turn ends, and not on streamed chunks", async () => {
    const tree = (n: number) => ({ branches: Array(n).fill({}), fork_points: [], active_branch_id: "b1" }) as unknown as Awaited<ReturnType<typeof api.branches>>;
    const read = vi.spyOn(api, "branches").mockResolvedValueOnce(tree(1)).mockResolvedValueOnce(tree(2));
    useChat.setState({ session: { id: "s1" } as Session, turnsDone: 0, branchesMade: 0, streamingText: "" });
    const page = renderWithQueryClient(<BranchCount sessionId="s1" />);
    await page.findByText("1 branches");

    useChat.setState({ streamingText: "Check the spooler" });
    expect(read).toHaveBeenCalledTimes(1);

    useChat.setState((s) => ({ turnsDone: s.turnsDone + 1 }));
    await page.findByText("2 branches");
    expect(read).toHaveBeenCalledTimes(2);
    expect(read).toHaveBeenLastCalledWith("s1");
  });

  it("is read again when an edit or a regeneration made a new branch", async () => {
    const read = vi.spyOn(api, "branches").mockResolvedValue({ branches: [], fork_points: [], active_branch_id: null } as never);
    useChat.setState({ session: { id: "s1" } as Session, turnsDone: 0, branchesMade: 0 });
    renderWithQueryClient(<BranchCount sessionId="s1" />);
    await waitFor(() => expect(read).toHaveBeenCalledTimes(1));
    useChat.setState((s) => ({ branchesMade: s.branchesMade + 1 }));
    await waitFor(() => expect(read).toHaveBeenCalledTimes(2));
  });
});
