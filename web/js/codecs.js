// codecs.js — which video codec our camera is sent in, and which of the
// others' codecs this device cannot show.
//
// Nara never transcodes: it takes the first codec our offer lists that it
// forwards (VP8 or H.264, docs/protocol.md "Codecs") and sends each video
// to everyone in its publisher's codec. So this file puts our best codec
// first, and, for a subscribe offer, finds the videos whose codec this
// device cannot decode, so their tiles can say so. Main thread; no DOM.

/**
 * Apple's WebKit: Safari on a Mac, iPhone and iPad, and every browser on
 * iPhone and iPad (Apple lets them use no other engine). Chrome, Edge and
 * Firefox on a Mac are not: they carry their own encoders.
 * @param {string} [ua]
 */
export function appleWebKit(ua = globalThis.navigator?.userAgent ?? '') {
  if (/\b(iPhone|iPad|iPod)\b/.test(ua)) return true;
  // iPadOS Safari asks for desktop pages as a Mac; so does Safari on a Mac.
  return /Macintosh/.test(ua) && /Version\/[\d.]+.* Safari\//.test(ua) && !/Chrome|Chromium|CriOS|Edg|Firefox|FxiOS|OPR/.test(ua);
}

/**
 * Orders the camera transceiver's codecs so that the offer lists first the
 * codec this device should send. On Apple's WebKit that is H.264
 * (packetization-mode 1, Constrained Baseline first): the phone's hardware
 * encoder does the work, which saves battery and keeps an iPhone cool in a
 * long consultation, where VP8 would be encoded in software. Elsewhere VP8,
 * which every browser decodes. Simulcast (sendEncodings) is the same for
 * both. A browser without setCodecPreferences keeps its own order.
 * @param {RTCRtpTransceiver} transceiver
 * @param {string} [ua]
 */
export function preferCodecs(transceiver, ua) {
  if (!transceiver?.setCodecPreferences || transceiver.sender?.track?.kind !== 'video') return;
  const codecs = globalThis.RTCRtpReceiver?.getCapabilities?.('video')?.codecs;
  if (!codecs?.length) return;
  const h264 = appleWebKit(ua);
  /** @param {RTCRtpCodecCapability} c */
  const rank = (c) => {
    const mime = c.mimeType.toLowerCase();
    const fmtp = c.sdpFmtpLine ?? '';
    if (mime === 'video/h264' && /packetization-mode=1/.test(fmtp)) return h264 ? (/profile-level-id=42e01f/i.test(fmtp) ? 0 : 1) : 3;
    if (mime === 'video/vp8') return h264 ? 2 : 0;
    return 4;
  };
  // Array.sort is stable: the rest (rtx, red, the other codecs) keeps its order.
  const ordered = [...codecs].sort((a, b) => rank(a) - rank(b));
  try {
    transceiver.setCodecPreferences(ordered);
  } catch {
    // A codec list the browser refuses: its own order then.
  }
}

/**
 * The videos of a subscribe offer this device cannot decode: each video
 * m-line carries one codec, its publisher's (protocol.md, "Codecs").
 * @param {string} sdp
 * @returns {{participant: string, track: string, codec: string}[]}
 */
export function undecodableVideos(sdp) {
  const caps = globalThis.RTCRtpReceiver?.getCapabilities?.('video')?.codecs;
  if (!caps) return [];
  const known = new Set(caps.map((c) => c.mimeType.toLowerCase()));
  const found = [];
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const m = /^video \d+ \S+ (\d+)/.exec(section);
    if (!m || /\na=inactive/.test(section)) continue;
    const codec = new RegExp(`\\na=rtpmap:${m[1]} ([^/\\s]+)/`).exec(section)?.[1];
    const msid = /\na=msid:(\S+) (\S+)/.exec(section);
    if (codec && msid && !known.has(`video/${codec.toLowerCase()}`)) found.push({ participant: msid[1], track: msid[2], codec });
  }
  return found;
}

/**
 * The participant who publishes a track, from the subscribe offer's msid
 * (its stream id is the publisher's participant id).
 * @param {string} sdp
 * @param {string} track
 */
export function publisherOfTrack(sdp, track) {
  for (const m of sdp.matchAll(/\na=msid:(\S+) (\S+)/g)) if (m[2] === track) return m[1];
  return null;
}
