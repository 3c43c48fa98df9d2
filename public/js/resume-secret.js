// The seat's resume secret (docs/protocol.md rule 12), kept per room in the
// tab's sessionStorage: a reload of the page, or a reconnect, sends it with
// `join` and takes the same seat back. sessionStorage, not localStorage: the
// secret belongs to this tab's seat, and another tab holding it would take
// the seat away from this one (close 4000 "replaced"). No DOM use; storage is
// passed in, and may be missing, full or disabled (then the secret lives only
// as long as the page).

const KEY_PREFIX = 'duet.resume.';

/** The resume secret kept for `room`, or null. */
export function loadResumeSecret(storage, room) {
  try {
    const secret = storage?.getItem(KEY_PREFIX + room) ?? null;
    return typeof secret === 'string' && secret !== '' ? secret : null;
  } catch {
    return null;
  }
}

/** Keeps `secret` (the latest `joined`'s; each one spends the one before) for `room`. */
export function keepResumeSecret(storage, room, secret) {
  try {
    storage?.setItem(KEY_PREFIX + room, secret);
  } catch {
    // The page still holds it in memory: only a reload loses the seat.
  }
}

/** Forgets the secret of `room`: the seat was left, or the daemon no longer knows it. */
export function forgetResumeSecret(storage, room) {
  try {
    storage?.removeItem(KEY_PREFIX + room);
  } catch {
    // nothing kept, nothing to forget
  }
}
