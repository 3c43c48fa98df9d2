import { test } from 'node:test';
import assert from 'node:assert/strict';

import { describeMediaError, mediaProblemText, permissionHint } from '../../public/js/media-problems.js';

const domError = (name) => Object.assign(new Error(name), { name });

test('getUserMedia errors in words', () => {
  assert.equal(describeMediaError(domError('NotAllowedError')), 'blocked');
  assert.equal(describeMediaError(domError('NotFoundError')), 'not found');
  assert.equal(describeMediaError(domError('OverconstrainedError')), 'not found');
  assert.equal(describeMediaError(domError('NotReadableError')), 'in use by another program');
  assert.equal(describeMediaError(domError('NotSupportedError')), 'not available on this page');
  assert.equal(describeMediaError(new Error('odd')), 'not working');
  assert.equal(describeMediaError(undefined), 'not working');
});

test('what the person will send, in one sentence', () => {
  assert.equal(mediaProblemText({ camera: null, mic: null }), null);
  assert.equal(mediaProblemText({ camera: 'blocked', mic: null }), 'Camera blocked: sending sound only.');
  assert.equal(mediaProblemText({ camera: null, mic: 'not found' }),
    'Microphone not found: the other person can see you but not hear you.');
  assert.equal(mediaProblemText({ camera: 'blocked', mic: 'blocked' }),
    'Camera and microphone blocked: watching and listening only.');
  assert.equal(mediaProblemText({ camera: 'not found', mic: 'blocked' }),
    'Camera not found, microphone blocked: watching and listening only.');
});

test('a blocked device comes with where to unblock it', () => {
  assert.match(permissionHint({ camera: 'blocked', mic: null }), /address bar/);
  assert.equal(permissionHint({ camera: 'not found', mic: null }), null);
});
