// call.js — the page: landing, join, waiting, call and left screens of
// index.html, for open rooms (/r/NAME) and consultation links (/c/ID#t=…).
//
// It owns the DOM and the local camera/microphone; all signaling and peer
// connections are protocol.js, the host's panels hostpanel.js. Every text
// comes from strings.js. Nothing is written with innerHTML: names and chat
// text from others are set as text. For tests and debugging, window.nara
// exposes the two peer connections.

import { HostPanel } from './hostpanel.js';
import { NaraClient, NaraError, ROOM_PATTERN, signalingUrl, tokenFromHash } from './protocol.js';
import { pickLanguage, roleText, translator } from './strings.js';

/** @typedef {import('./protocol.js').Participant} Participant */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */
/** @typedef {import('./protocol.js').Joined} Joined */
/** @typedef {import('./protocol.js').Role} Role */
/** @typedef {import('./protocol.js').Status} Status */
/** @typedef {import('./hostpanel.js').Person} Person */

const lang = pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language || 'en']);
const t = translator(lang);

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return /** @type {T} */ (el);
}

const ui = {
  alert: $('alert'),
  screens: {
    landing: $('screen-landing'),
    join: $('screen-join'),
    waiting: $('screen-waiting'),
    call: $('screen-call'),
    left: $('screen-left'),
  },
  landingForm: /** @type {HTMLFormElement} */ ($('landing-form')),
  roomInput: /** @type {HTMLInputElement} */ ($('room-input')),
  roomError: $('room-error'),
  joinHeading: $('join-heading'),
  joinRoom: $('join-room'),
  nameField: $('name-field'),
  deviceStatus: $('device-status'),
  cameraStatus: $('camera-status'),
  micStatus: $('mic-status'),
  preview: /** @type {HTMLVideoElement} */ ($('preview')),
  previewOff: $('preview-off'),
  joinForm: /** @type {HTMLFormElement} */ ($('join-form')),
  nameInput: /** @type {HTMLInputElement} */ ($('name-input')),
  nameError: $('name-error'),
  joinButton: /** @type {HTMLButtonElement} */ ($('join-button')),
  waitingTitle: $('waiting-title'),
  waitingPreview: /** @type {HTMLVideoElement} */ ($('waiting-preview')),
  waitingPreviewOff: $('waiting-preview-off'),
  waitingMic: /** @type {HTMLButtonElement} */ ($('waiting-mic')),
  waitingCamera: /** @type {HTMLButtonElement} */ ($('waiting-camera')),
  waitingLeave: /** @type {HTMLButtonElement} */ ($('waiting-leave')),
  callHeading: $('call-heading'),
  callNotice: $('call-notice'),
  tiles: $('tiles'),
  micButton: /** @type {HTMLButtonElement} */ ($('mic-button')),
  cameraButton: /** @type {HTMLButtonElement} */ ($('camera-button')),
  leaveButton: /** @type {HTMLButtonElement} */ ($('leave-button')),
  soundButton: /** @type {HTMLButtonElement} */ ($('sound-button')),
  chatLog: $('chat-log'),
  chatEmpty: $('chat-empty'),
  chatForm: /** @type {HTMLFormElement} */ ($('chat-form')),
  chatInput: /** @type {HTMLInputElement} */ ($('chat-input')),
  leftHeading: $('left-heading'),
  leftIntro: $('left-intro'),
  rejoinButton: /** @type {HTMLButtonElement} */ ($('rejoin-button')),
};

const state = {
  room: '',
  name: '',
  // A consultation link: the token from its fragment (protocol.md, join with a token).
  consultation: false,
  token: '',
  title: '',
  /** @type {Role | null} */
  role: null,
  locked: false,
  waiting: false,
  // Muted by the host: the toggle stays off until the host allows it again.
  micHeld: false,
  cameraHeld: false,
  /** @type {MediaStream | null} */
  localStream: null,
  /** @type {NaraClient | null} */
  client: null,
  selfId: '',
  inCall: false,
  micMuted: false,
  cameraOff: false,
  /** @type {Map<string, Person>} everyone else in the call */
  people: new Map(),
};

const panel = new HostPanel({
  t,
  lang,
  client: () => state.client,
  alert: (text) => showAlert(text),
  note: (text) => logLine(text),
});

// Debug hook read by the end-to-end tests (getStats on both connections).
Object.defineProperty(window, 'nara', {
  value: Object.freeze({
    get publishPc() {
      return state.client?.publishPc ?? null;
    },
    get subscribePc() {
      return state.client?.subscribePc ?? null;
    },
  }),
});

// --- screens and messages --------------------------------------------------

function applyStrings() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(/** @type {string} */ (/** @type {HTMLElement} */ (el).dataset.i18n));
  }
  for (const el of document.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(/** @type {string} */ (/** @type {HTMLElement} */ (el).dataset.i18nLabel)));
  }
}

/**
 * Shows one screen and moves focus to its heading (or `focus`), so screen
 * reader users hear where they are.
 * @param {'landing' | 'join' | 'waiting' | 'call' | 'left'} name
 * @param {HTMLElement} [focus]
 */
function showScreen(name, focus) {
  for (const [key, el] of Object.entries(ui.screens)) el.hidden = key !== name;
  const target = focus ?? /** @type {HTMLElement | null} */ (ui.screens[name].querySelector('h1'));
  target?.focus();
}

/** @param {string} text plain language, shown and announced */
function showAlert(text) {
  ui.alert.textContent = text;
}

function clearAlert() {
  ui.alert.textContent = '';
}

/** @param {unknown} err */
function errorText(err) {
  const code = err instanceof NaraError ? err.code : 'unknown';
  const text = t(`error.${code}`);
  if (text !== `error.${code}`) return text;
  return t(code.startsWith('token-') ? 'error.token' : 'error.unknown');
}

/**
 * @param {HTMLInputElement} input
 * @param {HTMLElement} errorEl
 * @param {string} text '' clears the error
 */
function fieldError(input, errorEl, text) {
  errorEl.textContent = text;
  errorEl.hidden = !text;
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } else {
    input.removeAttribute('aria-invalid');
  }
}

// --- landing -----------------------------------------------------------------

function showLanding() {
  document.title = t('titleLanding');
  showScreen('landing');
  ui.landingForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const room = ui.roomInput.value.trim();
    if (!ROOM_PATTERN.test(room)) {
      fieldError(ui.roomInput, ui.roomError, t('roomInvalid'));
      return;
    }
    location.assign(`/r/${encodeURIComponent(room)}`);
  });
}

// --- join ----------------------------------------------------------------------

/** @param {string} room */
function showJoin(room) {
  state.room = room;
  document.title = t('titleJoin', room);
  ui.joinRoom.textContent = t('roomIs', room);
  if (state.name) ui.nameInput.value = state.name;
  showScreen('join', ui.nameInput);
  startPreview();
}

/**
 * The join screen of a consultation link: no name to type (it is in the
 * token), a camera and microphone check, one big Join button. The title
 * is known only after a first join.
 */
function showAppointmentJoin() {
  document.title = state.title ? t('titleJoin', state.title) : t('titleAppointment');
  ui.joinHeading.textContent = state.title ? t('appointmentJoining', state.title) : t('appointmentHeading');
  ui.joinRoom.textContent = t('appointmentIntro');
  ui.joinRoom.classList.remove('room-name');
  ui.nameField.hidden = true;
  ui.deviceStatus.hidden = false;
  ui.cameraStatus.textContent = t('deviceChecking');
  ui.micStatus.hidden = true;
  showScreen('join');
  startPreview().then(showDeviceStatus);
}

/** @param {MediaStream | null} stream */
function showDeviceStatus(stream) {
  const camera = !!stream?.getVideoTracks().some((tr) => tr.readyState === 'live');
  const mic = !!stream?.getAudioTracks().some((tr) => tr.readyState === 'live');
  ui.cameraStatus.textContent = t(camera ? 'cameraOk' : 'cameraNo');
  ui.micStatus.textContent = t(mic ? 'micOk' : 'micNo');
  ui.micStatus.hidden = false;
  ui.cameraStatus.dataset.ok = String(camera);
  ui.micStatus.dataset.ok = String(mic);
}

/**
 * Asks for camera and microphone once per visit to the join screen. Falls
 * back to the microphone alone, then to nothing: a patient who cannot give
 * camera access can still join and see and hear the clinician.
 * @returns {Promise<MediaStream | null>}
 */
async function getLocalMedia() {
  if (!navigator.mediaDevices?.getUserMedia) return null;
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch {
    try {
      const audio = await navigator.mediaDevices.getUserMedia({ audio: true });
      showAlert(t('mediaNoCamera'));
      return audio;
    } catch {
      showAlert(t('mediaDenied'));
      return null;
    }
  }
}

/** @type {Promise<MediaStream | null> | null} */
let mediaPromise = null;

function startPreview() {
  if (!mediaPromise) {
    mediaPromise = getLocalMedia().then((stream) => {
      state.localStream = stream;
      const hasVideo = !!stream?.getVideoTracks().length;
      ui.preview.srcObject = hasVideo ? stream : null;
      ui.preview.hidden = !hasVideo;
      ui.previewOff.hidden = hasVideo;
      return stream;
    });
  }
  return mediaPromise;
}

function stopLocalMedia() {
  for (const track of state.localStream?.getTracks() ?? []) track.stop();
  state.localStream = null;
  mediaPromise = null;
  ui.preview.srcObject = null;
  ui.waitingPreview.srcObject = null;
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
    fieldError(ui.nameInput, ui.nameError, t('nameMissing'));
    return;
  }
  fieldError(ui.nameInput, ui.nameError, '');
  state.name = name;
  await joinCall();
}

async function joinCall() {
  clearAlert();
  ui.joinButton.disabled = true;
  ui.joinButton.textContent = t('joining');
  const stream = await startPreview();
  const client = new NaraClient({ url: signalingUrl(location) });
  listen(client);
  state.client = client;
  try {
    await client.connect();
    const joined = await client.join(state.room, state.name);
    enterCall(joined.you.id, joined.participants);
  } catch (err) {
    client.close();
    state.client = null;
    ui.joinButton.disabled = false;
    ui.joinButton.textContent = t('joinButton');
    showScreen('join', ui.nameInput);
    showAlert(errorText(err));
    return;
  }
  startPublishing(client, stream);
}

/**
 * @param {NaraClient} client
 * @param {MediaStream | null} stream
 */
function startPublishing(client, stream) {
  if (stream && stream.getTracks().length) {
    client.publish(stream).catch((err) => {
      if (state.client === client) showAlert(errorText(err));
    });
  }
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
    ui.leftIntro.textContent = t('lostIntro');
    return;
  }
  ui.leftIntro.textContent = t('lostRetrying');
  retry.timer = setTimeout(() => {
    retry.timer = null;
    retry.attempt++;
    joinConsultation({ quiet: true });
  }, RETRY_DELAYS_MS[retry.attempt]);
}

function cancelRetry() {
  if (retry.timer) clearTimeout(retry.timer);
  retry.timer = null;
}

/**
 * @param {{quiet?: boolean}} [options] quiet: an automatic retry from the
 *   lost screen, which stays up unless the join gets an answer
 */
async function joinConsultation(options = {}) {
  cancelRetry();
  clearAlert();
  ui.joinButton.disabled = true;
  ui.joinButton.textContent = t('joining');
  // A retry turns the camera on only once the server answers.
  if (!options.quiet) await startPreview();
  const client = new NaraClient({ url: signalingUrl(location) });
  listen(client);
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
    ui.joinButton.textContent = t('joinButton');
    const code = err instanceof NaraError ? err.code : '';
    if (FINAL_JOIN_ERRORS.test(code)) {
      showRefused(code, errorText(err));
      return;
    }
    if (options.quiet && (code === 'connect' || code === 'timeout')) {
      scheduleRetry();
      return;
    }
    showScreen('join');
    showAlert(errorText(err));
    return;
  }
  ui.joinButton.disabled = false;
  ui.joinButton.textContent = t('joinButton');
  retry.attempt = 0;
  await startPreview();
  if (state.client !== client) return; // left or closed meanwhile
  state.title = reply.consultation?.title ?? '';
  state.name = reply.you?.name ?? '';
  state.role = reply.you?.role ?? null;
  if (reply.type === 'waiting') {
    enterWaiting(reply.you.id);
    return;
  }
  enterConsultationCall(client, reply);
}

/**
 * The waiting room: own preview and toggles, nothing sent or received.
 * @param {string} selfId
 */
function enterWaiting(selfId) {
  state.selfId = selfId;
  state.waiting = true;
  state.inCall = false;
  ui.waitingTitle.textContent = state.title ? t('appointmentIs', state.title) : '';
  ui.waitingTitle.hidden = !state.title;
  const hasVideo = !!state.localStream?.getVideoTracks().length;
  ui.waitingPreview.srcObject = hasVideo ? state.localStream : null;
  updateToggles();
  document.title = t('titleWaiting');
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
 * @param {string} text
 */
function showRefused(code, text) {
  stopLocalMedia();
  if (code === 'consultation-ended') {
    showEnd(t('endedHeading'), t('endedIntro'), null);
  } else if (code === 'participant-removed') {
    showEnd(t('removedHeading'), text, null);
  } else {
    showEnd(t('refusedHeading'), text, null);
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
  if (status === 'ended') showEnd(t('endedHeading'), t('endedIntro'), null);
  else if (status === 'declined') showEnd(t('declinedHeading'), t('declinedIntro'), t('tryAgain'));
  else if (status === 'removed') showEnd(t('removedHeading'), t('removedIntro'), null);
  else showEnd(t('replacedHeading'), t('replacedIntro'), t('useThisDevice'));
}

/**
 * The last screen of a session.
 * @param {string} heading
 * @param {string} intro
 * @param {string | null} button the label of a button that joins again, or none
 */
function showEnd(heading, intro, button) {
  document.title = t('titleEnded', heading.replace(/[.!]$/, ''));
  ui.leftHeading.textContent = heading;
  ui.leftIntro.textContent = intro;
  ui.rejoinButton.hidden = !button;
  if (button) ui.rejoinButton.textContent = button;
  showScreen('left');
}

// --- call ----------------------------------------------------------------------

/**
 * @param {string} selfId
 * @param {Participant[]} participants
 * @param {{keepToggles?: boolean}} [options] keep the mute state chosen while waiting
 */
function enterCall(selfId, participants, options = {}) {
  state.selfId = selfId;
  state.inCall = true;
  if (!options.keepToggles) {
    state.micMuted = false;
    state.cameraOff = false;
  }
  state.micHeld = false;
  state.cameraHeld = false;
  state.people.clear();
  ui.tiles.replaceChildren();
  ui.callNotice.textContent = '';
  ui.soundButton.hidden = true;
  ui.chatLog.replaceChildren(ui.chatEmpty);
  ui.chatEmpty.hidden = false;
  ui.joinButton.disabled = false;
  ui.joinButton.textContent = t('joinButton');

  const self = tileFor(selfId, t('you', state.name), state.role);
  self.root.classList.add('tile-self');
  self.video.muted = true; // never play our own microphone back
  if (state.localStream?.getVideoTracks().length) {
    self.video.srcObject = state.localStream;
  } else {
    setCameraOff(self.root, true);
  }
  const hasAudio = !!state.localStream?.getAudioTracks().length;
  const hasVideo = !!state.localStream?.getVideoTracks().length;
  ui.micButton.disabled = !hasAudio;
  ui.cameraButton.disabled = !hasVideo;
  updateToggles();

  for (const p of participants) addParticipant(p);
  const heading = state.consultation ? state.title || t('appointmentHeading') : t('roomIs', state.room);
  document.title = t('titleCall', state.consultation ? heading : state.room);
  ui.callHeading.textContent = heading;
  showScreen('call');
}

/**
 * The tile of a participant, created if missing.
 * @param {string} id
 * @param {string} name
 * @param {Role | null} [role] shown as a badge in consultations
 */
function tileFor(id, name, role) {
  let root = /** @type {HTMLLIElement | null} */ (ui.tiles.querySelector(`li[data-participant="${CSS.escape(id)}"]`));
  if (!root) {
    root = document.createElement('li');
    root.className = 'tile';
    root.dataset.participant = id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    const placeholder = document.createElement('p');
    placeholder.className = 'tile-placeholder';
    placeholder.setAttribute('aria-hidden', 'true');
    const label = document.createElement('p');
    label.className = 'tile-label';
    const nameEl = document.createElement('span');
    nameEl.className = 'tile-name';
    const mic = document.createElement('span');
    mic.className = 'badge tile-mic-off';
    mic.textContent = t('micMuted');
    mic.hidden = true;
    const cam = document.createElement('span');
    cam.className = 'badge tile-camera-off';
    cam.textContent = t('cameraOff');
    cam.hidden = true;
    const roleEl = document.createElement('span');
    roleEl.className = 'badge tile-role';
    roleEl.hidden = true;
    label.append(nameEl, roleEl, mic, cam);
    root.append(video, placeholder, label);
    if (id === state.selfId) ui.tiles.prepend(root);
    else ui.tiles.append(root);
  }
  const nameEl = /** @type {HTMLElement} */ (root.querySelector('.tile-name'));
  nameEl.textContent = name;
  if (role !== undefined) {
    const roleEl = /** @type {HTMLElement} */ (root.querySelector('.tile-role'));
    roleEl.textContent = roleText(t, role);
    roleEl.hidden = !roleEl.textContent;
  }
  /** @type {HTMLElement} */ (root.querySelector('.tile-placeholder')).textContent = initials(name);
  return { root, video: /** @type {HTMLVideoElement} */ (root.querySelector('video')) };
}

/** @param {string} name */
function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}

/** @param {string} id */
function findTile(id) {
  return /** @type {HTMLLIElement | null} */ (ui.tiles.querySelector(`li[data-participant="${CSS.escape(id)}"]`));
}

/**
 * @param {HTMLElement} tile
 * @param {boolean} muted
 */
function setMicMuted(tile, muted) {
  /** @type {HTMLElement} */ (tile.querySelector('.tile-mic-off')).hidden = !muted;
}

/**
 * @param {HTMLElement} tile
 * @param {boolean} off
 */
function setCameraOff(tile, off) {
  /** @type {HTMLElement} */ (tile.querySelector('.tile-camera-off')).hidden = !off;
  tile.classList.toggle('camera-off', off);
}

/** @param {Participant} p */
function addParticipant(p) {
  /** @type {Person} */
  const person = {
    id: p.id,
    name: p.name,
    role: p.role ?? null,
    assurance: p.assurance ?? null,
    audioMuted: !!p.audioMuted,
    videoMuted: !!p.videoMuted,
    audioMutedByHost: !!p.audioMutedByHost,
    videoMutedByHost: !!p.videoMutedByHost,
  };
  state.people.set(p.id, person);
  const tile = tileFor(p.id, p.name, person.role);
  showMuteState(tile.root, person);
}

/**
 * @param {HTMLElement} tile
 * @param {Person} p
 */
function showMuteState(tile, p) {
  setMicMuted(tile, p.audioMuted || p.audioMutedByHost);
  setCameraOff(tile, p.videoMuted || p.videoMutedByHost);
}

/** @param {string} id */
function nameOf(id) {
  return state.people.get(id)?.name ?? t('someone');
}

/** The host panel's list: us first, then the others as they came. */
function renderPeople() {
  if (!state.consultation) return;
  /** @type {Person} */
  const self = {
    id: state.selfId,
    name: state.name,
    role: state.role,
    assurance: state.client?.self?.assurance ?? null,
    audioMuted: state.micMuted,
    videoMuted: state.cameraOff,
    audioMutedByHost: state.micHeld,
    videoMutedByHost: state.cameraHeld,
  };
  panel.setPeople([self, ...state.people.values()]);
}

/**
 * A line in the chat log: a message, or a note such as "Erik joined".
 * @param {string} text
 * @param {{from?: string, time?: string}} [meta]
 */
function logLine(text, meta) {
  ui.chatEmpty.hidden = true;
  const line = document.createElement('p');
  if (meta?.from !== undefined) {
    line.className = 'chat-msg';
    const head = document.createElement('span');
    head.className = 'chat-from';
    head.textContent = t('chatFrom', meta.from, meta.time ?? '');
    const body = document.createElement('span');
    body.className = 'chat-text';
    body.textContent = text;
    line.append(head, body);
  } else {
    line.className = 'chat-note';
    line.textContent = text;
  }
  ui.chatLog.append(line);
  ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
}

/** @param {string} iso */
function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(date);
}

/** The mic and camera buttons of the call and the waiting room, and our tile. */
function updateToggles() {
  const hasAudio = !!state.localStream?.getAudioTracks().length;
  const hasVideo = !!state.localStream?.getVideoTracks().length;
  for (const b of [ui.micButton, ui.waitingMic]) {
    b.textContent = t(state.micMuted ? 'unmuteMic' : 'muteMic');
    b.dataset.on = String(state.micMuted);
    b.disabled = !hasAudio;
    setHeld(b, state.micHeld);
  }
  for (const b of [ui.cameraButton, ui.waitingCamera]) {
    b.textContent = t(state.cameraOff ? 'startCamera' : 'stopCamera');
    b.dataset.on = String(state.cameraOff);
    b.disabled = !hasVideo;
    setHeld(b, state.cameraHeld);
  }
  ui.waitingPreview.hidden = !hasVideo || state.cameraOff;
  ui.waitingPreviewOff.hidden = hasVideo && !state.cameraOff;
  const self = findTile(state.selfId);
  if (self) {
    setMicMuted(self, state.micMuted);
    setCameraOff(self, state.cameraOff || !hasVideo);
  }
  if (state.inCall) renderPeople();
}

/**
 * Muted by the host: only the host can allow it again. The button stays
 * focusable (aria-disabled, not disabled) so that it is still found and
 * read; pressing it repeats the notice that says why.
 * @param {HTMLButtonElement} b
 * @param {boolean} held
 */
function setHeld(b, held) {
  if (held) {
    b.setAttribute('aria-disabled', 'true');
    b.setAttribute('aria-describedby', 'call-notice');
  } else {
    b.removeAttribute('aria-disabled');
    b.removeAttribute('aria-describedby');
  }
}

/**
 * Turns our own track on or off at once (it also covers the time before
 * publishing and the waiting room, where nothing is sent).
 * @param {TrackKind} kind
 * @param {boolean} muted
 */
function setLocalMuted(kind, muted) {
  if (kind === 'audio') state.micMuted = muted;
  else state.cameraOff = muted;
  for (const track of state.localStream?.getTracks() ?? []) {
    if (track.kind === kind) track.enabled = !muted;
  }
}

/** @param {TrackKind} kind */
async function toggle(kind) {
  const client = state.client;
  if (!client) return;
  if (kind === 'audio' ? state.micHeld : state.cameraHeld) {
    // Said again, so that it is announced again.
    const text = t(kind === 'audio' ? 'mutedByHostAudio' : 'mutedByHostVideo');
    ui.callNotice.textContent = '';
    setTimeout(() => (ui.callNotice.textContent = text), 100);
    return;
  }
  const muted = !(kind === 'audio' ? state.micMuted : state.cameraOff);
  setLocalMuted(kind, muted);
  ui.callNotice.textContent = '';
  updateToggles();
  if (state.waiting) return; // the server learns it on admission
  try {
    await client.setMuted(kind, muted);
  } catch (err) {
    if (state.client === client) showAlert(errorText(err));
  }
}

/** @param {SubmitEvent} ev */
async function onChatSubmit(ev) {
  ev.preventDefault();
  const client = state.client;
  const text = ui.chatInput.value.trim();
  if (!client || !text) return;
  if (text.length > 2000) {
    showAlert(t('chatTooLong'));
    return;
  }
  try {
    await client.chat(text);
    ui.chatInput.value = '';
  } catch (err) {
    if (state.client === client) showAlert(errorText(err));
  }
  ui.chatInput.focus();
}

async function leaveCall() {
  const client = state.client;
  const waiting = state.waiting;
  state.client = null;
  if (client) await client.leave().catch(() => {});
  endCall(waiting ? 'waiting-left' : 'left');
}

/** @param {'left' | 'lost' | 'waiting-left'} why */
function endCall(why) {
  state.inCall = false;
  state.waiting = false;
  panel.stop();
  stopLocalMedia();
  ui.tiles.replaceChildren();
  const key = why === 'left' ? 'left' : why === 'lost' ? 'lost' : 'waitingLeft';
  showEnd(t(`${key}Heading`), t(`${key}Intro`), t('rejoinButton'));
  if (why === 'left') document.title = t('titleLeft');
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

/**
 * Starts a remote tile. The Join click normally allows sound, but some
 * browsers (iOS Safari) refuse playback that starts later, outside the
 * click: then a "Turn on sound" button asks for one more tap.
 * @param {HTMLVideoElement} video
 */
function playWithSound(video) {
  video.play().catch((err) => {
    if (err && err.name === 'NotAllowedError') ui.soundButton.hidden = false;
  });
}

function onSoundClick() {
  for (const video of ui.tiles.querySelectorAll('li:not(.tile-self) video')) {
    /** @type {HTMLVideoElement} */ (video).play().catch(() => {});
  }
  ui.soundButton.hidden = true;
  ui.micButton.focus();
}

// --- protocol events -----------------------------------------------------------

/** @param {NaraClient} client */
function listen(client) {
  /**
   * @param {string} type
   * @param {(detail: any) => void} fn runs only while this client is the current one
   */
  const on = (type, fn) =>
    client.addEventListener(type, (ev) => {
      if (state.client === client) fn(/** @type {CustomEvent} */ (ev).detail);
    });

  on('participant-joined', (/** @type {Participant} */ p) => {
    addParticipant(p);
    renderPeople();
    logLine(t('joinedAnnounce', p.name));
  });
  on('participant-left', ({ id, reason }) => {
    findTile(id)?.remove();
    // "replaced": the same person is back at once, from another device.
    if (reason === 'removed') logLine(t('removedAnnounce', nameOf(id)));
    else if (reason !== 'replaced') logLine(t('leftAnnounce', nameOf(id)));
    state.people.delete(id);
    renderPeople();
  });
  on('track', ({ participantId, stream }) => {
    if (!participantId || !stream || participantId === state.selfId) return;
    const tile = tileFor(participantId, nameOf(participantId));
    if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
    playWithSound(tile.video);
  });
  on('mute-changed', ({ participant, kind, muted, byHost }) => {
    if (participant === state.selfId) return; // our own buttons (and muted-by-host) show it
    const p = state.people.get(participant);
    const tile = findTile(participant);
    if (!p || !tile) return;
    const field = kind === 'audio' ? (byHost ? 'audioMutedByHost' : 'audioMuted') : byHost ? 'videoMutedByHost' : 'videoMuted';
    p[field] = muted;
    showMuteState(tile, p);
    renderPeople();
  });
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
      document.title = t('titleCall', title);
    }
    if (locked !== state.locked) {
      state.locked = locked;
      panel.setLocked(locked);
      logLine(t(locked ? 'lockedAnnounce' : 'unlockedAnnounce'));
    }
  });
  on('chat', ({ from, text, time }) => {
    const who = from?.id === state.selfId ? t('chatYou') : String(from?.name ?? t('someone'));
    logLine(String(text), { from: who, time: clockTime(String(time)) || clockTime(new Date().toISOString()) });
  });
  on('server-error', ({ code }) => showAlert(errorText(new NaraError(code))));
  on('media-state', ({ state: s }) => {
    if (s === 'failed') showAlert(t('error.media-failed'));
  });
  on('media-error', () => showAlert(t('error.media-failed')));
  on('close', ({ expected }) => {
    if (expected || !(state.inCall || state.waiting)) return;
    state.client = null;
    endCall('lost');
    if (state.consultation) scheduleRetry();
    else showAlert(t('error.connect'));
  });
}

// --- start -----------------------------------------------------------------------

function start() {
  applyStrings();
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
  window.addEventListener('online', () => {
    if (!retry.timer) return;
    cancelRetry();
    joinConsultation({ quiet: true });
  });
  // Back from the browser's back/forward cache, the call is gone: start afresh.
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted && (state.inCall || state.waiting)) location.reload();
  });

  const consultation = /^\/c\/([^/]+)\/?$/.exec(location.pathname);
  if (consultation) {
    state.consultation = true;
    state.token = tokenFromHash(location.hash);
    if (!state.token) {
      showEnd(t('refusedHeading'), t('linkIncomplete'), null);
      return;
    }
    showAppointmentJoin();
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
      fieldError(ui.roomInput, ui.roomError, t('roomInvalid'));
    }
  }
}

start();
