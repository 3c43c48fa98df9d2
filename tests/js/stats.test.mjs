// stats.js against a real getStats() report recorded from headless Chromium
// (fixtures/chromium-stats.json), and against the shapes other browsers use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { summarizeStats } from '../../public/js/stats.js';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/chromium-stats.json', import.meta.url)));

test('a recorded Chromium call: path, round trip, video and sound', () => {
  const summary = summarizeStats(recorded.first);
  assert.equal(summary.path, 'direct');
  assert.equal(summary.localCandidate.type, 'host');
  assert.equal(summary.localCandidate.protocol, 'udp');
  assert.ok(summary.rttMs >= 0 && summary.rttMs < 100, `rtt ${summary.rttMs}`);
  assert.ok(summary.videoIn.width > 0 && summary.videoIn.height > 0);
  assert.ok(summary.videoIn.framesDecoded > 0);
  assert.ok(summary.videoOut.width > 0);
  assert.ok(summary.audioIn.samples > 0);
  assert.ok(summary.packets.received > 0);
  assert.equal(summary.sent.kbps, null, 'no rate without a previous sample');
  assert.equal(summary.received.kbps, null);
});

test('rates come from two samples', () => {
  const first = summarizeStats(recorded.first);
  const second = summarizeStats(recorded.second, first);
  const seconds = (second.at - first.at) / 1000;
  assert.ok(seconds > 0.5 && seconds < 2, `samples ${seconds} s apart`);
  assert.ok(second.sent.kbps > 10 && second.sent.kbps < 10_000, `sent ${second.sent.kbps} kbit/s`);
  assert.ok(second.received.kbps > 10 && second.received.kbps < 10_000, `received ${second.received.kbps} kbit/s`);
  const expected = ((second.received.bytes - first.received.bytes) * 8) / 1000 / seconds;
  assert.ok(Math.abs(second.received.kbps - expected) < 1e-9);
  assert.ok(second.packets.lossPct >= 0 && second.packets.lossPct <= 100);
});

const base = (extra = []) => [
  { id: 'T', type: 'transport', timestamp: 1000, selectedCandidatePairId: 'P' },
  { id: 'P', type: 'candidate-pair', timestamp: 1000, localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.042, nominated: true, state: 'succeeded' },
  { id: 'L', type: 'local-candidate', timestamp: 1000, candidateType: 'relay', address: '203.0.113.5', port: 3478, protocol: 'udp' },
  { id: 'R', type: 'remote-candidate', timestamp: 1000, candidateType: 'srflx', address: '198.51.100.7', port: 5000, protocol: 'udp' },
  ...extra,
];

test('a TURN relay on either end makes the path "relayed"', () => {
  const summary = summarizeStats(base());
  assert.equal(summary.path, 'relayed');
  assert.equal(summary.rttMs, 42);
  assert.deepEqual(summary.localCandidate, { type: 'relay', address: '203.0.113.5', port: 3478, protocol: 'udp' });
});

test('Firefox marks the pair `selected` instead of naming it in a transport report', () => {
  const reports = base().filter((r) => r.type !== 'transport').map((r) => (r.type === 'candidate-pair' ? { ...r, selected: true } : r));
  reports.push({ id: 'P2', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'failed' });
  const summary = summarizeStats(reports);
  assert.equal(summary.path, 'relayed');
  assert.equal(summary.rttMs, 42);
});

test('before ICE has chosen a pair, nothing is claimed', () => {
  const summary = summarizeStats([{ id: 'x', type: 'peer-connection', timestamp: 5 }]);
  assert.equal(summary.path, null);
  assert.equal(summary.rttMs, null);
  assert.equal(summary.localCandidate, null);
  assert.equal(summary.videoIn, null);
  assert.equal(summary.audioIn, null);
  assert.equal(summary.packets.lossPct, null);
});

test('packet loss is measured over the last interval', () => {
  const inbound = (lost, received, timestamp) => ({
    id: 'I', type: 'inbound-rtp', kind: 'video', timestamp, packetsLost: lost, packetsReceived: received, bytesReceived: received * 1000,
  });
  const first = summarizeStats(base([inbound(100, 900, 1000)]));
  assert.equal(first.packets.lossPct, 10, 'without a previous sample: since the start');
  const second = summarizeStats(base([inbound(101, 1899, 2000)]), first);
  assert.ok(Math.abs(second.packets.lossPct - 0.1) < 1e-9, `${second.packets.lossPct}`);
  const idle = summarizeStats(base([inbound(101, 1899, 3000)]), second);
  assert.equal(idle.packets.lossPct, null, 'nothing arrived, so nothing was lost');
});

test('with simulcast the largest outgoing layer is "the" resolution', () => {
  const layers = [160, 640, 320].map((width, i) => ({
    id: `O${i}`, type: 'outbound-rtp', kind: 'video', timestamp: 1000, frameWidth: width, frameHeight: width * 0.75, bytesSent: 100,
  }));
  const summary = summarizeStats(base(layers));
  assert.equal(summary.videoOut.width, 640);
  assert.equal(summary.sent.bytes, 300);
});

test('a counter that went backwards (a new connection) gives no rate', () => {
  const outbound = (bytes, timestamp) => ({ id: 'O', type: 'outbound-rtp', kind: 'audio', timestamp, bytesSent: bytes });
  const first = summarizeStats(base([outbound(50_000, 1000)]));
  const second = summarizeStats(base([outbound(10, 2000)]), first);
  assert.equal(second.sent.kbps, null);
});
