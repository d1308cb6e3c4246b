// call.js — the page: landing, join, call and left screens of index.html.
//
// It owns the DOM and the local camera/microphone; all signaling and peer
// connections are protocol.js. Every text comes from strings.js. Nothing is
// written with innerHTML: names and chat text from others are set as text.
// For tests and debugging, window.nara exposes the two peer connections.

import { NaraClient, NaraError, ROOM_PATTERN, signalingUrl } from './protocol.js';
import { pickLanguage, translator } from './strings.js';

/** @typedef {import('./protocol.js').Participant} Participant */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */

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
    call: $('screen-call'),
    left: $('screen-left'),
  },
  landingForm: /** @type {HTMLFormElement} */ ($('landing-form')),
  roomInput: /** @type {HTMLInputElement} */ ($('room-input')),
  roomError: $('room-error'),
  joinRoom: $('join-room'),
  preview: /** @type {HTMLVideoElement} */ ($('preview')),
  previewOff: $('preview-off'),
  joinForm: /** @type {HTMLFormElement} */ ($('join-form')),
  nameInput: /** @type {HTMLInputElement} */ ($('name-input')),
  nameError: $('name-error'),
  joinButton: /** @type {HTMLButtonElement} */ ($('join-button')),
  callHeading: $('call-heading'),
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
  /** @type {MediaStream | null} */
  localStream: null,
  /** @type {NaraClient | null} */
  client: null,
  selfId: '',
  inCall: false,
  micMuted: false,
  cameraOff: false,
  /** @type {Map<string, string>} participant id → name */
  names: new Map(),
};

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
 * @param {'landing' | 'join' | 'call' | 'left'} name
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
  return text === `error.${code}` ? t('error.unknown') : text;
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
}

/** @param {SubmitEvent} ev */
async function onJoinSubmit(ev) {
  ev.preventDefault();
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
  if (stream && stream.getTracks().length) {
    client.publish(stream).catch((err) => {
      if (state.client === client) showAlert(errorText(err));
    });
  }
}

// --- call ----------------------------------------------------------------------

/**
 * @param {string} selfId
 * @param {Participant[]} participants
 */
function enterCall(selfId, participants) {
  state.selfId = selfId;
  state.inCall = true;
  state.micMuted = false;
  state.cameraOff = false;
  state.names.clear();
  ui.tiles.replaceChildren();
  ui.soundButton.hidden = true;
  ui.chatLog.replaceChildren(ui.chatEmpty);
  ui.chatEmpty.hidden = false;
  ui.joinButton.disabled = false;
  ui.joinButton.textContent = t('joinButton');

  const self = tileFor(selfId, t('you', state.name));
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
  document.title = t('titleCall', state.room);
  ui.callHeading.textContent = t('roomIs', state.room);
  showScreen('call');
}

/**
 * The tile of a participant, created if missing.
 * @param {string} id
 * @param {string} name
 */
function tileFor(id, name) {
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
    label.append(nameEl, mic, cam);
    root.append(video, placeholder, label);
    if (id === state.selfId) ui.tiles.prepend(root);
    else ui.tiles.append(root);
  }
  const nameEl = /** @type {HTMLElement} */ (root.querySelector('.tile-name'));
  nameEl.textContent = name;
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
  state.names.set(p.id, p.name);
  const tile = tileFor(p.id, p.name);
  setMicMuted(tile.root, !!p.audioMuted);
  setCameraOff(tile.root, !!p.videoMuted);
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

function updateToggles() {
  ui.micButton.textContent = t(state.micMuted ? 'unmuteMic' : 'muteMic');
  ui.micButton.dataset.on = String(state.micMuted);
  ui.cameraButton.textContent = t(state.cameraOff ? 'startCamera' : 'stopCamera');
  ui.cameraButton.dataset.on = String(state.cameraOff);
  const self = findTile(state.selfId);
  if (self) {
    setMicMuted(self, state.micMuted);
    setCameraOff(self, state.cameraOff || !state.localStream?.getVideoTracks().length);
  }
}

/** @param {TrackKind} kind */
async function toggle(kind) {
  const client = state.client;
  if (!client) return;
  let muted;
  if (kind === 'audio') muted = state.micMuted = !state.micMuted;
  else muted = state.cameraOff = !state.cameraOff;
  // Also covers the time before publishing: the track itself goes quiet.
  for (const track of state.localStream?.getTracks() ?? []) {
    if (track.kind === kind) track.enabled = !muted;
  }
  updateToggles();
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
  state.client = null;
  if (client) await client.leave().catch(() => {});
  endCall('left');
}

/** @param {'left' | 'lost'} why */
function endCall(why) {
  state.inCall = false;
  stopLocalMedia();
  ui.tiles.replaceChildren();
  document.title = t('titleLeft');
  ui.leftHeading.textContent = t(why === 'left' ? 'leftHeading' : 'lostHeading');
  ui.leftIntro.textContent = t(why === 'left' ? 'leftIntro' : 'lostIntro');
  showScreen('left');
}

async function rejoin() {
  clearAlert();
  ui.rejoinButton.disabled = true;
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
    logLine(t('joinedAnnounce', p.name));
  });
  on('participant-left', ({ id }) => {
    findTile(id)?.remove();
    logLine(t('leftAnnounce', state.names.get(id) ?? t('someone')));
    state.names.delete(id);
  });
  on('track', ({ participantId, stream }) => {
    if (!participantId || !stream || participantId === state.selfId) return;
    const tile = tileFor(participantId, state.names.get(participantId) ?? t('someone'));
    if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
    playWithSound(tile.video);
  });
  on('mute-changed', ({ participant, kind, muted }) => {
    if (participant === state.selfId) return; // our own buttons already show it
    const tile = findTile(participant);
    if (!tile) return;
    if (kind === 'audio') setMicMuted(tile, muted);
    else setCameraOff(tile, muted);
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
    if (expected || !state.inCall) return;
    state.client = null;
    showAlert(t('error.connect'));
    endCall('lost');
  });
}

// --- start -----------------------------------------------------------------------

function start() {
  applyStrings();
  ui.joinForm.addEventListener('submit', onJoinSubmit);
  ui.micButton.addEventListener('click', () => toggle('audio'));
  ui.cameraButton.addEventListener('click', () => toggle('video'));
  ui.leaveButton.addEventListener('click', leaveCall);
  ui.soundButton.addEventListener('click', onSoundClick);
  ui.chatForm.addEventListener('submit', onChatSubmit);
  ui.rejoinButton.addEventListener('click', rejoin);
  window.addEventListener('pagehide', () => state.client?.close());
  // Back from the browser's back/forward cache, the call is gone: start afresh.
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted && state.inCall) location.reload();
  });

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
