// Test doubles for the DOM-free client modules: a WebSocket the test drives
// by hand, timers on a manual clock, a Storage backed by a Map, and the
// signaling client, media and peer sessions a Call works with.

import { Call } from '../../public/js/call.js';

/** Returns a fake WebSocket class whose instances the test can reach through `sockets`. */
export function fakeWebSocketClass() {
  const sockets = [];
  class FakeWebSocket extends EventTarget {
    readyState = 0; // CONNECTING
    sent = [];
    closedWith = null;

    constructor(url) {
      super();
      this.url = url;
      sockets.push(this);
    }

    send(text) {
      if (this.readyState !== 1) {
        throw new Error('send() on a socket that is not open');
      }
      this.sent.push(JSON.parse(text));
    }

    // Like a browser: the close event comes later (the test fires it, if it wants).
    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 2; // CLOSING
    }

    // ---- the server side, driven by the test
    open() {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    }

    receive(message) {
      const event = new Event('message');
      event.data = typeof message === 'string' ? message : JSON.stringify(message);
      this.dispatchEvent(event);
    }

    drop(code = 1006, reason = '') {
      this.readyState = 3; // CLOSED
      const event = new Event('close');
      event.code = code;
      event.reason = reason;
      this.dispatchEvent(event);
    }

    lastSent() {
      return this.sent.at(-1);
    }
  }
  return { FakeWebSocket, sockets };
}

/** setTimeout/clearTimeout on a clock that moves only when the test says so. */
export class ManualTimers {
  now = 0;
  #nextId = 1;
  #pending = new Map();

  setTimeout = (fn, ms) => {
    const id = this.#nextId++;
    this.#pending.set(id, { at: this.now + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (id) => {
    this.#pending.delete(id);
  };

  /** Runs every timer due within `ms`, in order, moving the clock as it goes. */
  advance(ms) {
    const target = this.now + ms;
    for (;;) {
      let nextId = null;
      let next = null;
      for (const [id, timer] of this.#pending) {
        if (timer.at <= target && (next === null || timer.at < next.at)) {
          nextId = id;
          next = timer;
        }
      }
      if (next === null) {
        break;
      }
      this.#pending.delete(nextId);
      this.now = next.at;
      next.fn();
    }
    this.now = target;
  }

  get pendingCount() {
    return this.#pending.size;
  }
}

/** The part of the Web Storage API the pages use, over a Map. */
export class MapStorage {
  #map = new Map();
  failWrites = false;

  getItem(key) {
    return this.#map.has(key) ? this.#map.get(key) : null;
  }

  setItem(key, value) {
    if (this.failWrites) {
      throw new Error('QuotaExceededError');
    }
    this.#map.set(key, String(value));
  }

  removeItem(key) {
    this.#map.delete(key);
  }
}

/** Records every event of the given types that `target` dispatches, in order. */
export function recordEvents(target, types) {
  const seen = [];
  for (const type of types) {
    target.addEventListener(type, (event) => seen.push({ type, detail: event.detail }));
  }
  return seen;
}

// ---------------------------------------------------------------- a Call and what it uses

/** The signaling client as call.js sees it: a state, send(), and events the test emits. */
export class FakeSignaling extends EventTarget {
  state = 'joined';
  sent = [];

  send(data, to) {
    this.sent.push(to === undefined ? { data } : { data, to });
    return true;
  }

  emit(type, detail) {
    if (type === 'statechange') {
      this.state = detail.state;
    }
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** LocalMedia's tracks and flags. */
export class FakeMedia extends EventTarget {
  audioTrack = { kind: 'audio' };
  videoTrack = { kind: 'video' };
  hasMic = true;
  micMuted = false;
  cameraOn = true;
  sharing = false;
}

/** A PeerSession that records what the call asks of it; the test plays the browser's side. */
export class FakeSession extends EventTarget {
  connectionState = 'new';
  sessions = { mine: null, yours: null };
  channelOpen = false;
  closed = false;
  descriptions = [];
  candidates = [];
  tracks = [];
  channel = [];
  restarts = 0;
  resent = 0;

  constructor(options) {
    super();
    this.options = options;
    this.iceServers = options.iceServers;
  }

  handleDescription(description) { this.descriptions.push(description); }
  handleCandidate(candidate) { this.candidates.push(candidate); }
  setTrack(kind, track) { this.tracks.push([kind, track]); return Promise.resolve(); }
  restartIce() { this.restarts += 1; }
  resendPendingOffer() { this.resent += 1; }
  updateIceServers(iceServers) { this.iceServers = iceServers; }
  close() { this.closed = true; }

  sendOnChannel(text) {
    if (!this.channelOpen) return false;
    this.channel.push(JSON.parse(text));
    return true;
  }

  // ---- the browser's side, driven by the test
  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Connected, with these SDP session ids and an open data channel. */
  connect(sessions) {
    this.sessions = sessions;
    this.connectionState = 'connected';
    this.channelOpen = true;
    this.emit('connectionstatechange', { state: 'connected' });
    this.emit('channelopen');
  }

  setConnection(state) {
    this.connectionState = state;
    this.emit('connectionstatechange', { state });
  }
}

/** Call handles signaling events in a promise chain: let it run. */
export const settle = async () => {
  for (let i = 0; i < 10; i += 1) await new Promise((done) => setImmediate(done));
};

/** A Call over fake signaling, media and sessions; `sessions` lists every session it made. */
export function setupCall() {
  const signaling = new FakeSignaling();
  const media = new FakeMedia();
  const sessions = [];
  const call = new Call({
    signaling,
    media,
    createSession: (options) => {
      const session = new FakeSession(options);
      sessions.push(session);
      return session;
    },
  });
  const events = [];
  for (const type of ['remotestream', 'chat', 'remotestate', 'channel']) {
    call.addEventListener(type, (event) => events.push({ type, detail: event.detail }));
  }
  return { call, signaling, media, sessions, events };
}
