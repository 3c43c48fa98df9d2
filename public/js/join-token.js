// Join tokens on the room page (docs/protocol.md rule 14). An invite link
// (`duetd invite`) carries the token in the address's fragment, `#t=TOKEN`,
// which the browser never sends to a server, so it reaches no access log.
// The page takes it from there, keeps it in sessionStorage (a reload or a
// reconnect joins with it again), and takes it out of the address bar, so a
// screenshot or a copied address does not pass it on. No DOM use beyond what
// is passed in, so node's tests drive it with fakes.

const KEY_PREFIX = 'duet.joinToken.';

/** The token in a fragment such as `#t=TOKEN` (other fragment members are kept apart), or null. */
export function tokenFromFragment(hash) {
  const fragment = (hash ?? '').replace(/^#/, '');
  if (fragment === '') {
    return null;
  }
  const token = new URLSearchParams(fragment).get('t');
  return token === null || token === '' ? null : token;
}

/**
 * The join token for `room`: taken from the address's fragment (and then kept
 * in `storage` and removed from the address bar through `history`), or the one
 * kept earlier in this tab, or null.
 */
export function takeJoinToken({ location, history, storage, room }) {
  const fromLink = tokenFromFragment(location?.hash);
  if (fromLink !== null) {
    try {
      storage?.setItem(KEY_PREFIX + room, fromLink);
    } catch {
      // Storage can be full or disabled: the token still works for this page.
    }
    history?.replaceState(history.state ?? null, '', `${location.pathname}${location.search}`);
    return fromLink;
  }
  try {
    return storage?.getItem(KEY_PREFIX + room) ?? null;
  } catch {
    return null;
  }
}

/** Forgets the kept token of `room` (it was refused: keeping it would only be refused again). */
export function forgetJoinToken(storage, room) {
  try {
    storage?.removeItem(KEY_PREFIX + room);
  } catch {
    // nothing kept, nothing to forget
  }
}

// The daemon's `unauthorized` messages (src/access/join_token.cpp) say why in
// fixed words; the page says the same for the person holding the link.
const REASONS = [
  [/requires a token/, 'This room needs an invite link. Ask the person who invited you for one.'],
  [/expired/, 'This invite link has expired. Ask for a new one.'],
  [/already been used/, 'This invite link was already used. Ask for a new one.'],
  [/not for this room/, 'This invite link is for a different room.'],
  [/not valid yet/, 'This invite link is not valid yet. Try again a little later.'],
];

/** Words for a person about an `unauthorized` error whose message is `message`. */
export function unauthorizedText(message) {
  const text = typeof message === 'string' ? message : '';
  for (const [pattern, words] of REASONS) {
    if (pattern.test(text)) {
      return words;
    }
  }
  return `This invite link does not work${text ? ` (${text})` : ''}. Ask for a new one.`;
}
