// Seat leases in the browser (docs/protocol.md rule 12), on a duetd of its own
// with --seat-lease 20: one page's signaling connection is cut mid-call (its
// TCP sockets destroyed with `ss -K`, as a network drop would); the other page
// says "reconnecting", never "left", the media keeps flowing, and the cut page
// takes its own seat back (same peer id). Once more with the cut page held
// offline for a while: a third page is told the room is full meanwhile, and a
// renegotiation (a screen share from a page without a camera) works after the
// resume. Then a reload resumes the seat too; a second tab holding the same
// secret (as "Duplicate tab" makes one) takes the seat over, and the first tab
// gets 4000 "replaced", says so and stays away; and closing the tab leaves
// the room at once (`leave` on pagehide), long before the lease would end.
//
// Needs isolated.sh's namespace as root: `ss -K` needs CAP_NET_ADMIN, and the
// daemon listens on every address there (nothing leaves the namespace) so the
// cut page can use 127.0.0.2: its sockets are then the only ones to that
// address, and `ss -K dst 127.0.0.2` cannot touch the other page's.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { check, info } from '../lib/report.mjs';
import {
  CALL_MS, mediaSample, pageState, waitFor, waitForRising, waitForState,
} from '../lib/probes.mjs';
import { BLOCK_CAMERA } from '../lib/devices.mjs';

const run = promisify(execFile);

// The page that stays, and the address of the page whose connection is cut.
const STAYER_HOST = '127.0.0.1';
const CUT_HOST = '127.0.0.2';
export const SEAT_LEASE_S = 20;

/** Whether this run can cut connections: root, inside isolated.sh's namespace. */
export function canCutConnections(insideNamespace) {
  return insideNamespace && process.getuid?.() === 0;
}

/**
 * Destroys every TCP socket of this namespace that goes to `host`:`port`
 * (client side only: the daemon's own sockets go *from* that port), the way a
 * dropped network ends a connection. Returns how many it destroyed.
 */
async function cutConnections(host, port) {
  const { stdout } = await run('ss', ['-K', '-t', '-n', '-H', 'dst', host, 'dport', '=', `:${port}`]);
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

/**
 * From now on, records in the page every status the room page shows
 * (data-state, data-signaling, the status line, Call.partner) and every
 * peerdown/peerup/bye its signaling client hears, with Date.now() times.
 */
async function recordPage(page) {
  await page.evaluate(() => {
    const seen = [];
    const peers = [];
    const status = document.getElementById('status');
    const note = () => seen.push({
      at: Date.now(),
      state: document.body.dataset.state,
      signaling: document.body.dataset.signaling,
      partner: window.duet?.call?.partner ?? null,
      status: status.textContent,
    });
    new MutationObserver(note).observe(document.body, { attributes: true, attributeFilter: ['data-state', 'data-signaling'] });
    new MutationObserver(note).observe(status, { childList: true, characterData: true, subtree: true });
    window.duet.call.addEventListener('change', note);
    for (const type of ['peerdown', 'peerup', 'bye']) {
      window.duet.signaling.addEventListener(type, (event) => peers.push({ type, id: event.detail.id, at: Date.now() }));
    }
    note();
    window.duetRecord = { seen, peers };
  });
}

/** What recordPage saw since `since` (ms since the epoch). */
async function recorded(page, since = 0) {
  return page.evaluate((from) => ({
    seen: window.duetRecord.seen.filter((entry) => entry.at >= from),
    peers: window.duetRecord.peers.filter((entry) => entry.at >= from),
    chat: document.getElementById('chatLog').textContent,
  }), since);
}

/** Throws if the page ever said the other person left, or lost its own signaling, since `since`. */
async function expectNeverLeft(page, since, { ownSignalingStays = true } = {}) {
  const { seen, peers, chat } = await recorded(page, since);
  const left = seen.find((entry) => entry.partner === 'gone' || /\bleft\b/.test(entry.status));
  if (left) throw new Error(`${page.duetName} showed "left": ${JSON.stringify(left)}`);
  if (/left the call/.test(chat)) throw new Error(`${page.duetName}'s chat says: ${chat}`);
  const bye = peers.find((entry) => entry.type === 'bye');
  if (bye) throw new Error(`${page.duetName} heard bye for ${bye.id}`);
  const lost = seen.find((entry) => entry.signaling !== 'joined');
  if (ownSignalingStays && lost) throw new Error(`${page.duetName}'s own signaling dropped too: ${JSON.stringify(lost)}; the cut hit the wrong page`);
  return { seen, peers };
}

async function peerId(page) {
  return page.evaluate(() => window.duet?.signaling?.id ?? null);
}

/** Waits until the page heard `type` (peerdown/peerup) for `id` at or after `since`; returns when. */
async function waitForPeerEvent(page, type, id, since, timeout) {
  const heard = await waitFor(() => recorded(page, since), ({ peers }) => peers.some((e) => e.type === type && e.id === id), {
    timeout,
    describe: ({ peers, seen }) => `${page.duetName} heard no ${type} for ${id} within ${timeout} ms `
      + `(heard ${JSON.stringify(peers)}; last status: ${seen.at(-1)?.status})`,
  });
  return heard.peers.find((e) => e.type === type && e.id === id).at;
}

/**
 * @param ctx.leaseDaemon  a Daemon with --seat-lease 20 listening on 0.0.0.0, not started
 */
export async function seatLease(ctx) {
  const daemon = ctx.leaseDaemon;
  let port = 0;
  const up = await check(`a duetd with --seat-lease ${SEAT_LEASE_S} starts (every address of the namespace)`, [], async () => {
    port = await daemon.start(0);
  });
  const room = `${ctx.room}-lease`;
  const url = (host) => `http://${host}:${port}/room.html?room=${encodeURIComponent(room)}`;
  const gina = await ctx.browser.openPage('gina');
  // No camera: her screen share later needs a real renegotiation (recvonly -> sendrecv).
  const hal = await ctx.browser.openPage('hal-no-camera', { initScript: BLOCK_CAMERA });
  let halId = null;

  const callUp = await check(`two pages in a call on it, one from ${CUT_HOST}`, [up], async () => {
    await gina.goto(url(STAYER_HOST));
    await gina.waitForSelector('#join:not([disabled])');
    await gina.click('#join');
    await waitForState(gina, 'waiting');
    await hal.goto(url(CUT_HOST));
    await hal.waitForSelector('#join:not([disabled])');
    await hal.click('#join');
    await Promise.all([waitForState(gina, 'connected', { timeout: CALL_MS }), waitForState(hal, 'connected', { timeout: CALL_MS })]);
    await Promise.all([waitForRising(gina, 'bytesReceived', { by: 1000 }), waitForRising(hal, 'framesDecoded', { by: 5 })]);
    halId = await peerId(hal);
    if (!halId) throw new Error('hal has no peer id');
    await recordPage(gina);
  });

  const resumed = await check('signaling cut (ss -K): the other page says "reconnecting", never "left"; the seat resumes with the same peer id', [callUp], async () => {
    const cutAt = Date.now();
    const killed = await cutConnections(CUT_HOST, port);
    if (killed === 0) throw new Error(`ss -K found no socket to ${CUT_HOST}:${port}`);
    const peerdownAt = await waitForPeerEvent(gina, 'peerdown', halId, cutAt, 5000);
    const peerupAt = await waitForPeerEvent(gina, 'peerup', halId, cutAt, 15_000);
    // Most of it is the page's first reconnect delay: 1 s, less up to half of it in jitter.
    info(`cut -> peerup: ${peerupAt - cutAt} ms (peerdown after ${peerdownAt - cutAt} ms; `
      + `${killed} socket${killed === 1 ? '' : 's'} to ${CUT_HOST}:${port} destroyed)`);
    const { seen } = await expectNeverLeft(gina, cutAt);
    if (!seen.some((entry) => entry.state === 'reconnecting')) {
      throw new Error(`gina never showed "reconnecting": ${JSON.stringify(seen.map((e) => e.state))}`);
    }
    await Promise.all([waitForState(gina, 'connected'), waitForState(hal, 'connected', { text: /^Connected\./ })]);
    const after = await peerId(hal);
    if (after !== halId) throw new Error(`hal came back as ${after}, not ${halId}`);
    await Promise.all([waitForRising(gina, 'bytesReceived', { by: 1000 }), waitForRising(hal, 'framesDecoded', { by: 5 })]);
  });

  const ivy = await ctx.browser.openPage('ivy');
  let heldBack = false;
  const gap = await check('signaling cut and held down: media flows both ways meanwhile, and a third page is told the room is full', [resumed], async () => {
    // Offline (DevTools' emulation): hal's reconnects fail until it is back.
    await hal.context().setOffline(true);
    heldBack = true;
    const cutAt = Date.now();
    await cutConnections(CUT_HOST, port);
    await waitFor(() => pageState(hal), (now) => now.signaling !== 'joined', {
      timeout: 5000, describe: (now) => `hal's signaling still "${now.signaling}" after the cut`,
    });
    await waitForState(gina, 'reconnecting', { timeout: 5000, text: /other person/ });
    await Promise.all([gina, hal].map((page) => waitForRising(page, 'bytesReceived', { by: 1000, timeout: 8000 })));
    await ivy.goto(url(STAYER_HOST));
    await ivy.waitForSelector('#join:not([disabled])');
    await ivy.click('#join');
    await waitForState(ivy, 'full', { text: /is full/ });
    await ctx.shot(gina, 'gina-other-reconnecting');
    const halNow = await pageState(hal);
    if (halNow.signaling === 'joined') throw new Error('hal was back before the checks ended: no gap was tested');
    if (Date.now() - cutAt > SEAT_LEASE_S * 1000 * 0.75) throw new Error(`the gap took ${Date.now() - cutAt} ms, too near the lease`);
    await expectNeverLeft(gina, cutAt);
  });
  await ivy.context().close();

  const back = await check('back online: the held page resumes its seat (same peer id); the other page never showed "left"', [gap], async () => {
    const onlineAt = Date.now();
    await hal.context().setOffline(false);
    heldBack = false;
    const peerupAt = await waitForPeerEvent(gina, 'peerup', halId, onlineAt, 15_000);
    info(`online again -> peerup: ${peerupAt - onlineAt} ms`);
    await Promise.all([waitForState(gina, 'connected'), waitForState(hal, 'connected', { text: /^Connected\./ })]);
    const after = await peerId(hal);
    if (after !== halId) throw new Error(`hal came back as ${after}, not ${halId}`);
    await expectNeverLeft(gina, 0);
  });
  if (heldBack) {
    await hal.context().setOffline(false).catch(() => {});
  }

  await check('after the resume, a renegotiation works: a screen share from the page without a camera arrives', [back], async () => {
    const before = await mediaSample(hal);
    await hal.click('#screen');
    await waitForRising(gina, 'framesDecoded', { by: 10 });
    await gina.waitForSelector('#remoteSharing:not([hidden])');
    const after = await mediaSample(hal);
    if (after.localSession !== before.localSession) throw new Error('sharing started a new call');
    if (after.signalingState !== 'stable') throw new Error(`hal left in signaling state ${after.signalingState}`);
    await ctx.shot(gina, 'gina-sees-hal-screen-after-resume');
  });

  const reloaded = await check('a reload resumes the same seat (same peer id) with a fresh call; the other page never shows "left"', [back], async () => {
    const since = Date.now();
    const before = await mediaSample(gina);
    await hal.reload();
    await Promise.all([waitForState(gina, 'connected', { timeout: CALL_MS }), waitForState(hal, 'connected', { timeout: CALL_MS })]);
    const after = await peerId(hal);
    if (after !== halId) throw new Error(`hal came back as ${after}, not ${halId}`);
    if ((await mediaSample(gina)).localSession === before.localSession) throw new Error('gina kept the old RTCPeerConnection');
    await Promise.all([waitForRising(gina, 'bytesReceived', { by: 1000 }), waitForRising(hal, 'framesDecoded', { by: 5 })]);
    await expectNeverLeft(gina, since);
  });

  const secondTab = await ctx.browser.openPage('hal-second-tab', { initScript: BLOCK_CAMERA });
  const replaced = await check('a second tab with the same secret takes the seat: the first is closed with 4000 "replaced", says so and stays away', [reloaded], async () => {
    const since = Date.now();
    const key = `duet.resume.${room}`;
    const secret = await hal.evaluate((name) => sessionStorage.getItem(name), key);
    if (!secret) throw new Error(`hal keeps no ${key} in sessionStorage`);
    // What "Duplicate tab" does: the copy starts with the tab's sessionStorage.
    await secondTab.addInitScript(([name, value]) => {
      if (sessionStorage.getItem(name) === null) sessionStorage.setItem(name, value);
    }, [key, secret]);
    await secondTab.goto(url(CUT_HOST));
    await secondTab.waitForSelector('#join:not([disabled])');
    await secondTab.click('#join');
    await waitForState(hal, 'error', { text: /another tab or window/ });
    await Promise.all([waitForState(gina, 'connected', { timeout: CALL_MS }), waitForState(secondTab, 'connected', { timeout: CALL_MS })]);
    const taken = await peerId(secondTab);
    if (taken !== halId) throw new Error(`the second tab joined as ${taken}, not ${halId}`);
    await waitForRising(secondTab, 'framesDecoded', { by: 5 });
    const first = await pageState(hal);
    if (first.signaling !== 'closed') throw new Error(`the first tab did not stay away: signaling ${first.signaling}`);
    await expectNeverLeft(gina, since);
    await ctx.shot(hal, 'hal-replaced-by-second-tab');
  });
  await hal.context().close();

  await check(`closing the tab sends leave: the other page hears "left" at once, not after the ${SEAT_LEASE_S} s lease`, [replaced], async () => {
    const closedAt = Date.now();
    await secondTab.context().close();
    await waitForState(gina, 'waiting', { timeout: 5000, text: /other person left/ });
    info(`tab closed -> "left": ${Date.now() - closedAt} ms`);
  });
  await secondTab.context().close();
  await gina.context().close();
  await daemon.close();
}
