// Local media for a call: camera (or desktop) and microphone, degrading step
// by step instead of giving up: camera+mic, then mic only, then nothing
// (receive only). The caller shows `notes` so the person knows what happened.

const AUDIO_CONSTRAINTS = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/**
 * @param {object} options
 * @param {boolean} options.shareDesktop  send the screen instead of the camera
 * @returns {Promise<{stream: MediaStream, notes: string[]}>}  the stream may
 *   have no tracks at all; `notes` explains every fallback taken
 */
export async function getLocalMedia({ shareDesktop }) {
  const notes = [];
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) {
    // Browsers hide mediaDevices on pages that are not a "secure context"
    // (plain http anywhere but localhost).
    notes.push(window.isSecureContext
      ? 'This browser cannot use a camera or microphone here; you can watch and listen only.'
      : 'Camera and microphone need https; you can watch and listen only.');
    return { stream: new MediaStream(), notes };
  }

  if (shareDesktop) {
    const desktop = await tryDesktop(devices, notes);
    if (desktop !== null) {
      const audio = await tryGetUserMedia(devices, { audio: AUDIO_CONSTRAINTS });
      if (audio.stream !== null) {
        audio.stream.getAudioTracks().forEach((track) => desktop.addTrack(track));
      } else {
        notes.push(`No microphone (${describe(audio.error)}): sharing the desktop without sound.`);
      }
      return { stream: desktop, notes };
    }
  }

  const both = await tryGetUserMedia(devices, { video: true, audio: AUDIO_CONSTRAINTS });
  if (both.stream !== null) {
    return { stream: both.stream, notes };
  }
  const audioOnly = await tryGetUserMedia(devices, { audio: AUDIO_CONSTRAINTS });
  if (audioOnly.stream !== null) {
    notes.push(`Camera unavailable (${describe(both.error)}): audio only.`);
    return { stream: audioOnly.stream, notes };
  }
  notes.push(`Camera and microphone unavailable (${describe(both.error)}): you can watch and listen only.`);
  return { stream: new MediaStream(), notes };
}

/** Stops every track, which turns the camera light off. */
export function stopMedia(stream) {
  stream?.getTracks().forEach((track) => track.stop());
}

async function tryDesktop(devices, notes) {
  if (!devices.getDisplayMedia) {
    notes.push('This browser cannot share the desktop (phones usually cannot): using the camera.');
    return null;
  }
  try {
    return await devices.getDisplayMedia({ video: true });
  } catch (error) {
    notes.push(`Desktop sharing did not start (${describe(error)}): using the camera.`);
    return null;
  }
}

async function tryGetUserMedia(devices, constraints) {
  try {
    return { stream: await devices.getUserMedia(constraints), error: null };
  } catch (error) {
    return { stream: null, error };
  }
}

// getUserMedia's DOMException names, in words for a person.
function describe(error) {
  switch (error?.name) {
    case 'NotAllowedError': return 'permission denied';
    case 'NotFoundError': return 'no device found';
    case 'NotReadableError': return 'the device is in use or broken';
    case 'OverconstrainedError': return 'no device fits';
    case 'AbortError': return 'cancelled';
    default: return error?.message || String(error);
  }
}
