// The room page's join token: taken from an invite link's #t= fragment, kept
// for the tab, removed from the address bar; refusals told in words.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  tokenFromFragment, takeJoinToken, forgetJoinToken, unauthorizedText,
} from '../../public/js/join-token.js';
import { MapStorage } from './fakes.mjs';

function fakeHistory() {
  return {
    state: null,
    calls: [],
    replaceState(state, title, url) {
      this.calls.push(url);
    },
  };
}

const link = (hash) => ({ pathname: '/room.html', search: '?room=demo', hash });

test('the token is read from #t=, and only from there', () => {
  assert.equal(tokenFromFragment('#t=aa.bb.cc'), 'aa.bb.cc');
  assert.equal(tokenFromFragment('#x=1&t=aa.bb.cc'), 'aa.bb.cc');
  assert.equal(tokenFromFragment(''), null);
  assert.equal(tokenFromFragment('#'), null);
  assert.equal(tokenFromFragment('#t='), null);
  assert.equal(tokenFromFragment('#token=aa.bb.cc'), null);
  assert.equal(tokenFromFragment(undefined), null);
});

test('an invite link\'s token is kept for the tab and leaves the address bar', () => {
  const storage = new MapStorage();
  const history = fakeHistory();
  const token = takeJoinToken({ location: link('#t=aa.bb.cc'), history, storage, room: 'demo' });
  assert.equal(token, 'aa.bb.cc');
  assert.deepEqual(history.calls, ['/room.html?room=demo'], 'the fragment is gone from the address');
  // A reload: no fragment any more, the kept token is used.
  const again = fakeHistory();
  assert.equal(takeJoinToken({ location: link(''), history: again, storage, room: 'demo' }), 'aa.bb.cc');
  assert.deepEqual(again.calls, [], 'nothing to remove');
  // Kept per room.
  assert.equal(takeJoinToken({ location: link(''), history: again, storage, room: 'other' }), null);
});

test('a refused token is forgotten', () => {
  const storage = new MapStorage();
  takeJoinToken({ location: link('#t=aa.bb.cc'), history: fakeHistory(), storage, room: 'demo' });
  forgetJoinToken(storage, 'demo');
  assert.equal(takeJoinToken({ location: link(''), history: fakeHistory(), storage, room: 'demo' }), null);
});

test('no link, no storage: no token, and nothing breaks', () => {
  assert.equal(takeJoinToken({ location: link(''), history: fakeHistory(), storage: null, room: 'demo' }), null);
  const throwing = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  assert.equal(takeJoinToken({ location: link('#t=x.y.z'), history: fakeHistory(), storage: throwing, room: 'demo' }),
    'x.y.z');
  assert.equal(takeJoinToken({ location: link(''), history: fakeHistory(), storage: throwing, room: 'demo' }), null);
});

test('unauthorized is told in words, by the daemon\'s reason', () => {
  assert.match(unauthorizedText('the token has expired'), /link has expired/);
  assert.match(unauthorizedText('the token has already been used'), /already used/);
  assert.match(unauthorizedText('the token is not for this room'), /different room/);
  assert.match(unauthorizedText('the token is not valid yet'), /not valid yet/);
  assert.match(unauthorizedText('this server requires a token to join'), /needs an invite link/);
  assert.match(unauthorizedText('the token is malformed'), /does not work \(the token is malformed\)/);
  assert.match(unauthorizedText(undefined), /does not work\. Ask/);
});
