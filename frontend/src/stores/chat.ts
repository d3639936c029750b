// One store for the open session's conversation, including the in-flight streamed reply.
import { create } from "zustand";
import { api, type Message, type Session } from "../api/client";
import { streamTurn, type TurnEvent } from "../api/stream";

type ChatState = {
  session: Session | null;
  messages: Message[];
  streamingText: string;
  streaming: boolean;
  error: { detail: string; messageId?: string; retryable: boolean } | null;
  controller: AbortController | null;
  pendingMessageId: string | null;
  stopWanted: boolean;
  // Turns that ended (answered, failed or stopped): other stores reload what a turn changes.
  turnsDone: number;
  // Times an edit or a regeneration made a new branch (shown as soon as the server saved it).
  branchesMade: number;
  firstMessage: { sessionId: string; text: string } | null;
  queueFirstMessage: (sessionId: string, text: string) => void;
  open: (id: string) => Promise<void>;
  refreshSession: () => Promise<void>;
  replaceMessages: (messages: Message[]) => void;
  // False when the server refused the message before saving it (e.g. a used-up AI budget).
  send: (content: string, uploadIds?: string[]) => Promise<boolean>;
  retry: (messageId: string) => Promise<void>;
  // Edit-and-resend and regenerate: the server forks a new branch (made active) holding the
  // new version; the old one stays on its branch. False when the server refused.
  edit: (messageId: string, content: string) => Promise<boolean>;
  regenerate: (messageId: string) => Promise<boolean>;
  stop: () => void;
};

export const useChat = create<ChatState>((set, get) => {
  // `cut` trims the shown history once the server has saved the message (an edit or a
  // regeneration continues from an earlier point of the conversation, on a new branch).
  async function run(url: string, body: unknown, cut?: (messages: Message[]) => Message[]): Promise<boolean> {
    let saved = false;
    const controller = new AbortController();
    set({ streaming: true, streamingText: "", error: null, controller, stopWanted: false });
    const onEvent = (e: TurnEvent) => {
      if (e.event === "message") {
        saved = true;
        const incoming = e.data.user_message;
        set((s) => ({
          messages: [...(cut ? cut(s.messages) : s.messages).filter((m) => m.id !== incoming.id), incoming],
          pendingMessageId: incoming.id,
          branchesMade: cut ? s.branchesMade + 1 : s.branchesMade,
        }));
        if (cut) void get().refreshSession();
        const session = get().session;
        if (get().stopWanted && session) void api.stopTurn(session.id, incoming.id).catch(() => undefined);
      } else if (e.event === "delta") {
        set((s) => ({ streamingText: s.streamingText + e.data.text }));
      } else if (e.event === "done") {
        const reply = e.data.assistant_message;
        set((s) => ({
          messages: [
            ...s.messages.map((m) => (m.id === reply.reply_to_id ? { ...m, awaiting_reply: false } : m)),
            reply,
          ],
          streamingText: "",
          // A reply cut before the provider's end marker is kept, and Retry is offered.
          error: reply.meta?.partial === true
            ? { detail: "The answer was cut off before the end.", messageId: reply.reply_to_id ?? undefined, retryable: true }
            : s.error,
        }));
      } else if (e.event === "error") {
        set({ error: { detail: e.data.detail, messageId: e.data.user_message_id, retryable: e.data.retryable }, streamingText: "" });
      }
    };
    try {
      await streamTurn(url, body, onEvent, controller.signal);
    } catch (err) {
      if ((err as Error).name !== "AbortError") {
        set({ error: { detail: "Connection lost while the answer was streaming.", retryable: true } });
      }
    } finally {
      set((s) => ({ streaming: false, controller: null, pendingMessageId: null, turnsDone: s.turnsDone + 1 }));
      void get().refreshSession();
    }
    return saved;
  }

  return {
    session: null,
    messages: [],
    streamingText: "",
    streaming: false,
    error: null,
    controller: null,
    pendingMessageId: null,
    stopWanted: false,
    turnsDone: 0,
    branchesMade: 0,
    firstMessage: null,
    // A new session's problem statement is sent once its page has opened it.
    queueFirstMessage: (sessionId, text) => set({ firstMessage: { sessionId, text } }),
    open: async (id) => {
      // Re-opening the session that is streaming right now keeps the stream.
      if (get().session?.id === id && get().streaming) return;
      get().controller?.abort();
      set({ session: null, messages: [], streamingText: "", error: null });
      const [session, messages] = await Promise.all([api.getSession(id), api.messages(id)]);
      const waiting = [...messages].reverse().find((m) => m.role === "user" && m.awaiting_reply);
      set({
        session,
        messages,
        error: waiting ? { detail: "This message has no answer yet.", messageId: waiting.id, retryable: true } : null,
      });
      const first = get().firstMessage;
      if (first && first.sessionId === id) {
        set({ firstMessage: null });
        if (messages.length === 0) void get().send(first.text);
      }
    },
    replaceMessages: (messages) => {
      const waiting = [...messages].reverse().find((m) => m.role === "user" && m.awaiting_reply);
      set((s) => ({
        messages,
        streamingText: "",
        // A refusal of a message that was never saved (a used-up budget, a bad request) stays
        // on screen; an error about a message that has an answer now goes.
        error: waiting
          ? { detail: "This message has no answer yet.", messageId: waiting.id, retryable: true }
          : s.error && !s.error.messageId ? s.error : null,
      }));
    },
    refreshSession: async () => {
      const current = get().session;
      if (current) set({ session: await api.getSession(current.id) });
    },
    send: async (content, uploadIds = []) => {
      const session = get().session;
      if (!session || get().streaming) return false;
      return run(`/api/v1/ai-sessions/${session.id}/messages`, { content, upload_ids: uploadIds });
    },
    retry: async (messageId) => {
      const session = get().session;
      if (!session || get().streaming) return;
      await run(`/api/v1/ai-sessions/${session.id}/messages/${messageId}/retry`, undefined);
    },
    edit: async (messageId, content) => {
      const session = get().session;
      if (!session || get().streaming) return false;
      return run(`/api/v1/ai-sessions/${session.id}/messages/${messageId}/edit`, { content }, (messages) => {
        const at = messages.findIndex((m) => m.id === messageId);
        return at < 0 ? messages : messages.slice(0, at);
      });
    },
    regenerate: async (messageId) => {
      const session = get().session;
      if (!session || get().streaming) return false;
      return run(`/api/v1/ai-sessions/${session.id}/messages/${messageId}/regenerate`, undefined, (messages) => {
        const at = messages.findIndex((m) => m.id === messageId);
        return at < 0 ? messages : messages.slice(0, at);
      });
    },
    // Stopping is a request to the server (the turn keeps running if only the tab closes);
    // the stream then ends with the partial answer, marked as stopped.
    stop: () => {
      const { session, pendingMessageId, controller } = get();
      if (!session) return;
      if (!pendingMessageId) {
        set({ stopWanted: true }); // sent as soon as the server confirms the message
        return;
      }
      api.stopTurn(session.id, pendingMessageId).catch(() => controller?.abort());
    },
  };
});
