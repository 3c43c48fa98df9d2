import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  withRecentRoom, loadRecentRooms, rememberRoom, forgetRecentRooms, RECENT_ROOMS_KEY, MAX_RECENT_ROOMS,
} from '../../public/js/recent-rooms.js';
import { MapStorage } from './fakes.mjs';

test('the newest room comes first, without duplicates, and the list is capped', () => {
  let rooms = [];
  rooms = withRecentRoom(rooms, 'a', 1);
  rooms = withRecentRoom(rooms, 'b', 2);
  rooms = withRecentRoom(rooms, 'a', 3);
  assert.deepEqual(rooms, [{ name: 'a', at: 3 }, { name: 'b', at: 2 }]);
  for (let i = 0; i < 20; i += 1) {
    rooms = withRecentRoom(rooms, `r${i}`, 10 + i);
  }
  assert.equal(rooms.length, MAX_RECENT_ROOMS);
  assert.equal(rooms[0].name, 'r19');
});

test('rememberRoom and loadRecentRooms round-trip through storage', () => {
  const storage = new MapStorage();
  assert.deepEqual(loadRecentRooms(storage), []);
  assert.equal(rememberRoom(storage, 'demo', 100), true);
  assert.equal(rememberRoom(storage, 'other', 200), true);
  assert.equal(rememberRoom(storage, 'demo', 300), true);
  assert.deepEqual(loadRecentRooms(storage).map((r) => r.name), ['demo', 'other']);
  forgetRecentRooms(storage);
  assert.deepEqual(loadRecentRooms(storage), []);
});

test('invalid names are never remembered', () => {
  const storage = new MapStorage();
  assert.equal(rememberRoom(storage, 'not valid!', 1), false);
  assert.deepEqual(loadRecentRooms(storage), []);
});

test('garbage in storage reads as an empty or filtered list', () => {
  const storage = new MapStorage();
  for (const junk of ['{', '"text"', '{"a":1}', 'null', '42']) {
    storage.setItem(RECENT_ROOMS_KEY, junk);
    assert.deepEqual(loadRecentRooms(storage), [], junk);
  }
  storage.setItem(RECENT_ROOMS_KEY, JSON.stringify([
    { name: 'ok', at: 5 }, { name: 'bad name', at: 9 }, { name: 'no-time' }, null, 'x', { name: 'newer', at: 7 },
  ]));
  assert.deepEqual(loadRecentRooms(storage), [{ name: 'newer', at: 7 }, { name: 'ok', at: 5 }]);
});

test('storage that refuses writes, or is missing, does not break anything', () => {
  const storage = new MapStorage();
  storage.failWrites = true;
  assert.equal(rememberRoom(storage, 'demo', 1), false);
  assert.deepEqual(loadRecentRooms(storage), []);
  assert.deepEqual(loadRecentRooms(null), []);
  assert.equal(rememberRoom(null, 'demo', 1), false);
});
