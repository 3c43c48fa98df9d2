// What leaving the page means for the seat in the room. A page that goes for
// good (the tab closes, the person goes elsewhere) sends `leave`, so the other
// person hears `bye` at once instead of when the seat's lease runs out. A page
// that comes straight back (a reload) or sleeps in the back/forward cache
// keeps its seat: it closes its socket without `leave`, and resumes the seat
// with its secret when it is back (rule 12).
//
// `pagehide` alone cannot tell a reload from a close. `pageswap` can: it
// fires only when another document replaces this one, before `pagehide`, and
// says how (`activation.navigationType`, 'reload' for a reload). Browsers
// without it leave on every pagehide: a reload then joins afresh.
// No DOM use beyond the EventTarget passed in (window in the page).

/**
 * What to do on `pagehide`:
 * - 'keep'   the page comes back: keep the seat (no `leave`)
 * - 'leave'  the page goes for good: leave the room
 */
export function exitKind({ persisted, navigationType }) {
  return persisted || navigationType === 'reload' ? 'keep' : 'leave';
}

/**
 * Calls `onExit('keep' | 'leave')` on every `pagehide` of `target`.
 * Returns a function that stops listening.
 */
export function watchPageExit(target, onExit) {
  let navigationType = null;
  const onSwap = (event) => {
    navigationType = event.activation?.navigationType ?? null;
  };
  const onHide = (event) => {
    const kind = exitKind({ persisted: event.persisted === true, navigationType });
    navigationType = null; // a page back from the cache hides again later, for its own reasons
    onExit(kind);
  };
  target.addEventListener('pageswap', onSwap);
  target.addEventListener('pagehide', onHide);
  return () => {
    target.removeEventListener('pageswap', onSwap);
    target.removeEventListener('pagehide', onHide);
  };
}
