// call.js with seat leases and roles (docs/protocol.md rules 12 and 13):
// the server's role decides who yields, `peerdown`/`peerup` keep the call
// while the other page reconnects, a resumed seat needs no hello, a reloaded
// page offers a fresh call from its resumed seat, `bye` is the real "left",
// and what the server could not keep for a held member is sent again.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { setupCall, settle } from './fakes.mjs';

const ICE = [{ urls: 'stun:stun.example.org' }];
const joined = (peers, { id = 'me', role, resumed } = {}) => ({
  type: 'joined', room: 'r', id, peers, iceServers: ICE, leased: true,
  ...(role === undefined ? {} : { role }),
  ...(resumed === undefined ? {} : { resumed }),
});
const relayed = (from, data) => ({ type: 'message', room: 'r', from, data });
const offer = (sessionId) => ({ type: 'offer', sdp: `v=0\r\no=- ${sessionId} 2 IN IP4 127.0.0.1\r\n` });
const hellos = (signaling) => signaling.sent.filter((m) => m.data?.type === 'hello');

/** The member present (impolite), in a connected call with B on a daemon that leases seats. */
async function leasedCall() {
  const t = setupCall();
  t.signaling.emit('joined', joined(1, { role: 'impolite' }));
  t.signaling.emit('otherjoin', { room: 'r', id: 'B' });
  await settle();
  t.sessions[0].connect({ mine: 'a', yours: 'b' });
  return t;
}

test('the server\'s role decides who yields, also for a newcomer that is the impolite one', async () => {
  const newcomer = setupCall();
  newcomer.signaling.emit('joined', joined(2, { role: 'impolite' }));
  newcomer.signaling.emit('message', relayed('A', offer('111')));
  await settle();
  assert.equal(newcomer.sessions[0].options.isPolite(), false, 'rule 13 gives the role, not the order of joining');

  const present = setupCall();
  present.signaling.emit('joined', joined(1, { role: 'polite' }));
  present.signaling.emit('otherjoin', { room: 'r', id: 'B' });
  await settle();
  assert.equal(present.sessions[0].options.offerer, true, 'the member present still makes the first offer');
  assert.equal(present.sessions[0].options.isPolite(), true, 'and keeps the role the server gave it');
});

test('a room without roles falls back to the newcomer being polite', async () => {
  const t = setupCall();
  t.signaling.emit('joined', { ...joined(2), role: undefined });
  t.signaling.emit('message', relayed('A', offer('111')));
  await settle();
  assert.equal(t.sessions[0].options.isPolite(), true);
});

test('peerdown keeps the call and says "down"; peerup brings the partner back', async () => {
  const { call, signaling, sessions } = await leasedCall();
  signaling.emit('peerdown', { room: 'r', id: 'B' });
  await settle();
  assert.equal(call.partner, 'down');
  assert.equal(sessions[0].closed, false, 'the RTCPeerConnection is kept');
  sessions[0].options.send({ type: 'candidate', candidate: {} });
  assert.equal(signaling.sent.at(-1).to, 'B', 'messages go to the held seat, which keeps them');

  signaling.emit('peerup', { room: 'r', id: 'B' });
  await settle();
  assert.equal(call.partner, 'present');
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].restarts, 0, 'a call that flows needs nothing');
});

test('peerdown and peerup of a member we do not talk to change nothing', async () => {
  const { call, signaling } = await leasedCall();
  signaling.emit('peerdown', { room: 'r', id: 'C' });
  await settle();
  assert.equal(call.partner, 'present');
});

test('with leases, bye is the real "left": the call ends even while its media flows', async () => {
  const { call, signaling, sessions } = await leasedCall();
  signaling.emit('peerdown', { room: 'r', id: 'B' });
  signaling.emit('bye', { room: 'r', id: 'B' });
  await settle();
  assert.equal(sessions[0].closed, true);
  assert.equal(call.partner, 'gone');
});

test('with leases, the data channel closing (their page reloads) drops the call but not the partner', async () => {
  const { call, signaling, sessions } = await leasedCall();
  signaling.emit('peerdown', { room: 'r', id: 'B' });
  await settle();
  sessions[0].emit('channelclose');
  assert.equal(sessions[0].closed, true);
  assert.equal(call.partner, 'down', 'not "gone": their page comes back for its seat');

  // Their reloaded page resumes its seat and offers a new call.
  signaling.emit('peerup', { room: 'r', id: 'B' });
  signaling.emit('message', relayed('B', offer('new')));
  await settle();
  assert.equal(call.partner, 'present');
  assert.equal(sessions.length, 2);
  assert.equal(sessions[1].options.offerer, false);
  assert.equal(sessions[1].options.isPolite(), false, 'still the role the server gave');
  assert.equal(sessions[1].descriptions[0].sdp, offer('new').sdp);
});

test('the reloaded page\'s offer replaces the old call even before its channel closed', async () => {
  const { call, signaling, sessions } = await leasedCall();
  signaling.emit('message', relayed('B', offer('new')));
  await settle();
  assert.equal(sessions[0].closed, true, 'same peer id, another connection');
  assert.equal(sessions.length, 2);
  assert.equal(call.partner, 'present');
});

test('our seat resumed with the call still up: no hello, the pending offer again, nothing new', async () => {
  const { call, signaling, sessions } = await leasedCall();
  signaling.emit('statechange', { state: 'reconnecting' });
  signaling.emit('joined', joined(2, { role: 'impolite', resumed: true }));
  await settle();
  assert.deepEqual(hellos(signaling), [], 'the other member knows us by our id');
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].resent, 1, 'an offer sent while we were away never arrived');
  assert.equal(sessions[0].restarts, 0);
  assert.equal(sessions[0].options.isPolite(), false, 'the role comes back with the seat');
  assert.equal(call.partner, 'present');
});

test('our seat resumed with a broken path restarts ICE', async () => {
  const { signaling, sessions } = await leasedCall();
  signaling.emit('statechange', { state: 'reconnecting' });
  sessions[0].setConnection('disconnected');
  signaling.emit('joined', joined(2, { role: 'impolite', resumed: true }));
  await settle();
  assert.equal(sessions[0].restarts, 1);
});

test('a reloaded page that resumed its seat offers a fresh call, without a hello', async () => {
  const { call, signaling, sessions } = setupCall();
  signaling.emit('joined', joined(2, { role: 'polite', resumed: true }));
  await settle();
  assert.deepEqual(hellos(signaling), []);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].options.offerer, true, 'the other page heard peerup, not otherjoin: it will not offer');
  assert.equal(sessions[0].options.isPolite(), true);
  assert.equal(call.partner, 'present');
});

test('a resume refused (daemon restart) joins afresh: the hello still keeps the call', async () => {
  const { signaling, sessions } = await leasedCall();
  signaling.emit('statechange', { state: 'reconnecting' });
  signaling.emit('joined', joined(2, { id: 'me-2', role: 'polite' }));
  await settle();
  assert.deepEqual(hellos(signaling).at(-1), { data: { type: 'hello', mine: 'a', yours: 'b' } });
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].closed, false);
});

test('a hello for another call makes the member present offer a fresh one, whatever its role', async () => {
  const t = setupCall();
  t.signaling.emit('joined', joined(1, { role: 'polite' }));
  t.signaling.emit('otherjoin', { room: 'r', id: 'B' });
  await settle();
  t.sessions[0].connect({ mine: 'a', yours: 'b' });
  t.signaling.emit('joined', joined(1, { id: 'me-2', role: 'polite' }));
  t.signaling.emit('otherjoin', { room: 'r', id: 'B-2' });
  t.signaling.emit('message', relayed('B-2', { type: 'hello', mine: null, yours: null }));
  await settle();
  assert.equal(t.sessions[0].closed, true);
  assert.equal(t.sessions.length, 2);
  assert.equal(t.sessions[1].options.offerer, true, 'the newcomer waits for an offer, polite or not');
});

test('peer_unavailable (their keep was full): after peerup the offer goes again and ICE restarts', async () => {
  const { signaling, sessions } = await leasedCall();
  signaling.emit('peerdown', { room: 'r', id: 'B' });
  signaling.emit('error', { type: 'error', code: 'peer_unavailable', message: 'held', ref: 'message' });
  await settle();
  assert.equal(sessions[0].restarts, 0, 'nothing can reach them now');
  signaling.emit('peerup', { room: 'r', id: 'B' });
  await settle();
  assert.equal(sessions[0].resent, 1);
  assert.equal(sessions[0].restarts, 1);

  signaling.emit('peerdown', { room: 'r', id: 'B' });
  signaling.emit('peerup', { room: 'r', id: 'B' });
  await settle();
  assert.equal(sessions[0].restarts, 1, 'only what was lost is made up for');
});

test('back alone after our own drop, while their seat was held: they are gone unless the call flows', async () => {
  const flowing = await leasedCall();
  flowing.signaling.emit('peerdown', { room: 'r', id: 'B' });
  flowing.signaling.emit('joined', joined(1, { id: 'me-2', role: 'impolite' }));
  await settle();
  assert.equal(flowing.call.partner, 'present', 'a call that flows is kept: they may be on their way back');

  const none = await leasedCall();
  none.signaling.emit('peerdown', { room: 'r', id: 'B' });
  none.sessions[0].emit('channelclose');
  none.signaling.emit('joined', joined(1, { id: 'me-2', role: 'impolite' }));
  await settle();
  assert.equal(none.call.partner, 'gone');
});

test('a failed path while their seat is held still restarts ICE: the offer is kept for them', async () => {
  const { signaling, sessions } = await leasedCall();
  signaling.emit('peerdown', { room: 'r', id: 'B' });
  await settle();
  sessions[0].setConnection('failed');
  assert.equal(sessions[0].restarts, 1);
  assert.equal(sessions[0].closed, false);
});

test('drop() closes the call without a hangup for the other page', async () => {
  const { call, sessions } = await leasedCall();
  call.drop();
  assert.equal(sessions[0].closed, true);
  assert.equal(sessions[0].channel.some((m) => m.type === 'hangup'), false);
});

test('SIGTERM: peerdown for the partner, then our own 1001; after the restart the call goes on, whoever rejoins first', async () => {
  for (const weAreFirst of [true, false]) {
    const { call, signaling, sessions } = await leasedCall();
    signaling.emit('peerdown', { room: 'r', id: 'B' });
    signaling.emit('statechange', { state: 'reconnecting' });
    await settle();
    assert.equal(call.partner, 'down');
    if (weAreFirst) {
      signaling.emit('joined', joined(1, { id: 'me-2', role: 'impolite' }));
      signaling.emit('otherjoin', { room: 'r', id: 'B-2' });
      signaling.emit('message', relayed('B-2', { type: 'hello', mine: 'b', yours: 'a' }));
    } else {
      signaling.emit('joined', joined(2, { id: 'me-2', role: 'polite' }));
    }
    await settle();
    assert.equal(call.partner, 'present', `first: ${weAreFirst}`);
    assert.equal(sessions.length, 1, 'the same call');
    assert.equal(sessions[0].closed, false);
  }
});
