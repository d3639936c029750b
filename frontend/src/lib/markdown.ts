// Model output is untrusted: render Markdown, then sanitise before it touches the DOM.
import DOMPurify from "dompurify";
import { marked } from "marked";

marked.setOptions({ gfm: true, breaks: true });

// A prompt-injected reply must not load outside content (a tracking pixel can carry data out)
// or restyle the page: no images, no style attributes; links open safely in a new tab.
const FORBID_TAGS = ["style", "form", "input", "img", "picture", "source", "video", "audio", "iframe", "object", "embed", "svg", "math"];
const FORBID_ATTR = ["style", "srcset", "background", "poster"];

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false }) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS, FORBID_ATTR });
}
