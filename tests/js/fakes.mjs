// Test doubles for the DOM-free client modules: a WebSocket the test drives
// by hand, timers on a manual clock, and a Storage backed by a Map.

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
