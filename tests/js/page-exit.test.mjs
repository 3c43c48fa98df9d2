// Leaving the page: a close or a navigation elsewhere leaves the room (so
// the other person hears `bye` at once), a reload or the back/forward cache
// keeps the seat for the page to resume.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { exitKind, watchPageExit } from '../../public/js/page-exit.js';

function pageEvent(type, fields) {
  return Object.assign(new Event(type), fields);
}

function watched() {
  const win = new EventTarget();
  const exits = [];
  const stop = watchPageExit(win, (kind) => exits.push(kind));
  return { win, exits, stop };
}

test('closing the tab (pagehide with no pageswap before it) leaves the room', () => {
  const { win, exits } = watched();
  win.dispatchEvent(pageEvent('pagehide', { persisted: false }));
  assert.deepEqual(exits, ['leave']);
});

test('a reload keeps the seat', () => {
  const { win, exits } = watched();
  win.dispatchEvent(pageEvent('pageswap', { activation: { navigationType: 'reload' } }));
  win.dispatchEvent(pageEvent('pagehide', { persisted: false }));
  assert.deepEqual(exits, ['keep']);
});

test('going to another page, or to another site (no activation), leaves the room', () => {
  for (const activation of [{ navigationType: 'push' }, { navigationType: 'traverse' }, null]) {
    const { win, exits } = watched();
    win.dispatchEvent(pageEvent('pageswap', { activation }));
    win.dispatchEvent(pageEvent('pagehide', { persisted: false }));
    assert.deepEqual(exits, ['leave'], JSON.stringify(activation));
  }
});

test('a page kept in the back/forward cache keeps its seat; what it saw before does not stick', () => {
  const { win, exits } = watched();
  win.dispatchEvent(pageEvent('pagehide', { persisted: true }));
  win.dispatchEvent(pageEvent('pageswap', { activation: { navigationType: 'reload' } }));
  win.dispatchEvent(pageEvent('pagehide', { persisted: false }));
  win.dispatchEvent(pageEvent('pagehide', { persisted: false }));
  assert.deepEqual(exits, ['keep', 'keep', 'leave']);
});

test('a browser without pageswap leaves on every pagehide', () => {
  assert.equal(exitKind({ persisted: false, navigationType: null }), 'leave');
  assert.equal(exitKind({ persisted: true, navigationType: null }), 'keep');
});

test('the returned function stops listening', () => {
  const { win, exits, stop } = watched();
  stop();
  win.dispatchEvent(pageEvent('pagehide', { persisted: false }));
  assert.deepEqual(exits, []);
});
