// call.js without a browser: a fake signaling client, fake media and fake
// peer sessions stand in for the real ones, so every rule about when a call
// starts, goes on or ends can be checked step by step.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';

import { setupCall as setup, settle } from './fakes.mjs';

const ICE = [{ urls: 'stun:stun.example.org' }];
const joined = (peers, id = 'me') => ({ type: 'joined', room: 'r', id, peers, iceServers: ICE });
const relayed = (from, data) => ({ type: 'message', room: 'r', from, data });
const offer = (sessionId) => ({ type: 'offer', sdp: `v=0\r\no=- ${sessionId} 2 IN IP4 127.0.0.1\r\n` });

/** The member already present, in a connected call with `partner`: sessions a (ours) / b (theirs). */
async function connectedAsPresent(partner = 'B') {
  const t = setup();
  t.signaling.emit('joined', joined(1));
  t.signaling.emit('otherjoin', { room: 'r', id: partner });
  await settle();
  t.sessions[0].connect({ mine: 'a', yours: 'b' });
  return t;
}

test('alone in the room: no call, waiting', async () => {
  const { call, signaling, sessions } = setup();
  signaling.emit('joined', joined(1));
  await settle();
  assert.equal(sessions.length, 0);
  assert.equal(call.partner, 'absent');
  assert.equal(call.connectionState, null);
  assert.deepEqual(signaling.sent, []);
});

test('the member present offers on otherjoin (a new connection that offers), addressed to the newcomer', async () => {
  const { call, signaling, sessions } = setup();
  signaling.emit('joined', joined(1));
  signaling.emit('otherjoin', { room: 'r', id: 'B' });
  await settle();
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].options.offerer, true);
  assert.equal(sessions[0].options.isPolite(), false, 'the one present is the impolite side');
  assert.deepEqual(sessions[0].iceServers, ICE, 'ICE servers from joined');
  assert.equal(call.partner, 'present');
  sessions[0].options.send({ type: 'offer', sdp: 'x' });
  assert.deepEqual(signaling.sent.at(-1), { data: { type: 'offer', sdp: 'x' }, to: 'B' });
});

test('the newcomer says hello, waits for the offer, and answers it', async () => {
  const { call, signaling, sessions } = setup();
  signaling.emit('joined', joined(2));
  await settle();
  assert.deepEqual(signaling.sent, [{ data: { type: 'hello', mine: null, yours: null } }], 'no `to`: the id is not known yet');
  assert.equal(sessions.length, 0);
  assert.equal(call.partner, 'present');

  signaling.emit('message', relayed('A', offer('111')));
  signaling.emit('message', relayed('A', { type: 'candidate', candidate: { candidate: 'candidate:1' } }));
  await settle();
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].options.offerer, false);
  assert.equal(sessions[0].options.isPolite(), true);
  assert.equal(sessions[0].descriptions[0].type, 'offer');
  assert.deepEqual(sessions[0].candidates, [{ candidate: 'candidate:1' }]);
  sessions[0].options.send({ type: 'answer', sdp: 'y' });
  assert.deepEqual(signaling.sent.at(-1), { data: { type: 'answer', sdp: 'y' }, to: 'A' }, 'the sender\'s id was learned');
});

test('daemon restart: both rejoin with new ids, the hello matches, the same call goes on', async () => {
  const { call, signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('statechange', { state: 'reconnecting' });
  signaling.emit('joined', joined(1, 'me-2'));
  signaling.emit('otherjoin', { room: 'r', id: 'B-2' });
  signaling.emit('message', relayed('B-2', { type: 'hello', mine: 'b', yours: 'a' }));
  await settle();
  assert.equal(sessions.length, 1, 'no new connection');
  assert.equal(sessions[0].closed, false);
  assert.equal(sessions[0].restarts, 0, 'a connected call needs nothing');
  assert.equal(call.partner, 'present');
  sessions[0].options.send({ type: 'candidate', candidate: {} });
  assert.equal(signaling.sent.at(-1).to, 'B-2', 'talks to the new id');
});

test('a matching hello for a call whose path broke meanwhile restarts ICE', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('statechange', { state: 'reconnecting' });
  sessions[0].setConnection('disconnected');
  signaling.emit('joined', joined(1, 'me-2'));
  signaling.emit('otherjoin', { room: 'r', id: 'B-2' });
  signaling.emit('message', relayed('B-2', { type: 'hello', mine: 'b', yours: 'a' }));
  await settle();
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].restarts, 1);
  assert.equal(sessions[0].resent, 1, 'an offer lost while the server was away is sent again');
});

test('a newcomer with another call (or none) gets a fresh call', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('statechange', { state: 'reconnecting' });
  signaling.emit('joined', joined(1, 'me-2'));
  signaling.emit('otherjoin', { room: 'r', id: 'B-2' });
  signaling.emit('message', relayed('B-2', { type: 'hello', mine: null, yours: null }));
  await settle();
  assert.equal(sessions[0].closed, true);
  assert.equal(sessions.length, 2);
  assert.equal(sessions[1].options.offerer, true);
});

test('no hello within 4 s (a client without one): a fresh call', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { signaling, sessions } = await connectedAsPresent('B');
    signaling.emit('joined', joined(1, 'me-2'));
    signaling.emit('otherjoin', { room: 'r', id: 'B-2' });
    await settle();
    mock.timers.tick(3999);
    assert.equal(sessions.length, 1);
    mock.timers.tick(1);
    assert.equal(sessions[0].closed, true);
    assert.equal(sessions.length, 2);
  } finally {
    mock.timers.reset();
  }
});

test('a rejoin into an occupied room sends the held call in the hello, and any pending offer again', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('joined', joined(2, 'me-2'));
  await settle();
  assert.deepEqual(signaling.sent.at(-1), { data: { type: 'hello', mine: 'a', yours: 'b' } });
  assert.equal(sessions[0].resent, 1);
  assert.equal(sessions[0].options.isPolite(), true, 'the newcomer is now the polite side');
});

test('rejoining refreshes the ICE servers (new TURN credentials) of a call that goes on', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  const fresh = [{ urls: 'turn:turn.example.org', username: '9:me-2', credential: 'c' }];
  signaling.emit('joined', { ...joined(1, 'me-2'), iceServers: fresh });
  await settle();
  assert.deepEqual(sessions[0].iceServers, fresh);
});

test('a bye while the media still flows keeps the call; the data channel closing ends it', async () => {
  const { call, signaling, sessions, events } = await connectedAsPresent('B');
  signaling.emit('bye', { room: 'r', id: 'B' });
  await settle();
  assert.equal(sessions[0].closed, false, 'their signaling went, their media did not');
  assert.equal(call.partner, 'present');
  sessions[0].emit('channelclose');
  assert.equal(sessions[0].closed, true);
  assert.equal(call.partner, 'gone');
  assert.equal(call.connectionState, null);
  assert.deepEqual(events.filter((e) => e.type === 'remotestream').at(-1).detail, { stream: null });
});

test('a bye for a call without flowing media ends it at once', async () => {
  const { call, signaling, sessions } = setup();
  signaling.emit('joined', joined(1));
  signaling.emit('otherjoin', { room: 'r', id: 'B' });
  signaling.emit('bye', { room: 'r', id: 'B' });
  await settle();
  assert.equal(sessions[0].closed, true);
  assert.equal(call.partner, 'gone');
  signaling.emit('otherjoin', { room: 'r', id: 'C' });
  await settle();
  assert.equal(sessions.length, 2, 'the next person gets a fresh call');
});

test('a hangup over the data channel ends the call at once', async () => {
  const { call, sessions } = await connectedAsPresent('B');
  sessions[0].emit('channelmessage', { text: '{"type":"hangup"}' });
  assert.equal(sessions[0].closed, true);
  assert.equal(call.partner, 'gone');
});

test('an offer from another connection (the other page reloaded) replaces ours', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('message', relayed('B', offer('b')));
  await settle();
  assert.equal(sessions.length, 1, 'same session id: a renegotiation');
  signaling.emit('message', relayed('B', offer('zzz')));
  await settle();
  assert.equal(sessions[0].closed, true);
  assert.equal(sessions.length, 2);
  assert.equal(sessions[1].descriptions[0].sdp, offer('zzz').sdp);
});

test('a failed path restarts ICE when the other person is in the room, and ends the call when not', async () => {
  const present = await connectedAsPresent('B');
  present.sessions[0].setConnection('failed');
  assert.equal(present.sessions[0].restarts, 1);

  const alone = await connectedAsPresent('B');
  alone.signaling.emit('bye', { room: 'r', id: 'B' });
  await settle();
  alone.sessions[0].setConnection('failed');
  assert.equal(alone.sessions[0].closed, true);
  assert.equal(alone.call.partner, 'gone');
});

test('a path that stays disconnected for 4 s gets an ICE restart; one that recovers does not', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { sessions } = await connectedAsPresent('B');
    sessions[0].setConnection('disconnected');
    mock.timers.tick(3000);
    sessions[0].setConnection('connected');
    mock.timers.tick(5000);
    assert.equal(sessions[0].restarts, 0);
    sessions[0].setConnection('disconnected');
    mock.timers.tick(4000);
    assert.equal(sessions[0].restarts, 1);
  } finally {
    mock.timers.reset();
  }
});

test('nothing is negotiated while signaling is down; the rejoin decides', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('statechange', { state: 'reconnecting' });
  sessions[0].setConnection('failed');
  assert.equal(sessions[0].restarts, 0);
  assert.equal(sessions[0].closed, false);
});

test('chat and the other person\'s media state arrive as events', async () => {
  const { call, sessions, events } = await connectedAsPresent('B');
  sessions[0].emit('channelmessage', { text: '{"type":"chat","text":"hi"}' });
  sessions[0].emit('channelmessage', { text: '{"type":"state","mic":false,"camera":true,"screen":false}' });
  sessions[0].emit('channelmessage', { text: 'garbage' });
  assert.deepEqual(events.filter((e) => e.type === 'chat').map((e) => e.detail), [{ text: 'hi' }]);
  assert.deepEqual(call.remoteState, { mic: false, camera: true, screen: false });
  assert.equal(call.sendChat('hello'), true);
  assert.deepEqual(sessions[0].channel.at(-1), { type: 'chat', text: 'hello' });
});

test('our media state goes out when the channel opens and whenever it changes', async () => {
  const { media, sessions } = await connectedAsPresent('B');
  assert.deepEqual(sessions[0].channel[0], { type: 'state', mic: true, camera: true, screen: false });
  media.micMuted = true;
  media.videoTrack = { kind: 'video', screen: true };
  media.sharing = true;
  media.dispatchEvent(new CustomEvent('change'));
  await settle();
  assert.deepEqual(sessions[0].channel.at(-1), { type: 'state', mic: false, camera: true, screen: true });
  assert.deepEqual(sessions[0].tracks.slice(-2), [['audio', media.audioTrack], ['video', media.videoTrack]]);
});

test('messages from a member we are not talking to are ignored', async () => {
  const { signaling, sessions } = await connectedAsPresent('B');
  signaling.emit('message', relayed('C', offer('c')));
  await settle();
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].descriptions.length, 0);
});

test('hangup() tells the other page, closes the call and stops listening', async () => {
  const { call, signaling, sessions } = await connectedAsPresent('B');
  call.hangup();
  assert.deepEqual(sessions[0].channel.at(-1), { type: 'hangup' });
  assert.equal(sessions[0].closed, true);
  signaling.emit('otherjoin', { room: 'r', id: 'D' });
  await settle();
  assert.equal(sessions.length, 1);
});
