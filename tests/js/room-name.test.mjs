import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  isValidRoomName, roomNameProblem, randomRoomName, ROOM_NAME_MAX_LENGTH,
} from '../../public/js/room-name.js';

test('names of 1 to 64 characters from A-Z a-z 0-9 _ . ~ - are valid', () => {
  for (const name of ['a', 'demo', 'Demo-Room_1.2~3', 'x'.repeat(64), '...', '~', '-_-']) {
    assert.equal(isValidRoomName(name), true, name);
    assert.equal(roomNameProblem(name), null, name);
  }
});

test('everything else is refused, with the first problem in words', () => {
  const cases = [
    ['', /Enter a room name/],
    ['x'.repeat(65), /at most 64 characters \(this one has 65\)/],
    ['two words', /not a space/],
    ['a/b', /not "\/"/],
    ['100%', /not "%"/],
    ['café', /not "é"/],
    ['😀', /not "😀"/],
    ['tab\there', /not "\t"/],
  ];
  for (const [name, problem] of cases) {
    assert.equal(isValidRoomName(name), false, JSON.stringify(name));
    assert.match(roomNameProblem(name), problem, JSON.stringify(name));
  }
});

test('non-strings are not room names', () => {
  for (const value of [null, undefined, 42, ['demo'], { name: 'demo' }]) {
    assert.equal(isValidRoomName(value), false);
    assert.match(roomNameProblem(value), /Enter a room name/);
  }
});

test('a trailing newline does not sneak past the rule', () => {
  assert.equal(isValidRoomName('demo\n'), false);
});

test('random names follow the rule and do not repeat', () => {
  const names = new Set();
  for (let i = 0; i < 500; i += 1) {
    const name = randomRoomName();
    assert.equal(isValidRoomName(name), true, name);
    assert.match(name, /^room-[a-z2-9]{10}$/);
    assert.doesNotMatch(name.slice(5), /[lo01]/, 'no look-alike characters');
    names.add(name);
  }
  assert.equal(names.size, 500);
  assert.ok(randomRoomName(ROOM_NAME_MAX_LENGTH - 5).length === ROOM_NAME_MAX_LENGTH);
});
