// Popover behaviour (menus, action rows): close on Escape and on a click outside the panel and
// the button that opened it; Escape hands the focus back to that button.
import { useEffect, useRef } from "react";

export function useDismiss<P extends HTMLElement = HTMLDivElement, A extends HTMLElement = HTMLButtonElement>(
  open: boolean,
  onClose: () => void,
) {
  const panel = useRef<P>(null);
  const anchor = useRef<A>(null);
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      close.current();
      anchor.current?.focus();
    };
    // On click, not pointerdown: the click lands where it was aimed before the panel closes and
    // the layout moves.
    const onClick = (e: MouseEvent) => {
      const target = e.target as Node;
      // A control that removed itself on click (re-rendered away) was inside.
      if (!target.isConnected) return;
      if (panel.current?.contains(target) || anchor.current?.contains(target)) return;
      close.current();
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("click", onClick);
    };
  }, [open]);
  return { panel, anchor };
}
