import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  parseRelayed, chatMessage, stateMessage, hangupMessage, parseChannelMessage, MAX_CHAT_LENGTH,
} from '../../public/js/peer-messages.js';

test('descriptions, candidates and hellos are recognised', () => {
  assert.deepEqual(parseRelayed({ type: 'offer', sdp: 'v=0', extra: 1 }), { type: 'offer', sdp: 'v=0' });
  assert.deepEqual(parseRelayed({ type: 'answer', sdp: 'v=0' }), { type: 'answer', sdp: 'v=0' });
  const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  assert.deepEqual(parseRelayed({ type: 'candidate', candidate }), { type: 'candidate', candidate });
  assert.deepEqual(parseRelayed({ type: 'hello', mine: '1', yours: null }), { type: 'hello', mine: '1', yours: null });
  assert.deepEqual(parseRelayed({ type: 'hello' }), { type: 'hello', mine: null, yours: null });
});

test('anything else relayed is not ours to act on', () => {
  for (const data of [
    null, 'offer', 42, [], {}, { type: 'offer' }, { type: 'offer', sdp: 5 }, { type: 'candidate' },
    { type: 'candidate', candidate: null }, { type: 'candidate', candidate: { sdpMid: '0' } },
    { type: 'hello', mine: 7 }, { type: 'hello', yours: 'x'.repeat(65) }, { type: 'bye' },
  ]) {
    assert.equal(parseRelayed(data), null, JSON.stringify(data));
  }
});

test('chat and state messages round-trip over the data channel', () => {
  assert.deepEqual(parseChannelMessage(chatMessage('hello there')), { type: 'chat', text: 'hello there' });
  assert.deepEqual(
    parseChannelMessage(stateMessage({ mic: false, camera: true, screen: false })),
    { type: 'state', mic: false, camera: true, screen: false },
  );
  assert.deepEqual(parseChannelMessage(hangupMessage()), { type: 'hangup' });
});

test('chat text is capped, and empty or odd messages are dropped', () => {
  const long = 'x'.repeat(MAX_CHAT_LENGTH + 50);
  assert.equal(parseChannelMessage(chatMessage(long)).text.length, MAX_CHAT_LENGTH);
  assert.equal(parseChannelMessage(JSON.stringify({ type: 'chat', text: long })).text.length, MAX_CHAT_LENGTH);
  for (const text of ['', '{', 'null', '{"type":"chat","text":"   "}', '{"type":"chat"}', '{"type":"other"}',
    JSON.stringify({ type: 'chat', text: 'x'.repeat(MAX_CHAT_LENGTH * 5) })]) {
    assert.equal(parseChannelMessage(text), null, text.slice(0, 40));
  }
  assert.equal(parseChannelMessage(new ArrayBuffer(4)), null);
});

test('state flags are true only when really true', () => {
  assert.deepEqual(parseChannelMessage('{"type":"state","mic":"yes","camera":1}'),
    { type: 'state', mic: false, camera: false, screen: false });
});
