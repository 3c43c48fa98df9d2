// What the room page remembers between visits. No DOM use: the storage is
// passed in (localStorage or sessionStorage in the page, a fake in tests).
// Storage may be missing, full or disabled; every helper then does nothing.

const DEVICES_KEY = 'duet.devices';
const REJOIN_KEY = 'duet.rejoin';

// A reload within this time goes straight back into the call. Longer than
// that, the person may have wandered off, and should see the preview first.
export const REJOIN_WINDOW_MS = 5 * 60_000;

/** The camera and microphone picked last time (device ids, or null each). */
export function loadDeviceChoice(storage) {
  const stored = read(storage, DEVICES_KEY);
  const id = (value) => (typeof value === 'string' && value !== '' ? value : null);
  return { cameraId: id(stored?.cameraId), micId: id(stored?.micId) };
}

export function saveDeviceChoice(storage, { cameraId, micId }) {
  write(storage, DEVICES_KEY, { cameraId: cameraId ?? null, micId: micId ?? null });
}

/** Notes that the page is leaving `room` mid-call, so that a reload can go back in. */
export function markForRejoin(storage, room, now = Date.now()) {
  write(storage, REJOIN_KEY, { room, at: now });
}

/**
 * True when the page left `room` mid-call a moment ago (a reload). The mark
 * is used up either way: only the very next load may act on it.
 */
export function takeRejoinMark(storage, room, now = Date.now()) {
  const mark = read(storage, REJOIN_KEY);
  try {
    storage?.removeItem(REJOIN_KEY);
  } catch {
    // nothing to clean up then
  }
  return mark !== null && mark.room === room && Number.isFinite(mark.at)
    && now - mark.at >= 0 && now - mark.at <= REJOIN_WINDOW_MS;
}

function read(storage, key) {
  try {
    const value = JSON.parse(storage?.getItem(key) ?? 'null');
    return value !== null && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

function write(storage, key, value) {
  try {
    storage?.setItem(key, JSON.stringify(value));
  } catch {
    // a convenience only: the page works without it
  }
}
