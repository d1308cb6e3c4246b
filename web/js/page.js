// page.js — what every part of the page shares: the language and its
// strings, the elements of index.html, the one state object, switching
// screens, alerts, the call log, and the local camera and microphone.
//
// The language comes from ?lang= in the link, else the person's last
// choice in the language chooser (localStorage), else the browser. A
// change re-renders every text in place: texts set by code go through
// say()/setTitle() so they can be said again in the new language. The
// chooser is on every screen; a language's texts are loaded when it is
// chosen (i18n.js), and <html lang dir> follow it (ar and fa read right to
// left).
//
// It owns no flow: call.js (open rooms), consultation.js (links, waiting
// room) and callscreen.js (the call) use it. Nothing is written with
// innerHTML. window.nara exposes the two peer connections for tests.
// Main thread.

import { NaraError } from './protocol.js';
import { EN, LANGUAGE_NAMES, directionOf, languageOf, loadLanguage, pickLanguage, translator } from './i18n.js';

/** @typedef {import('./protocol.js').NaraClient} NaraClient */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */
/** @typedef {import('./protocol.js').Role} Role */
/** @typedef {import('./hostpanel.js').Person} Person */

const LANG_STORAGE_KEY = 'nara.lang';

/**
 * A language forced by the link: ?lang=da, also when a booking system
 * appended it after the fragment (#t=TOKEN?lang=da or #t=TOKEN&lang=da).
 * @returns {string | null} a key of LANGUAGES (i18n.js)
 */
function languageFromUrl() {
  const m = /[?&#]lang=([A-Za-z-]+)/.exec(location.search + location.hash);
  return m ? languageOf(m[1]) : null;
}

function storedLanguage() {
  try {
    return languageOf(localStorage.getItem(LANG_STORAGE_KEY) ?? '');
  } catch {
    return null; // storage blocked: the browser's languages still apply
  }
}

export let lang =
  languageFromUrl() ??
  storedLanguage() ??
  pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language || 'en']);
// The first screen waits for its language's texts (one small file).
try {
  await loadLanguage(lang);
} catch {
  lang = 'en'; // the file could not be fetched: English rather than nothing
}
let translate = translator(lang);

/**
 * The text of `key` in the current language.
 * @param {string} key
 * @param {...any} args
 */
export function t(key, ...args) {
  return translate(key, ...args);
}

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return /** @type {T} */ (el);
}

export const ui = {
  alert: $('alert'),
  langBar: $('lang-bar'),
  langSelect: /** @type {HTMLSelectElement} */ ($('lang-select')),
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
  openRoomNotice: $('open-room-notice'),
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
  waitingYou: $('waiting-you'),
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

export const state = {
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

// Sessions resumed on this page (watchContinuity), for the tests.
let resumes = 0;

// Debug hook read by the end-to-end tests (getStats on both connections).
Object.defineProperty(window, 'nara', {
  value: Object.freeze({
    get publishPc() {
      return state.client?.publishPc ?? null;
    },
    get subscribePc() {
      return state.client?.subscribePc ?? null;
    },
    // Cuts the signaling socket as a network would (no leave; the client
    // resumes by itself): tests/e2e/continuity.test.mjs.
    dropSocket() {
      state.client?.ws?.close(4000, 'dropped');
    },
    get resumes() {
      return resumes;
    },
  }),
});

// --- screens and messages --------------------------------------------------

/**
 * Texts set by code, said again after a change of language.
 * @type {Map<HTMLElement, () => string>}
 */
const spoken = new Map();
let title = () => t('appName');

/**
 * Shows the text of `key` in `el` and keeps it in the current language.
 * @param {HTMLElement} el
 * @param {string} key
 * @param {...any} args
 */
export function say(el, key, ...args) {
  const text = () => t(key, ...args);
  spoken.set(el, text);
  el.textContent = text();
}

/**
 * The document title, kept in the current language.
 * @param {string} key
 * @param {...any} args
 */
export function setTitle(key, ...args) {
  title = () => t(key, ...args);
  document.title = title();
}

export function applyStrings() {
  document.documentElement.lang = lang;
  document.documentElement.dir = directionOf(lang);
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(/** @type {string} */ (/** @type {HTMLElement} */ (el).dataset.i18n));
  }
  for (const el of document.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(/** @type {string} */ (/** @type {HTMLElement} */ (el).dataset.i18nLabel)));
  }
  for (const [el, text] of spoken) el.textContent = text();
  document.title = title();
}

/**
 * Fills the language chooser, each language named in itself (and marked
 * with its own lang, so a screen reader says "Dansk" in Danish).
 */
export function startLanguageChooser() {
  ui.langSelect.replaceChildren(
    ...Object.keys(LANGUAGE_NAMES).map((code) => {
      const option = new Option(LANGUAGE_NAMES[code] ?? code, code, false, code === lang);
      option.lang = code;
      return option;
    }),
  );
  ui.langSelect.addEventListener('change', () => setLanguage(ui.langSelect.value));
}

/** The language last asked for, while its texts load. */
let wanted = lang;

/**
 * Switches every text on the page, remembers the choice, and makes a
 * reload keep it even if the link said otherwise. The texts of a language
 * not shown before are fetched first; of quick changes the last one wins.
 * @param {string} code a key of LANGUAGES (i18n.js)
 */
export async function setLanguage(code) {
  const chosen = languageOf(code);
  if (!chosen) return;
  wanted = chosen;
  try {
    await loadLanguage(chosen);
  } catch {
    if (wanted === chosen) ui.langSelect.value = lang; // offline: stay as we were
    return;
  }
  if (wanted !== chosen) return;
  lang = chosen;
  translate = translator(lang);
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  const forced = languageFromUrl();
  if (forced && forced !== lang) {
    const url = new URL(location.href);
    url.searchParams.set('lang', lang);
    history.replaceState(history.state, '', url);
  }
  ui.langSelect.value = lang;
  applyStrings();
}

/**
 * Shows one screen and moves focus to its heading (or `focus`), so screen
 * reader users hear where they are.
 * @param {'landing' | 'join' | 'waiting' | 'call' | 'left'} name
 * @param {HTMLElement} [focus]
 */
export function showScreen(name, focus) {
  for (const [key, el] of Object.entries(ui.screens)) el.hidden = key !== name;
  // On every screen: an interpreter's patient may need to switch mid-call.
  ui.langBar.hidden = false;
  const target = focus ?? /** @type {HTMLElement | null} */ (ui.screens[name].querySelector('h1'));
  target?.focus();
}

/** @param {string} text plain language, shown and announced */
export function showAlert(text) {
  spoken.delete(ui.alert);
  ui.alert.textContent = text;
}

/**
 * An alert that follows a change of language.
 * @param {string} key
 * @param {...any} args
 */
export function sayAlert(key, ...args) {
  say(ui.alert, key, ...args);
}

export function clearAlert() {
  showAlert('');
}

/**
 * The strings key of an error's plain-language text.
 * @param {unknown} err
 */
export function errorKey(err) {
  const code = err instanceof NaraError ? err.code : 'unknown';
  if (`error.${code}` in EN) return `error.${code}`;
  return code.startsWith('token-') ? 'error.token' : 'error.unknown';
}

/** @param {unknown} err */
export function errorText(err) {
  return t(errorKey(err));
}

/**
 * @param {HTMLInputElement} input
 * @param {HTMLElement} errorEl
 * @param {string} key of the error's text; '' clears the error
 */
export function fieldError(input, errorEl, key) {
  if (key) say(errorEl, key);
  else spoken.delete(errorEl);
  errorEl.hidden = !key;
  if (key) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } else {
    input.removeAttribute('aria-invalid');
  }
}

// --- camera and microphone ----------------------------------------------------

/**
 * Asks for camera and microphone once per visit to the join screen. Falls
 * back to the microphone alone, then to nothing: a patient who cannot give
 * camera access can still join and see and hear the clinician.
 * @returns {Promise<MediaStream | null>}
 */
async function getLocalMedia() {
  if (!navigator.mediaDevices?.getUserMedia) return null;
  // The devices chosen in the pre-call check (precall.js), if still there.
  const camera = chosenDevice('nara.camera');
  const mic = chosenDevice('nara.microphone');
  const audioWanted = mic ? { deviceId: { ideal: mic } } : true;
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: audioWanted,
      video: { width: { ideal: 640 }, height: { ideal: 480 }, ...(camera ? { deviceId: { ideal: camera } } : {}) },
    });
  } catch {
    try {
      const audio = await navigator.mediaDevices.getUserMedia({ audio: audioWanted });
      sayAlert('mediaNoCamera');
      return audio;
    } catch {
      sayAlert('mediaDenied');
      return null;
    }
  }
}

/** @param {string} key */
function chosenDevice(key) {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** @type {Promise<MediaStream | null> | null} */
let mediaPromise = null;

export function startPreview() {
  if (!mediaPromise) {
    mediaPromise = getLocalMedia().then((stream) => {
      state.localStream = stream;
      // A new camera after a lost connection keeps what the toggles say.
      for (const track of stream?.getTracks() ?? []) {
        track.enabled = !(track.kind === 'audio' ? state.micMuted : state.cameraOff);
      }
      const hasVideo = !!stream?.getVideoTracks().length;
      ui.preview.srcObject = hasVideo ? stream : null;
      ui.preview.hidden = !hasVideo;
      ui.previewOff.hidden = hasVideo;
      return stream;
    });
  }
  return mediaPromise;
}

export function stopLocalMedia() {
  for (const track of state.localStream?.getTracks() ?? []) track.stop();
  state.localStream = null;
  mediaPromise = null;
  ui.preview.srcObject = null;
  ui.waitingPreview.srcObject = null;
}

// --- end screens and the call log ----------------------------------------------

/**
 * The last screen of a session.
 * @param {string} heading key of the heading
 * @param {string} intro key of the text under it
 * @param {string | null} button key of the label of a button that joins again, or none
 */
export function showEnd(heading, intro, button) {
  title = () => t('titleEnded', t(heading).replace(/[.!]$/, ''));
  document.title = title();
  say(ui.leftHeading, heading);
  say(ui.leftIntro, intro);
  ui.rejoinButton.hidden = !button;
  if (button) say(ui.rejoinButton, button);
  showScreen('left');
}

/**
 * A line in the chat log: a message, or a note such as "Erik joined".
 * @param {string} text
 * @param {{from?: string, time?: string}} [meta]
 */
export function logLine(text, meta) {
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
export function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(date);
}

/**
 * Turns our own track on or off at once (it also covers the time before
 * publishing and the waiting room, where nothing is sent).
 * @param {TrackKind} kind
 * @param {boolean} muted
 */
export function setLocalMuted(kind, muted) {
  if (kind === 'audio') state.micMuted = muted;
  else state.cameraOff = muted;
  for (const track of state.localStream?.getTracks() ?? []) {
    if (track.kind === kind) track.enabled = !muted;
  }
}

// --- continuity (protocol.md, "Continuity") ------------------------------------

/**
 * Shows a call surviving a drop: our own "reconnecting…" while the client
 * resumes, and "reconnecting" on the tile of someone else whose connection
 * dropped (they have not left). The client resumes and restarts ICE by
 * itself; this only tells people.
 * @param {NaraClient} client
 */
export function watchContinuity(client) {
  /**
   * @param {string} type
   * @param {(detail: any) => void} fn
   */
  const on = (type, fn) =>
    client.addEventListener(type, (ev) => {
      if (state.client === client) fn(/** @type {CustomEvent} */ (ev).detail);
    });
  on('reconnecting', ({ attempt }) => {
    if (attempt === 0) say(ui.callNotice, 'reconnectingSelf');
  });
  on('resumed', () => {
    resumes++;
    say(ui.callNotice, 'reconnectedSelf');
    setTimeout(() => {
      if (ui.callNotice.textContent === t('reconnectedSelf')) ui.callNotice.textContent = '';
    }, 3000);
  });
  on('participant-reconnecting', ({ id }) => {
    const tile = ui.tiles.querySelector(`li[data-participant="${CSS.escape(id)}"]`);
    if (!tile) return;
    tile.classList.add('reconnecting');
    let badge = tile.querySelector('.tile-reconnecting');
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'badge tile-reconnecting';
      tile.querySelector('.tile-label')?.append(badge);
    }
    badge.textContent = t('reconnectingOther');
    const name = tile.querySelector('.tile-name')?.textContent ?? '';
    if (name) logLine(t('reconnectingAnnounce', name));
  });
  on('participant-reconnected', ({ id }) => {
    const tile = ui.tiles.querySelector(`li[data-participant="${CSS.escape(id)}"]`);
    tile?.classList.remove('reconnecting');
    tile?.querySelector('.tile-reconnecting')?.remove();
  });
}
