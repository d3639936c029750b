import { type ReactNode, useMemo, useState } from "react";
import { Bot, Copy, Info, User } from "lucide-react";
import type { Message } from "../../../api/client";
import { renderMarkdown } from "../../../lib/markdown";

type Usage = Pick<Message, "input_tokens" | "output_tokens" | "cache_read_tokens" | "cache_write_tokens">;
type Props = Pick<Message, "role" | "content"> & {
  stopped?: boolean;
  partial?: boolean;
  actions?: ReactNode;
  usage?: Usage;
  attachments?: ReactNode;
};

function usageLine(u: Usage): string | null {
  const total = u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_write_tokens;
  if (!total) return null;
  const cached = u.cache_read_tokens ? ` · ${u.cache_read_tokens} cached` : "";
  const written = u.cache_write_tokens ? ` · ${u.cache_write_tokens} to cache` : "";
  return `${u.input_tokens} in · ${u.output_tokens} out${cached}${written} tokens`;
}

export function ChatMessage({ role, content, stopped = false, partial = false, actions, usage, attachments }: Props) {
  const spent = usage ? usageLine(usage) : null;
  // Rendered again only when the text changes, not on every re-render of the page.
  const html = useMemo(() => (role === "system" ? "" : renderMarkdown(content)), [role, content]);
  if (role === "system") {
    return (
      <p role="note" data-role="system" className="flex items-start gap-2 rounded-lg bg-violet-50 px-3 py-2 text-sm text-violet-900">
        <Info aria-hidden="true" className="mt-0.5 h-4 w-4 shrink-0" /> {content}
      </p>
    );
  }
  const isUser = role === "user";
  return (
    <article aria-label={isUser ? "Your message" : "Assistant message"} data-role={role}
      className={`group flex gap-3 ${isUser ? "flex-row-reverse" : ""}`}>
      <span aria-hidden="true" className={`mt-1 flex h-8 w-8 shrink-0 items-center justify-center rounded-full ${isUser ? "bg-blue-600 text-white" : "bg-slate-200 text-slate-700"}`}>
        {isUser ? <User className="h-4 w-4" /> : <Bot className="h-4 w-4" />}
      </span>
      <div className="flex max-w-[80%] flex-col gap-1">
        <div className={`rounded-xl px-4 py-2 ${isUser ? "bg-blue-600 text-white" : "bg-white shadow-sm"}`}>
          {isUser ? (
            <p className="whitespace-pre-wrap">{content}</p>
          ) : (
            <div className="prose-chat" dangerouslySetInnerHTML={{ __html: html }} />
          )}
          {stopped && <p className="mt-1 text-xs italic text-slate-600">Stopped before the end.</p>}
          {partial && <p className="mt-1 text-xs italic text-amber-800">Cut off before the end (the connection to the model dropped).</p>}
        {spent && <p className="mt-1 text-[11px] text-slate-600" data-testid="turn-usage">{spent}</p>}
        </div>
        {attachments}
        <div className={`flex gap-2 text-xs ${isUser ? "justify-end" : ""}`}>
          {!isUser && content && <CopyAnswer text={content} />}
          {actions}
        </div>
      </div>
    </article>
  );
}


function CopyAnswer({ text }: { text: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    window.setTimeout(() => setState("idle"), 2000);
  }
  return (
    <button type="button" onClick={() => void copy()} aria-label="Copy this answer"
      className="inline-flex items-center gap-1 rounded px-1 text-slate-600 hover:bg-slate-100">
      <Copy aria-hidden="true" className="h-3 w-3" />
      <span role="status">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}</span>
    </button>
  );
}
