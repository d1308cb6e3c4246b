// simulcast.js — what the client tells Nara so each person gets the video
// their link and their tiles can take.
//
// It owns three things: the simulcast encodings our camera is published
// with (two or three sizes, where the browser can send them), following Nara's
// `send-layers` (the sizes nobody watches are not encoded at all), and
// the `view` messages that tell Nara how large each remote video is
// shown, sent when a tile appears or changes size. Pausing and resuming
// for bandwidth (`video-paused`) is shown by callscreen.js. Main thread.

import { appleWebKit } from './codecs.js';

/** The rid extension: a browser that offers it can send rid simulcast. */
const RID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
/**
 * Small, half and full size (docs/design.md, "Simulcast"), for a camera of
 * 960 pixels or more across. Only the smallest layer has temporal layers
 * (L1T3), so Nara can thin its frames for a link too tight for it rather
 * than pause it. The others have none (L1T1): with three, a receiver at
 * 3 % loss decoded 16-17 frames/s of 20, because it skips ahead past a
 * frame still being repaired where every frame of one layer would wait
 * for it; with one, 20 (docs/networks.md).
 */
const LAYERS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T1' },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000, scalabilityMode: 'L1T1' },
];
/**
 * Half and full size for a smaller camera (the 640x480 the client asks
 * for). Chromium encodes at most two layers of a picture under 960x540
 * and drops the largest of three: everyone then got 320x240.
 */
const TWO_LAYERS = [
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 300_000, scalabilityMode: 'L1T3' },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000, scalabilityMode: 'L1T1' },
];
/** The least width (of the longer side) Chromium encodes three layers of. */
const THREE_LAYERS_FROM = 960;
/** Tiles resize in bursts (a window dragged, a layout change). */
const VIEW_DEBOUNCE_MS = 300;

/**
 * The sendEncodings for a published track: two or three layers (by the
 * camera's size) for a camera where the browser sends rid simulcast
 * (Chromium), none otherwise (one layer, as before: Firefox, Safari, audio).
 * @param {MediaStreamTrack} track
 * @returns {RTCRtpEncodingParameters[] | undefined}
 */
export function sendEncodings(track) {
  if (track.kind !== 'video' || typeof RTCRtpSender === 'undefined' || !RTCRtpSender.getCapabilities) return undefined;
  const caps = RTCRtpSender.getCapabilities('video');
  if (!caps?.headerExtensions?.some((e) => e.uri === RID_URI)) return undefined;
  // Firefox lists the extension too but scales its layers its own way;
  // its single stream is what Nara is tested with.
  if (/Firefox\//.test(navigator.userAgent)) return undefined;
  const { width = 0, height = 0 } = track.getSettings?.() ?? {};
  const layers = Math.max(width, height) >= THREE_LAYERS_FROM ? LAYERS : TWO_LAYERS;
  // Apple's WebKit sends H.264 (codecs.js) and chooses its own structure.
  if (appleWebKit()) return layers.map(({ scalabilityMode, ...l }) => l);
  return layers.map((l) => ({ ...l }));
}

/** The layers Nara last asked each publish connection's m-lines for. */
const latestSend = new WeakMap();

/**
 * Encodes only the layers Nara asks for (`send-layers`): a size nobody
 * watches costs the phone's battery and uplink for nothing. Nara keeps the
 * smallest on and asks for a paused one again as soon as someone needs it.
 * @param {RTCPeerConnection | null} pc the publish connection
 * @param {string} mid the m-line of the track
 * @param {unknown} send the rids to send
 */
export function applySendLayers(pc, mid, send) {
  if (!pc || !Array.isArray(send)) return;
  if (!latestSend.has(pc)) latestSend.set(pc, new Map());
  latestSend.get(pc).set(mid, send);
  return setLayers(pc, mid, 3);
}

/**
 * @param {RTCPeerConnection} pc @param {string} mid
 * @param {number} tries attempts left if the browser refuses
 */
async function setLayers(pc, mid, tries) {
  const send = latestSend.get(pc)?.get(mid);
  const sender = pc.getTransceivers().find((t) => t.mid === mid)?.sender;
  if (!send || !sender || pc.signalingState === 'closed') return;
  const params = sender.getParameters();
  let changed = false;
  for (const e of params.encodings ?? []) {
    const active = e.rid === undefined || send.includes(e.rid);
    if (e.active !== active) {
      e.active = active;
      changed = true;
    }
  }
  // Refused while a renegotiation is under way: again a little later (with
  // whatever Nara asked last), or Nara would count on a layer that never
  // comes back.
  if (changed)
    await sender.setParameters(params).catch(() => {
      if (tries > 1) setTimeout(() => setLayers(pc, mid, tries - 1), 1000);
    });
}

/**
 * Nara's track id for an m-line of the subscribe connection: the second
 * half of its a=msid (docs/protocol.md, "Media").
 * @param {string} sdp
 * @param {string | null} mid
 */
export function trackIdForMid(sdp, mid) {
  if (mid == null) return null;
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    if (!new RegExp(`\\r?\\na=mid:${mid.replace(/[^A-Za-z0-9_-]/g, '')}\\r?\\n`).test(`\n${section}\n`)) continue;
    const msid = /\na=msid:\S+ (\S+)/.exec(section);
    return msid ? msid[1] : null;
  }
  return null;
}

/**
 * Reports the size of every remote video tile: when its track arrives and
 * whenever the element changes size, in device pixels, 0x0 when hidden.
 * @param {import('./protocol.js').NaraClient} client
 * @param {(participantId: string) => HTMLVideoElement | null} videoOf
 * @returns {{tileOf: (trackId: string) => HTMLElement | null}} the tile showing a track
 */
export function watchViews(client, videoOf) {
  /** @type {Map<HTMLVideoElement, {track: string, sent: string, timer: number}>} */
  const watched = new Map();
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const w = watched.get(/** @type {HTMLVideoElement} */ (entry.target));
      if (!w) continue;
      clearTimeout(w.timer);
      w.timer = window.setTimeout(() => report(/** @type {HTMLVideoElement} */ (entry.target)), VIEW_DEBOUNCE_MS);
    }
  });
  /** @param {HTMLVideoElement} video */
  const report = (video) => {
    const w = watched.get(video);
    if (!w) return;
    if (!video.isConnected) {
      observer.unobserve(video);
      watched.delete(video);
      return;
    }
    const rect = video.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.min(16384, Math.round(rect.width * ratio));
    const height = Math.min(16384, Math.round(rect.height * ratio));
    const key = `${width}x${height}`;
    if (key === w.sent) return;
    w.sent = key;
    client.send({ type: 'view', track: w.track, width, height });
  };
  client.addEventListener('track', (ev) => {
    const { participantId, track, mid } = /** @type {CustomEvent} */ (ev).detail;
    if (!participantId || track?.kind !== 'video') return;
    const sdp = client.subscribePc?.remoteDescription?.sdp ?? '';
    const trackId = trackIdForMid(sdp, mid ?? null);
    // After the tile's own listener has made it.
    queueMicrotask(() => {
      const video = videoOf(participantId);
      if (!video || !trackId) return;
      const old = watched.get(video);
      if (old && old.track === trackId) return;
      watched.set(video, { track: trackId, sent: '', timer: 0 });
      observer.observe(video);
      report(video);
    });
  });
  return {
    tileOf: (trackId) => {
      for (const [video, w] of watched) if (w.track === trackId) return video.closest('li');
      return null;
    },
  };
}
