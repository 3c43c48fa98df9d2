// Opening cameras, microphones and screens, one device at a time, so that
// one that fails never costs the other. Uses the browser's MediaDevices
// (passed in), no DOM elements.

import { describeMediaError } from './media-problems.js';

export const AUDIO_CONSTRAINTS = Object.freeze({
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
});

// 720p where the camera has it; the browser scales down when the network is poor.
const VIDEO_CONSTRAINTS = Object.freeze({ width: { ideal: 1280 }, height: { ideal: 720 } });

/** MediaDevices of this page, or null where the browser hides it (plain http off localhost). */
export function pageMediaDevices() {
  return globalThis.navigator?.mediaDevices?.getUserMedia ? globalThis.navigator.mediaDevices : null;
}

/**
 * Opens a camera and a microphone. Each may fail on its own.
 * @returns {Promise<{audio: MediaStreamTrack|null, video: MediaStreamTrack|null,
 *   problems: {camera: string|null, mic: string|null}}>}  problems in words (media-problems.js)
 */
export async function openCameraAndMic(devices, { cameraId = null, micId = null } = {}) {
  if (devices === null) {
    return { audio: null, video: null, problems: { camera: 'not available on this page', mic: 'not available on this page' } };
  }
  // One request for both asks for permission once, which is what people expect.
  try {
    const stream = await devices.getUserMedia({ video: videoConstraints(cameraId), audio: audioConstraints(micId) });
    return {
      audio: stream.getAudioTracks()[0] ?? null,
      video: stream.getVideoTracks()[0] ?? null,
      problems: { camera: null, mic: null },
    };
  } catch (error) {
    console.info('media: camera and microphone together failed; trying each', error.name);
  }
  const [video, audio] = await Promise.all([
    attempt(() => openCamera(devices, cameraId)),
    attempt(() => openMicrophone(devices, micId)),
  ]);
  return {
    audio: audio.track,
    video: video.track,
    problems: { camera: video.problem, mic: audio.problem },
  };
}

/** A camera track; the chosen camera when it is still there, any camera otherwise. */
export async function openCamera(devices, deviceId = null) {
  return openOne(devices, 'video', deviceId);
}

/** A microphone track; the chosen one when it is still there, any otherwise. */
export async function openMicrophone(devices, deviceId = null) {
  return openOne(devices, 'audio', deviceId);
}

/** A screen (or window, or tab) capture track. Throws when refused or unsupported. */
export async function openScreen(devices) {
  if (!devices?.getDisplayMedia) {
    const error = new Error('this browser cannot share a screen');
    error.name = 'NotSupportedError';
    throw error;
  }
  const stream = await devices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
  return stream.getVideoTracks()[0];
}

/**
 * The cameras and microphones the browser lists. Their labels are empty
 * until the page was allowed a device once; the caller then shows a number.
 */
export async function listDevices(devices) {
  if (devices === null || !devices.enumerateDevices) {
    return { cameras: [], microphones: [] };
  }
  const all = await devices.enumerateDevices();
  const pick = (kind) => all
    .filter((d) => d.kind === kind && d.deviceId !== '')
    .map((d, i) => ({ id: d.deviceId, label: d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}` }));
  return { cameras: pick('videoinput'), microphones: pick('audioinput') };
}

async function openOne(devices, kind, deviceId) {
  const constraints = kind === 'video'
    ? { video: videoConstraints(deviceId) }
    : { audio: audioConstraints(deviceId) };
  try {
    return firstTrack(await devices.getUserMedia(constraints), kind);
  } catch (error) {
    // The remembered device may be unplugged: any device beats none.
    if (deviceId !== null && (error.name === 'OverconstrainedError' || error.name === 'NotFoundError')) {
      return openOne(devices, kind, null);
    }
    throw error;
  }
}

function firstTrack(stream, kind) {
  const track = kind === 'video' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
  if (!track) {
    const error = new Error(`no ${kind} track`);
    error.name = 'NotFoundError';
    throw error;
  }
  return track;
}

async function attempt(open) {
  try {
    return { track: await open(), problem: null };
  } catch (error) {
    return { track: null, problem: describeMediaError(error) };
  }
}

function videoConstraints(deviceId) {
  return deviceId ? { ...VIDEO_CONSTRAINTS, deviceId: { exact: deviceId } } : { ...VIDEO_CONSTRAINTS };
}

function audioConstraints(deviceId) {
  return deviceId ? { ...AUDIO_CONSTRAINTS, deviceId: { exact: deviceId } } : { ...AUDIO_CONSTRAINTS };
}
