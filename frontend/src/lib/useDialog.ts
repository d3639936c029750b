// Modal dialog behaviour: focus the first control once on open, close on Escape.
import { useEffect, useRef } from "react";

export function useDialog(onClose: () => void) {
  const dialog = useRef<HTMLDivElement>(null);
  // The latest onClose, so a parent re-render (new arrow function) does not re-run the effect
  // and pull focus back to the first control while the user types.
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);
  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>("input, select, textarea, button")?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close.current();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return dialog;
}
