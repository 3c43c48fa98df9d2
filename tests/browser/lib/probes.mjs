// What the browser tests read from a duet page: its state attributes, its
// status line, and its RTCPeerConnection's getStats().

import { networkInterfaces } from 'node:os';

export const CALL_MS = 25_000;

/** Polls `probe` until `accept(value)` holds; throws `describe(last)` at the deadline. */
export async function waitFor(probe, accept, { timeout, every = 250, describe }) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (accept(last)) {
      return last;
    }
    if (Date.now() >= deadline) {
      throw new Error(describe(last));
    }
    await new Promise((done) => setTimeout(done, every));
  }
}

export async function pageState(page) {
  return page.evaluate(() => ({
    view: document.body.dataset.view,
    state: document.body.dataset.state,
    signaling: document.body.dataset.signaling,
    status: document.getElementById('status')?.textContent ?? '',
    notes: document.getElementById('notes')?.textContent ?? '',
  })).catch((error) => ({ state: '?', status: String(error) }));
}

/** Waits until body[data-state] is `state` (and, when given, the status text matches). */
export async function waitForState(page, state, { timeout = 15_000, text = null } = {}) {
  return waitFor(() => pageState(page), (now) => now.state === state && (text === null || text.test(now.status)), {
    timeout,
    describe: (now) => `${page.duetName}: wanted state "${state}"${text ? ` with status ${text}` : ''} within ${timeout} ms; `
      + `still "${now.state}" (signaling ${now.signaling}; status: ${now.status}${now.notes ? `; notes: ${now.notes}` : ''})`,
  });
}

export async function waitForSignaling(page, signaling, timeout = 15_000) {
  return waitFor(() => pageState(page), (now) => now.signaling === signaling, {
    timeout,
    describe: (now) => `${page.duetName}: wanted signaling "${signaling}" within ${timeout} ms; still "${now.signaling}" (status: ${now.status})`,
  });
}

/**
 * One sample of the page's call: inbound video and audio counters, what it
 * sends, its SDP session ids and the selected candidate pair.
 */
export async function mediaSample(page) {
  return page.evaluate(async () => {
    const pc = window.duet?.call?.peerConnection ?? null;
    const sample = {
      hasCall: pc !== null,
      framesDecoded: 0,
      frameWidth: 0,
      frameHeight: 0,
      audioEnergy: 0,
      audioSamples: 0,
      bytesReceived: 0,
      sentVideoLabel: null,
      localSession: null,
      remoteSession: null,
      remoteUfrag: null,
      signalingState: pc?.signalingState ?? null,
      connectionState: pc?.connectionState ?? null,
      pair: null,
      videoWidth: document.getElementById('remotevideo').videoWidth,
    };
    if (pc === null) {
      return sample;
    }
    const session = (sdp) => /^o=\S+ (\S+) /m.exec(sdp ?? '')?.[1] ?? null;
    sample.localSession = session(pc.localDescription?.sdp);
    sample.remoteSession = session(pc.remoteDescription?.sdp);
    sample.remoteUfrag = /^a=ice-ufrag:(\S+)/m.exec(pc.remoteDescription?.sdp ?? '')?.[1] ?? null;
    sample.sentVideoLabel = pc.getSenders().find((s) => s.track?.kind === 'video')?.track.label ?? null;
    const reports = await pc.getStats();
    let pairId = null;
    reports.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        sample.framesDecoded += r.framesDecoded ?? 0;
        sample.frameWidth = Math.max(sample.frameWidth, r.frameWidth ?? 0);
        sample.frameHeight = Math.max(sample.frameHeight, r.frameHeight ?? 0);
      }
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        sample.audioEnergy += r.totalAudioEnergy ?? 0;
        sample.audioSamples += r.totalSamplesReceived ?? 0;
      }
      if (r.type === 'inbound-rtp') {
        sample.bytesReceived += r.bytesReceived ?? 0;
      }
      if (r.type === 'transport' && r.selectedCandidatePairId) {
        pairId = r.selectedCandidatePairId;
      }
    });
    const pair = pairId ? reports.get(pairId) : null;
    if (pair) {
      const local = reports.get(pair.localCandidateId);
      const remote = reports.get(pair.remoteCandidateId);
      sample.pair = {
        local: { type: local?.candidateType, address: local?.address },
        remote: { type: remote?.candidateType, address: remote?.address },
      };
    }
    return sample;
  });
}

/**
 * Waits until `field` grows by at least `by` between two samples `gapMs`
 * apart: proof that video frames are decoding (framesDecoded) or audio is
 * arriving (audioSamples) or sounding (audioEnergy), or that media arrives at
 * all (bytesReceived, RTP of every kind), right now.
 */
export async function waitForRising(page, field, { by = 1, gapMs = 1000, timeout = CALL_MS } = {}) {
  const deadline = Date.now() + timeout;
  let before = await mediaSample(page);
  for (;;) {
    await new Promise((done) => setTimeout(done, gapMs));
    const after = await mediaSample(page);
    if (after[field] - before[field] >= by) {
      return { before, after };
    }
    if (Date.now() >= deadline) {
      throw new Error(`${page.duetName}: ${field} did not rise by ${by} within ${timeout} ms `
        + `(${before[field]} -> ${after[field]}; call: ${after.hasCall}, ${after.connectionState})`);
    }
    before = after;
  }
}

/** Asserts that `field` stays flat (grows by less than `below`) over `gapMs`. */
export async function expectFlat(page, field, { below, gapMs = 1500 }) {
  const before = await mediaSample(page);
  await new Promise((done) => setTimeout(done, gapMs));
  const after = await mediaSample(page);
  if (after[field] - before[field] >= below) {
    throw new Error(`${page.duetName}: ${field} rose from ${before[field]} to ${after[field]} over ${gapMs} ms; wanted it flat`);
  }
  return { before, after };
}

/** Every address of this machine: a media path between two of them never leaves it. */
export function ownAddresses() {
  return new Set(Object.values(networkInterfaces()).flat().map((entry) => entry.address));
}

/**
 * The ICE servers the page's RTCPeerConnection uses, and the page's peer id:
 * a TURN username made for this connection is `<expiry>:<peer id>`.
 */
export async function iceConfiguration(page) {
  return page.evaluate(() => ({
    peerId: window.duet.signaling.id,
    iceServers: window.duet.call.peerConnection?.getConfiguration().iceServers ?? [],
  }));
}

/** Throws unless the page uses STUN and a TURN credential made for its current peer id. */
export async function expectIceServersFromJoined(page) {
  const { peerId, iceServers } = await iceConfiguration(page);
  const urls = iceServers.flatMap((server) => [server.urls].flat());
  if (!urls.includes('stun:127.0.0.1:3478')) throw new Error(`${page.duetName}: no STUN server in ${JSON.stringify(urls)}`);
  const turn = iceServers.find((server) => [server.urls].flat().includes('turn:127.0.0.1:3478'));
  if (!turn) throw new Error(`${page.duetName}: no TURN server in ${JSON.stringify(urls)}`);
  if (!new RegExp(`^\\d+:${peerId}$`).test(turn.username ?? '') || !turn.credential) {
    throw new Error(`${page.duetName}: TURN username "${turn.username}" is not for peer ${peerId}`);
  }
  return turn.username;
}
