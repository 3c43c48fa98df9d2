#!/usr/bin/env node
// Real-browser smoke test of duet: starts duetd, opens the bundled pages in
// headless Chromium with fake camera and microphone, and checks that two
// pages get a working call, a third is told the room is full, and a Leave
// sends the other side back to waiting.
//
// usage: node call_smoke.mjs --duetd /path/to/duetd --public-dir /path/to/public
//        [--chromium /usr/bin/chromium]
//
// Prints one `ok - name` / `not ok - name` line per check, then, as its very
// last line, `N passed, M failed`. Exits non-zero if any check failed.
// Screenshots and logs go to tests/browser/artifacts/.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, createWriteStream, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, 'artifacts');

// The whole run must stay under two minutes even when everything hangs.
const RUN_DEADLINE_MS = 110_000;
const DAEMON_START_MS = 15_000;
const STEP_MS = 15_000;
const CALL_MS = 25_000;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Chromium hides host candidates behind mDNS `.local` names, which do not
  // resolve here; with real addresses the two pages meet on loopback.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const LISTENING = /listening on [^\s:]+:(\d+)/;

function usage(message) {
  console.error(`${message}\nusage: node call_smoke.mjs --duetd PATH --public-dir DIR [--chromium PATH]`);
  process.exit(2);
}

const { values: options } = parseArgs({
  options: {
    duetd: { type: 'string' },
    'public-dir': { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM ?? '/usr/bin/chromium' },
  },
});
if (!options.duetd) usage('missing --duetd');
if (!options['public-dir']) usage('missing --public-dir');

// ---------------------------------------------------------------- reporting

const results = [];
let finished = false;

function report(name, error) {
  results.push({ name, ok: !error });
  if (!error) {
    console.log(`ok - ${name}`);
    return;
  }
  console.log(`not ok - ${name}`);
  for (const line of String(error.message ?? error).split('\n').slice(0, 12)) {
    console.log(`#   ${line}`);
  }
}

/** Runs one check; returns whether it passed. `needs` are earlier check results. */
async function check(name, needs, body) {
  if (finished) {
    return false;
  }
  if (!needs.every(Boolean)) {
    report(name, new Error('not run: an earlier check it depends on failed'));
    return false;
  }
  try {
    await body();
    report(name, null);
    return true;
  } catch (error) {
    report(name, error);
    return false;
  }
}

// ---------------------------------------------------------------- daemon

let daemon = null;
let daemonLog = null;

function startDaemon() {
  return new Promise((resolvePort, reject) => {
    daemonLog = createWriteStream(join(ARTIFACTS, 'duetd.log'));
    const args = ['--address', '127.0.0.1', '--port', '0', '--public-dir', resolve(options['public-dir'])];
    // Its own process group, so that stopping it also stops anything it
    // started (a wrapper script's child, say) and nothing keeps our pipes open.
    daemon = spawn(options.duetd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let seen = '';
    const timer = setTimeout(() => {
      reject(new Error(`no "listening on HOST:PORT" line within ${DAEMON_START_MS} ms; output so far:\n${seen.slice(-1500)}`));
    }, DAEMON_START_MS);
    const onOutput = (chunk) => {
      const text = chunk.toString();
      daemonLog.write(text);
      seen += text;
      const match = LISTENING.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    };
    daemon.stdout.on('data', onOutput);
    daemon.stderr.on('data', onOutput);
    daemon.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${options.duetd}: ${error.message}`));
    });
    daemon.on('exit', (code, signal) => {
      daemonLog.write(`\n[smoke] duetd exited: code ${code}, signal ${signal}\n`);
      clearTimeout(timer);
      reject(new Error(`duetd exited early (code ${code}, signal ${signal}); output:\n${seen.slice(-1500)}`));
    });
  });
}

function signalDaemonGroup(signal) {
  try {
    process.kill(-daemon.pid, signal);
  } catch {
    // the group is gone already
  }
}

async function stopDaemon() {
  if (daemon === null || daemon.pid === undefined) {
    return;
  }
  if (daemon.exitCode === null && daemon.signalCode === null) {
    const exited = new Promise((done) => daemon.once('exit', done));
    signalDaemonGroup('SIGTERM');
    const timer = setTimeout(() => signalDaemonGroup('SIGKILL'), 12_000); // beyond shutdown_grace
    await exited;
    clearTimeout(timer);
  }
  signalDaemonGroup('SIGKILL'); // stragglers of the group, if any
  daemon.stdout.destroy();
  daemon.stderr.destroy();
}

// ---------------------------------------------------------------- browser

let browser = null;

async function openPage(name, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const log = createWriteStream(join(ARTIFACTS, `${name}.console.log`));
  page.on('console', (message) => log.write(`[${message.type()}] ${message.text()}\n`));
  page.on('pageerror', (error) => log.write(`[pageerror] ${error.stack ?? error}\n`));
  page.duetName = name;
  return page;
}

async function describePage(page) {
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status')?.textContent,
    notes: document.getElementById('notes')?.textContent,
  })).catch((error) => ({ state: '?', status: String(error) }));
}

async function waitForState(page, state, timeout = STEP_MS) {
  try {
    await page.waitForFunction((wanted) => document.body.dataset.state === wanted, state, { timeout });
  } catch {
    const now = await describePage(page);
    throw new Error(`${page.duetName}: wanted state "${state}" within ${timeout} ms, still "${now.state}" (status: ${now.status}${now.notes ? `; notes: ${now.notes}` : ''})`);
  }
}

// framesDecoded counts frames the decoder produced; videoWidth > 0 shows
// that a frame reached the <video> element itself.
async function remoteVideo(page) {
  return page.evaluate(async () => {
    const video = document.getElementById('remotevideo');
    let framesDecoded = 0;
    const pc = window.duetCall?.peerConnection;
    if (pc) {
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') {
          framesDecoded += report.framesDecoded ?? 0;
        }
      });
    }
    return { framesDecoded, width: video.videoWidth, height: video.videoHeight, time: video.currentTime };
  });
}

async function waitForRemoteFrames(page, timeout = CALL_MS) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    last = await remoteVideo(page);
    if (last.framesDecoded > 0 && last.width > 0) {
      return last;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`${page.duetName}: no decoded remote video within ${timeout} ms (last: ${JSON.stringify(last)})`);
}

async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => {});
}

// ---------------------------------------------------------------- the run

async function run() {
  const port = await startDaemon().then((p) => p, (error) => error);
  const daemonUp = await check('duetd starts and reports its port', [], async () => {
    if (port instanceof Error) throw port;
  });
  const base = `http://127.0.0.1:${daemonUp ? port : 0}`;
  const room = `smoke-${randomBytes(6).toString('hex')}`;
  const roomUrl = `${base}/room.html?room=${room}`;

  // Browsers refuse module scripts served with a non-JavaScript type, and the
  // pages would then sit there without a word; so check the types first.
  await check('static files are served with the right Content-Type', [daemonUp], async () => {
    const expected = {
      '/': 'text/html',
      '/room.html': 'text/html',
      '/js/room.js': /^(text|application)\/javascript/,
      '/css/main.css': 'text/css',
      '/favicon.svg': 'image/svg+xml',
    };
    const wrong = [];
    for (const [path, type] of Object.entries(expected)) {
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
      const got = response.headers.get('content-type') ?? '(none)';
      const fits = typeof type === 'string' ? got.startsWith(type) : type.test(got);
      if (response.status !== 200 || !fits) {
        wrong.push(`GET ${path}: ${response.status} ${got} (wanted 200 ${type})`);
      }
    }
    if (wrong.length > 0) throw new Error(wrong.join('\n'));
  });

  const browserUp = await check('chromium starts', [daemonUp], async () => {
    browser = await chromium.launch({ executablePath: options.chromium, args: CHROMIUM_ARGS, timeout: STEP_MS });
  });

  const start = browserUp ? await openPage('start', { width: 800, height: 600 }) : null;
  await check('start page refuses an invalid room name in the page', [browserUp], async () => {
    await start.goto(`${base}/`);
    await start.fill('#room', 'not valid!');
    await start.click('#join');
    await start.waitForSelector('#roomError:not([hidden])');
    const text = await start.textContent('#roomError');
    if (!/letters|digits/.test(text)) throw new Error(`unexpected message: ${text}`);
    if (!start.url().endsWith('/')) throw new Error(`navigated away to ${start.url()}`);
    await screenshot(start, 'start-invalid');
  });
  await check('start page Join opens room.html?room=NAME', [browserUp], async () => {
    await start.fill('#room', room);
    await Promise.all([start.waitForURL(/room\.html/), start.press('#room', 'Enter')]);
    const url = new URL(start.url());
    if (url.searchParams.get('room') !== room) throw new Error(`landed on ${start.url()}`);
    await waitForState(start, 'idle');
  });
  await check('room page refuses an invalid room name in the page', [browserUp], async () => {
    await start.goto(`${base}/room.html?room=${encodeURIComponent('no spaces')}`);
    await waitForState(start, 'error');
    await start.waitForSelector('#invalidRoom:not([hidden]) a[href]');
    await screenshot(start, 'room-invalid');
  });

  const alice = browserUp ? await openPage('alice', { width: 1100, height: 900 }) : null;
  const bob = browserUp ? await openPage('bob', { width: 1100, height: 900 }) : null;
  const carol = browserUp ? await openPage('carol', { width: 390, height: 844 }) : null; // phone-sized

  const aliceWaits = await check('first page joins and waits for the other person', [browserUp], async () => {
    await alice.goto(roomUrl);
    await waitForState(alice, 'idle');
    await alice.click('#connect');
    await waitForState(alice, 'waiting');
  });
  const callUp = await check('second page joins and both reach "connected"', [aliceWaits], async () => {
    await bob.goto(roomUrl);
    await bob.click('#connect');
    await Promise.all([waitForState(alice, 'connected', CALL_MS), waitForState(bob, 'connected', CALL_MS)]);
  });
  await check('remote video decodes frames on both sides', [callUp], async () => {
    const [a, b] = await Promise.all([waitForRemoteFrames(alice), waitForRemoteFrames(bob)]);
    for (const [page, stats] of [[alice, a], [bob, b]]) {
      const offer = await page.inputValue('#offer');
      const answer = await page.inputValue('#answer');
      if (!offer.startsWith('v=0') || !answer.startsWith('v=0')) {
        throw new Error(`${page.duetName}: SDP panels not filled (offer ${offer.length} chars, answer ${answer.length})`);
      }
      console.log(`#   ${page.duetName}: ${stats.framesDecoded} frames decoded, ${stats.width}x${stats.height}`);
    }
    await Promise.all([screenshot(alice, 'alice-in-call'), screenshot(bob, 'bob-in-call')]);
  });
  await check('third page is told the room is full', [callUp], async () => {
    await carol.goto(roomUrl);
    await carol.click('#connect');
    await waitForState(carol, 'full');
    const status = await carol.textContent('#status');
    if (!/full/i.test(status)) throw new Error(`status does not say full: ${status}`);
    if (await carol.isDisabled('#connect')) throw new Error('Connect stays disabled after "full"');
    await screenshot(carol, 'carol-full-phone');
  });
  const bobLeft = await check('Leave on one side sends the other back to "waiting"', [callUp], async () => {
    await bob.click('#leave');
    await Promise.all([waitForState(bob, 'left'), waitForState(alice, 'waiting')]);
    const remote = await alice.evaluate(() => document.getElementById('remotevideo').srcObject);
    if (remote !== null) throw new Error('alice still shows a remote stream');
    await Promise.all([screenshot(alice, 'alice-after-bye'), screenshot(bob, 'bob-left')]);
  });
  await check('the room takes a new person after the bye and the call comes up again', [bobLeft], async () => {
    await carol.click('#connect');
    await Promise.all([waitForState(alice, 'connected', CALL_MS), waitForState(carol, 'connected', CALL_MS)]);
    await Promise.all([waitForRemoteFrames(alice), waitForRemoteFrames(carol)]);
    await screenshot(carol, 'carol-in-call-phone');
  });
}

async function cleanUp() {
  if (browser !== null) {
    await Promise.race([browser.close(), new Promise((done) => setTimeout(done, 10_000))]).catch(() => {});
  }
  await stopDaemon();
  daemonLog?.end();
}

function finish() {
  if (finished) return;
  finished = true;
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  writeFileSync(join(ARTIFACTS, 'summary.txt'), `${passed} passed, ${failed} failed\n`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

mkdirSync(ARTIFACTS, { recursive: true });
const watchdog = setTimeout(async () => {
  report('whole run finishes in time', new Error(`still running after ${RUN_DEADLINE_MS} ms; stopped`));
  await cleanUp().catch(() => {});
  finish();
  process.exit(1);
}, RUN_DEADLINE_MS);

try {
  await run();
} catch (error) {
  report('smoke test ran without an unexpected error', error);
} finally {
  await cleanUp().catch((error) => console.log(`# clean-up: ${error.message}`));
  clearTimeout(watchdog);
  finish();
}
