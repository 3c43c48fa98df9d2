import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  formatDuration, formatBitrate, formatResolution, formatMilliseconds, formatPercent, formatFrameRate,
} from '../../public/js/format.js';

test('durations read like a clock', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(999), '0:00');
  assert.equal(formatDuration(7_000), '0:07');
  assert.equal(formatDuration(754_000), '12:34');
  assert.equal(formatDuration(3_723_000), '1:02:03');
  assert.equal(formatDuration(-5), '0:00');
  assert.equal(formatDuration(NaN), '0:00');
});

test('numbers get units, and unknown ones a dash', () => {
  assert.equal(formatBitrate(849.6), '850 kbit/s');
  assert.equal(formatBitrate(2400), '2.4 Mbit/s');
  assert.equal(formatBitrate(null), '–');
  assert.equal(formatResolution(640, 480), '640×480');
  assert.equal(formatResolution(0, 480), '–');
  assert.equal(formatResolution(null, null), '–');
  assert.equal(formatMilliseconds(12.4), '12 ms');
  assert.equal(formatMilliseconds(null), '–');
  assert.equal(formatPercent(0.54), '0.5 %');
  assert.equal(formatPercent(12.6), '13 %');
  assert.equal(formatPercent(undefined), '–');
  assert.equal(formatFrameRate(29.97), '30 fps');
  assert.equal(formatFrameRate(undefined), '–');
});
