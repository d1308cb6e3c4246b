// precall.js — the pre-call check on the join screen, in four calm steps:
// camera (preview and choice), microphone (choice and a level meter),
// sound (a short generated tone), and the connection to Nara itself (a
// short WebRTC test through the server), ending in a plain verdict. When
// the browser refused the camera or microphone it says how to allow them
// on this kind of device. The person may skip it all.
//
// The network test publishes a generated picture (never the camera) on a
// second signaling session, reads getStats() and leaves: a consultation's
// page asks for a media check with its join token (docs/protocol.md,
// media-check), which works where open rooms are off and brings a TURN
// credential of its own; an open room's page joins a private room of its
// own name, and where open rooms are off measures the signaling round
// trip alone. When the picture does not get through, it tries TURN. The
// result goes to the server once per session (docs/protocol.md,
// precheck) when the waiting room or the call opens, so the host sees it.
// Devices chosen are remembered (localStorage) and used by page.js.
// Main thread.

import { NaraClient, signalingUrl } from './protocol.js';
import { $, say, startPreview, state, stopLocalMedia, t, ui } from './page.js';

/** @typedef {'ok' | 'denied' | 'missing' | 'skipped'} DeviceResult */
/** @typedef {'good' | 'audio-only' | 'unreachable' | 'skipped'} NetworkResult */

const el = {
  join: $('screen-join'),
  waiting: $('screen-waiting'),
  call: $('screen-call'),
  precall: $('precall'),
  steps: $('precall-steps'),
  skip: /** @type {HTMLButtonElement} */ ($('precall-skip')),
  cameraSelect: /** @type {HTMLSelectElement} */ ($('camera-select')),
  micSelect: /** @type {HTMLSelectElement} */ ($('mic-select')),
  micLevel: /** @type {HTMLMeterElement} */ ($('mic-level')),
  micResult: $('mic-result'),
  micTest: /** @type {HTMLButtonElement} */ ($('mic-test')),
  speakerTest: /** @type {HTMLButtonElement} */ ($('speaker-test')),
  speakerResult: $('speaker-result'),
  networkResult: $('network-result'),
  networkRetry: /** @type {HTMLButtonElement} */ ($('network-retry')),
  verdict: $('precall-verdict'),
  permissionHelp: $('permission-help'),
  permissionText: $('permission-text'),
};

/** What the check found; sent to the server as it stands when the person joins. */
export const result = {
  /** @type {DeviceResult} */
  camera: 'skipped',
  /** @type {DeviceResult} */
  microphone: 'skipped',
  /** @type {NetworkResult} */
  network: 'skipped',
};

const DEVICE_KEYS = { videoinput: 'nara.camera', audioinput: 'nara.microphone' };
/** The loopback's verdict: under these, video will work. */
const GOOD_RTT_S = 0.4;
const GOOD_LOSS = 0.05;
const CONNECT_MS = 6000;
const MEASURE_MS = 2500;

/** @type {AudioContext | null} */
let audio = null;
/** @type {ReturnType<typeof setInterval> | null} */
let meterTimer = null;
/** @type {NaraClient | null} the network test's own session */
let checking = null;
let networkStarted = false;
/** @type {WeakSet<NaraClient>} sessions already told the result */
const told = new WeakSet();

// --- devices -----------------------------------------------------------------

/** @param {'videoinput' | 'audioinput'} kind */
function stored(kind) {
  try {
    return localStorage.getItem(DEVICE_KEYS[kind]) ?? '';
  } catch {
    return '';
  }
}

/**
 * @param {MediaStream | null} stream
 * @param {'video' | 'audio'} kind
 * @returns {Promise<DeviceResult>}
 */
async function deviceResult(stream, kind) {
  const track = kind === 'video' ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0];
  if (track && track.readyState === 'live') return 'ok';
  try {
    const perm = await navigator.permissions.query(/** @type {any} */ ({ name: kind === 'video' ? 'camera' : 'microphone' }));
    if (perm.state === 'denied') return 'denied';
  } catch {
    // Firefox cannot be asked: the device list decides below
  }
  const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  return devices.some((d) => d.kind === (kind === 'video' ? 'videoinput' : 'audioinput')) ? 'denied' : 'missing';
}

/**
 * Fills both device lists; the device in use is selected.
 * @param {MediaStream | null} stream
 */
async function fillDevices(stream) {
  const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  for (const [select, kind, track] of /** @type {const} */ ([
    [el.cameraSelect, 'videoinput', stream?.getVideoTracks()[0]],
    [el.micSelect, 'audioinput', stream?.getAudioTracks()[0]],
  ])) {
    const list = devices.filter((d) => d.kind === kind && d.deviceId);
    const using = track?.getSettings().deviceId ?? stored(kind);
    select.replaceChildren(
      ...list.map((d, i) => new Option(d.label || `${kind === 'videoinput' ? t('stepCamera') : t('stepMic')} ${i + 1}`, d.deviceId, false, d.deviceId === using)),
    );
    select.disabled = list.length < 2;
  }
}

/**
 * @param {'videoinput' | 'audioinput'} kind
 * @param {string} id
 */
async function chooseDevice(kind, id) {
  try {
    localStorage.setItem(DEVICE_KEYS[kind], id);
  } catch {
    // storage blocked: page.js cannot read it either; the browser's default stays
  }
  stopMeter();
  stopLocalMedia();
  await checkDevices();
}

async function checkDevices() {
  const stream = await startPreview();
  result.camera = await deviceResult(stream, 'video');
  result.microphone = await deviceResult(stream, 'audio');
  await fillDevices(stream);
  markStep(el.cameraSelect, result.camera === 'ok');
  markStep(el.micSelect, result.microphone === 'ok');
  showPermissionHelp();
  if (result.microphone === 'ok') {
    audio ??= new AudioContext();
    if (audio.state === 'running') startMeter();
    el.micTest.hidden = audio.state === 'running';
  }
}

/**
 * @param {HTMLElement} inStep
 * @param {boolean} ok
 */
function markStep(inStep, ok) {
  const step = inStep.closest('.step');
  if (step instanceof HTMLElement) step.dataset.ok = String(ok);
}

/** Denied access: what to do, for the device in hand. */
function showPermissionHelp() {
  const denied = result.camera === 'denied' || result.microphone === 'denied';
  el.permissionHelp.hidden = !denied;
  if (!denied) return;
  const ua = navigator.userAgent;
  const ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  say(el.permissionText, ios ? 'permission.ios' : /Android/.test(ua) ? 'permission.android' : 'permission.desktop');
}

// --- microphone level and test sound ---------------------------------------------

function startMeter() {
  stopMeter();
  const track = state.localStream?.getAudioTracks()[0];
  if (!audio || !track) return;
  const source = audio.createMediaStreamSource(new MediaStream([track]));
  const analyser = audio.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let heard = 0;
  meterTimer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    el.micLevel.value = level;
    if (level > 0.05 && ++heard === 3) say(el.micResult, 'micHeard');
  }, 100);
}

function stopMeter() {
  if (meterTimer) clearInterval(meterTimer);
  meterTimer = null;
  el.micLevel.value = 0;
}

async function playTone() {
  audio ??= new AudioContext();
  await audio.resume();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  const now = audio.currentTime;
  osc.frequency.value = 660;
  // Soft in and out: a beep, not a click.
  gain.gain.setValueAtTime(0, now);
  gain.gain.linearRampToValueAtTime(0.25, now + 0.05);
  gain.gain.setValueAtTime(0.25, now + 0.7);
  gain.gain.linearRampToValueAtTime(0, now + 0.8);
  osc.connect(gain).connect(audio.destination);
  osc.start(now);
  osc.stop(now + 0.85);
  say(el.speakerResult, 'speakerPlaying');
  if (!meterTimer && result.microphone === 'ok') startMeter();
}

// --- network -------------------------------------------------------------------

/**
 * @param {number} ms
 */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes a generated picture to a private room and reads what came
 * back in RTCP: round trip and loss as the server saw them.
 * @param {NaraClient} client connected
 * @returns {Promise<'good' | 'poor' | 'failed' | 'unavailable'>}
 */
async function loopback(client) {
  try {
    if (state.token) {
      // Not a join: nobody in the consultation hears of it. The check's
      // own TURN credential serves its connection and the relay test.
      const ready = await client.request({ type: 'media-check', token: state.token });
      if (Array.isArray(ready.iceServers)) client.iceServers = ready.iceServers;
    } else {
      await client.join(`check-${crypto.getRandomValues(new Uint32Array(2)).join('')}`.slice(0, 64), 'Check');
    }
  } catch {
    return 'unavailable'; // open rooms are off, or an old server: no place to test in
  }
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  const g = canvas.getContext('2d');
  let x = 0;
  const draw = setInterval(() => {
    if (!g) return;
    g.fillStyle = '#0a58a8';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#fff';
    g.fillRect((x += 8) % 320, 0, 40, 240);
  }, 66);
  const stream = canvas.captureStream(15);
  try {
    client.publish(stream).catch(() => {});
    const deadline = performance.now() + CONNECT_MS;
    while (client.publishPc?.connectionState !== 'connected') {
      if (performance.now() > deadline || client.closed) return 'failed';
      await sleep(100);
    }
    await sleep(MEASURE_MS);
    let rtt = 0;
    let loss = 0;
    (await client.publishPc.getStats()).forEach((/** @type {any} */ s) => {
      if (s.type === 'remote-inbound-rtp') {
        rtt = Math.max(rtt, s.roundTripTime ?? 0);
        loss = Math.max(loss, s.fractionLost ?? 0);
      } else if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') {
        rtt = Math.max(rtt, s.currentRoundTripTime);
      }
    });
    return rtt < GOOD_RTT_S && loss < GOOD_LOSS ? 'good' : 'poor';
  } finally {
    clearInterval(draw);
    for (const track of stream.getTracks()) track.stop();
  }
}

/**
 * Whether a TURN server (of the media check, or of the welcome) gives a
 * relay candidate.
 * @param {RTCIceServer[]} servers
 */
async function relayReachable(servers) {
  const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
  try {
    pc.createDataChannel('check');
    const found = new Promise((resolve) => {
      pc.addEventListener('icecandidate', (ev) => {
        if (!ev.candidate) resolve(false);
        else if (/ typ relay/.test(ev.candidate.candidate)) resolve(true);
      });
      setTimeout(() => resolve(false), 5000);
    });
    await pc.setLocalDescription(await pc.createOffer());
    return await found;
  } finally {
    pc.close();
  }
}

async function checkNetwork() {
  networkStarted = true;
  el.networkRetry.hidden = true;
  el.verdict.hidden = true;
  say(el.networkResult, 'networkChecking');
  const client = new NaraClient({ url: signalingUrl(location), requestTimeoutMs: 6000 });
  checking = client;
  /** @type {NetworkResult} */
  let verdict = 'unreachable';
  /** @type {Awaited<ReturnType<typeof loopback>> | ''} */
  let media = '';
  try {
    await client.connect();
    const started = performance.now();
    await client.request({ type: 'ping' });
    const pingS = (performance.now() - started) / 1000;
    media = await loopback(client);
    const turn = client.iceServers.filter((s) => [s.urls].flat().some((u) => /^turns?:/.test(String(u))));
    // A picture that did not get through may still go by the relay (audio first).
    const relay = (media === 'unavailable' || media === 'failed') && turn.length ? await relayReachable(turn) : true;
    if (media === 'failed') verdict = relay && turn.length ? 'audio-only' : 'unreachable';
    else if (media === 'poor' || pingS > 1 || !relay) verdict = 'audio-only';
    else verdict = 'good';
  } catch {
    verdict = 'unreachable';
  } finally {
    client.close();
  }
  if (checking !== client) return; // skipped or joined meanwhile
  checking = null;
  result.network = verdict;
  el.networkResult.textContent = '';
  say(el.verdict, `verdict.${verdict}`);
  el.verdict.dataset.verdict = verdict;
  el.verdict.dataset.media = media; // what the media test said (tests read it)
  el.verdict.hidden = false;
  markStep(el.networkResult, verdict === 'good');
  el.networkRetry.hidden = verdict === 'good';
}

function abortNetwork() {
  if (networkTimer) clearTimeout(networkTimer);
  networkTimer = null;
  const client = checking;
  checking = null;
  client?.leave().catch(() => {});
  if (client) {
    el.networkResult.textContent = '';
    el.networkRetry.hidden = false;
  }
}

// --- flow ------------------------------------------------------------------------

/** The connection test waits this long after the devices: one step at a
 * time, and someone who joins at once is not slowed by it. */
const NETWORK_AFTER_MS = 2000;
/** @type {ReturnType<typeof setTimeout> | null} */
let networkTimer = null;

function onJoinShown() {
  const devices = checkDevices().catch(() => {});
  if (networkStarted || networkTimer) return;
  say(el.networkResult, 'networkChecking');
  devices.then(() => {
    networkTimer = setTimeout(() => {
      networkTimer = null;
      if (!el.join.hidden && !networkStarted && !el.steps.hidden) checkNetwork();
    }, NETWORK_AFTER_MS);
  });
}

function skip() {
  abortNetwork();
  stopMeter();
  el.steps.hidden = true;
  el.verdict.hidden = true;
  el.skip.hidden = true;
  const note = document.createElement('p');
  note.className = 'step-result';
  note.setAttribute('role', 'status');
  el.precall.append(note);
  say(note, 'precallSkipped');
  (ui.nameField.hidden ? ui.joinButton : ui.nameInput).focus();
}

/** Tells this session's server what the check found, once. */
function report() {
  const client = state.client;
  if (!client || told.has(client)) return;
  told.add(client);
  client.request({ type: 'precheck', ...result }).catch(() => {});
}

new MutationObserver(() => {
  if (!el.join.hidden) onJoinShown();
  else {
    abortNetwork();
    stopMeter();
  }
}).observe(el.join, { attributes: true, attributeFilter: ['hidden'] });
new MutationObserver(() => {
  if (!el.waiting.hidden || !el.call.hidden) report();
}).observe(el.waiting, { attributes: true, attributeFilter: ['hidden'] });
new MutationObserver(() => {
  if (!el.call.hidden) report();
}).observe(el.call, { attributes: true, attributeFilter: ['hidden'] });

el.skip.addEventListener('click', skip);
el.cameraSelect.addEventListener('change', () => chooseDevice('videoinput', el.cameraSelect.value));
el.micSelect.addEventListener('change', () => chooseDevice('audioinput', el.micSelect.value));
el.micTest.addEventListener('click', async () => {
  audio ??= new AudioContext();
  await audio.resume();
  el.micTest.hidden = true;
  startMeter();
  el.micLevel.closest('.step')?.querySelector('h3')?.scrollIntoView({ block: 'nearest' });
});
el.speakerTest.addEventListener('click', () => playTone().catch(() => {}));
el.networkRetry.addEventListener('click', () => checkNetwork());
if (!el.join.hidden) onJoinShown();
