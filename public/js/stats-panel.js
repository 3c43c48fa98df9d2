// The stats panel: samples the call's getStats() once a second and shows
// stats.js's summary in words. Sampling goes on while the panel is hidden,
// because bitrates need the previous sample.

import { summarizeStats } from './stats.js';
import {
  formatBitrate, formatFrameRate, formatMilliseconds, formatPercent, formatResolution,
} from './format.js';

const SAMPLE_EVERY_MS = 1000;

export class StatsPanel {
  #el;
  #timer = null;
  #previous = null;
  #sampledPc = null;
  #latest = null;

  constructor(doc) {
    const byId = (id) => doc.getElementById(id);
    this.#el = {
      path: byId('statPath'), rtt: byId('statRtt'), sent: byId('statSent'), received: byId('statReceived'),
      videoOut: byId('statVideoOut'), videoIn: byId('statVideoIn'), loss: byId('statLoss'), audioIn: byId('statAudioIn'),
    };
  }

  /** The last summary (stats.js), or null; tests and the console read it. */
  get latest() {
    return this.#latest;
  }

  /** @param {() => import('./call.js').Call|null} currentCall */
  start(currentCall) {
    this.stop();
    this.#timer = setInterval(() => {
      this.#sample(currentCall()).catch((error) => console.warn('stats: sampling failed', error));
    }, SAMPLE_EVERY_MS);
  }

  stop() {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    this.#previous = null;
    this.#sampledPc = null;
    this.#latest = null;
    this.#render(null, null);
  }

  async #sample(call) {
    const pc = call?.peerConnection ?? null;
    if (pc !== this.#sampledPc) {
      this.#previous = null; // rates across two connections mean nothing
      this.#sampledPc = pc;
    }
    if (pc === null) {
      this.#latest = null;
      this.#render(null, null);
      return;
    }
    const reports = [...(await pc.getStats()).values()];
    if (pc !== this.#sampledPc) {
      return;
    }
    const summary = summarizeStats(reports, this.#previous);
    this.#previous = summary;
    this.#latest = summary;
    this.#render(summary, call.remoteState);
  }

  #render(summary, remoteState) {
    const el = this.#el;
    el.path.textContent = describePath(summary);
    el.rtt.textContent = formatMilliseconds(summary?.rttMs);
    el.sent.textContent = formatBitrate(summary?.sent.kbps);
    el.received.textContent = formatBitrate(summary?.received.kbps);
    el.videoOut.textContent = describeVideo(summary?.videoOut);
    el.videoIn.textContent = describeVideo(summary?.videoIn);
    el.loss.textContent = formatPercent(summary?.packets.lossPct);
    el.audioIn.textContent = describeSound(summary?.audioIn, remoteState);
  }
}

function describePath(summary) {
  if (!summary?.path) {
    return '–';
  }
  const local = summary.localCandidate;
  const how = summary.path === 'relayed' ? 'Relayed through a TURN server' : 'Direct';
  return `${how} (${local.protocol ?? '?'}, ${local.type ?? '?'} ↔ ${summary.remoteCandidate.type ?? '?'})`;
}

function describeVideo(video) {
  if (!video || !(video.width > 0)) {
    return '–';
  }
  return `${formatResolution(video.width, video.height)}, ${formatFrameRate(video.fps)}`;
}

function describeSound(audio, remoteState) {
  if (remoteState && !remoteState.mic) {
    return 'muted';
  }
  if (!audio || !Number.isFinite(audio.level)) {
    return '–';
  }
  return audio.level < 0.001 ? 'silent' : `level ${Math.round(audio.level * 100)} %`;
}
