// consultation.js — joining with a consultation link (/c/ID#t=TOKEN): the
// device check, the waiting room, admission into the call, the host's
// mute of our microphone or camera, the end screens of every status and
// join refusal, and joining again by itself after a lost connection.
//
// The token stays in the page (from the URL fragment) and goes only into
// the WebSocket join. The call screen itself is callscreen.js, the host's
// panels hostpanel.js. Main thread.

import { enterCall, listen, panel, renderPeople, showLocalMedia, startPublishing, updateToggles } from './callscreen.js';
import { NaraClient, NaraError, signalingUrl } from './protocol.js';
import {
  clearAlert,
  errorKey,
  logLine,
  say,
  sayAlert,
  setLocalMuted,
  setTitle,
  showEnd,
  showScreen,
  startPreview,
  state,
  stopLocalMedia,
  t,
  ui,
  watchContinuity,
} from './page.js';

/** @typedef {import('./protocol.js').Joined} Joined */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */
/** @typedef {import('./protocol.js').Status} Status */

/**
 * The page was opened from a consultation link.
 * @param {string} token from the URL fragment, '' if the link lost it
 */
export function startConsultation(token) {
  state.consultation = true;
  state.token = token;
  if (!token) {
    showEnd('refusedHeading', 'linkIncomplete', null);
    return;
  }
  showAppointmentJoin();
}

/**
 * The join screen of a consultation link: no name to type (it is in the
 * token), a camera and microphone check, one big Join button. The title
 * is known only after a first join.
 */
export function showAppointmentJoin() {
  if (state.title) setTitle('titleJoin', state.title);
  else setTitle('titleAppointment');
  if (state.title) say(ui.joinHeading, 'appointmentJoining', state.title);
  else say(ui.joinHeading, 'appointmentHeading');
  say(ui.joinRoom, 'appointmentIntro');
  ui.joinRoom.classList.remove('room-name');
  ui.nameField.hidden = true;
  ui.openRoomNotice.hidden = true;
  ui.deviceStatus.hidden = false;
  say(ui.cameraStatus, 'deviceChecking');
  ui.micStatus.hidden = true;
  showScreen('join');
  startPreview().then(showDeviceStatus);
}

/** @param {MediaStream | null} stream */
function showDeviceStatus(stream) {
  const camera = !!stream?.getVideoTracks().some((tr) => tr.readyState === 'live');
  const mic = !!stream?.getAudioTracks().some((tr) => tr.readyState === 'live');
  say(ui.cameraStatus, camera ? 'cameraOk' : 'cameraNo');
  say(ui.micStatus, mic ? 'micOk' : 'micNo');
  ui.micStatus.hidden = false;
  ui.cameraStatus.dataset.ok = String(camera);
  ui.micStatus.dataset.ok = String(mic);
}

// --- consultation: join, waiting room, status ------------------------------------

/** Join refusals that trying again with the same link cannot change. */
const FINAL_JOIN_ERRORS = /^(token-|consultation-|participant-|role-mismatch$)/;

/**
 * After a lost connection a consultation page tries again by itself, at
 * these intervals, while the Rejoin button stays there for the impatient.
 * A patient should not have to find a button because a network blinked or
 * the server restarted.
 */
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000];
const retry = {
  attempt: 0,
  /** @type {ReturnType<typeof setTimeout> | null} */
  timer: null,
};

function scheduleRetry() {
  if (retry.attempt >= RETRY_DELAYS_MS.length) {
    say(ui.leftIntro, 'lostIntro');
    return;
  }
  say(ui.leftIntro, 'lostRetrying');
  retry.timer = setTimeout(() => {
    retry.timer = null;
    retry.attempt++;
    joinConsultation({ quiet: true });
  }, RETRY_DELAYS_MS[retry.attempt]);
}

export function cancelRetry() {
  if (retry.timer) clearTimeout(retry.timer);
  retry.timer = null;
}

/** Back online: the next automatic retry need not wait for its timer. */
export function retryNow() {
  if (!retry.timer) return;
  cancelRetry();
  joinConsultation({ quiet: true });
}

/**
 * @param {{quiet?: boolean}} [options] quiet: an automatic retry from the
 *   lost screen, which stays up unless the join gets an answer
 */
export async function joinConsultation(options = {}) {
  cancelRetry();
  clearAlert();
  ui.joinButton.disabled = true;
  say(ui.joinButton, 'joining');
  // A retry turns the camera on only once the server answers.
  if (!options.quiet) await startPreview();
  const client = new NaraClient({ url: signalingUrl(location) });
  listenConsultation(client, listen(client, scheduleRetry));
  watchContinuity(client);
  state.client = client;
  /** @type {Awaited<ReturnType<NaraClient['joinConsultation']>>} */
  let reply;
  try {
    await client.connect();
    reply = await client.joinConsultation(state.token);
  } catch (err) {
    client.close();
    state.client = null;
    ui.joinButton.disabled = false;
    say(ui.joinButton, 'joinButton');
    const code = err instanceof NaraError ? err.code : '';
    if (FINAL_JOIN_ERRORS.test(code)) {
      showRefused(code, errorKey(err));
      return;
    }
    if (options.quiet && (code === 'connect' || code === 'timeout')) {
      scheduleRetry();
      return;
    }
    showScreen('join');
    sayAlert(errorKey(err));
    return;
  }
  ui.joinButton.disabled = false;
  say(ui.joinButton, 'joinButton');
  retry.attempt = 0;
  // At once, before the next frame: the events that follow a join (the
  // waiting list, participants) find the screen they belong to.
  state.title = reply.consultation?.title ?? '';
  state.name = reply.you?.name ?? '';
  state.role = reply.you?.role ?? null;
  if (reply.type === 'waiting') enterWaiting(reply.you.id);
  else enterConsultationCall(client, reply);
  if (!state.localStream) {
    // A retry: the camera comes after the screen, and is published then.
    await startPreview();
    if (state.client !== client) return;
    showLocalMedia();
    if (state.inCall) startPublishing(client, state.localStream);
  }
}

/**
 * The waiting room: own preview and toggles, nothing sent or received.
 * @param {string} selfId
 */
function enterWaiting(selfId) {
  state.selfId = selfId;
  state.waiting = true;
  state.inCall = false;
  say(ui.waitingTitle, 'appointmentIs', state.title);
  ui.waitingTitle.hidden = !state.title;
  // The name from the link: the patient sees it is their own link.
  say(ui.waitingYou, 'waitingAs', state.name);
  showLocalMedia();
  setTitle('titleWaiting');
  showScreen('waiting');
}

/**
 * In the call, whether admitted at once or after waiting.
 * @param {NaraClient} client
 * @param {Joined} joined
 */
function enterConsultationCall(client, joined) {
  const wasWaiting = state.waiting;
  state.waiting = false;
  state.title = joined.consultation?.title ?? state.title;
  state.locked = !!joined.consultation?.locked;
  state.role = joined.you.role ?? null;
  state.name = joined.you.name;
  enterCall(joined.you.id, joined.participants, { keepToggles: true });
  panel.start(state.role, joined.you.id, state.locked);
  renderPeople();
  if (wasWaiting) logLine(t('admittedAnnounce'));
  holdByHost('audio', !!joined.you.audioMutedByHost, false);
  holdByHost('video', !!joined.you.videoMutedByHost, false);
  startPublishing(client, state.localStream);
  // The server learns of toggles pressed while waiting (it did not listen then).
  if (state.micMuted) client.setMuted('audio', true).catch(() => {});
  if (state.cameraOff) client.setMuted('video', true).catch(() => {});
}

/**
 * The host stopped (or allowed again) our microphone or camera. Our own
 * track goes quiet too and the server hears we are muted, so that when the
 * host allows it again nothing is sent until we choose to unmute.
 * @param {TrackKind} kind
 * @param {boolean} held
 * @param {boolean} tell show a message (not for the state we joined with, unless held)
 */
function holdByHost(kind, held, tell) {
  const audio = kind === 'audio';
  const was = audio ? state.micHeld : state.cameraHeld;
  if (audio) state.micHeld = held;
  else state.cameraHeld = held;
  if (held && !(audio ? state.micMuted : state.cameraOff)) {
    setLocalMuted(kind, true);
    state.client?.setMuted(kind, true).catch(() => {});
  }
  if (held || (tell && was)) {
    const key = held ? (audio ? 'mutedByHostAudio' : 'mutedByHostVideo') : audio ? 'unmutedByHostAudio' : 'unmutedByHostVideo';
    ui.callNotice.textContent = t(key);
  }
  updateToggles();
}

/**
 * A page for a refused link: heading and plain-language reason, and no
 * Join button where joining again cannot help.
 * @param {string} code
 * @param {string} reason key of the reason's text
 */
function showRefused(code, reason) {
  stopLocalMedia();
  if (code === 'consultation-ended') {
    showEnd('endedHeading', 'endedIntro', null);
  } else if (code === 'participant-removed') {
    showEnd('removedHeading', reason, null);
  } else {
    showEnd('refusedHeading', reason, null);
  }
}

/**
 * The session is over on the server's word (protocol.md, status).
 * @param {Status} status
 */
function onFinalStatus(status) {
  state.client = null;
  state.inCall = false;
  state.waiting = false;
  panel.stop();
  stopLocalMedia();
  ui.tiles.replaceChildren();
  clearAlert();
  if (status === 'ended') showEnd('endedHeading', 'endedIntro', null);
  else if (status === 'declined') showEnd('declinedHeading', 'declinedIntro', 'tryAgain');
  else if (status === 'removed') showEnd('removedHeading', 'removedIntro', null);
  else showEnd('replacedHeading', 'replacedIntro', 'useThisDevice');
}


/**
 * The consultation's own events, after listen()'s.
 * @param {NaraClient} client
 * @param {(type: string, fn: (detail: any) => void) => void} on
 */
function listenConsultation(client, on) {
  on('joined', (/** @type {Joined} */ joined) => {
    if (state.waiting) enterConsultationCall(client, joined);
  });
  on('status', ({ status }) => {
    if (status !== 'admitted') onFinalStatus(status);
  });
  on('waiting-list', ({ waiting }) => panel.setWaiting(waiting));
  on('muted-by-host', ({ kind, muted }) => holdByHost(kind, muted, true));
  on('consultation-changed', ({ locked, title }) => {
    if (title && title !== state.title) {
      state.title = title;
      ui.callHeading.textContent = title;
      setTitle('titleCall', title);
    }
    if (locked !== state.locked) {
      state.locked = locked;
      panel.setLocked(locked);
      logLine(t(locked ? 'lockedAnnounce' : 'unlockedAnnounce'));
    }
  });
}
