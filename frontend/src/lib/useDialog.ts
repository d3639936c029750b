// Modal dialog behaviour: focus the first control once on open, keep Tab inside the dialog,
// close on Escape or on a click on the backdrop (`backdrop` props), and give the focus back to
// what opened it on close.
import { type MouseEvent, useEffect, useRef } from "react";

export function useDialog(onClose: () => void) {
  const dialog = useRef<HTMLDivElement>(null);
  // What had the focus when the dialog opened (the button that opened it), captured on the first
  // render, before the dialog moves the focus.
  const opener = useRef<Element | null>(typeof document === "undefined" ? null : document.activeElement);
  // The latest onClose, so a parent re-render (new arrow function) does not re-run the effect
  // and pull focus back to the first control while the user types.
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);
  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>("input, select, textarea, button")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") close.current();
      else if (e.key === "Tab" && dialog.current) keepFocusInside(dialog.current, e);
    };
    window.addEventListener("keydown", onKey);
    const back = opener.current;
    return () => {
      window.removeEventListener("keydown", onKey);
      // After React has removed the dialog (the opener may be gone too: then nothing to do).
      window.setTimeout(() => {
        if (back instanceof HTMLElement && back.isConnected) back.focus();
      }, 0);
    };
  }, []);
  return dialog;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab and Shift+Tab cycle through the dialog's own controls: the page behind a modal dialog is
 * out of reach until it closes. */
function keepFocusInside(dialog: HTMLElement, e: KeyboardEvent) {
  const controls = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => el.offsetParent !== null || el === document.activeElement,
  );
  if (controls.length === 0) return;
  const first = controls[0];
  const last = controls[controls.length - 1];
  const inside = dialog.contains(document.activeElement);
  if (e.shiftKey && (!inside || document.activeElement === first)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (!inside || document.activeElement === last)) {
    e.preventDefault();
    first.focus();
  }
}

/** Props for the dialog's backdrop: a press that starts and ends on it (not a drag out of a
 * text field, whose click lands on the common ancestor) closes the dialog. */
export function useBackdrop(onClose: () => void) {
  const down = useRef(false);
  return {
    onMouseDown: (e: MouseEvent) => {
      down.current = e.target === e.currentTarget;
    },
    onClick: (e: MouseEvent) => {
      if (down.current && e.target === e.currentTarget) onClose();
      down.current = false;
    },
  };
}
