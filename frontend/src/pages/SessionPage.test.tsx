import { act, fireEvent, screen } from "@testing-library/react";
import { ApiError, api, type Message, type Session } from "../api/client";
import { useChat } from "../stores/chat";
import { renderWithQueryClient } from "../testing/withQueryClient";
import { SessionPage } from "./SessionPage";

// Every message the page draws, counted by its text.
const renders = new Map<string, number>();
vi.mock("../features/sessions/components/ChatMessage", () => ({
  ChatMessage: ({ content }: { content: string }) => {
    renders.set(content, (renders.get(content) ?? 0) + 1);
    return <p>{content}</p>;
  },
}));

const SESSION = {
  id: "s1", title: "Outlook keeps asking for a password", problem_summary: "Outlook keeps asking for a password",
  status: "active", can_write: true, problem_domain: null, total_active_seconds: 0, total_parked_seconds: 0,
  usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
} as unknown as Session;

function message(id: string, role: "user" | "assistant", content: string): Message {
  return { id, role, content, meta: {}, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 } as unknown as Message;
}

describe("the session page while an answer streams", () => {
  beforeEach(() => {
    // The page's other reads never answer: only the conversation is drawn.
    const calls = api as unknown as Record<string, () => unknown>;
    for (const name of Object.keys(calls)) {
      if (typeof calls[name] === "function") vi.spyOn(calls, name).mockReturnValue(new Promise(() => undefined));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("re-renders none of the other messages for 200 streamed chunks", () => {
    const earlier = [message("m1", "user", "Outlook keeps asking for a password"), message("m2", "assistant", "Check the credential manager")];
    useChat.setState({ session: SESSION, messages: earlier, streaming: false, streamingText: "", error: null, open: async () => undefined });
    renderWithQueryClient(<SessionPage id="s1" />);
    act(() => useChat.setState({ streaming: true }));
    const before = [renders.get("Outlook keeps asking for a password"), renders.get("Check the credential manager")];
    expect(before.every((n) => (n ?? 0) >= 1)).toBe(true);

    for (let i = 0; i < 200; i++) {
      act(() => useChat.setState((s) => ({ streamingText: `${s.streamingText}word${i} ` })));
    }

    expect(renders.get("Outlook keeps asking for a password")).toBe(before[0]);
    expect(renders.get("Check the credential manager")).toBe(before[1]);
    expect(renders.get(useChat.getState().streamingText)).toBe(1); // the streaming answer follows
  });
});

describe("the session page's actions", () => {
  beforeEach(() => {
    const calls = api as unknown as Record<string, () => unknown>;
    for (const name of Object.keys(calls)) {
      if (typeof calls[name] === "function") vi.spyOn(calls, name).mockReturnValue(new Promise(() => undefined));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("says why a status change failed", async () => {
    vi.spyOn(api, "updateSession").mockRejectedValue(new ApiError("The session was closed meanwhile", 409, "session_closed"));
    useChat.setState({ session: SESSION, messages: [], streaming: false, streamingText: "", error: null, open: async () => undefined });
    renderWithQueryClient(<SessionPage id="s1" />);
    fireEvent.click(screen.getByRole("button", { name: "Mark resolved" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The session was closed meanwhile");
  });
});
