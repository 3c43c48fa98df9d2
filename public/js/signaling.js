// SignalingClient: the client side of duet's WebSocket protocol (PROTOCOL.md).
// It only moves JSON objects; what they mean for a call is call.js's job.
// No DOM use here (only WebSocket, EventTarget and timers).

/** Every message type the server sends (PROTOCOL.md, "Server to client"). */
export const SERVER_MESSAGE_TYPES = Object.freeze([
  'joined', 'otherjoin', 'full', 'leaved', 'bye', 'message', 'pong', 'error',
]);

// Browsers cannot send WebSocket pings, and proxies tend to drop connections
// that are quiet for 30-60 s; an app-level ping keeps ours busy. 25 s also
// stays well inside the server's default idle_timeout (60 s, rule 7).
const DEFAULT_PING_INTERVAL_MS = 25_000;

/** The `/ws` address on the host that served the page, wss when the page is https. */
export function defaultSignalingUrl(location = globalThis.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/**
 * Wraps one WebSocket to the daemon.
 *
 * Events (all CustomEvent, payload in `detail`):
 * - one per server message type, named after it (`joined`, `otherjoin`, `full`,
 *   `leaved`, `bye`, `message`, `pong`, `error`); `detail` is the parsed message.
 *   Note that `error` is the server's *protocol* error message, not a socket error.
 * - `close`: the socket closed; `detail` is `{code, reason, wasClean, byClient}`,
 *   where `byClient` tells whether close() was called on this side.
 */
export class SignalingClient extends EventTarget {
  #url;
  #pingIntervalMs;
  #socket = null;
  #pingTimer = null;
  #closedByClient = false;

  constructor({ url = defaultSignalingUrl(), pingIntervalMs = DEFAULT_PING_INTERVAL_MS } = {}) {
    super();
    this.#url = url;
    this.#pingIntervalMs = pingIntervalMs;
  }

  get url() {
    return this.#url;
  }

  get isOpen() {
    return this.#socket !== null && this.#socket.readyState === WebSocket.OPEN;
  }

  /** Opens the socket. Resolves once it is open; rejects if it closes first. */
  connect() {
    if (this.#socket !== null) {
      return Promise.reject(new Error('SignalingClient.connect() called twice'));
    }
    this.#closedByClient = false;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.#url);
      this.#socket = socket;
      let opened = false;

      socket.addEventListener('open', () => {
        opened = true;
        this.#startPinging();
        resolve();
      });
      socket.addEventListener('message', (event) => this.#onFrame(event.data));
      socket.addEventListener('close', (event) => {
        this.#stopPinging();
        this.#socket = null;
        if (!opened) {
          reject(new Error(`could not open ${this.#url} (close code ${event.code})`));
        }
        this.dispatchEvent(new CustomEvent('close', {
          detail: {
            code: event.code,
            reason: event.reason,
            wasClean: event.wasClean,
            byClient: this.#closedByClient,
          },
        }));
      });
      // A WebSocket 'error' event carries no detail and is always followed by
      // 'close', which reports the code; so it needs no handler of its own.
    });
  }

  join(room) {
    return this.#send({ type: 'join', room });
  }

  leave(room) {
    return this.#send({ type: 'leave', room });
  }

  /** Relays `data` to the other member(s) of `room`, or only to peer `to` when given. */
  send(room, data, to) {
    const message = { type: 'message', room, data };
    if (to !== undefined && to !== null) {
      message.to = to;
    }
    return this.#send(message);
  }

  ping() {
    return this.#send({ type: 'ping' });
  }

  /** Closes the socket (1000, normal closure). A `close` event follows. */
  close() {
    this.#stopPinging();
    if (this.#socket !== null) {
      this.#closedByClient = true;
      this.#socket.close(1000, 'bye');
    }
  }

  // Returns false instead of throwing when the socket is not open: callers
  // send from event handlers that may outlive the socket, and a lost message
  // then changes nothing (the `close` event already tells the page).
  #send(message) {
    if (!this.isOpen) {
      console.warn('signaling: not connected, dropping', message.type);
      return false;
    }
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  #onFrame(text) {
    if (typeof text !== 'string') {
      console.warn('signaling: ignoring a binary frame');
      return;
    }
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('signaling: ignoring a frame that is not JSON');
      return;
    }
    if (message === null || typeof message !== 'object' || typeof message.type !== 'string') {
      console.warn('signaling: ignoring a frame without a string "type"');
      return;
    }
    // The protocol only ever adds message types; a newer server's extras are
    // not errors for this client.
    if (!SERVER_MESSAGE_TYPES.includes(message.type)) {
      console.debug('signaling: ignoring unknown message type', message.type);
      return;
    }
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  #startPinging() {
    this.#stopPinging();
    this.#pingTimer = setInterval(() => this.ping(), this.#pingIntervalMs);
  }

  #stopPinging() {
    if (this.#pingTimer !== null) {
      clearInterval(this.#pingTimer);
      this.#pingTimer = null;
    }
  }
}
