// The room-name rule of docs/protocol.md ("Identifiers"), shared by both pages.
// No DOM use here, so node can import this module in tests.

export const ROOM_NAME_MAX_LENGTH = 64;

const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.~-]{1,64}$/;

/** True when the server will accept `name` as a room name. */
export function isValidRoomName(name) {
  return typeof name === 'string' && ROOM_NAME_PATTERN.test(name);
}

/**
 * Why `name` is not a valid room name, in words for a person, or null when it
 * is valid. Tells the first problem only; one fix at a time is easier to follow.
 */
export function roomNameProblem(name) {
  if (typeof name !== 'string' || name.length === 0) {
    return 'Enter a room name.';
  }
  if (name.length > ROOM_NAME_MAX_LENGTH) {
    return `A room name has at most ${ROOM_NAME_MAX_LENGTH} characters (this one has ${name.length}).`;
  }
  const bad = [...name].find((ch) => !/[A-Za-z0-9_.~-]/.test(ch));
  if (bad !== undefined) {
    const shown = bad === ' ' ? 'a space' : `"${bad}"`;
    return `A room name may use only letters A–Z and a–z, digits and _ . ~ - (not ${shown}).`;
  }
  return null;
}

const RANDOM_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // no look-alikes (l/1, o/0)

/** A fresh name that is hard to guess, so strangers do not land in your room. */
export function randomRoomName(length = 10) {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  // 32 symbols divide 256 evenly, so the modulo keeps every symbol equally likely.
  const suffix = Array.from(bytes, (b) => RANDOM_ALPHABET[b % RANDOM_ALPHABET.length]).join('');
  return `room-${suffix}`;
}
