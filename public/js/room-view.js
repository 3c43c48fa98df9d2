// RoomView: the room page's DOM. It shows what it is told (status, videos,
// button states, timer) and decides nothing about the call; room.js does.
//
// body attributes, which CSS and the browser tests read:
//   data-view       prejoin | call | invalid   which layout is shown
//   data-state      call-status.js's PAGE_STATES
//   data-signaling  the SignalingClient's state

import { formatDuration } from './format.js';

export class RoomView {
  #doc;
  #el;

  constructor(doc = document) {
    this.#doc = doc;
    const byId = (id) => doc.getElementById(id);
    this.#el = Object.fromEntries([
      'roomTitle', 'roomName', 'roomLayout', 'invalidRoom', 'invalidRoomText', 'callTimer', 'inviteLink',
      'status', 'notes', 'remotevideo', 'remoteaudio', 'remotePlaceholder', 'remoteMicOff', 'remoteCameraOff', 'remoteSharing',
      'enableSound', 'localvideo', 'localPlaceholder', 'prejoin', 'mediaProblem', 'mediaHint', 'join', 'toolbar',
      'mic', 'camera', 'screen', 'offer', 'answer', 'debugSignaling',
    ].map((id) => [id, byId(id)]));
    this.#el.enableSound.addEventListener('click', () => this.#unmuteRemote());
  }

  /** Element by id, for the modules that wire a button or a panel. */
  element(id) {
    return this.#el[id] ?? this.#doc.getElementById(id);
  }

  showInvalidRoom(text) {
    this.#doc.body.dataset.view = 'invalid';
    this.#doc.body.dataset.state = 'error';
    this.#el.roomTitle.hidden = true;
    this.#el.roomLayout.hidden = true;
    this.element('copyInvite').hidden = true;
    this.#el.invalidRoom.hidden = false;
    this.#el.invalidRoomText.textContent = text;
  }

  showRoom(room, url) {
    this.#el.roomName.textContent = room;
    this.#doc.title = `duet · ${room}`;
    this.#el.inviteLink.href = url;
    this.#el.inviteLink.textContent = url;
  }

  /** 'prejoin' (preview, device choice, Join) or 'call' (videos, controls). */
  setView(view) {
    this.#doc.body.dataset.view = view;
    this.#el.prejoin.hidden = view !== 'prejoin';
    this.#el.toolbar.hidden = view !== 'call';
  }

  setStatus({ state, text }, signalingState) {
    const body = this.#doc.body;
    body.dataset.state = state;
    body.dataset.signaling = signalingState;
    // Rewriting the same words would make screen readers say them again.
    if (this.#el.status.textContent !== text) {
      this.#el.status.textContent = text;
    }
    this.#el.debugSignaling.textContent = `Signaling: ${signalingState}.`;
  }

  /** Replaces the notes under the status line (things worth knowing that are not the status). */
  setNotes(texts) {
    const items = texts.map((text) => {
      const item = this.#doc.createElement('li');
      item.textContent = text;
      return item;
    });
    this.#el.notes.replaceChildren(...items);
  }

  setJoinButton({ label, disabled }) {
    this.#el.join.textContent = label;
    this.#el.join.disabled = disabled;
  }

  setMediaProblem(text, hint) {
    this.#el.mediaProblem.textContent = text ?? '';
    this.#el.mediaProblem.hidden = !text;
    this.#el.mediaHint.textContent = hint ?? '';
    this.#el.mediaHint.hidden = !hint;
  }

  /** The local preview: mirrored like a mirror for a camera, as-is for a screen. */
  showLocal(stream, { hasVideo, sharing, placeholder }) {
    const video = this.#el.localvideo;
    // A media element holds up the page's load event until it has data, and
    // a stream with no video would never give it any.
    const shown = hasVideo ? stream : null;
    if (video.srcObject !== shown) {
      video.srcObject = shown;
    }
    video.classList.toggle('mirrored', hasVideo && !sharing);
    video.hidden = !hasVideo;
    this.#el.localPlaceholder.hidden = hasVideo;
    this.#el.localPlaceholder.textContent = placeholder;
  }

  /**
   * The other person's media; null clears it. The picture always plays (it
   * is muted); the sound may be refused until the person touches the page,
   * and then a button asks for it.
   */
  showRemote(stream) {
    const { remotevideo: video, remoteaudio: audio, enableSound } = this.#el;
    // Never an empty stream: see showLocal.
    const only = (kind) => {
      const tracks = stream?.getTracks().filter((t) => t.kind === kind) ?? [];
      return tracks.length === 0 ? null : new MediaStream(tracks);
    };
    video.srcObject = only('video');
    audio.srcObject = only('audio');
    enableSound.hidden = true;
    if (video.srcObject !== null) {
      video.play().catch(() => {}); // muted video may always play; AbortError: replaced meanwhile
    }
    if (audio.srcObject !== null) {
      audio.play().catch((error) => {
        // Browsers allow sound only after the person touched the page (a
        // reload that rejoins by itself did not).
        if (error.name === 'NotAllowedError') {
          enableSound.hidden = false;
        }
      });
    }
  }

  /** What covers the remote video when it has nothing to show, or null for the video itself. */
  setRemotePlaceholder(text) {
    this.#el.remotePlaceholder.hidden = text === null;
    this.#el.remotePlaceholder.textContent = text ?? '';
    this.#el.remotevideo.classList.toggle('covered', text !== null);
  }

  setRemoteState({ mic, camera, screen }, inCall) {
    this.#el.remoteMicOff.hidden = !inCall || mic;
    this.#el.remoteCameraOff.hidden = !inCall || camera;
    this.#el.remoteSharing.hidden = !inCall || !screen;
  }

  setControls({ micMuted, hasMic, cameraOn, sharing, canShare }) {
    const { mic, camera, screen } = this.#el;
    mic.setAttribute('aria-pressed', String(micMuted));
    mic.disabled = !hasMic;
    mic.title = hasMic ? 'Mute or unmute your microphone' : 'No microphone';
    camera.setAttribute('aria-pressed', String(!cameraOn));
    camera.title = 'Turn your camera off or on';
    screen.setAttribute('aria-pressed', String(sharing));
    screen.disabled = !canShare;
    screen.title = canShare ? 'Show your screen instead of your camera' : 'This browser cannot share a screen';
  }

  /** The call timer; null hides it. */
  setTimer(ms) {
    const timer = this.#el.callTimer;
    timer.hidden = ms === null;
    const text = ms === null ? '' : formatDuration(ms);
    if (timer.textContent !== text) {
      timer.textContent = text;
    }
  }

  setSdp(offer, answer) {
    this.#el.offer.value = offer;
    this.#el.answer.value = answer;
  }

  #unmuteRemote() {
    this.#el.remoteaudio.play().catch((error) => console.warn('room: sound still refused', error));
    this.#el.enableSound.hidden = true;
  }
}
