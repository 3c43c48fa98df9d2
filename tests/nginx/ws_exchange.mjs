// Three WebSocket clients through nginx: join, otherjoin, relay with data intact in both
// directions, ping/pong, full. Prints one "ok - "/"not ok - " line per check, each
// starting with the URL's scheme. Used by nginx_proxy_test.sh (ws://) and
// nginx_tls_test.sh (wss://, the test certificate trusted through NODE_EXTRA_CA_CERTS, so
// the certificate is verified as a browser would).
//
//   node [--experimental-websocket] tests/nginx/ws_exchange.mjs URL
import { deepStrictEqual } from "node:assert";
const url = process.argv[2];
const scheme = new URL(url).protocol.replace(":", "");
const room = "nginx-test." + Math.random().toString(36).slice(2, 10);
const STEP_MS = 5000;                   // one expected message
const deadline = Date.now() + 20000;    // the whole exchange (the caller allows 25 s)
const say = (good, what) => console.log(`${good ? "ok" : "not ok"} - ${scheme}: ${what}`);

class Client {
  constructor(name) {
    this.name = name;
    this.queue = [];
    this.waiters = [];
    this.closed = null;
  }
  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      const timer = setTimeout(() => reject(new Error(`${this.name}: connect timed out`)), STEP_MS);
      ws.onopen = () => { clearTimeout(timer); resolve(); };
      ws.onerror = (ev) => { clearTimeout(timer); reject(new Error(`${this.name}: connect failed ${ev.message ?? ""}`)); };
      ws.onclose = (ev) => { this.closed = { code: ev.code, reason: ev.reason }; this.flush(); };
      ws.onmessage = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch { m = { type: "(not json)", raw: String(ev.data) }; }
        this.queue.push(m);
        this.flush();
      };
    });
  }
  send(obj) { this.ws.send(JSON.stringify(obj)); }
  flush() {
    while (this.waiters.length && (this.queue.length || this.closed)) {
      const w = this.waiters.shift();
      clearTimeout(w.timer);
      if (this.queue.length) w.resolve(this.queue.shift());
      else w.reject(new Error(`${this.name}: closed ${this.closed.code} ${this.closed.reason}`));
    }
  }
  // The next message, whatever it is (so an unexpected one fails the check visibly).
  next() {
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      const wait = Math.max(0, Math.min(STEP_MS, deadline - Date.now()));
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.name}: no message within ${wait} ms`));
      }, wait);
      this.waiters.push(w);
      this.flush();
    });
  }
  close() { try { this.ws.close(1000); } catch {} }
}

const show = (m) => JSON.stringify(m).slice(0, 300);
const idRe = /^[A-Za-z0-9_-]{16,}$/;
const deepEqual = (x, y) => {
  try { deepStrictEqual(x, y); return true; } catch { return false; }
};

async function check(what, fn) {
  try {
    const res = await fn();
    if (res === true) say(true, what);
    else say(false, `${what}: ${res}`);
    return res === true;
  } catch (e) {
    say(false, `${what}: ${e.message}`);
    return false;
  }
}

const a = new Client("A"), b = new Client("B"), c = new Client("C");
let aId = null, bId = null;
// data with nesting, unicode, SDP-style CRLFs, numbers and a ~20 KB string: it has to
// arrive exactly as sent, through nginx's upgraded tunnel.
const payload = {
  type: "offer",
  sdp: "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n" + "a=x-filler:0123456789abcdef\r\n".repeat(700),
  nested: { n: 42, f: -1.5, t: true, z: null, list: [1, "two", { three: 3 }] },
  text: "héllo wörld ✓ 你好 🙂 \"quotes\" \\ backslash",
};

try {
  const ok1 = await check("A connects to /ws through nginx", () => a.open().then(() => true));
  if (!ok1) throw new Error("stop");
  a.send({ type: "join", room });
  await check("A gets joined (peers 1, an id)", async () => {
    const m = await a.next();
    if (m.type !== "joined" || m.room !== room || m.peers !== 1 || !idRe.test(m.id || "") || !Array.isArray(m.iceServers))
      return `got ${show(m)}`;
    aId = m.id;
    return true;
  });

  await check("B connects to /ws through nginx", () => b.open().then(() => true));
  b.send({ type: "join", room });
  await check("B gets joined (peers 2, its own id)", async () => {
    const m = await b.next();
    if (m.type !== "joined" || m.room !== room || m.peers !== 2 || !idRe.test(m.id || "") || m.id === aId)
      return `got ${show(m)}`;
    bId = m.id;
    return true;
  });
  await check("A gets otherjoin with B's id", async () => {
    const m = await a.next();
    return (m.type === "otherjoin" && m.room === room && m.id === bId) || `got ${show(m)}`;
  });

  a.send({ type: "message", room, data: payload });
  await check(`A -> B message relays ${JSON.stringify(payload).length}-byte data intact`, async () => {
    const m = await b.next();
    if (m.type !== "message" || m.room !== room || m.from !== aId) return `got ${show(m)}`;
    return deepEqual(m.data, payload) || `data differs: ${show(m.data)}`;
  });

  const answer = { type: "answer", sdp: "v=0\r\n", seq: [3, 2, 1] };
  b.send({ type: "message", room, to: aId, data: answer });
  await check("B -> A message with to relays data intact", async () => {
    const m = await a.next();
    if (m.type !== "message" || m.room !== room || m.from !== bId) return `got ${show(m)}`;
    return deepEqual(m.data, answer) || `data differs: ${show(m.data)}`;
  });

  a.send({ type: "ping" });
  await check("A ping -> pong through nginx", async () => {
    const m = await a.next();
    return m.type === "pong" || `got ${show(m)}`;
  });

  await check("C connects to /ws through nginx", () => c.open().then(() => true));
  c.send({ type: "join", room });
  await check("C gets full for the occupied room", async () => {
    const m = await c.next();
    return (m.type === "full" && m.room === room) || `got ${show(m)}`;
  });
} catch (e) {
  if (e.message !== "stop") say(false, `websocket exchange: ${e.message}`);
} finally {
  a.close(); b.close(); c.close();
  setTimeout(() => process.exit(0), 300);
}
