// The start page's "recent rooms": the last few rooms this browser joined,
// kept in localStorage. No DOM use: the storage is passed in, so node's tests
// use a Map-backed fake.

import { isValidRoomName } from './room-name.js';

export const RECENT_ROOMS_KEY = 'duet.recentRooms';
export const MAX_RECENT_ROOMS = 6;

/**
 * The list with `name` moved (or added) to the front, newest first, at most
 * `max` long. Pure: returns a new array.
 * @param {{name: string, at: number}[]} rooms
 */
export function withRecentRoom(rooms, name, at, max = MAX_RECENT_ROOMS) {
  const others = rooms.filter((room) => room.name !== name);
  return [{ name, at }, ...others].slice(0, max);
}

/**
 * The remembered rooms, newest first. Whatever is stored is checked again:
 * storage is shared with anything else on this origin, and a name that breaks
 * the room rule would only produce a link that does not work.
 */
export function loadRecentRooms(storage) {
  let parsed;
  try {
    parsed = JSON.parse(storage?.getItem(RECENT_ROOMS_KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) {
    return [];
  }
  return parsed
    .filter((room) => room !== null && typeof room === 'object'
      && isValidRoomName(room.name) && Number.isFinite(room.at))
    .sort((a, b) => b.at - a.at)
    .slice(0, MAX_RECENT_ROOMS);
}

/** Remembers that `name` was joined now. Returns false if storage refused. */
export function rememberRoom(storage, name, at = Date.now()) {
  if (!isValidRoomName(name)) {
    return false;
  }
  return store(storage, withRecentRoom(loadRecentRooms(storage), name, at));
}

/** Forgets every remembered room. */
export function forgetRecentRooms(storage) {
  return store(storage, []);
}

// Storage throws when it is full or disabled (some private modes); the list is
// a convenience, so losing it is no reason to break the page.
function store(storage, rooms) {
  try {
    storage.setItem(RECENT_ROOMS_KEY, JSON.stringify(rooms));
    return true;
  } catch {
    return false;
  }
}
