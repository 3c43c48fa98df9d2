// SignalingClient: the client side of duet's WebSocket protocol (docs/protocol.md).
// It keeps one page in one room: it connects, joins, keeps the socket alive,
// and when the socket is lost it reconnects with backoff and joins again by
// itself, taking its own seat back with the `resume` secret of its latest
// `joined` when the daemon leases seats (rule 12). What the messages mean for
// a call is call.js's job.
// No DOM use: the WebSocket class, the timers and the storage are injected, so
// node's tests drive it with fakes.

import { Backoff } from './backoff.js';
import { loadResumeSecret, keepResumeSecret, forgetResumeSecret } from './resume-secret.js';

/** Every message type the server sends (docs/protocol.md, section 4). */
export const SERVER_MESSAGE_TYPES = Object.freeze([
  'joined', 'otherjoin', 'full', 'leaved', 'bye', 'peerdown', 'peerup', 'message', 'pong', 'error',
]);

/**
 * The client's states:
 * - idle          start() not called yet
 * - connecting    opening the socket
 * - joining       socket open, `join` sent, waiting for `joined` or `full`
 * - joined        in the room; messages can be relayed
 * - full          the room was full on the first try; retry() tries again
 * - reconnecting  the socket was lost (or a rejoin found the room full);
 *                 a timer will try again
 * - closed        for good: leave()/close() was called, or the server closed
 *                 the socket with a code that says retrying cannot help
 *                 (4000 "replaced" among them: another tab took our seat)
 */
export const SIGNALING_STATES = Object.freeze([
  'idle', 'connecting', 'joining', 'joined', 'full', 'reconnecting', 'closed',
]);

const OPEN = 1; // WebSocket.OPEN; node 20 has no global WebSocket to read it from

// Browsers cannot send WebSocket pings, and proxies drop connections that stay
// quiet for 30-60 s: an app-level ping every 25 s keeps ours busy, well inside
// duetd's default idle_timeout of 60 s (docs/protocol.md, section 11).
const PING_INTERVAL_MS = 25_000;
// A socket whose peer vanished (laptop lid, lost Wi-Fi) can look open for
// minutes; no answer to a ping within this time means it is gone.
const PONG_TIMEOUT_MS = 10_000;
const LEAVE_TIMEOUT_MS = 2_000;
// A rejoin without a resume (a daemon that leases no seats) can find the room
// full while duetd still counts our previous, half-dead connection: it drops
// that one within idle_timeout (60 s), so keep retrying for somewhat longer
// than that before telling the person. A resume takes our own seat instead.
const MAX_FULL_RETRIES = 7;

/** The `/ws` address on the host that served the page, wss when the page is https. */
export function defaultSignalingUrl(location = globalThis.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** The close code of a seat resumed on another connection (rule 12): another tab, or another window, holds it now. */
export const REPLACED_CLOSE = 4000;

/**
 * True when a close code says that reconnecting would only repeat the failure
 * (docs/protocol.md, section 8): the client sent something the server will
 * never accept, or its seat now lives on another connection (4000).
 */
export function isFatalClose(code, reason = '') {
  if (code === 1003 || code === 1007 || code === 1009 || code === REPLACED_CLOSE) {
    return true;
  }
  // 1008 also means "slow consumer", which a fresh connection may well survive.
  return code === 1008 && /refused requests/i.test(reason);
}

const defaultTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};

/**
 * Events (CustomEvent, payload in `detail`):
 * - `statechange` {state, previous, delayMs?, code?, reason?}: `delayMs` comes
 *   with `reconnecting` (the wait before the next try); `code`/`reason` with
 *   a state entered because the socket closed.
 * - one per server message type: `joined`, `otherjoin`, `bye`, `peerdown`,
 *   `peerup`, `message`, `full`, `leaved`, `pong`, `error`; `detail` is the
 *   message. `joined` also carries `rejoin: true` when it is not the first one
 *   since start(), and `leased: true` when the daemon leases seats (it sent a
 *   `resume`; the secret itself stays here). `resumed: true` is the server's:
 *   the seat was taken back, with the same id and role.
 *   `error` is the server's *protocol* error, not a socket error; a
 *   `bad_resume` is reported too, and the client then joins afresh by itself.
 */
export class SignalingClient extends EventTarget {
  #url;
  #WebSocket;
  #timers;
  #storage;
  #backoff;
  #pingIntervalMs;
  #pongTimeoutMs;
  #leaveTimeoutMs;
  #maxFullRetries;

  #state = 'idle';
  #room = null;
  #token = null;
  #id = null;
  #resume = null; // the latest `joined`'s resume secret, spent by the next join that sends it
  #socket = null;
  #hasJoined = false; // a `joined` arrived since start(): later joins are rejoins
  #fullRetries = 0;
  #retryTimer = null;
  #pingTimer = null;
  #pongTimer = null;

  constructor({
    url = defaultSignalingUrl(),
    WebSocketImpl = globalThis.WebSocket,
    timers = defaultTimers,
    storage = null,
    backoff = new Backoff(),
    pingIntervalMs = PING_INTERVAL_MS,
    pongTimeoutMs = PONG_TIMEOUT_MS,
    leaveTimeoutMs = LEAVE_TIMEOUT_MS,
    maxFullRetries = MAX_FULL_RETRIES,
  } = {}) {
    super();
    this.#url = url;
    this.#WebSocket = WebSocketImpl;
    this.#timers = timers;
    this.#storage = storage;
    this.#backoff = backoff;
    this.#pingIntervalMs = pingIntervalMs;
    this.#pongTimeoutMs = pongTimeoutMs;
    this.#leaveTimeoutMs = leaveTimeoutMs;
    this.#maxFullRetries = maxFullRetries;
  }

  get state() {
    return this.#state;
  }

  get room() {
    return this.#room;
  }

  /**
   * Our peer id while joined, or null. A resumed seat keeps its id; a join
   * afresh (no lease, or the resume refused) gets a new one.
   */
  get id() {
    return this.#id;
  }

  /**
   * Connects and joins `room`, and from then on stays in it until leave() or
   * close(). `token` (a join token, docs/protocol.md rule 14) goes with every
   * join, rejoins included. A resume secret kept in the storage for `room`
   * (the page was reloaded) goes with the first join.
   */
  start(room, { token = null } = {}) {
    if (this.#state !== 'idle') {
      throw new Error(`SignalingClient.start() in state ${this.#state}`);
    }
    this.#room = room;
    this.#token = token;
    this.#resume = loadResumeSecret(this.#storage, room);
    this.#connect();
  }

  /**
   * Relays `data` to the other member of the room (or only to peer `to`).
   * Returns false, sending nothing, when not joined: callers resynchronise
   * after a rejoin rather than have stale messages delivered late.
   */
  send(data, to) {
    if (this.#state !== 'joined') {
      return false;
    }
    const message = { type: 'message', room: this.#room, data };
    if (to !== undefined && to !== null) {
      message.to = to;
    }
    return this.#write(message);
  }

  /**
   * Tries again now: after `full` (the person pressed "Try again"), or while
   * waiting to reconnect (the browser says the network is back).
   */
  retry() {
    if (this.#state === 'full') {
      this.#fullRetries = 0;
      this.#reconnectNow();
    } else if (this.#state === 'reconnecting') {
      this.#clearRetryTimer();
      this.#reconnectNow();
    }
  }

  /**
   * Leaves the room for good and closes the socket. Says `leave` first when
   * joined, so the seat is released and the other member hears `bye` at once
   * rather than when a lease ends; resolves when `leaved` came back, or after
   * a short timeout. The resume secret is forgotten: there is no seat to take
   * back.
   */
  leave() {
    this.#forgetResume();
    if (this.#state === 'closed' || this.#state === 'idle') {
      this.#setState('closed');
      return Promise.resolve();
    }
    const socket = this.#socket;
    if (this.#state !== 'joined' || socket === null) {
      this.close();
      return Promise.resolve();
    }
    this.#write({ type: 'leave', room: this.#room });
    this.#stopTimers();
    this.#setState('closed');
    return new Promise((resolve) => {
      const done = () => {
        this.#timers.clearTimeout(timer);
        this.#dropSocket(1000, 'left the room');
        resolve();
      };
      const timer = this.#timers.setTimeout(done, this.#leaveTimeoutMs);
      this.addEventListener('leaved', done, { once: true });
    });
  }

  /**
   * Closes the socket without a `leave`. The server then holds the seat for
   * its lease (or sends `bye` at once without one); the resume secret stays
   * in the storage, so a reloaded page takes the seat back.
   */
  close() {
    this.#stopTimers();
    this.#dropSocket(1000, 'closed by the page');
    this.#setState('closed');
  }

  // ---------------------------------------------------------------- socket

  #connect() {
    this.#setState('connecting');
    let socket;
    try {
      socket = new this.#WebSocket(this.#url);
    } catch (error) {
      // A malformed URL throws at once; that will not get better by waiting.
      console.error('signaling: cannot open', this.#url, error);
      this.#setState('closed', { code: 0, reason: String(error?.message ?? error) });
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (socket === this.#socket) {
        this.#onOpen();
      }
    });
    socket.addEventListener('message', (event) => {
      if (socket === this.#socket) {
        this.#onFrame(event.data);
      }
    });
    socket.addEventListener('close', (event) => {
      if (socket === this.#socket) {
        this.#onLost(event.code, event.reason ?? '');
      }
    });
    // An 'error' event carries no detail and is always followed by 'close'.
  }

  #onOpen() {
    this.#armPing();
    this.#sendJoin();
  }

  #sendJoin() {
    this.#setState('joining');
    const join = { type: 'join', room: this.#room };
    if (this.#token !== null) {
      join.token = this.#token;
    }
    if (this.#resume !== null) {
      join.resume = this.#resume;
    }
    this.#write(join);
  }

  #onLost(code, reason) {
    this.#socket = null;
    this.#id = null;
    this.#stopTimers();
    if (this.#state === 'closed') {
      return;
    }
    if (this.#state === 'full') {
      return; // nothing to get back to; retry() reconnects when asked
    }
    if (isFatalClose(code, reason)) {
      if (code === REPLACED_CLOSE) {
        this.#forgetResume(); // spent by the connection that took the seat
      }
      this.#setState('closed', { code, reason });
      return;
    }
    this.#scheduleRetry({ code, reason });
  }

  // Forgets the socket before closing it, so its late events are ignored.
  #dropSocket(code, reason) {
    const socket = this.#socket;
    this.#socket = null;
    this.#id = null;
    if (socket === null) {
      return;
    }
    try {
      socket.close(code, reason);
    } catch (error) {
      console.warn('signaling: close failed', error);
    }
  }

  #write(message) {
    if (this.#socket === null || this.#socket.readyState !== OPEN) {
      return false;
    }
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  // ---------------------------------------------------------------- retries

  #scheduleRetry(extra = {}) {
    const delayMs = this.#backoff.next();
    this.#setState('reconnecting', { delayMs, ...extra });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      this.#reconnectNow();
    }, delayMs);
  }

  #reconnectNow() {
    // After a `full` on a rejoin the socket is still open: only join again.
    if (this.#socket !== null && this.#socket.readyState === OPEN) {
      this.#sendJoin();
    } else {
      this.#dropSocket(1000, 'reconnecting');
      this.#connect();
    }
  }

  #clearRetryTimer() {
    if (this.#retryTimer !== null) {
      this.#timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
  }

  // ---------------------------------------------------------------- keepalive

  #armPing() {
    this.#clearPingTimers();
    this.#pingTimer = this.#timers.setTimeout(() => {
      this.#pingTimer = null;
      if (this.#write({ type: 'ping' })) {
        this.#pongTimer = this.#timers.setTimeout(() => this.#onPongTimeout(), this.#pongTimeoutMs);
      }
    }, this.#pingIntervalMs);
  }

  #onPongTimeout() {
    this.#pongTimer = null;
    console.warn('signaling: no answer to ping; reconnecting');
    // 1006 as the browser would say had it noticed; 4000 is the server's "replaced".
    this.#dropSocket(4001, 'no pong');
    this.#onLost(1006, 'no answer to ping');
  }

  #clearPingTimers() {
    if (this.#pingTimer !== null) {
      this.#timers.clearTimeout(this.#pingTimer);
      this.#pingTimer = null;
    }
    if (this.#pongTimer !== null) {
      this.#timers.clearTimeout(this.#pongTimer);
      this.#pongTimer = null;
    }
  }

  #stopTimers() {
    this.#clearPingTimers();
    this.#clearRetryTimer();
  }

  // ---------------------------------------------------------------- messages

  #onFrame(text) {
    // Anything from the server proves the socket alive, so the next ping is
    // only needed after a quiet interval.
    if (this.#state !== 'closed') {
      this.#armPing();
    }
    const message = parseServerFrame(text);
    if (message === null) {
      return;
    }
    switch (message.type) {
      case 'joined':
        this.#onJoined(message);
        return;
      case 'full':
        this.#onFull(message);
        return;
      case 'error':
        this.#onError(message);
        return;
      default:
        this.#emit(message.type, message);
    }
  }

  #onJoined(message) {
    const rejoin = this.#hasJoined;
    this.#hasJoined = true;
    this.#id = typeof message.id === 'string' ? message.id : null;
    this.#fullRetries = 0;
    this.#backoff.reset();
    // Each joined brings a new secret and spends the one before; none means
    // the daemon does not lease seats (seat_lease = 0).
    const leased = typeof message.resume === 'string' && message.resume !== '';
    if (leased) {
      this.#resume = message.resume;
      keepResumeSecret(this.#storage, this.#room, message.resume);
    } else {
      this.#forgetResume();
    }
    this.#setState('joined');
    const { resume, ...rest } = message;
    this.#emit('joined', { ...rest, rejoin, leased });
  }

  #onFull(message) {
    if (this.#hasJoined && this.#fullRetries < this.#maxFullRetries) {
      // We were in this room: most likely the server still counts our old
      // connection, and will drop it soon.
      this.#fullRetries += 1;
      this.#scheduleRetry();
      return;
    }
    this.#setState('full');
    this.#emit('full', message);
  }

  #onError(message) {
    // The error first: a page that hears `closed` next already knows why.
    this.#emit('error', message);
    if (message.code === 'bad_resume' && this.#state === 'joining') {
      // The daemon restarted, or the lease ended: the seat is gone. Nothing
      // changed on the server, so join afresh on this socket, at once.
      this.#forgetResume();
      this.#sendJoin();
      return;
    }
    if (message.ref === 'join' || this.#state === 'joining') {
      if (message.code === 'room_limit' || message.code === 'rate_limited') {
        this.#scheduleRetry(); // the server is busy now; it may not be later
      } else {
        // invalid_room, unauthorized and the like: the same join would be refused again.
        this.#stopTimers();
        this.#dropSocket(1000, 'join refused');
        this.#setState('closed', { code: 0, reason: message.code });
      }
    }
  }

  #forgetResume() {
    this.#resume = null;
    if (this.#room !== null) {
      forgetResumeSecret(this.#storage, this.#room);
    }
  }

  #setState(state, extra = {}) {
    const previous = this.#state;
    if (previous === state && Object.keys(extra).length === 0) {
      return;
    }
    this.#state = state;
    this.#emit('statechange', { state, previous, ...extra });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * The server message in one text frame, or null for anything this client
 * cannot use: not text, not JSON, no string `type`, or a type it does not
 * know (the protocol only ever adds types, so those are not errors).
 */
export function parseServerFrame(text) {
  if (typeof text !== 'string') {
    return null;
  }
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)
      || typeof message.type !== 'string' || !SERVER_MESSAGE_TYPES.includes(message.type)) {
    return null;
  }
  return message;
}
