// Server-sent events over a POST (EventSource cannot POST): parse `event:`/`data:` frames.
import { csrfToken, type Message, type Step, type Usage } from "./client";

export type TurnEvent =
  | { event: "message"; data: { user_message: Message } }
  | { event: "delta"; data: { text: string } }
  | { event: "done"; data: { assistant_message: Message; step: Step; usage: Usage } }
  | { event: "error"; data: { detail: string; code: string; retryable: boolean; user_message_id?: string } };

export function parseFrames(buffer: string): { events: TurnEvent[]; rest: string } {
  const events: TurnEvent[] = [];
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let name = "";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) name = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (name && data) events.push({ event: name, data: JSON.parse(data) } as TurnEvent);
  }
  return { events, rest };
}

export async function streamTurn(
  url: string,
  body: unknown,
  onEvent: (e: TurnEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) {
    let detail = `Request failed (${response.status})`;
    try {
      const json = await response.json();
      if (typeof json.detail === "string") detail = json.detail;
    } catch {
      /* not JSON */
    }
    onEvent({ event: "error", data: { detail, code: `http_${response.status}`, retryable: response.status >= 500 } });
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const parsed = parseFrames(buffer);
    buffer = parsed.rest;
    parsed.events.forEach(onEvent);
  }
}
