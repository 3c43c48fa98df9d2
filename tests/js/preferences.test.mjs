import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  loadDeviceChoice, saveDeviceChoice, markForRejoin, takeRejoinMark, REJOIN_WINDOW_MS,
} from '../../public/js/preferences.js';
import { MapStorage } from './fakes.mjs';

test('device choices round-trip, and junk reads as no choice', () => {
  const storage = new MapStorage();
  assert.deepEqual(loadDeviceChoice(storage), { cameraId: null, micId: null });
  saveDeviceChoice(storage, { cameraId: 'cam-1', micId: 'mic-2' });
  assert.deepEqual(loadDeviceChoice(storage), { cameraId: 'cam-1', micId: 'mic-2' });
  storage.setItem('duet.devices', '{"cameraId": 5, "micId": ""}');
  assert.deepEqual(loadDeviceChoice(storage), { cameraId: null, micId: null });
  storage.setItem('duet.devices', 'nonsense');
  assert.deepEqual(loadDeviceChoice(storage), { cameraId: null, micId: null });
});

test('a reload soon after leaving mid-call goes back in, once', () => {
  const storage = new MapStorage();
  markForRejoin(storage, 'demo', 1000);
  assert.equal(takeRejoinMark(storage, 'demo', 3000), true);
  assert.equal(takeRejoinMark(storage, 'demo', 3000), false, 'the mark is used up');
});

test('the mark counts only for the same room and a short while', () => {
  const storage = new MapStorage();
  markForRejoin(storage, 'demo', 1000);
  assert.equal(takeRejoinMark(storage, 'other', 2000), false);
  markForRejoin(storage, 'demo', 1000);
  assert.equal(takeRejoinMark(storage, 'demo', 1000 + REJOIN_WINDOW_MS + 1), false);
  markForRejoin(storage, 'demo', 5000);
  assert.equal(takeRejoinMark(storage, 'demo', 4000), false, 'a clock that went back is not trusted');
});

test('broken or missing storage changes nothing', () => {
  const storage = new MapStorage();
  storage.failWrites = true;
  saveDeviceChoice(storage, { cameraId: 'x', micId: 'y' });
  markForRejoin(storage, 'demo');
  assert.deepEqual(loadDeviceChoice(storage), { cameraId: null, micId: null });
  assert.equal(takeRejoinMark(storage, 'demo'), false);
  assert.equal(takeRejoinMark(null, 'demo'), false);
  assert.deepEqual(loadDeviceChoice(undefined), { cameraId: null, micId: null });
});
