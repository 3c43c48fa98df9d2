// The room page: wires the buttons, the status line and the videos to
// signaling (signaling.js), the peer connection (call.js) and local media
// (media.js). It owns the page state shown in document.body.dataset.state:
//   idle | connecting | waiting | calling | connected | full | left | error
// Tests wait on that attribute, so keep the names stable.

import { isValidRoomName, roomNameProblem } from './room-name.js';
import { SignalingClient } from './signaling.js';
import { Call } from './call.js';
import { getLocalMedia, stopMedia } from './media.js';

const byId = (id) => document.getElementById(id);
const ui = {
  roomTitle: byId('roomTitle'),
  roomName: byId('roomName'),
  invalidRoom: byId('invalidRoom'),
  invalidRoomText: byId('invalidRoomText'),
  callPanel: byId('callPanel'),
  connect: byId('connect'),
  leave: byId('leave'),
  shareDesk: byId('shareDesk'),
  status: byId('status'),
  notes: byId('notes'),
  inviteLink: byId('inviteLink'),
  localVideo: byId('localvideo'),
  remoteVideo: byId('remotevideo'),
  offer: byId('offer'),
  answer: byId('answer'),
};

const room = new URLSearchParams(window.location.search).get('room') ?? '';

// How long to wait for `leaved` before closing the socket anyway.
const LEAVE_TIMEOUT_MS = 3000;

// Server error codes (PROTOCOL.md rule 9), in words for a person.
const ERROR_TEXT = {
  invalid_room: 'the server does not accept this room name',
  already_in_room: 'this connection is already in a room',
  room_limit: 'the server has too many rooms open right now; try again later',
  rate_limited: 'too many requests in a short time',
  not_in_room: 'not in the room (any more)',
  no_such_peer: 'the other person is no longer in the room',
  bad_json: 'the server could not read a message',
  bad_request: 'the server refused a malformed message',
  unknown_type: 'the server did not understand a message',
};

// WebSocket close codes the daemon uses (PROTOCOL.md), in words.
const CLOSE_TEXT = {
  1001: 'the server is shutting down or restarting',
  1003: 'the server refused a binary message',
  1006: 'the network connection dropped',
  1008: 'the server closed it: too slow to keep up or too many refused requests',
  1009: 'a message was too big for the server',
  1011: 'the server hit an internal error',
};

/**
 * The one live attempt to be in the room, from Connect until it ends.
 * Event handlers hold on to their own session and do nothing once it is no
 * longer `current`, so a late event from an old socket cannot disturb a new one.
 */
let current = null;

// The buttons follow the session rather than the state: an 'error' such as
// a failed media path still leaves us in the room, with Leave to press.
function setState(state, text) {
  document.body.dataset.state = state;
  ui.status.textContent = text;
  const inRoom = current !== null;
  ui.connect.disabled = inRoom;
  ui.leave.disabled = !inRoom;
  ui.shareDesk.disabled = inRoom;
}

function addNote(text) {
  const item = document.createElement('li');
  item.textContent = text;
  ui.notes.append(item);
}

function clearNotes() {
  ui.notes.replaceChildren();
}

function showSdp(offer, answer) {
  ui.offer.value = offer;
  ui.answer.value = answer;
}

function showRemoteStream(stream) {
  ui.remoteVideo.srcObject = stream;
  if (stream === null) {
    return;
  }
  ui.remoteVideo.play().catch((error) => {
    // AbortError only means the stream was replaced or removed meanwhile.
    if (error.name === 'NotAllowedError') {
      ui.remoteVideo.controls = true;
      addNote('The browser blocked playback: press play on the remote video.');
    }
  });
}

async function connect() {
  if (current !== null) {
    return;
  }
  const session = { signaling: null, call: null, localStream: null, leaving: false };
  current = session;
  clearNotes();
  setState('connecting', 'Starting your camera and microphone…');

  const { stream, notes } = await getLocalMedia({ shareDesktop: ui.shareDesk.checked });
  if (current !== session) {
    stopMedia(stream); // Leave was pressed while the browser was asking
    return;
  }
  session.localStream = stream;
  ui.localVideo.srcObject = stream;
  notes.forEach(addNote);
  for (const track of stream.getVideoTracks()) {
    // The browser's own "Stop sharing" button ends a desktop track without
    // telling the page otherwise.
    track.addEventListener('ended', () => {
      if (current === session) {
        addNote('Your video stopped (sharing ended or the camera went away).');
      }
    });
  }

  setState('connecting', 'Connecting to the server…');
  const signaling = new SignalingClient();
  session.signaling = signaling;
  listenToSignaling(session);
  try {
    await signaling.connect();
  } catch (error) {
    console.error(error);
    if (current === session) {
      endSession(session);
      setState('error', 'Could not reach the server. Check your connection and press Connect to try again.');
    }
    return;
  }
  if (current !== session) {
    signaling.close();
    return;
  }
  setState('connecting', `Joining room ${room}…`);
  signaling.join(room);
}

function listenToSignaling(session) {
  const { signaling } = session;
  // Handlers for the live session only; `leaved` and `close` are also
  // expected after Leave, when the session is no longer current.
  const on = (type, handler) => signaling.addEventListener(type, (event) => {
    if (current === session) {
      handler(event.detail);
    }
  });

  on('joined', (msg) => {
    const call = new Call({
      signaling, room, localStream: session.localStream, iceServers: msg.iceServers,
    });
    session.call = call;
    window.duetCall = call; // debug handle; the browser smoke test reads its stats
    listenToCall(session, call);
    if (msg.peers >= 2) {
      setState('calling', 'The other person is here. Connecting the call…');
    } else {
      setState('waiting', 'Waiting for the other person to join…');
    }
  });

  on('full', () => {
    endSession(session);
    setState('full', `Room ${room} is full: the call there already has its two people. Try again later, or pick another room.`);
  });

  on('error', (msg) => {
    const text = ERROR_TEXT[msg.code] ?? msg.message ?? msg.code;
    // `ref` is optional; before `joined` a refusal can only be about the join.
    if (msg.ref === 'join' || session.call === null) {
      endSession(session);
      setState('error', `Could not join: ${text}.`);
    } else if (msg.ref === 'message' && (msg.code === 'no_such_peer' || msg.code === 'not_in_room')) {
      // A race with the other person leaving: their `bye` is on its way.
      console.warn('signaling:', msg.code, msg.message);
    } else {
      addNote(`Server: ${text} (${msg.code}).`);
    }
  });

  signaling.addEventListener('leaved', () => signaling.close());

  signaling.addEventListener('close', (event) => {
    const { code, byClient } = event.detail;
    if (current !== session || byClient || session.leaving) {
      return;
    }
    endSession(session);
    setState('error', `Connection to the server lost: ${CLOSE_TEXT[code] ?? `close code ${code}`}. Press Connect to try again.`);
  });
}

function listenToCall(session, call) {
  const on = (type, handler) => call.addEventListener(type, (event) => {
    if (current === session) {
      handler(event.detail);
    }
  });

  on('peerjoined', () => setState('calling', 'The other person joined. Connecting the call…'));
  on('peerleft', () => setState('waiting', 'The other person left. Waiting for someone to join…'));
  on('remotestream', ({ stream }) => showRemoteStream(stream));
  on('sdpchange', ({ offer, answer }) => showSdp(offer, answer));
  on('failure', ({ error }) => addNote(`Call setup failed: ${error.message ?? error}.`));
  on('connectionstatechange', ({ state }) => {
    switch (state) {
      case 'connecting':
        setState('calling', 'Connecting the call…');
        break;
      case 'connected':
        setState('connected', 'In call.');
        break;
      case 'disconnected':
        setState('calling', 'The connection to the other person is interrupted. Trying to recover…');
        break;
      case 'failed':
        setState('error', 'Could not connect to the other person: the network may block it (a TURN server may be needed).');
        break;
      default:
        break;
    }
  });
}

/** Releases everything the session holds; the caller then sets the new state. */
function endSession(session, { keepSocket = false } = {}) {
  if (current === session) {
    current = null;
  }
  session.call?.hangup();
  if (window.duetCall === session.call) {
    window.duetCall = null;
  }
  stopMedia(session.localStream);
  ui.localVideo.srcObject = null;
  showRemoteStream(null);
  ui.remoteVideo.controls = false;
  showSdp('', '');
  if (!keepSocket) {
    session.signaling?.close();
  }
}

function leave() {
  const session = current;
  if (session === null) {
    return;
  }
  session.leaving = true;
  const { signaling } = session;
  // Once joined, say so (rule 6) and close when `leaved` confirms it;
  // before that, closing the socket is all it takes.
  const saidLeave = session.call !== null && signaling.leave(room);
  endSession(session, { keepSocket: saidLeave });
  if (saidLeave) {
    setTimeout(() => signaling.close(), LEAVE_TIMEOUT_MS);
  }
  setState('left', 'You left the room. Press Connect to join again.');
}

function showInvalidRoom() {
  ui.roomTitle.hidden = true;
  ui.callPanel.hidden = true;
  ui.invalidRoom.hidden = false;
  ui.invalidRoomText.textContent = room === ''
    ? 'The address names no room.'
    : `“${room}” is not a valid room name. ${roomNameProblem(room)}`;
  document.body.dataset.state = 'error';
}

function init() {
  if (!isValidRoomName(room)) {
    showInvalidRoom();
    return;
  }
  ui.roomName.textContent = room;
  document.title = `duet · ${room}`;
  ui.inviteLink.href = window.location.href;
  ui.inviteLink.textContent = window.location.href;
  ui.connect.addEventListener('click', () => {
    connect().catch((error) => {
      console.error(error);
      if (current !== null) {
        endSession(current);
      }
      setState('error', `Something went wrong: ${error.message ?? error}`);
    });
  });
  ui.leave.addEventListener('click', leave);
  // Closing the socket lets the server tell the other person at once (a
  // `bye`), and a page with an open socket would not enter the back/forward cache.
  window.addEventListener('pagehide', () => {
    if (current !== null) {
      endSession(current);
      setState('idle', 'Press Connect to start your camera and join the room.');
    }
  });
  setState('idle', 'Press Connect to start your camera and join the room.');
}

init();
