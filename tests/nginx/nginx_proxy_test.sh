#!/usr/bin/env bash
# End-to-end test of config/nginx.conf: a real duetd behind a real nginx.
#
#   bash tests/nginx/nginx_proxy_test.sh --duetd build/duetd --public-dir public \
#        [--nginx /usr/sbin/nginx] [--node node] [--keep]
#
# It starts duetd on 127.0.0.1 with port 0 and reads the bound port from its log, puts
# nginx in front of it on a free loopback port with tests/nginx/nginx_front.sh (the
# shipped config/nginx.conf, its upstream and listen lines changed; no root, no system
# paths), and then checks through nginx: the index page, /healthz, and a WebSocket exchange
# (join, otherjoin, relay with data intact in both directions, full, ping/pong).
# Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed".
# Exit status: 0 when everything passed, 1 when a check failed, 2 on a usage error.
# nginx and duetd are always stopped, and the whole run is bounded well under 60 s.
#
# Needs: nginx (Debian package nginx-light or nginx), Node.js >= 20 (its WebSocket
# client, behind --experimental-websocket on Node 20), curl.
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
sample_conf="$repo_root/config/nginx.conf"
nginx_front="$script_dir/nginx_front.sh"

duetd=""
public_dir=""
nginx_bin="/usr/sbin/nginx"
node_bin="node"
keep=0

usage() {
    sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=${2:-}; shift 2 ;;
        --public-dir) public_dir=${2:-}; shift 2 ;;
        --nginx) nginx_bin=${2:-}; shift 2 ;;
        --node) node_bin=${2:-}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$duetd" ] && [ -n "$public_dir" ] || usage

passed=0
failed=0
ok()     { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
note()   { sed 's/^/# /' >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-nginx-test.XXXXXX")
# nginx workers may run as an unprivileged user when started as root; let them
# traverse the prefix (logs and temp files are opened by the master or created here).
chmod 755 "$tmp"
duetd_pid=""
nginx_pid=""
watchdog_pid=""

stop_pid() {  # stop_pid PID: TERM, up to 3 s grace, then KILL
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

cleanup() {
    stop_pid "$nginx_pid"
    stop_pid "$duetd_pid"
    if [ -n "$watchdog_pid" ]; then
        kill "$watchdog_pid" 2>/dev/null
        wait "$watchdog_pid" 2>/dev/null
    fi
    if [ "$keep" = 1 ]; then
        echo "# kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}

show_logs() {
    if [ -s "$tmp/duetd.log" ]; then
        echo "duetd log (last 30 lines):" | note
        tail -n 30 "$tmp/duetd.log" | note
    fi
    if [ -s "$tmp/nginx.stderr" ]; then
        echo "nginx_front.sh stderr (last 30 lines):" | note
        tail -n 30 "$tmp/nginx.stderr" | note
    fi
    if [ -s "$tmp/nginx/error.log" ]; then
        echo "nginx error.log (last 30 lines):" | note
        tail -n 30 "$tmp/nginx/error.log" | note
    fi
}

finish() {
    [ "$failed" -eq 0 ] || show_logs
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}

trap cleanup EXIT
trap 'not_ok "test interrupted (signal or 55 s watchdog)"; finish' INT TERM HUP
# Hard bound on the whole run: well under 60 s even if something hangs. The sleep holds
# no inherited descriptor, so a caller reading our output never waits for it.
(
    trap 'kill "$sleep_pid" 2>/dev/null; exit 0' TERM
    sleep 55 </dev/null >/dev/null 2>&1 &
    sleep_pid=$!
    wait "$sleep_pid" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

# --- prerequisites -----------------------------------------------------------------
for f in "$duetd" "$nginx_bin"; do
    if [ ! -x "$f" ]; then not_ok "executable present: $f"; finish; fi
done
if [ ! -d "$public_dir" ]; then not_ok "public dir present: $public_dir"; finish; fi
if [ ! -f "$sample_conf" ]; then not_ok "sample config present: $sample_conf"; finish; fi
for tool in curl "$node_bin"; do
    if ! command -v "$tool" >/dev/null 2>&1; then not_ok "tool present: $tool"; finish; fi
done
node_flags=()
if [ "$("$node_bin" -e 'process.stdout.write(typeof WebSocket)' 2>/dev/null)" != function ]; then
    node_flags=(--experimental-websocket)
    if [ "$("$node_bin" "${node_flags[@]}" -e 'process.stdout.write(typeof WebSocket)' 2>/dev/null)" != function ]; then
        not_ok "node has a WebSocket client (Node >= 20 needed)"
        finish
    fi
fi
public_dir=$(cd "$public_dir" && pwd)

# --- start duetd on an ephemeral port ------------------------------------------------
"$duetd" --address 127.0.0.1 --port 0 --public-dir "$public_dir" </dev/null >"$tmp/duetd.log" 2>&1 &
duetd_pid=$!
duetd_port=""
for _ in $(seq 80); do  # up to 8 s
    duetd_port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$tmp/duetd.log" 2>/dev/null \
                 | head -n 1 | sed 's/.*://')
    [ -n "$duetd_port" ] && break
    kill -0 "$duetd_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$duetd_port" ]; then
    if kill -0 "$duetd_pid" 2>/dev/null; then
        not_ok "duetd logs 'listening on 127.0.0.1:PORT' within 8 s"
    else
        wait "$duetd_pid"
        not_ok "duetd starts (it exited with status $? before listening)"
    fi
    finish
fi
if [ "$duetd_port" -eq 0 ]; then
    not_ok "duetd logs its bound port (it logged port 0, the requested one)"
    finish
fi
ok "duetd listening on 127.0.0.1:$duetd_port"

# --- nginx in front of it, through the one renderer (tests/nginx/nginx_front.sh) ------------
free_port() {
    "$node_bin" -e 'const s=require("net").createServer();
        s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

if bash "$nginx_front" --upstream "$duetd_port" --listen 1 --dir "$tmp/nginx" --nginx "$nginx_bin" \
        --check >"$tmp/nginx-t.log" 2>&1; then
    ok "nginx -t accepts the rendered config/nginx.conf"
else
    not_ok "nginx -t accepts the rendered config/nginx.conf"
    note <"$tmp/nginx-t.log"
    finish
fi

# Start nginx on a free loopback port (retry if another process grabs the port).
# nginx_front.sh replaces itself with nginx, so $nginx_pid is nginx's own pid.
nginx_port=""
for attempt in 1 2 3; do
    port=$(free_port)
    bash "$nginx_front" --upstream "$duetd_port" --listen "$port" --dir "$tmp/nginx" --nginx "$nginx_bin" \
        --access-log </dev/null >"$tmp/nginx.stderr" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 50); do  # up to 5 s
        if ! kill -0 "$nginx_pid" 2>/dev/null; then break; fi
        if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; then
            nginx_port=$port
            break
        fi
        sleep 0.1
    done
    [ -n "$nginx_port" ] && break
    stop_pid "$nginx_pid"
    nginx_pid=""
    echo "nginx did not come up on port $port (attempt $attempt)" | note
done
if [ -z "$nginx_port" ]; then
    not_ok "nginx serves on a loopback port"
    finish
fi
ok "nginx listening on 127.0.0.1:$nginx_port, proxying to duetd"
base="http://127.0.0.1:$nginx_port"

# --- HTTP through nginx ------------------------------------------------------------------
out=$(curl -sS -m 5 -o "$tmp/index.body" -w '%{http_code} %{content_type}' "$base/" 2>&1)
code=${out%% *}
ctype=${out#* }
if [ "$code" = 200 ] && [[ "$ctype" == text/html* ]]; then
    ok "GET / through nginx: 200 $ctype"
else
    not_ok "GET / through nginx: want 200 text/html, got '$out'"
fi

out=$(curl -sS -m 5 -o "$tmp/healthz.body" -w '%{http_code}' "$base/healthz" 2>&1)
if [ "$out" = 200 ] && grep -qE '"status"[[:space:]]*:[[:space:]]*"ok"' "$tmp/healthz.body"; then
    ok "GET /healthz through nginx: 200 $(head -c 200 "$tmp/healthz.body")"
else
    not_ok "GET /healthz through nginx: want 200 with \"status\":\"ok\", got $out $(head -c 200 "$tmp/healthz.body" 2>/dev/null)"
fi

# --- WebSocket through nginx ----------------------------------------------------------------
cat >"$tmp/ws_check.mjs" <<'EOF'
// Three WebSocket clients through nginx. Prints one "ok - "/"not ok - " line per check.
import { deepStrictEqual } from "node:assert";
const url = process.argv[2];
const room = "nginx-test." + Math.random().toString(36).slice(2, 10);
const STEP_MS = 5000;                   // one expected message
const deadline = Date.now() + 20000;    // the whole exchange (the caller allows 25 s)
const say = (good, what) => console.log(`${good ? "ok" : "not ok"} - ${what}`);

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
      ws.onerror = () => { clearTimeout(timer); reject(new Error(`${this.name}: connect failed`)); };
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
EOF

ws_url="ws://127.0.0.1:$nginx_port/ws?via=nginx-test"
ws_out=$(timeout 25 "$node_bin" "${node_flags[@]}" "$tmp/ws_check.mjs" "$ws_url" 2>"$tmp/ws.stderr")
ws_rc=$?
[ -n "$ws_out" ] && echo "$ws_out"
ws_ok=$(printf '%s\n' "$ws_out" | grep -c '^ok - ')
ws_bad=$(printf '%s\n' "$ws_out" | grep -c '^not ok - ')
passed=$((passed + ws_ok))
failed=$((failed + ws_bad))
if [ "$ws_rc" -ne 0 ]; then
    not_ok "WebSocket client finished (exit status $ws_rc$([ "$ws_rc" = 124 ] && echo ', timed out'))"
    note <"$tmp/ws.stderr"
elif [ "$ws_ok" -eq 0 ]; then
    not_ok "WebSocket client ran its checks"
    note <"$tmp/ws.stderr"
fi

# The WebSocket really went through nginx: its access log records the upgrade (101).
# nginx writes the line when the tunnel closes, so allow it a moment.
seen=""
for _ in $(seq 30); do
    if grep -qE '"GET /ws[^"]*" 101 ' "$tmp/nginx/access.log" 2>/dev/null; then seen=1; break; fi
    sleep 0.1
done
if [ -n "$seen" ]; then
    ok "nginx access log shows the /ws upgrade (101)"
else
    not_ok "nginx access log shows the /ws upgrade (101)"
fi

finish
