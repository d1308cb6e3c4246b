// callscreen.js — the call screen: a tile per person (name, role, mute
// badges), our microphone and camera toggles (also the waiting room's),
// chat, leaving, and the events of a session in the call.
//
// It does not join: call.js and consultation.js do, then call enterCall()
// and listen(). The host's panels are hostpanel.js, fed from here; where
// each tile goes is layout.js, the panels and announcements callpanels.js,
// speaker and connection quality quality.js. Names and chat text are set
// as text, never as HTML. Main thread.

import { announce, startPanels, waitingChanged } from './callpanels.js';
import { HostPanel } from './hostpanel.js';
import { arrange, makeDraggable, moveByKey, nextCorner, stage, togglePin } from './layout.js';
import { startMonitor, worse } from './quality.js';
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
import { watchViews } from './simulcast.js';
import { mountScreenShare } from './screenshare.js';
import { roleText } from './strings.js';
import { attachRtt } from './rtt.js';
import { interpFields, mountInterpreters, self as selfExtras, showTileExtras } from './interpreters.js';

/** @typedef {import('./protocol.js').NaraClient} NaraClient */
/** @typedef {import('./protocol.js').Participant} Participant */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */
/** @typedef {import('./protocol.js').Role} Role */
/** @typedef {import('./hostpanel.js').Person} Person */
/** @typedef {import('./quality.js').Quality} Quality */

export const panel = new HostPanel({
  t,
  lang, // set again on entering a call: the language may have changed
  client: () => state.client,
  alert: (text) => showAlert(text),
  note: (text) => logLine(text),
  onWaiting: waitingChanged,
});

/** Stops the getStats() poller of the call, if one runs. */
let stopMonitor = () => {};
/** How each other person's media reaches us (quality.js), by id. */
/** @type {Map<string, Quality>} */
const received = new Map();
/** @type {Quality} */
let ownQuality = 'good';

/** Icon outlines (24 × 24, stroked in the text colour, so forced colours keep them). */
const ICONS = {
  pin: 'M9 3h6l-1 6 4 4H6l4-4zM12 13v8',
  move: 'M12 3v18M3 12h18M12 3l-3 3M12 3l3 3M12 21l-3-3M12 21l3-3M3 12l3-3M3 12l3 3M21 12l-3-3M21 12l-3 3',
};

/**
 * A small icon button on a tile (pin, move): an accessible name, a 44 px target.
 * @param {string} className
 * @param {keyof ICONS} icon
 */
function tileButton(className, icon) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[icon]);
  svg.append(path);
  b.append(svg);
  return b;
}

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
  stage.pinned = '';
  stage.speaker = '';
  received.clear();
  ownQuality = 'good';
  connectionNotice.textContent = '';

  const self = tileFor(selfId, t('you', state.name), state.role, true);
  self.video.muted = true; // never play our own microphone back
  showLocalMedia();

  for (const p of participants) addParticipant(p);
  startPanels(state.role === 'host' || state.role === 'staff');
  arrange(ui.tiles);
  watch();
  if (state.client) {
    mountScreenShare(state.client, {
      // Share screen lives in the More menu: the bar stays five buttons wide on a phone.
      t, alert: showAlert, nameOf, participants, stageBefore: ui.tiles,
      buttonBefore: /** @type {HTMLElement} */ (document.getElementById('selfview-move')),
      largeTile: { add: addLargeTile, remove: removeLargeTile },
    });
    mountInterpreters(state.client, { findTile, renderPeople, menu: /** @type {HTMLElement} */ (document.getElementById('more-menu')) });
    showTileExtras(self.root, { role: state.role, ...selfExtras });
    arrange(ui.tiles);
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
 * @param {boolean} [self] our own tile: small in a corner, with a Move button
 */
function tileFor(id, name, role, self = false) {
  let root = findTile(id);
  if (!root) {
    root = document.createElement('li');
    root.className = self ? 'tile tile-self' : 'tile';
    root.dataset.participant = id;
    root.dataset.tile = id;
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
    const quality = document.createElement('span');
    quality.className = 'badge tile-quality';
    quality.hidden = true;
    label.append(nameEl, roleEl, mic, cam, quality);
    root.append(video, placeholder, label);
    if (self) {
      const move = tileButton('tile-move', 'move');
      move.dataset.i18nLabel = 'moveSelfView';
      move.setAttribute('aria-label', t('moveSelfView'));
      root.append(move);
      makeDraggable(ui.tiles, root);
      ui.tiles.prepend(root);
    } else {
      root.append(tileButton('tile-pin', 'pin'));
      ui.tiles.append(root);
    }
  }
  const pin = root.querySelector('.tile-pin');
  pin?.setAttribute('aria-label', t('pinPerson', name));
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
    .replace(/\s*\(.*\)\s*$/, '') // "Maja (you)": Maja's initials, not "M("
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}

/** @param {string} id */
function findTile(id) {
  return /** @type {HTMLLIElement | null} */ (ui.tiles.querySelector(`li[data-participant="${CSS.escape(id)}"]:not(.tile-screen)`));
}

/**
 * A large tile that is not a face, e.g. a shared screen (screenshare.js):
 * it takes the large place unless someone is pinned, and the faces go to
 * the strip. Returns the tile's <video> for the caller to fill; remove the
 * tile with removeLargeTile().
 * @param {string} key unique, e.g. "<participant id>:screen"
 * @param {string} label what it is, e.g. "Astrid's screen"
 */
export function addLargeTile(key, label) {
  let root = /** @type {HTMLLIElement | null} */ (ui.tiles.querySelector(`li[data-tile="${CSS.escape(key)}"]`));
  if (!root) {
    root = document.createElement('li');
    root.className = 'tile tile-screen';
    root.dataset.tile = key;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    const caption = document.createElement('p');
    caption.className = 'tile-label';
    const nameEl = document.createElement('span');
    nameEl.className = 'tile-name';
    caption.append(nameEl);
    root.append(video, caption, tileButton('tile-pin', 'pin'));
    ui.tiles.append(root);
  }
  /** @type {HTMLElement} */ (root.querySelector('.tile-name')).textContent = label;
  root.querySelector('.tile-pin')?.setAttribute('aria-label', t('pinPerson', label));
  arrange(ui.tiles);
  return /** @type {HTMLVideoElement} */ (root.querySelector('video'));
}

/** @param {string} key as given to addLargeTile() */
export function removeLargeTile(key) {
  ui.tiles.querySelector(`li[data-tile="${CSS.escape(key)}"]`)?.remove();
  arrange(ui.tiles);
}

/**
 * A tile's connection badge: the worse of what we receive from that person
 * and what they report of their own connection.
 * @param {string} id
 */
function showQuality(id) {
  const tile = findTile(id);
  if (!tile) return;
  const level =
    id === state.selfId ? ownQuality : worse(received.get(id), state.people.get(id)?.quality ?? null);
  const badge = /** @type {HTMLElement} */ (tile.querySelector('.tile-quality'));
  badge.hidden = level === 'good';
  badge.textContent = level === 'poor' ? t('qualityPoor') : level === 'reconnecting' ? t('qualityReconnecting') : '';
}

const connectionNotice = /** @type {HTMLElement} */ (document.getElementById('connection-notice'));

/** Starts the getStats() poller for this call: speaker, quality per tile, our own level. */
function watch() {
  stopMonitor();
  const client = state.client;
  if (!client) return;
  stopMonitor = startMonitor({
    client,
    streams: () => {
      /** @type {Map<string, MediaStream>} */
      const map = new Map();
      for (const li of ui.tiles.querySelectorAll('li[data-participant]:not(.tile-self):not(.tile-screen)')) {
        const video = li.querySelector('video');
        const id = /** @type {HTMLElement} */ (li).dataset.participant;
        if (id && video?.srcObject instanceof MediaStream) map.set(id, video.srcObject);
      }
      return map;
    },
    cameraOn: (id) => {
      const p = state.people.get(id);
      return !!p && !p.videoMuted && !p.videoMutedByHost;
    },
    onSpeaker: (id) => {
      stage.speaker = id;
      arrange(ui.tiles);
    },
    onRemote: (id, level) => {
      received.set(id, level);
      showQuality(id);
    },
    onOwn: (level) => {
      ownQuality = level;
      showQuality(state.selfId);
      connectionNotice.textContent = level === 'good' ? '' : t(level === 'poor' ? 'youPoor' : 'youReconnecting');
      if (state.client === client) client.request({ type: 'quality', level }).catch(() => {});
    },
  });
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
    lang: p.lang ?? null,
    audioMuted: !!p.audioMuted,
    videoMuted: !!p.videoMuted,
    audioMutedByHost: !!p.audioMutedByHost,
    videoMutedByHost: !!p.videoMutedByHost,
    precheck: p.precheck ?? null,
    quality: p.quality ?? null,
    ...interpFields(p),
  };
  state.people.set(p.id, person);
  const tile = tileFor(p.id, p.name, person.role);
  showMuteState(tile.root, person);
  showTileExtras(tile.root, person);
  showQuality(p.id);
  arrange(ui.tiles);
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
    lang: document.documentElement.lang,
    audioMuted: state.micMuted,
    videoMuted: state.cameraOff,
    audioMutedByHost: state.micHeld,
    videoMutedByHost: state.cameraHeld,
    precheck: null,
    quality: ownQuality,
    languages: interpFields(state.client?.self).languages,
    ...selfExtras,
  };
  panel.setPeople([self, ...state.people.values()]);
}

/** The mic and camera buttons of the call and the waiting room, and our tile. */
export function updateToggles() {
  const hasAudio = !!state.localStream?.getAudioTracks().length;
  const hasVideo = !!state.localStream?.getVideoTracks().length;
  for (const b of [ui.micButton, ui.waitingMic]) {
    sayButton(b, state.micMuted ? 'unmuteMic' : 'muteMic', state.micMuted ? 'barUnmute' : 'barMute');
    b.dataset.on = String(state.micMuted);
    b.disabled = !hasAudio;
    setHeld(b, state.micHeld);
  }
  for (const b of [ui.cameraButton, ui.waitingCamera]) {
    const key = state.cameraOff ? 'startCamera' : 'stopCamera';
    sayButton(b, key, state.cameraOff ? 'barStartCamera' : 'barStopCamera');
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
 * A toggle's label. The call bar's buttons show a short word under the
 * icon and carry the whole action as their name ("Mute" → "Mute
 * microphone"); the waiting room's show the whole action.
 * @param {HTMLButtonElement} b
 * @param {string} key the whole action
 * @param {string} shortKey the bar's word
 */
function sayButton(b, key, shortKey) {
  const label = /** @type {HTMLElement | null} */ (b.querySelector('.bar-label'));
  if (!label) {
    say(b, key);
    return;
  }
  say(label, shortKey);
  b.dataset.i18nLabel = key;
  b.setAttribute('aria-label', t(key));
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
  stopMonitor();
  stopMonitor = () => {};
  panel.stop();
  stopLocalMedia();
  ui.tiles.replaceChildren();
  const key = why === 'left' ? 'left' : why === 'lost' ? 'lost' : 'waitingLeft';
  showEnd(`${key}Heading`, `${key}Intro`, 'rejoinButton');
  if (why === 'left') setTitle('titleLeft');
}

/**
 * Audio first: Nara holds a video back while this person's link cannot
 * carry it with the sound; the tile keeps its last picture and says why.
 * @param {HTMLElement | null} tile
 * @param {boolean} paused
 */
function showVideoPaused(tile, paused) {
  if (!tile) return;
  let note = /** @type {HTMLElement | null} */ (tile.querySelector('.tile-paused'));
  if (paused && !note) {
    note = document.createElement('p');
    note.className = 'tile-paused';
    note.setAttribute('role', 'status');
    note.textContent = t('videoPaused');
    tile.append(note);
  }
  if (note) note.hidden = !paused;
}

/**
 * A person whose video this device cannot decode (their codec, which Nara
 * does not convert): their tile says so in words; their sound plays on.
 * @param {HTMLElement | null} tile
 */
function showVideoUnplayable(tile) {
  if (!tile || tile.querySelector('.tile-unplayable')) return;
  const note = document.createElement('p');
  note.className = 'tile-unplayable';
  note.setAttribute('role', 'status');
  note.textContent = t('videoUnplayable', tile.querySelector('.tile-name')?.textContent ?? '');
  tile.append(note);
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

  attachRtt(client); // real-time text (rtt.js)
  on('participant-joined', (/** @type {Participant} */ p) => {
    addParticipant(p);
    renderPeople();
    logLine(t('joinedAnnounce', p.name));
  });
  on('participant-status', ({ participant, precheck, quality }) => {
    const p = state.people.get(participant);
    if (!p) return;
    const was = p.quality;
    if (precheck) p.precheck = precheck;
    if (quality) p.quality = quality;
    showQuality(participant);
    renderPeople();
    // The host hears it: "Astrid's connection is poor."
    if (state.role === 'host' && quality && quality !== was && quality !== 'good') {
      announce(t(quality === 'poor' ? 'qualityPoorPerson' : 'qualityReconnectingPerson', p.name));
    }
  });
  on('participant-left', ({ id, reason }) => {
    findTile(id)?.remove();
    received.delete(id);
    if (stage.speaker === id) stage.speaker = '';
    arrange(ui.tiles);
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
  const views = watchViews(client, (id) => findTile(id)?.querySelector('video') ?? null);
  on('video-paused', ({ track, paused }) => showVideoPaused(views.tileOf(track), paused));
  on('video-unplayable', ({ participant }) => showVideoUnplayable(findTile(participant)));
  on('server-error', ({ code }) => showAlert(errorText(new NaraError(code))));
  // The server is being restarted (an upgrade): say so calmly, with the time.
  on('draining', ({ deadline }) => {
    const at = new Date(deadline);
    const time = Number.isNaN(at.getTime())
      ? ''
      : at.toLocaleTimeString(document.documentElement.lang || undefined, { hour: '2-digit', minute: '2-digit' });
    ui.callNotice.textContent = t('serverRestarting', time);
  });
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

// --- the stage: pins and our own picture ---------------------------------------

ui.tiles.addEventListener('click', (ev) => {
  const target = /** @type {HTMLElement} */ (ev.target);
  const tile = /** @type {HTMLElement | null} */ (target.closest('li[data-tile]'));
  if (!tile) return;
  if (target.closest('.tile-move')) {
    nextCorner(ui.tiles);
    announce(t('selfViewMoved'));
    return;
  }
  // The pin button, or anywhere on a small tile: show that one large.
  if (target.closest('.tile-pin') || tile.dataset.slot === 'strip') togglePin(ui.tiles, tile.dataset.tile ?? '');
});
ui.tiles.addEventListener('keydown', (ev) => {
  if (!(/** @type {HTMLElement} */ (ev.target).closest('.tile-move'))) return;
  if (moveByKey(ui.tiles, ev)) {
    ev.preventDefault();
    announce(t('selfViewMoved'));
  }
});
{
  const move = /** @type {HTMLButtonElement} */ (document.getElementById('selfview-move'));
  const hide = /** @type {HTMLButtonElement} */ (document.getElementById('selfview-hide'));
  move.addEventListener('click', () => {
    nextCorner(ui.tiles);
    announce(t('selfViewMoved'));
  });
  hide.addEventListener('click', () => {
    stage.selfHidden = !stage.selfHidden;
    say(hide, stage.selfHidden ? 'showSelfView' : 'hideSelfView');
    arrange(ui.tiles);
  });
}
