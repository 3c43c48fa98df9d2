// The signaling client with seat leases (docs/protocol.md rule 12): the
// resume secret of the latest `joined` is kept per room, sent with the next
// join (a reconnect, or a reloaded page), forgotten on `leave`, on
// `bad_resume` (then it joins afresh) and on a 4000 "replaced" close, which
// ends the client for good.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Backoff } from '../../public/js/backoff.js';
import { SignalingClient } from '../../public/js/signaling.js';
import { loadResumeSecret, keepResumeSecret } from '../../public/js/resume-secret.js';
import { fakeWebSocketClass, ManualTimers, MapStorage, recordEvents } from './fakes.mjs';

const ROOM = 'demo';

function setup({ storage = new MapStorage() } = {}) {
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const timers = new ManualTimers();
  const client = new SignalingClient({
    url: 'ws://duet.test/ws', WebSocketImpl: FakeWebSocket, timers, storage, backoff: new Backoff({ random: () => 0 }),
  });
  const events = recordEvents(client, ['statechange', 'joined', 'peerdown', 'peerup', 'error']);
  const of = (type) => events.filter((e) => e.type === type).map((e) => e.detail);
  return { client, sockets, timers, storage, of };
}

const joined = (id, { resume, resumed, peers = 1, role = 'impolite' } = {}) => ({
  type: 'joined', room: ROOM, id, peers, iceServers: [], role,
  ...(resume === undefined ? {} : { resume }),
  ...(resumed === undefined ? {} : { resumed }),
});
const joins = (socket) => socket.sent.filter((m) => m.type === 'join');

/** Started, and joined on the first socket with resume secret `s1`. */
function startLeased(options) {
  const t = setup(options);
  t.client.start(ROOM);
  t.sockets[0].open();
  t.sockets[0].receive(joined('me', { resume: 's1' }));
  return t;
}

test('the secret of joined is kept per room in the storage, and never passed on in the event', () => {
  const t = startLeased();
  assert.equal(loadResumeSecret(t.storage, ROOM), 's1');
  assert.equal(loadResumeSecret(t.storage, 'another-room'), null);
  const event = t.of('joined')[0];
  assert.equal(event.leased, true);
  assert.equal(event.role, 'impolite');
  assert.equal('resume' in event, false, 'the secret stays in the client');
});

test('a reconnect sends the latest secret and gets the same seat; the next secret replaces it', () => {
  const t = startLeased();
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  t.sockets[1].open();
  assert.deepEqual(joins(t.sockets[1]), [{ type: 'join', room: ROOM, resume: 's1' }]);
  t.sockets[1].receive(joined('me', { resume: 's2', resumed: true, peers: 2 }));
  assert.equal(t.client.id, 'me', 'same peer id');
  assert.equal(t.of('joined').at(-1).resumed, true);
  assert.equal(t.of('joined').at(-1).rejoin, true);
  assert.equal(loadResumeSecret(t.storage, ROOM), 's2', 'each joined spends the secret before it');

  t.sockets[1].drop(1001, 'idle timeout');
  t.timers.advance(1000);
  t.sockets[2].open();
  assert.deepEqual(joins(t.sockets[2]), [{ type: 'join', room: ROOM, resume: 's2' }]);
});

test('a reloaded page (a new client, the same tab storage) joins with the kept secret, token and all', () => {
  const storage = new MapStorage();
  keepResumeSecret(storage, ROOM, 'kept');
  const t = setup({ storage });
  t.client.start(ROOM, { token: 'aa.bb.cc' });
  t.sockets[0].open();
  assert.deepEqual(t.sockets[0].sent, [{ type: 'join', room: ROOM, token: 'aa.bb.cc', resume: 'kept' }]);
});

test('bad_resume forgets the secret and joins afresh on the same socket, at once', () => {
  const storage = new MapStorage();
  keepResumeSecret(storage, ROOM, 'stale');
  const t = setup({ storage });
  t.client.start(ROOM);
  t.sockets[0].open();
  t.sockets[0].receive({ type: 'error', code: 'bad_resume', message: 'unknown resume', ref: 'join' });
  assert.equal(t.client.state, 'joining');
  assert.equal(t.sockets.length, 1, 'no new socket: the error changed nothing');
  assert.deepEqual(joins(t.sockets[0]), [
    { type: 'join', room: ROOM, resume: 'stale' },
    { type: 'join', room: ROOM },
  ]);
  assert.equal(loadResumeSecret(storage, ROOM), null);
  assert.equal(t.of('error')[0].code, 'bad_resume', 'reported, for the log');

  t.sockets[0].receive(joined('new-id', { resume: 'fresh', peers: 2, role: 'polite' }));
  assert.equal(t.client.state, 'joined');
  assert.equal(t.client.id, 'new-id');
  assert.equal(t.of('joined')[0].resumed, undefined);
  assert.equal(loadResumeSecret(storage, ROOM), 'fresh');
});

test('after a daemon restart the reconnect resumes, is refused, and joins afresh', () => {
  const t = startLeased();
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  t.sockets[1].open();
  t.sockets[1].receive({ type: 'error', code: 'bad_resume', message: 'unknown resume', ref: 'join' });
  assert.deepEqual(joins(t.sockets[1]), [{ type: 'join', room: ROOM, resume: 's1' }, { type: 'join', room: ROOM }]);
  t.sockets[1].receive(joined('me-2', { resume: 't1' }));
  assert.equal(t.client.state, 'joined');
  assert.equal(t.client.id, 'me-2');
});

test('a daemon without leases sends no secret: nothing is kept, and reconnects join afresh', () => {
  const storage = new MapStorage();
  keepResumeSecret(storage, ROOM, 'from-a-leasing-daemon');
  const t = setup({ storage });
  t.client.start(ROOM);
  t.sockets[0].open();
  t.sockets[0].receive({ type: 'error', code: 'bad_resume', message: 'x', ref: 'join' });
  t.sockets[0].receive({ type: 'joined', room: ROOM, id: 'me', peers: 1, iceServers: [] });
  assert.equal(t.of('joined')[0].leased, false);
  assert.equal(loadResumeSecret(storage, ROOM), null);
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  t.sockets[1].open();
  assert.deepEqual(joins(t.sockets[1]), [{ type: 'join', room: ROOM }]);
});

test('leave() releases the seat: the secret is forgotten, and a later join does not send it', async () => {
  const t = startLeased();
  const left = t.client.leave();
  assert.deepEqual(t.sockets[0].lastSent(), { type: 'leave', room: ROOM });
  assert.equal(loadResumeSecret(t.storage, ROOM), null);
  t.timers.advance(2000);
  await left;

  const again = setup({ storage: t.storage });
  again.client.start(ROOM);
  again.sockets[0].open();
  assert.deepEqual(again.sockets[0].sent, [{ type: 'join', room: ROOM }]);
});

test('close() (a page going away to come back: a reload) keeps the secret for the next page', () => {
  const t = startLeased();
  t.client.close();
  assert.equal(t.sockets[0].sent.some((m) => m.type === 'leave'), false);
  assert.equal(loadResumeSecret(t.storage, ROOM), 's1');
});

test('4000 "replaced": another tab took the seat; the client stops for good and forgets the spent secret', () => {
  const t = startLeased();
  t.sockets[0].drop(4000, 'replaced');
  assert.equal(t.client.state, 'closed');
  const closed = t.of('statechange').at(-1);
  assert.equal(closed.code, 4000);
  assert.equal(closed.reason, 'replaced');
  assert.equal(loadResumeSecret(t.storage, ROOM), null);
  t.timers.advance(120_000);
  assert.equal(t.sockets.length, 1, 'no reconnect: it would take the seat back and replace the other tab');
});

test('peerdown and peerup become events', () => {
  const t = startLeased();
  t.sockets[0].receive({ type: 'peerdown', room: ROOM, id: 'other' });
  t.sockets[0].receive({ type: 'peerup', room: ROOM, id: 'other' });
  assert.deepEqual(t.of('peerdown'), [{ type: 'peerdown', room: ROOM, id: 'other' }]);
  assert.deepEqual(t.of('peerup'), [{ type: 'peerup', room: ROOM, id: 'other' }]);
  assert.equal(t.client.state, 'joined');
});

test('without a storage the secret lives in memory: a reconnect still resumes', () => {
  const t = startLeased({ storage: null });
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  t.sockets[1].open();
  assert.deepEqual(joins(t.sockets[1]), [{ type: 'join', room: ROOM, resume: 's1' }]);
});

test('a storage that refuses writes does not stop the join', () => {
  const storage = new MapStorage();
  storage.failWrites = true;
  const t = startLeased({ storage });
  assert.equal(t.client.state, 'joined');
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  t.sockets[1].open();
  assert.deepEqual(joins(t.sockets[1]), [{ type: 'join', room: ROOM, resume: 's1' }]);
});
