// Is this still the same call? The decisions that keep a call alive across
// signaling trouble, without a browser. No DOM use.
//
// A page that resumes its seat (rule 12) keeps its peer id, and the other page
// knows it is the same member. These checks are for what a resume does not
// cover, where a peer id cannot say which call a page holds:
// - a page that joined afresh with a new id (the daemon restarted, so its
//   resume got `bad_resume`, or the daemon leases no seats) may still hold
//   the call, whose media never stopped;
// - a reloaded page keeps its seat and id, but holds no call any more.
// What tells them apart is the RTCPeerConnection itself: the SDP session id it
// put in its descriptions (sdp.js). A page that joins afresh into a room where
// someone is present says which call it still holds ({type: 'hello', mine,
// yours}); the one already there compares that with its own view of the call.
// And an offer from another connection than ours replaces our call.

import { sdpSessionId } from './sdp.js';

/**
 * The call's two session ids as this page sees them. `mine` is from our
 * local description, `yours` from the other side's; either is null when not
 * negotiated yet.
 */
export function callSessions(localSdp, remoteSdp) {
  return { mine: sdpSessionId(localSdp), yours: sdpSessionId(remoteSdp) };
}

/** The hello this page sends for the call it holds (or for no call). */
export function helloFor(sessions) {
  return { type: 'hello', mine: sessions.mine, yours: sessions.yours };
}

/**
 * What to do with the other page's hello:
 * - 'wait'     our connection has not heard from the other side yet (an
 *              offer of ours, or theirs, is under way), so it cannot be stale
 * - 'continue' both pages hold the same call: keep it and its media
 * - 'restart'  the pages hold different calls (or the other holds none):
 *              drop ours and negotiate a fresh one
 */
export function judgeHello(hello, ours) {
  if (ours.yours === null) {
    return 'wait';
  }
  if (hello.mine !== null && hello.mine === ours.yours && hello.yours === ours.mine) {
    return 'continue';
  }
  return 'restart';
}

/**
 * True when an incoming offer comes from another RTCPeerConnection than the
 * one we have been talking to (the other page reloaded, with its seat or a new
 * one, or dropped its call): ours then cannot take it as a renegotiation and
 * must be replaced.
 */
export function isOfferFromNewConnection(offerSdp, ours) {
  const theirs = sdpSessionId(offerSdp);
  return ours.yours !== null && theirs !== null && theirs !== ours.yours;
}
