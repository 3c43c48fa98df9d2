// The room page's status line: one state name (body[data-state], which
// tests and CSS read) and one sentence that tells the person what is
// happening. All the rules in one pure function, so node's tests cover them.
// No DOM use.

/** Every data-state the room page can be in. Keep the names stable: tests wait on them. */
export const PAGE_STATES = Object.freeze([
  'idle', 'connecting', 'waiting', 'calling', 'connected', 'reconnecting', 'full', 'left', 'error',
]);

/**
 * @param {object} view
 * @param {string} view.room
 * @param {'prejoin'|'in-room'|'left'|'failed'} view.phase  where the person is
 * @param {string} view.signaling   the SignalingClient's state
 * @param {boolean} view.everJoined  a `joined` arrived since Join was pressed
 * @param {number|null} [view.retryInMs]  wait before the next reconnect attempt
 * @param {'absent'|'present'|'down'|'gone'} view.partner  down: their link to
 *   the server dropped and their seat is held for them; gone: they left
 * @param {string|null} view.connection  the RTCPeerConnection's connectionState, null without one
 * @param {string|null} [view.failure]  why the page gave up (phase 'failed')
 * @param {string|null} [view.mediaNote]  what is wrong with our camera or
 *   microphone (media-problems.js); said after the call's own news
 * @returns {{state: string, text: string}}
 */
export function describeCall(view) {
  const status = describeProgress(view);
  if (view.mediaNote && !ENDED_STATES.has(status.state)) {
    return { state: status.state, text: `${status.text} ${view.mediaNote}` };
  }
  return status;
}

// In these the person is not sending anything, so their devices are not news.
const ENDED_STATES = new Set(['full', 'left', 'error']);

function describeProgress(view) {
  const { room, phase, signaling, everJoined, partner, connection } = view;
  if (phase === 'prejoin') {
    return { state: 'idle', text: 'Check your camera and microphone, then press Join.' };
  }
  if (phase === 'left') {
    return { state: 'left', text: 'You left the call. Press Join again to come back.' };
  }
  if (phase === 'failed' || signaling === 'closed') {
    return { state: 'error', text: view.failure ?? 'The connection to the server ended.' };
  }
  if (signaling === 'full') {
    return {
      state: 'full',
      text: `Room ${room} is full: two people are already in a call there. Try again later, or pick another room.`,
    };
  }

  const serverDown = signaling !== 'joined';
  if (connection === 'connected' && serverDown) {
    return { state: 'connected', text: 'Connected. The link to the server dropped; your call goes on while it reconnects.' };
  }
  // Only the server knows their seat is held, so this holds while ours is up.
  if (partner === 'down' && !serverDown) {
    return {
      state: 'reconnecting',
      text: connection === 'connected'
        ? 'Connected. The other person\'s link to the server dropped; waiting for it to come back…'
        : 'The other person\'s connection dropped. Waiting for them to come back…',
    };
  }
  if (connection === 'connected') {
    return { state: 'connected', text: 'Connected.' };
  }
  if (connection === 'disconnected' || connection === 'failed') {
    return {
      state: 'reconnecting',
      text: serverDown
        ? 'The connection to the other person dropped, and so did the server. Reconnecting…'
        : 'The connection to the other person dropped. Reconnecting…',
    };
  }
  if (serverDown) {
    if (!everJoined) {
      return {
        state: 'connecting',
        text: signaling === 'joining' ? `Joining room ${room}…` : 'Connecting to the server…',
      };
    }
    return { state: 'reconnecting', text: reconnectText(signaling, view.retryInMs) };
  }
  if (partner === 'present') {
    return { state: 'calling', text: 'The other person is here. Connecting the call…' };
  }
  if (partner === 'gone') {
    return { state: 'waiting', text: 'The other person left. Waiting for them (or someone else) to join…' };
  }
  return { state: 'waiting', text: 'Waiting for the other person to join. Send them the invite link.' };
}

function reconnectText(signaling, retryInMs) {
  if (signaling === 'reconnecting' && Number.isFinite(retryInMs) && retryInMs >= 1000) {
    const seconds = Math.round(retryInMs / 1000);
    return `Lost the connection to the server. Trying again in ${seconds} s…`;
  }
  return 'Lost the connection to the server. Reconnecting…';
}
