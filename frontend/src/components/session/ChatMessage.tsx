import { Bot, User } from "lucide-react";
import type { Message } from "../../api/client";
import { renderMarkdown } from "../../lib/markdown";

export function ChatMessage({ role, content, stopped = false }: Pick<Message, "role" | "content"> & { stopped?: boolean }) {
  const isUser = role === "user";
  return (
    <article aria-label={isUser ? "Your message" : "Assistant message"} data-role={role}
      className={`flex gap-3 ${isUser ? "flex-row-reverse" : ""}`}>
      <span aria-hidden="true" className={`mt-1 flex h-8 w-8 shrink-0 items-center justify-center rounded-full ${isUser ? "bg-blue-600 text-white" : "bg-slate-200 text-slate-700"}`}>
        {isUser ? <User className="h-4 w-4" /> : <Bot className="h-4 w-4" />}
      </span>
      <div className={`max-w-[80%] rounded-xl px-4 py-2 ${isUser ? "bg-blue-600 text-white" : "bg-white shadow-sm"}`}>
        {isUser ? (
          <p className="whitespace-pre-wrap">{content}</p>
        ) : (
          <div className="prose-chat" dangerouslySetInnerHTML={{ __html: renderMarkdown(content) }} />
        )}
        {stopped && <p className="mt-1 text-xs italic text-slate-500">Stopped before the end.</p>}
      </div>
    </article>
  );
}
