// The start page: choose a room name and go to room.html?room=NAME.

import { isValidRoomName, roomNameProblem, randomRoomName } from './room-name.js';

const form = document.getElementById('joinForm');
const input = document.getElementById('room');
const error = document.getElementById('roomError');
const newRoom = document.getElementById('newRoom');

function showProblem(text) {
  error.textContent = text ?? '';
  error.hidden = text === null;
  input.setAttribute('aria-invalid', String(text !== null));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = input.value.trim();
  if (!isValidRoomName(name)) {
    showProblem(roomNameProblem(name));
    input.focus();
    return;
  }
  // Valid names are all URL-safe already; encoding anyway keeps the link
  // correct should the rule ever be widened.
  window.location.href = `room.html?room=${encodeURIComponent(name)}`;
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

// Coming back from a room page (its "back" link or the browser's back
// button) keeps the name that was typed; a ?room= link pre-fills it.
const suggested = new URLSearchParams(window.location.search).get('room');
if (suggested !== null && input.value === '') {
  input.value = suggested;
}
input.focus();
