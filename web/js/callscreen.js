// callscreen.js — the call screen: a tile per person (name, role, mute
// badges), our microphone and camera toggles (also the waiting room's),
// chat, leaving, and the events of a session in the call.
//
// It does not join: call.js and consultation.js do, then call enterCall()
// and listen(). The host's panels are hostpanel.js, fed from here. Names
// and chat text are set as text, never as HTML. Main thread.

import { HostPanel } from './hostpanel.js';
import { NaraError } from './protocol.js';
import {
  clockTime,
  errorText,
  lang,
  logLine,
  say,
  setLocalMuted,
  setTitle,
  showAlert,
  showEnd,
  showScreen,
  state,
  stopLocalMedia,
  t,
  ui,
} from './page.js';
import { mountScreenShare } from './screenshare.js';
import { roleText } from './strings.js';

/** @typedef {import('./protocol.js').NaraClient} NaraClient */
/** @typedef {import('./protocol.js').Participant} Participant */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */
/** @typedef {import('./protocol.js').Role} Role */
/** @typedef {import('./hostpanel.js').Person} Person */

export const panel = new HostPanel({
  t,
  lang, // set again on entering a call: the language may have changed
  client: () => state.client,
  alert: (text) => showAlert(text),
  note: (text) => logLine(text),
});

/**
 * @param {NaraClient} client
 * @param {MediaStream | null} stream
 */
export function startPublishing(client, stream) {
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
 * @param {{keepToggles?: boolean}} [options] keep the mute state chosen while waiting
 */
export function enterCall(selfId, participants, options = {}) {
  state.selfId = selfId;
  state.inCall = true;
  if (!options.keepToggles) {
    setLocalMuted('audio', false);
    setLocalMuted('video', false);
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
  say(ui.joinButton, 'joinButton');
  panel.lang = lang;

  const self = tileFor(selfId, t('you', state.name), state.role);
  self.root.classList.add('tile-self');
  self.video.muted = true; // never play our own microphone back
  showLocalMedia();

  for (const p of participants) addParticipant(p);
  if (state.client) {
    mountScreenShare(state.client, {
      t, alert: showAlert, nameOf, participants, buttonBefore: ui.leaveButton, stageBefore: ui.tiles,
    });
  }
  const heading = state.consultation ? state.title || t('appointmentHeading') : t('roomIs', state.room);
  setTitle('titleCall', state.consultation ? heading : state.room);
  ui.callHeading.textContent = heading;
  showScreen('call');
}

/**
 * Shows our camera on our tile and in the waiting room, and sets the
 * toggles; again when the camera arrives after the screen (a retry).
 */
export function showLocalMedia() {
  const hasVideo = !!state.localStream?.getVideoTracks().length;
  const self = findTile(state.selfId);
  const video = /** @type {HTMLVideoElement | null | undefined} */ (self?.querySelector('video'));
  if (video) video.srcObject = hasVideo ? state.localStream : null;
  ui.waitingPreview.srcObject = hasVideo ? state.localStream : null;
  updateToggles();
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
export function renderPeople() {
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

/** The mic and camera buttons of the call and the waiting room, and our tile. */
export function updateToggles() {
  const hasAudio = !!state.localStream?.getAudioTracks().length;
  const hasVideo = !!state.localStream?.getVideoTracks().length;
  for (const b of [ui.micButton, ui.waitingMic]) {
    say(b, state.micMuted ? 'unmuteMic' : 'muteMic');
    b.dataset.on = String(state.micMuted);
    b.disabled = !hasAudio;
    setHeld(b, state.micHeld);
  }
  for (const b of [ui.cameraButton, ui.waitingCamera]) {
    say(b, state.cameraOff ? 'startCamera' : 'stopCamera');
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

/** @param {TrackKind} kind */
export async function toggle(kind) {
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
export async function onChatSubmit(ev) {
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

export async function leaveCall() {
  const client = state.client;
  const waiting = state.waiting;
  state.client = null;
  if (client) await client.leave().catch(() => {});
  endCall(waiting ? 'waiting-left' : 'left');
}

/** @param {'left' | 'lost' | 'waiting-left'} why */
export function endCall(why) {
  state.inCall = false;
  state.waiting = false;
  panel.stop();
  stopLocalMedia();
  ui.tiles.replaceChildren();
  const key = why === 'left' ? 'left' : why === 'lost' ? 'lost' : 'waitingLeft';
  showEnd(`${key}Heading`, `${key}Intro`, 'rejoinButton');
  if (why === 'left') setTitle('titleLeft');
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

export function onSoundClick() {
  for (const video of ui.tiles.querySelectorAll('li:not(.tile-self) video')) {
    /** @type {HTMLVideoElement} */ (video).play().catch(() => {});
  }
  ui.soundButton.hidden = true;
  ui.micButton.focus();
}

// --- protocol events -----------------------------------------------------------

/**
 * Follows a session's events for the call screen. Returns the `on` helper
 * for more events (consultation.js adds its own).
 * @param {NaraClient} client
 * @param {() => void} onLost after an unexpected close has shown the lost screen
 */
export function listen(client, onLost) {
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
    onLost();
  });
  return on;
}
