import { api, type Session } from "../api/client";
import { useBranches } from "./branches";
import { useChat } from "./chat";

describe("the branch tree follows the chat", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is read again when a turn ends, and not on streamed chunks", async () => {
    const tree = { branches: [], fork_points: [], active_branch_id: "b1" } as unknown as Awaited<ReturnType<typeof api.branches>>;
    const read = vi.spyOn(api, "branches").mockResolvedValue(tree);
    useChat.setState({ session: { id: "s1" } as Session, turnsDone: 0 });

    useChat.setState({ streamingText: "Check the spooler" });
    expect(read).not.toHaveBeenCalled();

    useChat.setState((s) => ({ turnsDone: s.turnsDone + 1 }));
    expect(read).toHaveBeenCalledWith("s1");
    await vi.waitFor(() => expect(useBranches.getState().tree).toBe(tree));
  });
});
