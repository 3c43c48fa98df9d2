// The toolbar buttons that show and hide a side panel (chat, stats, debug).
// A button says whether its panel is open with aria-expanded.

/**
 * Wires `button` to show and hide `panel`; calls `onToggle(open)` after each change.
 * Returns a function that opens or closes the panel from code.
 */
export function wirePanelToggle(button, panel, onToggle = () => {}) {
  const set = (open) => {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    onToggle(open);
  };
  button.addEventListener('click', () => {
    const open = panel.hidden;
    set(open);
    if (open) {
      // Move the keyboard into the panel, so that it can be used at once.
      panel.querySelector('input:not([disabled]), textarea, button')?.focus();
    }
  });
  return set;
}
