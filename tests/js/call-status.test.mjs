// The status line: one state and one sentence for every situation.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { describeCall, PAGE_STATES } from '../../public/js/call-status.js';

const base = {
  room: 'demo', phase: 'in-room', signaling: 'joined', everJoined: true, partner: 'absent', connection: null,
};
const status = (changes) => describeCall({ ...base, ...changes });

test('before joining, and after leaving', () => {
  assert.deepEqual(status({ phase: 'prejoin', signaling: 'idle', everJoined: false }),
    { state: 'idle', text: 'Check your camera and microphone, then press Join.' });
  assert.equal(status({ phase: 'left', signaling: 'closed' }).state, 'left');
  assert.match(status({ phase: 'left', signaling: 'closed' }).text, /You left the call/);
});

test('joining for the first time', () => {
  assert.deepEqual(status({ signaling: 'connecting', everJoined: false }),
    { state: 'connecting', text: 'Connecting to the server…' });
  assert.deepEqual(status({ signaling: 'joining', everJoined: false }),
    { state: 'connecting', text: 'Joining room demo…' });
});

test('waiting for the other person, before and after they came', () => {
  assert.deepEqual(status({}), { state: 'waiting', text: 'Waiting for the other person to join. Send them the invite link.' });
  assert.deepEqual(status({ partner: 'gone' }),
    { state: 'waiting', text: 'The other person left. Waiting for them (or someone else) to join…' });
});

test('the call being set up, and up', () => {
  assert.deepEqual(status({ partner: 'present', connection: 'new' }),
    { state: 'calling', text: 'The other person is here. Connecting the call…' });
  assert.equal(status({ partner: 'present', connection: 'connecting' }).state, 'calling');
  assert.deepEqual(status({ partner: 'present', connection: 'connected' }), { state: 'connected', text: 'Connected.' });
});

test('a call whose media path broke is reconnecting', () => {
  for (const connection of ['disconnected', 'failed']) {
    assert.deepEqual(status({ partner: 'present', connection }),
      { state: 'reconnecting', text: 'The connection to the other person dropped. Reconnecting…' });
  }
  assert.match(status({ signaling: 'reconnecting', connection: 'failed' }).text, /and so did the server/);
});

test('losing the server does not end a call whose media flows', () => {
  for (const signaling of ['reconnecting', 'connecting', 'joining']) {
    const shown = status({ signaling, partner: 'present', connection: 'connected' });
    assert.equal(shown.state, 'connected', signaling);
    assert.match(shown.text, /your call goes on while it reconnects/);
  }
});

test('losing the server with no call says when it tries again', () => {
  assert.deepEqual(status({ signaling: 'reconnecting', retryInMs: 4000 }),
    { state: 'reconnecting', text: 'Lost the connection to the server. Trying again in 4 s…' });
  assert.deepEqual(status({ signaling: 'reconnecting', retryInMs: 400 }),
    { state: 'reconnecting', text: 'Lost the connection to the server. Reconnecting…' });
  assert.equal(status({ signaling: 'connecting' }).state, 'reconnecting', 'after a first join, a new connection is a reconnect');
});

test('the other person\'s link to the server dropping (peerdown) is "reconnecting", never "left"', () => {
  for (const connection of [null, 'new', 'connected', 'disconnected', 'failed']) {
    const shown = status({ partner: 'down', connection });
    assert.equal(shown.state, 'reconnecting', String(connection));
    assert.doesNotMatch(shown.text, /left/);
  }
  assert.deepEqual(status({ partner: 'down', connection: 'connected' }), {
    state: 'reconnecting',
    text: 'Connected. The other person\'s link to the server dropped; waiting for it to come back…',
  });
  assert.deepEqual(status({ partner: 'down', connection: null }),
    { state: 'reconnecting', text: 'The other person\'s connection dropped. Waiting for them to come back…' });
});

test('our own link dropping says so first: their seat is the server\'s news, and we cannot hear it', () => {
  const shown = status({ signaling: 'reconnecting', partner: 'down', connection: 'connected' });
  assert.equal(shown.state, 'connected');
  assert.match(shown.text, /The link to the server dropped/);
});

test('a full room and a refusal are said plainly', () => {
  const full = status({ signaling: 'full', everJoined: false });
  assert.equal(full.state, 'full');
  assert.match(full.text, /Room demo is full/);
  assert.deepEqual(status({ phase: 'failed', failure: 'The server refused this room name.' }),
    { state: 'error', text: 'The server refused this room name.' });
  assert.equal(status({ signaling: 'closed' }).state, 'error');
});

test('every state it returns is a documented page state', () => {
  const phases = ['prejoin', 'in-room', 'left', 'failed'];
  const signalings = ['idle', 'connecting', 'joining', 'joined', 'full', 'reconnecting', 'closed'];
  const partners = ['absent', 'present', 'down', 'gone'];
  const connections = [null, 'new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];
  for (const phase of phases) for (const signaling of signalings) for (const partner of partners) {
    for (const connection of connections) for (const everJoined of [false, true]) {
      const shown = status({ phase, signaling, partner, connection, everJoined });
      assert.ok(PAGE_STATES.includes(shown.state), JSON.stringify(shown));
      assert.ok(shown.text.length > 0);
    }
  }
});

test('a camera or microphone problem is said after the call\'s own news', () => {
  const mediaNote = 'Camera blocked: sending sound only.';
  assert.deepEqual(status({ partner: 'present', connection: 'connected', mediaNote }),
    { state: 'connected', text: 'Connected. Camera blocked: sending sound only.' });
  assert.equal(status({ phase: 'prejoin', signaling: 'idle', mediaNote }).text,
    'Check your camera and microphone, then press Join. Camera blocked: sending sound only.');
  assert.doesNotMatch(status({ signaling: 'full', mediaNote }).text, /Camera/);
  assert.doesNotMatch(status({ phase: 'left', mediaNote }).text, /Camera/);
});
