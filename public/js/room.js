// The room page (room.html?room=NAME): the pre-join view, then the call.
// This module decides what happens when; signaling.js, call.js and
// local-media.js do the work, and room-view.js and the panels show it.

import { isValidRoomName, roomNameProblem } from './room-name.js';
import { SignalingClient, REPLACED_CLOSE } from './signaling.js';
import { Call } from './call.js';
import { LocalMedia } from './local-media.js';
import { pageMediaDevices } from './media.js';
import { mediaProblemText, permissionHint, describeMediaError } from './media-problems.js';
import { describeCall } from './call-status.js';
import { rememberRoom } from './recent-rooms.js';
import {
  loadDeviceChoice, saveDeviceChoice, markForRejoin, takeRejoinMark,
} from './preferences.js';
import { RoomView } from './room-view.js';
import { DevicePicker } from './device-picker.js';
import { ChatPanel } from './chat-panel.js';
import { StatsPanel } from './stats-panel.js';
import { wirePanelToggle } from './panels.js';
import { copyInvite } from './invite.js';
import { takeJoinToken, forgetJoinToken, unauthorizedText } from './join-token.js';
import { watchPageExit } from './page-exit.js';

const NOTE_MS = 6000;

const room = new URLSearchParams(window.location.search).get('room') ?? '';
// An invite link's token (#t=...): kept for this tab, out of the address bar at once.
let joinToken = takeJoinToken({
  location: window.location, history: window.history, storage: sessionStorage, room,
});
const view = new RoomView(document);
const devices = pageMediaDevices();
const media = new LocalMedia(devices);
const chat = new ChatPanel(document, (text) => call?.sendChat(text) ?? false);
const stats = new StatsPanel(document);
const picker = new DevicePicker(document, {
  onCamera: (id) => switchDevice(() => media.useCamera(id)),
  onMic: (id) => switchDevice(() => media.useMicrophone(id)),
});

// Where the person is: 'prejoin' (before Join), 'in-room' (Join pressed; the
// signaling client keeps us in the room through reconnects), 'left' (after
// Leave) or 'failed' (the server refused us for good).
let phase = 'prejoin';
let signaling = null;
let call = null;
let everJoined = false;
let retryInMs = null;
let failure = null;
let notes = [];
let timerHandle = null;

// ---------------------------------------------------------------- rendering

function render() {
  const signalingState = signaling?.state ?? 'idle';
  const partner = call?.partner ?? 'absent';
  const connection = call?.connectionState ?? null;
  view.setStatus(describeCall({
    room, phase, signaling: signalingState, everJoined, retryInMs, partner, connection, failure,
    mediaNote: mediaProblemText(media.problems),
  }), signalingState);

  const inRoom = phase === 'in-room' && signalingState !== 'full';
  view.setView(inRoom ? 'call' : 'prejoin');
  view.setJoinButton({
    label: signalingState === 'full' ? 'Try again' : phase === 'prejoin' ? 'Join' : 'Join again',
    disabled: inRoom,
  });

  showTimer();
  const inCall = connection === 'connected' || connection === 'disconnected';
  view.setRemotePlaceholder(remotePlaceholder(partner, connection));
  view.setRemoteState(call?.remoteState ?? { mic: true, camera: true, screen: false }, inCall);
  view.setNotes(notes.map((note) => note.text));
}

// What covers the remote video while there is no call, by Call.partner.
const NO_CALL_TEXT = {
  absent: 'Nobody else is here yet.',
  present: 'Connecting…',
  down: 'Their connection dropped. Waiting for them to come back…',
  gone: 'The other person left.',
};
const MEDIA_FLOWED = new Set(['connected', 'disconnected', 'failed']);

/** The text over the remote video, or null to show the video itself. */
function remotePlaceholder(partner, connection) {
  if (phase !== 'in-room') {
    return null;
  }
  if (connection === null) {
    return NO_CALL_TEXT[partner];
  }
  if (!MEDIA_FLOWED.has(connection)) {
    return 'Connecting…';
  }
  return call.remoteState.camera ? null : 'Their camera is off.';
}

function renderMedia() {
  view.showLocal(media.previewStream, {
    hasVideo: media.videoTrack !== null,
    sharing: media.sharing,
    placeholder: phase === 'left' ? 'Your camera is off until you join again.'
      : media.problems.camera ? `Camera ${media.problems.camera}.` : 'Your camera is off.',
  });
  view.setControls({
    micMuted: media.micMuted,
    hasMic: media.hasMic,
    cameraOn: media.cameraOn,
    sharing: media.sharing,
    canShare: Boolean(devices?.getDisplayMedia),
  });
  view.setMediaProblem(mediaProblemText(media.problems), permissionHint(media.problems));
  render();
}

/** Shows `text` under the status line for a few seconds. */
function note(text) {
  const entry = { text };
  notes = [...notes.filter((n) => n.text !== text), entry];
  setTimeout(() => {
    notes = notes.filter((n) => n !== entry);
    render();
  }, NOTE_MS);
  render();
}

function showTimer() {
  const since = phase === 'in-room' ? call?.connectedSince ?? null : null;
  view.setTimer(since === null ? null : Date.now() - since);
}

function startTimer() {
  stopTimer();
  timerHandle = setInterval(showTimer, 500);
}

function stopTimer() {
  clearInterval(timerHandle);
  timerHandle = null;
  view.setTimer(null);
}

// ---------------------------------------------------------------- media

async function openMedia() {
  await media.open(loadDeviceChoice(localStorage));
  await picker.refresh(devices, { cameraId: media.cameraId, micId: media.micId })
    .catch((error) => console.warn('room: could not list devices', error));
  renderMedia();
}

async function switchDevice(change) {
  try {
    await change();
    saveDeviceChoice(localStorage, { cameraId: media.cameraId, micId: media.micId });
  } catch (error) {
    note(`That device did not start (${describeMediaError(error)}).`);
  }
  renderMedia();
}

async function toggleCamera() {
  try {
    await media.setCameraOn(!media.cameraOn);
  } catch (error) {
    note(`The camera did not start (${describeMediaError(error)}).`);
  }
  renderMedia();
}

async function toggleScreen() {
  if (media.sharing) {
    media.stopScreenShare();
    return;
  }
  try {
    await media.startScreenShare();
  } catch (error) {
    // Pressing Cancel in the browser's picker is a NotAllowedError too.
    note(error.name === 'NotAllowedError'
      ? 'Screen sharing did not start.'
      : `Screen sharing did not start (${describeMediaError(error)}).`);
  }
}

// ---------------------------------------------------------------- joining and leaving

async function join() {
  if (phase === 'in-room') {
    if (signaling?.state === 'full') {
      signaling.retry();
    }
    return;
  }
  if (phase === 'left') {
    await openMedia(); // Leave released the devices
  }
  phase = 'in-room';
  everJoined = false;
  retryInMs = null;
  failure = null;
  rememberRoom(localStorage, room);

  // sessionStorage keeps the seat's resume secret for a reload of this tab.
  signaling = new SignalingClient({ storage: sessionStorage });
  call = new Call({ signaling, media });
  listen(signaling, call);
  // A handle for the browser's console and the browser tests.
  window.duet = { signaling, call, media, stats };
  chat.setAvailable(false);
  startTimer();
  stats.start(() => call);
  signaling.start(room, { token: joinToken });
  render();
}

function listen(client, currentCall) {
  const whileCurrent = (handler) => (event) => {
    if (client === signaling) {
      handler(event.detail);
    }
  };
  client.addEventListener('statechange', whileCurrent(({ state, delayMs, code, reason }) => {
    retryInMs = delayMs ?? null;
    if (state === 'joined') {
      everJoined = true;
    }
    if (state === 'closed' && phase === 'in-room') {
      if (code === REPLACED_CLOSE) {
        // Another tab or window resumed our seat: the call goes on there, so
        // the other person must not hear a hang-up, and we must not reconnect.
        failure = 'This call went on in another tab or window, which took over your place in the room.';
        leaveRoom('failed', { quietly: true });
      } else {
        failure ??= `The server closed the connection for good (code ${code}${reason ? `: ${reason}` : ''}). Press Join again to retry.`;
        leaveRoom('failed');
      }
    }
    render();
  }));
  client.addEventListener('error', whileCurrent(({ code, message, ref }) => {
    if (ref === 'join' && code === 'invalid_room') {
      failure = 'The server does not accept this room name.';
    } else if (ref === 'join' && code === 'unauthorized') {
      // Say why in words (expired, already used, ...); a refused token is not kept.
      failure = unauthorizedText(message);
      forgetJoinToken(sessionStorage, room);
      joinToken = null;
    } else if (code === 'bad_resume' || code === 'peer_unavailable') {
      // Expected after a daemon restart or a long absence; the client and the call recover.
      console.info('room:', code, message);
    } else {
      console.warn('room: the server refused a request', ref, code, message);
    }
  }));

  let partner = currentCall.partner;
  currentCall.addEventListener('change', whileCurrent(() => {
    // The chat log stays; a line in it says where one conversation ended.
    if (currentCall.partner !== partner && currentCall.partner === 'gone') {
      chat.addNotice('The other person left the call.');
    }
    partner = currentCall.partner;
    render();
  }));
  currentCall.addEventListener('remotestream', whileCurrent(({ stream }) => view.showRemote(stream)));
  currentCall.addEventListener('remotestate', whileCurrent(render));
  currentCall.addEventListener('sdp', whileCurrent(({ offer, answer }) => view.setSdp(offer, answer)));
  currentCall.addEventListener('chat', whileCurrent(({ text }) => chat.addTheirs(text)));
  currentCall.addEventListener('channel', whileCurrent(({ open }) => chat.setAvailable(open)));
}

/**
 * Ends our part in the call, so that the other person hears at once (unless
 * `quietly`: the call goes on elsewhere). `next` is set first: leaving closes
 * the signaling client, which must not read as a failure.
 */
function leaveRoom(next, { quietly = false } = {}) {
  phase = next;
  if (quietly) {
    call?.drop();
  } else {
    call?.hangup();
  }
  signaling?.leave();
  stats.stop();
  stopTimer();
  view.showRemote(null);
  view.setSdp('', '');
  chat.setAvailable(false);
}

/**
 * The page goes away to come back (a reload): the seat stays ours. The
 * socket closes without `leave` and the call without `hangup`, so the server
 * holds the seat and the other page waits for us to resume it.
 */
function keepSeatForReturn() {
  phase = 'left'; // first: the closing client must not read as a failure
  call?.drop();
  signaling?.close();
  stats.stop();
  stopTimer();
}

function hangup() {
  if (phase !== 'in-room') {
    return;
  }
  leaveRoom('left');
  media.stop();
  renderMedia();
  view.element('join').focus();
}

// ---------------------------------------------------------------- start

function wireControls() {
  view.element('join').addEventListener('click', () => {
    join().catch((error) => {
      console.error(error);
      phase = 'failed';
      failure = `Something went wrong: ${error.message ?? error}`;
      render();
    });
  });
  view.element('hangup').addEventListener('click', hangup);
  view.element('mic').addEventListener('click', () => media.setMicMuted(!media.micMuted));
  view.element('camera').addEventListener('click', toggleCamera);
  view.element('screen').addEventListener('click', toggleScreen);
  view.element('restartIce').addEventListener('click', () => call?.restartIce());
  view.element('copyInvite').addEventListener('click', async () => {
    note(await copyInvite(window.location.href)
      ? 'Invite link copied. Paste it to the other person.'
      : 'Could not copy: copy the address from the invite link instead.');
  });
  wirePanelToggle(view.element('chatToggle'), view.element('chatPanel'), (open) => chat.setVisible(open));
  wirePanelToggle(view.element('statsToggle'), view.element('statsPanel'));
  wirePanelToggle(view.element('debugToggle'), view.element('debugPanel'));

  media.addEventListener('change', renderMedia);
  media.addEventListener('screenended', () => note('Screen sharing ended; your camera is back.'));

  // A network that comes back is worth trying at once rather than at the end of a long backoff.
  window.addEventListener('online', () => signaling?.retry());
  // Leaving the page for good leaves the room: the other person hears `bye`
  // at once. A reload keeps the seat and comes straight back in (see
  // takeRejoinMark below), resuming it with the secret in sessionStorage.
  watchPageExit(window, (kind) => {
    if (phase === 'in-room' && signaling?.state !== 'full') {
      markForRejoin(sessionStorage, room);
    }
    if (phase === 'in-room') {
      if (kind === 'keep') {
        keepSeatForReturn();
      } else {
        leaveRoom('left');
        signaling?.close(); // best effort: `leave` is written first, the socket may be gone
      }
    }
    media.stop();
  });
  // Back from the back/forward cache the page holds no call and no camera; start over.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) {
      window.location.reload();
    }
  });
}

async function init() {
  if (!isValidRoomName(room)) {
    view.showInvalidRoom(room === ''
      ? 'The address names no room.'
      : `“${room}” is not a valid room name. ${roomNameProblem(room)}`);
    return;
  }
  view.showRoom(room, window.location.href);
  wireControls();
  render();
  const rejoining = takeRejoinMark(sessionStorage, room);
  await openMedia();
  if (rejoining) {
    note('Back in the call after the page reloaded.');
    await join();
  }
}

init().catch((error) => {
  console.error(error);
  phase = 'failed';
  failure = `Something went wrong: ${error.message ?? error}`;
  render();
});
