// call.js — the page's entry: the landing screen, the join screen of an
// open room (/r/NAME), rejoining, and wiring every button of index.html.
// A consultation link (/c/ID#t=…) is handed to consultation.js.
//
// It owns the start of the page only. Shared state and helpers are
// page.js, the call screen callscreen.js, all signaling and peer
// connections protocol.js, every text web/lang/ (i18n.js). Main thread.

import { enterCall, leaveCall, listen, onChatSubmit, onSoundClick, startPublishing, toggle } from './callscreen.js';
import { cancelRetry, joinConsultation, retryNow, showAppointmentJoin, startConsultation } from './consultation.js';
import { NaraClient, ROOM_PATTERN, signalingUrl, tokenFromHash } from './protocol.js';
import {
  applyStrings,
  clearAlert,
  errorKey,
  fieldError,
  say,
  sayAlert,
  setTitle,
  showScreen,
  startLanguageChooser,
  startPreview,
  state,
  ui,
  watchContinuity,
} from './page.js';

// --- landing -----------------------------------------------------------------

function showLanding() {
  setTitle('titleLanding');
  showScreen('landing');
  ui.landingForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const room = ui.roomInput.value.trim();
    if (!ROOM_PATTERN.test(room)) {
      fieldError(ui.roomInput, ui.roomError, 'roomInvalid');
      return;
    }
    location.assign(`/r/${encodeURIComponent(room)}`);
  });
}

// --- join ----------------------------------------------------------------------

/** @param {string} room */
function showJoin(room) {
  state.room = room;
  setTitle('titleJoin', room);
  say(ui.joinRoom, 'roomIs', room);
  // Open rooms have no waiting room and no identity check: say so before
  // anyone shares something personal in one.
  ui.openRoomNotice.hidden = false;
  if (state.name) ui.nameInput.value = state.name;
  showScreen('join', ui.nameInput);
  startPreview();
}

/** @param {SubmitEvent} ev */
async function onJoinSubmit(ev) {
  ev.preventDefault();
  if (state.consultation) {
    await joinConsultation();
    return;
  }
  const name = ui.nameInput.value.trim();
  if (!name) {
    fieldError(ui.nameInput, ui.nameError, 'nameMissing');
    return;
  }
  fieldError(ui.nameInput, ui.nameError, '');
  state.name = name;
  await joinCall();
}

async function joinCall() {
  clearAlert();
  ui.joinButton.disabled = true;
  say(ui.joinButton, 'joining');
  const stream = await startPreview();
  const client = new NaraClient({ url: signalingUrl(location) });
  listen(client, () => sayAlert('error.connect'));
  watchContinuity(client);
  state.client = client;
  try {
    await client.connect();
    const joined = await client.join(state.room, state.name);
    enterCall(joined.you.id, joined.participants);
  } catch (err) {
    client.close();
    state.client = null;
    ui.joinButton.disabled = false;
    say(ui.joinButton, 'joinButton');
    showScreen('join', ui.nameInput);
    sayAlert(errorKey(err));
    return;
  }
  startPublishing(client, stream);
}

async function rejoin() {
  cancelRetry();
  clearAlert();
  ui.rejoinButton.disabled = true;
  if (state.consultation) {
    showAppointmentJoin();
    ui.rejoinButton.disabled = false;
    await joinConsultation();
    return;
  }
  showJoin(state.room);
  ui.rejoinButton.disabled = false;
  if (state.name) await joinCall();
}

// --- start -----------------------------------------------------------------------

function start() {
  applyStrings();
  startLanguageChooser();
  ui.joinForm.addEventListener('submit', onJoinSubmit);
  ui.micButton.addEventListener('click', () => toggle('audio'));
  ui.cameraButton.addEventListener('click', () => toggle('video'));
  ui.leaveButton.addEventListener('click', leaveCall);
  ui.waitingMic.addEventListener('click', () => toggle('audio'));
  ui.waitingCamera.addEventListener('click', () => toggle('video'));
  ui.waitingLeave.addEventListener('click', leaveCall);
  ui.soundButton.addEventListener('click', onSoundClick);
  ui.chatForm.addEventListener('submit', onChatSubmit);
  ui.rejoinButton.addEventListener('click', rejoin);
  window.addEventListener('pagehide', () => state.client?.close());
  // Back online: the next automatic retry need not wait for its timer.
  window.addEventListener('online', retryNow);
  // Back from the browser's back/forward cache, the call is gone: start afresh.
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted && (state.inCall || state.waiting)) location.reload();
  });

  const consultation = /^\/c\/([^/]+)\/?$/.exec(location.pathname);
  if (consultation) {
    startConsultation(tokenFromHash(location.hash));
    return;
  }

  const match = /^\/r\/([^/]+)\/?$/.exec(location.pathname);
  let room = '';
  try {
    room = match ? decodeURIComponent(match[1]) : '';
  } catch {
    room = '';
  }
  if (room && ROOM_PATTERN.test(room)) {
    showJoin(room);
  } else {
    showLanding();
    if (match) {
      ui.roomInput.value = room;
      fieldError(ui.roomInput, ui.roomError, 'roomInvalid');
    }
  }
}

start();
