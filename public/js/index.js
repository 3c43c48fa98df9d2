// The start page: choose a room name (or a random one) and go to
// room.html?room=NAME; the rooms joined lately are one click away.

import { isValidRoomName, roomNameProblem, randomRoomName } from './room-name.js';
import { loadRecentRooms, forgetRecentRooms } from './recent-rooms.js';

const form = document.getElementById('joinForm');
const input = document.getElementById('room');
const error = document.getElementById('roomError');
const newRoom = document.getElementById('newRoom');
const recent = document.getElementById('recent');
const recentList = document.getElementById('recentList');
const forgetRooms = document.getElementById('forgetRooms');

/** Valid names are URL-safe already; encoding anyway keeps links right should the rule widen. */
function roomUrl(name) {
  return `room.html?room=${encodeURIComponent(name)}`;
}

function showProblem(text) {
  error.textContent = text ?? '';
  error.hidden = text === null;
  input.setAttribute('aria-invalid', String(text !== null));
}

function showRecentRooms() {
  const rooms = loadRecentRooms(window.localStorage);
  recent.hidden = rooms.length === 0;
  recentList.replaceChildren(...rooms.map(({ name, at }) => {
    const link = document.createElement('a');
    link.href = roomUrl(name);
    link.textContent = name;
    link.title = `Last joined ${new Date(at).toLocaleString()}`;
    const item = document.createElement('li');
    item.append(link);
    return item;
  }));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = input.value.trim();
  if (!isValidRoomName(name)) {
    showProblem(roomNameProblem(name));
    input.focus();
    return;
  }
  window.location.href = roomUrl(name);
});

// Clear the complaint as soon as the name becomes valid, but do not nag
// while the person is still typing a name that is not valid yet.
input.addEventListener('input', () => {
  if (!error.hidden && isValidRoomName(input.value.trim())) {
    showProblem(null);
  }
});

newRoom.addEventListener('click', () => {
  input.value = randomRoomName();
  showProblem(null);
  input.focus();
});

forgetRooms.addEventListener('click', () => {
  forgetRecentRooms(window.localStorage);
  showRecentRooms();
  input.focus();
});

// A ?room= link pre-fills the name; so does coming back with the browser's
// back button, which keeps what was typed.
const suggested = new URLSearchParams(window.location.search).get('room');
if (suggested !== null && input.value === '') {
  input.value = suggested;
}
showRecentRooms();
input.focus();
