// LocalMedia: what this page sends. One microphone track (muted by disabling
// it), one camera track (switched off by stopping it, so the camera light
// goes out), and a screen track while sharing, which then takes the camera's
// place. The call sends `videoTrack` and `audioTrack`; `change` says when
// either is replaced. Uses MediaDevices (passed in), no DOM elements.

import { openCameraAndMic, openCamera, openMicrophone, openScreen } from './media.js';
import { describeMediaError } from './media-problems.js';

/**
 * Events (CustomEvent):
 * - `change`: the tracks to send, or the mute/camera/screen flags, changed
 * - `screenended`: sharing stopped from outside the page (the browser's own
 *   "Stop sharing" button); the camera is back already
 */
export class LocalMedia extends EventTarget {
  #devices;
  #audio = null;
  #camera = null;
  #screen = null;
  #micMuted = false;
  #cameraId = null;
  #micId = null;
  #problems = { camera: null, mic: null };
  // Shown in the local preview: the sent video and the microphone.
  #preview = new MediaStream();

  /** @param {MediaDevices|null} devices  null where the page may use none */
  constructor(devices) {
    super();
    this.#devices = devices;
  }

  /** The stream for the local <video>: whatever is being sent. */
  get previewStream() {
    return this.#preview;
  }

  get audioTrack() {
    return this.#audio;
  }

  /** The video being sent: the screen while sharing, else the camera (null when off). */
  get videoTrack() {
    return this.#screen ?? this.#camera;
  }

  get micMuted() {
    return this.#micMuted;
  }

  get hasMic() {
    return this.#audio !== null;
  }

  get cameraOn() {
    return this.#camera !== null;
  }

  get sharing() {
    return this.#screen !== null;
  }

  get cameraId() {
    return this.#camera?.getSettings().deviceId ?? this.#cameraId;
  }

  get micId() {
    return this.#audio?.getSettings().deviceId ?? this.#micId;
  }

  /** Why the camera or the microphone is missing, in words, or null each (media-problems.js). */
  get problems() {
    return { ...this.#problems };
  }

  /** Opens the camera and the microphone; each may fail alone (see `problems`). */
  async open({ cameraId = null, micId = null } = {}) {
    this.#cameraId = cameraId;
    this.#micId = micId;
    const { audio, video, problems } = await openCameraAndMic(this.#devices, { cameraId, micId });
    this.#stopTrack(this.#audio);
    this.#stopTrack(this.#camera);
    this.#audio = audio;
    this.#camera = video;
    this.#problems = problems;
    if (this.#audio !== null) {
      this.#audio.enabled = !this.#micMuted;
    }
    this.#changed();
  }

  /** Mutes by disabling the track: the other side gets silence at once, no renegotiation. */
  setMicMuted(muted) {
    this.#micMuted = Boolean(muted);
    if (this.#audio !== null) {
      this.#audio.enabled = !this.#micMuted;
    }
    this.#changed();
  }

  /** Turns the camera off (releasing it) or on again. Throws if it cannot be opened. */
  async setCameraOn(on) {
    if (!on) {
      this.#stopTrack(this.#camera);
      this.#camera = null;
      this.#changed();
      return;
    }
    if (this.#camera !== null) {
      return;
    }
    try {
      this.#camera = await openCamera(this.#devices, this.#cameraId);
      this.#problems = { ...this.#problems, camera: null };
    } catch (error) {
      this.#problems = { ...this.#problems, camera: describeMediaError(error) };
      this.#changed();
      throw error;
    }
    this.#changed();
  }

  /** Switches to another camera, keeping it off if it was off. */
  async useCamera(deviceId) {
    this.#cameraId = deviceId || null;
    if (this.#camera === null) {
      return;
    }
    const next = await openCamera(this.#devices, this.#cameraId);
    this.#stopTrack(this.#camera);
    this.#camera = next;
    this.#changed();
  }

  /** Switches to another microphone, keeping the mute state. */
  async useMicrophone(deviceId) {
    this.#micId = deviceId || null;
    const next = await openMicrophone(this.#devices, this.#micId);
    next.enabled = !this.#micMuted;
    this.#stopTrack(this.#audio);
    this.#audio = next;
    this.#problems = { ...this.#problems, mic: null };
    this.#changed();
  }

  /** Starts sending the screen instead of the camera. Throws when refused. */
  async startScreenShare() {
    if (this.#screen !== null) {
      return;
    }
    const track = await openScreen(this.#devices);
    // Text and slides matter more than smooth motion on a shared screen.
    track.contentHint = 'detail';
    track.addEventListener('ended', () => {
      if (this.#screen === track) {
        this.#screen = null;
        this.#changed();
        this.dispatchEvent(new CustomEvent('screenended'));
      }
    });
    this.#screen = track;
    this.#changed();
  }

  /** Back to the camera (or to no video when the camera is off). */
  stopScreenShare() {
    if (this.#screen === null) {
      return;
    }
    this.#stopTrack(this.#screen);
    this.#screen = null;
    this.#changed();
  }

  /** Releases every device (the camera light goes out). */
  stop() {
    for (const track of [this.#audio, this.#camera, this.#screen]) {
      this.#stopTrack(track);
    }
    this.#audio = null;
    this.#camera = null;
    this.#screen = null;
    this.#changed();
  }

  #stopTrack(track) {
    track?.stop();
  }

  #changed() {
    const wanted = [this.videoTrack, this.#audio].filter((track) => track !== null);
    for (const track of this.#preview.getTracks()) {
      if (!wanted.includes(track)) {
        this.#preview.removeTrack(track);
      }
    }
    for (const track of wanted) {
      if (!this.#preview.getTracks().includes(track)) {
        this.#preview.addTrack(track);
      }
    }
    this.dispatchEvent(new CustomEvent('change'));
  }
}
