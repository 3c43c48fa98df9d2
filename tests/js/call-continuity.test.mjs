// Telling a daemon restart (same call, keep it) from a reload (new call).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  callSessions, helloFor, judgeHello, isOfferFromNewConnection,
} from '../../public/js/call-continuity.js';
import { sdpSessionId } from '../../public/js/sdp.js';

const sdp = (sessionId, version = 2) => `v=0\r\no=- ${sessionId} ${version} IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n`;

test('sdpSessionId reads the origin line', () => {
  assert.equal(sdpSessionId(sdp('4611731400430051336')), '4611731400430051336');
  assert.equal(sdpSessionId('v=0\no=mozilla...THIS_IS_SDPARTA-99.0 7052848360639826063 0 IN IP4 0.0.0.0\n'), '7052848360639826063');
  assert.equal(sdpSessionId('v=0\r\ns=-\r\n'), null);
  assert.equal(sdpSessionId(''), null);
  assert.equal(sdpSessionId(null), null);
  assert.equal(sdpSessionId(undefined), null);
});

test('the sessions of a call, as each side sees them, mirror each other', () => {
  const alice = callSessions(sdp('111'), sdp('222'));
  const bob = callSessions(sdp('222', 5), sdp('111', 3));
  assert.deepEqual(alice, { mine: '111', yours: '222' });
  assert.deepEqual(helloFor(bob), { type: 'hello', mine: '222', yours: '111' });
  assert.equal(judgeHello(helloFor(bob), alice), 'continue', 'renegotiations do not change the session id');
});

test('a fresh page (no call) next to a live call means a fresh call', () => {
  const stayer = callSessions(sdp('111'), sdp('222'));
  assert.equal(judgeHello(helloFor(callSessions(null, null)), stayer), 'restart');
});

test('a page holding some other call means a fresh call', () => {
  const stayer = callSessions(sdp('111'), sdp('222'));
  assert.equal(judgeHello({ type: 'hello', mine: '333', yours: '111' }, stayer), 'restart');
  assert.equal(judgeHello({ type: 'hello', mine: '222', yours: '444' }, stayer), 'restart');
  assert.equal(judgeHello({ type: 'hello', mine: '222', yours: null }, stayer), 'restart');
});

test('a connection that has not heard from the other side waits instead', () => {
  assert.equal(judgeHello(helloFor(callSessions(null, null)), callSessions(null, null)), 'wait');
  assert.equal(judgeHello(helloFor(callSessions(null, null)), callSessions(sdp('111'), null)), 'wait');
  assert.equal(judgeHello({ type: 'hello', mine: '9', yours: '8' }, callSessions(sdp('111'), null)), 'wait');
});

test('an offer from another connection than ours is recognised', () => {
  const ours = callSessions(sdp('111'), sdp('222'));
  assert.equal(isOfferFromNewConnection(sdp('222', 9), ours), false, 'a renegotiation');
  assert.equal(isOfferFromNewConnection(sdp('999'), ours), true, 'the other page reloaded');
  assert.equal(isOfferFromNewConnection(sdp('999'), callSessions(sdp('111'), null)), false, 'nothing to compare with');
  assert.equal(isOfferFromNewConnection('garbage', ours), false);
});
