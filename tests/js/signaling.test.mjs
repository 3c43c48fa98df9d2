// The signaling client's state machine: join, relay, keepalive, reconnect
// with backoff and rejoin, full, leave, and the close codes that end it.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Backoff } from '../../public/js/backoff.js';
import {
  SignalingClient, defaultSignalingUrl, isFatalClose, parseServerFrame,
} from '../../public/js/signaling.js';
import { fakeWebSocketClass, ManualTimers, recordEvents } from './fakes.mjs';

const ROOM = 'demo';

function setup(options = {}) {
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const timers = new ManualTimers();
  // No jitter, so the delays are exact: 1 s, 2 s, 4 s …
  const backoff = new Backoff({ random: () => 0 });
  const client = new SignalingClient({
    url: 'ws://duet.test/ws', WebSocketImpl: FakeWebSocket, timers, backoff, ...options,
  });
  const events = recordEvents(client, [
    'statechange', 'joined', 'otherjoin', 'bye', 'peerdown', 'peerup', 'message', 'full', 'leaved', 'error', 'pong',
  ]);
  const states = () => events.filter((e) => e.type === 'statechange').map((e) => e.detail.state);
  const of = (type) => events.filter((e) => e.type === type).map((e) => e.detail);
  return { client, sockets, timers, events, states, of };
}

const joined = (id, peers = 1) => ({ type: 'joined', room: ROOM, id, peers, iceServers: [] });

/** Starts the client and brings it to `joined` on its first socket. */
function startJoined(options) {
  const t = setup(options);
  t.client.start(ROOM);
  t.sockets[0].open();
  t.sockets[0].receive(joined('id-1'));
  return t;
}

test('start() connects, joins on open, and reaches joined', () => {
  const { client, sockets, states, of } = setup();
  assert.equal(client.state, 'idle');
  client.start(ROOM);
  assert.equal(client.state, 'connecting');
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].url, 'ws://duet.test/ws');
  assert.deepEqual(sockets[0].sent, [], 'nothing is sent before the socket opens');

  sockets[0].open();
  assert.equal(client.state, 'joining');
  assert.deepEqual(sockets[0].sent, [{ type: 'join', room: ROOM }]);

  sockets[0].receive(joined('id-1', 2));
  assert.equal(client.state, 'joined');
  assert.equal(client.id, 'id-1');
  assert.deepEqual(states(), ['connecting', 'joining', 'joined']);
  assert.equal(of('joined')[0].peers, 2);
  assert.equal(of('joined')[0].rejoin, false);
});

test('start() twice is a mistake', () => {
  const { client } = setup();
  client.start(ROOM);
  assert.throws(() => client.start(ROOM), /start\(\) in state connecting/);
});

test('send() relays only while joined, with `to` only when given', () => {
  const t = setup();
  t.client.start(ROOM);
  assert.equal(t.client.send({ a: 1 }), false, 'not connected');
  t.sockets[0].open();
  assert.equal(t.client.send({ a: 1 }), false, 'joining is not joined');
  assert.deepEqual(t.sockets[0].sent, [{ type: 'join', room: ROOM }]);

  t.sockets[0].receive(joined('me'));
  assert.equal(t.client.send({ a: 1 }), true);
  assert.equal(t.client.send({ b: 2 }, 'peer-2'), true);
  assert.equal(t.client.send(null, null), true);
  assert.deepEqual(t.sockets[0].sent.slice(1), [
    { type: 'message', room: ROOM, data: { a: 1 } },
    { type: 'message', room: ROOM, data: { b: 2 }, to: 'peer-2' },
    { type: 'message', room: ROOM, data: null },
  ]);
});

test('server messages become events; unknown or malformed frames are ignored', () => {
  const t = startJoined();
  const socket = t.sockets[0];
  socket.receive({ type: 'otherjoin', room: ROOM, id: 'other' });
  socket.receive({ type: 'message', room: ROOM, from: 'other', data: { x: 1 } });
  socket.receive({ type: 'bye', room: ROOM, id: 'other' });
  socket.receive({ type: 'pong' });
  socket.receive({ type: 'something-new', extra: true });
  socket.receive('not json');
  socket.receive('[1,2]');
  socket.receive({ kind: 'no type' });
  socket.receive({ type: 'error', code: 'no_such_peer', message: 'gone', ref: 'message' });

  const types = t.events.filter((e) => e.type !== 'statechange').map((e) => e.type);
  assert.deepEqual(types, ['joined', 'otherjoin', 'message', 'bye', 'pong', 'error']);
  assert.deepEqual(t.of('message')[0], { type: 'message', room: ROOM, from: 'other', data: { x: 1 } });
  assert.equal(t.client.state, 'joined', 'an error about a message does not end the membership');
});

test('a lost socket reconnects after the backoff delay and joins the room again', () => {
  const t = startJoined();
  t.sockets[0].drop(1006);
  assert.equal(t.client.state, 'reconnecting');
  assert.equal(t.client.id, null, 'the old peer id died with its connection');
  const reconnecting = t.of('statechange').at(-1);
  assert.equal(reconnecting.delayMs, 1000);
  assert.equal(reconnecting.code, 1006);

  t.timers.advance(999);
  assert.equal(t.sockets.length, 1, 'no new socket before the delay');
  t.timers.advance(1);
  assert.equal(t.sockets.length, 2);
  assert.equal(t.client.state, 'connecting');

  t.sockets[1].open();
  assert.deepEqual(t.sockets[1].sent, [{ type: 'join', room: ROOM }]);
  t.sockets[1].receive(joined('id-2', 2));
  assert.equal(t.client.state, 'joined');
  assert.equal(t.client.id, 'id-2');
  assert.equal(t.of('joined').at(-1).rejoin, true);
  assert.deepEqual(t.states(), ['connecting', 'joining', 'joined', 'reconnecting', 'connecting', 'joining', 'joined']);
});

test('the daemon going away (1001) is a reason to come back, not to stop', () => {
  const t = startJoined();
  t.sockets[0].drop(1001, 'server shutting down');
  assert.equal(t.client.state, 'reconnecting');
  assert.equal(t.of('statechange').at(-1).reason, 'server shutting down');
  t.timers.advance(1000);
  assert.equal(t.sockets.length, 2);
});

test('failed attempts back off exponentially up to 30 s, and a join resets the delay', () => {
  const t = startJoined();
  t.sockets[0].drop(1006);
  const delays = [];
  for (let i = 0; i < 8; i += 1) {
    const delay = t.of('statechange').at(-1).delayMs;
    delays.push(delay);
    t.timers.advance(delay);
    t.sockets.at(-1).drop(1006); // connection refused: closes without opening
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);

  t.timers.advance(t.of('statechange').at(-1).delayMs);
  t.sockets.at(-1).open();
  t.sockets.at(-1).receive(joined('id-late'));
  t.sockets.at(-1).drop(1006);
  assert.equal(t.of('statechange').at(-1).delayMs, 1000, 'back to the shortest delay after a join');
});

test('close codes that retrying cannot fix end the client', () => {
  for (const [code, reason] of [[1003, ''], [1007, ''], [1009, ''], [1008, 'too many refused requests']]) {
    const t = startJoined();
    t.sockets[0].drop(code, reason);
    assert.equal(t.client.state, 'closed', `close code ${code}`);
    assert.equal(t.of('statechange').at(-1).code, code);
    t.timers.advance(120_000);
    assert.equal(t.sockets.length, 1, `no reconnect after ${code}`);
  }
});

test('a slow-consumer close (1008) is worth a reconnect', () => {
  const t = startJoined();
  t.sockets[0].drop(1008, 'slow consumer');
  assert.equal(t.client.state, 'reconnecting');
});

test('isFatalClose reads the protocol\'s close codes', () => {
  assert.equal(isFatalClose(1000), false);
  assert.equal(isFatalClose(1001, 'server shutting down'), false);
  assert.equal(isFatalClose(1001, 'idle timeout'), false);
  assert.equal(isFatalClose(1006), false);
  assert.equal(isFatalClose(1011), false);
  assert.equal(isFatalClose(1008, 'slow consumer'), false);
  assert.equal(isFatalClose(1008, 'too many refused requests'), true);
  assert.equal(isFatalClose(1003), true);
  assert.equal(isFatalClose(1007), true);
  assert.equal(isFatalClose(1009), true);
  assert.equal(isFatalClose(4000, 'replaced'), true);
});

test('an app-level ping goes out after a quiet interval; a pong keeps the socket', () => {
  const t = startJoined({ pingIntervalMs: 25_000, pongTimeoutMs: 10_000 });
  const socket = t.sockets[0];
  t.timers.advance(24_999);
  assert.deepEqual(socket.lastSent(), { type: 'join', room: ROOM });
  t.timers.advance(1);
  assert.deepEqual(socket.lastSent(), { type: 'ping' });

  t.timers.advance(5000);
  socket.receive({ type: 'pong' });
  t.timers.advance(20_000);
  assert.equal(t.client.state, 'joined');
  assert.equal(socket.sent.filter((m) => m.type === 'ping').length, 1, 'the next ping waits a full interval after the pong');
  t.timers.advance(5000);
  assert.equal(socket.sent.filter((m) => m.type === 'ping').length, 2);
});

test('any frame from the server postpones the ping', () => {
  const t = startJoined({ pingIntervalMs: 25_000 });
  const socket = t.sockets[0];
  for (let i = 0; i < 5; i += 1) {
    t.timers.advance(20_000);
    socket.receive({ type: 'message', room: ROOM, from: 'x', data: i });
  }
  assert.equal(socket.sent.filter((m) => m.type === 'ping').length, 0);
});

test('no answer to a ping counts as a lost socket: it is closed and replaced', () => {
  const t = startJoined({ pingIntervalMs: 25_000, pongTimeoutMs: 10_000 });
  t.timers.advance(25_000);
  t.timers.advance(9_999);
  assert.equal(t.client.state, 'joined');
  t.timers.advance(1);
  assert.equal(t.client.state, 'reconnecting');
  assert.equal(t.sockets[0].closedWith.code, 4001, 'not 4000: that is the server\'s "replaced"');
  assert.equal(t.of('statechange').at(-1).code, 1006);

  // The dead socket's own close event, whenever it comes, changes nothing.
  t.sockets[0].drop(1006);
  assert.equal(t.states().filter((s) => s === 'reconnecting').length, 1);
  t.timers.advance(1000);
  assert.equal(t.sockets.length, 2);
});

test('events from a replaced socket are ignored', () => {
  const t = startJoined({ pingIntervalMs: 25_000, pongTimeoutMs: 10_000 });
  t.timers.advance(35_000); // ping, then no pong: the socket is given up
  t.timers.advance(1000);
  t.sockets[1].open();
  t.sockets[1].receive(joined('id-2'));
  const before = t.events.length;
  t.sockets[0].receive({ type: 'bye', room: ROOM, id: 'stale' });
  t.sockets[0].drop(1006);
  assert.equal(t.events.length, before);
  assert.equal(t.client.state, 'joined');
});

test('a full room on the first try is final until retry()', () => {
  const t = setup();
  t.client.start(ROOM);
  t.sockets[0].open();
  t.sockets[0].receive({ type: 'full', room: ROOM });
  assert.equal(t.client.state, 'full');
  assert.equal(t.of('full').length, 1);
  t.timers.advance(20_000);
  assert.equal(t.sockets[0].sent.filter((m) => m.type === 'join').length, 1, 'no automatic retry');

  t.client.retry();
  assert.equal(t.client.state, 'joining');
  assert.equal(t.sockets[0].sent.filter((m) => m.type === 'join').length, 2, 'the same socket joins again');
  t.sockets[0].receive(joined('id-1'));
  assert.equal(t.client.state, 'joined');
  assert.equal(t.of('joined')[0].rejoin, false);
});

test('a full room while rejoining is retried with backoff, then reported', () => {
  const t = startJoined({ maxFullRetries: 3 });
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  const socket = t.sockets[1];
  socket.open();
  const delays = [];
  for (let i = 0; i < 3; i += 1) {
    socket.receive({ type: 'full', room: ROOM });
    assert.equal(t.client.state, 'reconnecting', 'our old connection may still hold the seat');
    const { delayMs } = t.of('statechange').at(-1);
    delays.push(delayMs);
    t.timers.advance(delayMs);
    assert.equal(t.client.state, 'joining');
  }
  // The backoff goes on from the reconnect's own 1 s: only a join resets it.
  assert.deepEqual(delays, [2000, 4000, 8000]);
  assert.equal(t.sockets.length, 2, 'the open socket is reused');
  socket.receive({ type: 'full', room: ROOM });
  assert.equal(t.client.state, 'full');
  assert.equal(t.of('full').length, 1);
});

test('leave() says leave, waits for leaved, closes, and never reconnects', async () => {
  const t = startJoined();
  const left = t.client.leave();
  assert.deepEqual(t.sockets[0].lastSent(), { type: 'leave', room: ROOM });
  assert.equal(t.client.state, 'closed');
  assert.equal(t.sockets[0].closedWith, null, 'the socket waits for leaved');
  t.sockets[0].receive({ type: 'leaved', room: ROOM, id: 'id-1' });
  await left;
  assert.equal(t.sockets[0].closedWith.code, 1000);
  t.sockets[0].drop(1000);
  t.timers.advance(120_000);
  assert.equal(t.sockets.length, 1);
  assert.equal(t.client.state, 'closed');
});

test('leave() gives up waiting for leaved after its timeout', async () => {
  const t = startJoined({ leaveTimeoutMs: 2000 });
  const left = t.client.leave();
  t.timers.advance(2000);
  await left;
  assert.equal(t.sockets[0].closedWith.code, 1000);
});

test('leave() before joined just closes; while reconnecting it stops the retries', async () => {
  const early = setup();
  early.client.start(ROOM);
  await early.client.leave();
  assert.equal(early.client.state, 'closed');
  assert.equal(early.sockets[0].closedWith.code, 1000);

  const t = startJoined();
  t.sockets[0].drop(1006);
  await t.client.leave();
  t.timers.advance(60_000);
  assert.equal(t.sockets.length, 1);
  assert.equal(t.client.state, 'closed');
});

test('close() ends the client without a leave message', () => {
  const t = startJoined();
  t.client.close();
  assert.equal(t.client.state, 'closed');
  assert.equal(t.sockets[0].sent.some((m) => m.type === 'leave'), false);
  assert.equal(t.sockets[0].closedWith.code, 1000);
  t.sockets[0].drop(1000);
  t.timers.advance(60_000);
  assert.equal(t.sockets.length, 1);
});

test('a refused join: invalid_room ends it, room_limit tries again later', () => {
  const bad = setup();
  bad.client.start(ROOM);
  bad.sockets[0].open();
  bad.sockets[0].receive({ type: 'error', code: 'invalid_room', message: 'no', ref: 'join' });
  assert.equal(bad.client.state, 'closed');
  assert.equal(bad.of('error')[0].code, 'invalid_room');
  const order = bad.events.slice(-2).map((e) => (e.type === 'statechange' ? e.detail.state : e.type));
  assert.deepEqual(order, ['error', 'closed'], 'the reason comes before the state it causes');

  const busy = setup();
  busy.client.start(ROOM);
  busy.sockets[0].open();
  busy.sockets[0].receive({ type: 'error', code: 'room_limit', message: 'busy', ref: 'join' });
  assert.equal(busy.client.state, 'reconnecting');
  busy.timers.advance(1000);
  assert.equal(busy.sockets[0].sent.filter((m) => m.type === 'join').length, 2);
});

test('retry() while waiting to reconnect tries at once', () => {
  const t = startJoined();
  t.sockets[0].drop(1006);
  t.client.retry();
  assert.equal(t.sockets.length, 2);
  assert.equal(t.client.state, 'connecting');
  t.timers.advance(60_000);
  assert.equal(t.sockets.length, 2, 'the cancelled timer does not open another socket');
});

test('defaultSignalingUrl follows the page\'s scheme and host', () => {
  assert.equal(defaultSignalingUrl({ protocol: 'http:', host: '127.0.0.1:9980' }), 'ws://127.0.0.1:9980/ws');
  assert.equal(defaultSignalingUrl({ protocol: 'https:', host: 'duet.example.org' }), 'wss://duet.example.org/ws');
});

test('parseServerFrame keeps only known message types', () => {
  assert.deepEqual(parseServerFrame('{"type":"pong"}'), { type: 'pong' });
  assert.equal(parseServerFrame('{"type":"hello"}'), null);
  assert.equal(parseServerFrame('{"type":1}'), null);
  assert.equal(parseServerFrame('null'), null);
  assert.equal(parseServerFrame('[]'), null);
  assert.equal(parseServerFrame('{'), null);
  assert.equal(parseServerFrame(new ArrayBuffer(2)), null);
});

test('a socket lost while the room is full stays full; retry() connects again', () => {
  const t = setup();
  t.client.start(ROOM);
  t.sockets[0].open();
  t.sockets[0].receive({ type: 'full', room: ROOM });
  t.sockets[0].drop(1001, 'idle timeout');
  assert.equal(t.client.state, 'full');
  t.timers.advance(60_000);
  assert.equal(t.sockets.length, 1);
  t.client.retry();
  assert.equal(t.sockets.length, 2);
  t.sockets[1].open();
  assert.deepEqual(t.sockets[1].sent, [{ type: 'join', room: ROOM }]);
});

test('a join token goes with the join and with every rejoin; unauthorized ends it', () => {
  const t = setup();
  t.client.start(ROOM, { token: 'aa.bb.cc' });
  t.sockets[0].open();
  assert.deepEqual(t.sockets[0].sent, [{ type: 'join', room: ROOM, token: 'aa.bb.cc' }]);
  t.sockets[0].receive(joined('id-1'));
  t.sockets[0].drop(1006);
  t.timers.advance(1000);
  t.sockets[1].open();
  assert.deepEqual(t.sockets[1].sent, [{ type: 'join', room: ROOM, token: 'aa.bb.cc' }]);
  t.sockets[1].receive({ type: 'error', code: 'unauthorized', message: 'the token has expired', ref: 'join' });
  assert.equal(t.client.state, 'closed', 'the same token would be refused again');
  assert.equal(t.of('error').at(-1).code, 'unauthorized');
});
