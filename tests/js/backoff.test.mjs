import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Backoff } from '../../public/js/backoff.js';

test('delays double from 1 s up to the 30 s cap', () => {
  const backoff = new Backoff({ random: () => 0 });
  const delays = Array.from({ length: 8 }, () => backoff.next());
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoff.attempts, 8);
});

test('jitter only shortens a delay, by at most its share', () => {
  const longest = new Backoff({ random: () => 0 });
  const shortest = new Backoff({ random: () => 0.999999 });
  for (let i = 0; i < 10; i += 1) {
    const high = longest.next();
    const low = shortest.next();
    assert.ok(low >= high * 0.5 - 1 && low <= high, `attempt ${i}: ${low} vs ${high}`);
  }
});

test('random jitter stays inside [delay/2, delay]', () => {
  const backoff = new Backoff();
  for (let i = 0; i < 200; i += 1) {
    const cap = Math.min(30_000, 1000 * 2 ** Math.min(i, 20));
    const delay = backoff.next();
    assert.ok(delay >= cap / 2 && delay <= cap, `attempt ${i}: ${delay} outside [${cap / 2}, ${cap}]`);
  }
});

test('reset() starts over at the shortest delay', () => {
  const backoff = new Backoff({ random: () => 0 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.attempts, 0);
  assert.equal(backoff.next(), 1000);
});

test('the shape is configurable, and nonsense is refused', () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 500, factor: 3, jitter: 0, random: () => 0.7 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 300, 500]);
  assert.throws(() => new Backoff({ initialMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), RangeError);
  assert.throws(() => new Backoff({ factor: 0.5 }), RangeError);
  assert.throws(() => new Backoff({ jitter: 1 }), RangeError);
});

test('a very long outage never overflows the cap', () => {
  const backoff = new Backoff({ random: () => 0 });
  let delay = 0;
  for (let i = 0; i < 5000; i += 1) {
    delay = backoff.next();
  }
  assert.equal(delay, 30_000);
});
