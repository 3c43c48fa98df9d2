// The shapes two duet pages exchange. No DOM use.
//
// Over signaling (the protocol's `data`, relayed by duetd):
//   {type: 'offer' | 'answer', sdp}
//   {type: 'candidate', candidate: {candidate, sdpMid, sdpMLineIndex, usernameFragment}}
//   {type: 'hello', mine, yours}   after a join afresh (not a resumed seat)
//       into an occupied room: the SDP session ids of the call this page still
//       holds (its own, and the one it got from the other side), or null; see
//       call-continuity.js
//
// Over the call's data channel (peer to peer, never through the server):
//   {type: 'chat', text}
//   {type: 'state', mic, camera, screen}   what the sender is sending now
//   {type: 'hangup'}   the sender is leaving the call; sent before its
//       `leave`, so the other page ends the call even if the server's `bye`
//       is late or, with duetd restarting, never comes

export const MAX_CHAT_LENGTH = 2000;

const isSessionId = (value) => value === null || (typeof value === 'string' && value.length <= 64);

/** A relayed `data` value as one of the shapes above, or null if it is none of them. */
export function parseRelayed(data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return null;
  }
  switch (data.type) {
    case 'offer':
    case 'answer':
      return typeof data.sdp === 'string' ? { type: data.type, sdp: data.sdp } : null;
    case 'candidate': {
      const { candidate } = data;
      if (candidate === null || typeof candidate !== 'object' || typeof candidate.candidate !== 'string') {
        return null;
      }
      return { type: 'candidate', candidate };
    }
    case 'hello':
      return isSessionId(data.mine ?? null) && isSessionId(data.yours ?? null)
        ? { type: 'hello', mine: data.mine ?? null, yours: data.yours ?? null }
        : null;
    default:
      return null;
  }
}

export function chatMessage(text) {
  return JSON.stringify({ type: 'chat', text: String(text).slice(0, MAX_CHAT_LENGTH) });
}

export function stateMessage({ mic, camera, screen }) {
  return JSON.stringify({ type: 'state', mic: Boolean(mic), camera: Boolean(camera), screen: Boolean(screen) });
}

export function hangupMessage() {
  return JSON.stringify({ type: 'hangup' });
}

/**
 * A data-channel message as one of the shapes above, or null. The other page
 * is another copy of this code, but it may be an older or newer one: take
 * only what is understood, and never more text than a chat line may hold.
 */
export function parseChannelMessage(text) {
  if (typeof text !== 'string' || text.length > MAX_CHAT_LENGTH * 4) {
    return null;
  }
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (message === null || typeof message !== 'object') {
    return null;
  }
  if (message.type === 'chat' && typeof message.text === 'string' && message.text.trim() !== '') {
    return { type: 'chat', text: message.text.slice(0, MAX_CHAT_LENGTH) };
  }
  if (message.type === 'hangup') {
    return { type: 'hangup' };
  }
  if (message.type === 'state') {
    return { type: 'state', mic: message.mic === true, camera: message.camera === true, screen: message.screen === true };
  }
  return null;
}
