// quality.js — what the call's getStats() say, once a second: who speaks
// (audio level, with hysteresis so the large tile does not flicker), how
// each other person's media reaches us, and how our own connection is
// (packet loss, round trip, frames per second, freezes): good, poor or
// reconnecting.
//
// It reads statistics and calls back; it touches no DOM. callscreen.js
// shows the results on the tiles and reports our own level to the server
// (docs/protocol.md, quality). Main thread.

/** @typedef {'good' | 'poor' | 'reconnecting'} Quality */
/** @typedef {import('./protocol.js').NaraClient} NaraClient */

const POLL_MS = 1000;
/** Louder than this (RTCInboundRtpStreamStats.audioLevel, 0..1) is speech. */
const SPEECH_LEVEL = 0.03;
/** A new speaker must lead this many polls in a row; the large tile then stays at least HOLD_MS. */
const SPEAKER_POLLS = 2;
const HOLD_MS = 3000;
/** Poor: more than 8 % of packets lost, a round trip over 500 ms, video
 * under 5 frames/s while the camera is on, or a freeze. */
const LOSS_POOR = 0.08;
const RTT_POOR_S = 0.5;
const FPS_POOR = 5;
/** Of the last WINDOW polls, POOR_AFTER bad ones make "poor"; all good make "good" again. */
const WINDOW = 3;
const POOR_AFTER = 2;

/**
 * @typedef {object} MonitorOptions
 * @property {NaraClient} client
 * @property {() => Map<string, MediaStream>} streams each other participant's stream, by id
 * @property {(id: string) => boolean} cameraOn whether that person's camera is on
 * @property {(id: string) => void} onSpeaker '' when nobody speaks
 * @property {(id: string, level: Quality) => void} onRemote how their media reaches us
 * @property {(level: Quality) => void} onOwn our own connection
 */

/** Keeps a short history of good/bad samples and gives a level with hysteresis. */
class Judge {
  constructor() {
    /** @type {boolean[]} */
    this.bad = [];
    /** @type {Quality} */
    this.level = 'good';
  }

  /** @param {boolean} bad */
  push(bad) {
    this.bad.push(bad);
    if (this.bad.length > WINDOW) this.bad.shift();
    const n = this.bad.filter(Boolean).length;
    if (n >= POOR_AFTER) this.level = 'poor';
    else if (n === 0) this.level = 'good';
    return this.level;
  }
}

/**
 * Starts polling; returns the function that stops it.
 * @param {MonitorOptions} o
 */
export function startMonitor(o) {
  /** @type {Map<string, {lost: number, received: number, frames: number, freezes: number, at: number}>} */
  const last = new Map();
  /** @type {Map<string, Judge>} */
  const judges = new Map();
  /** @type {Map<string, Quality>} */
  const told = new Map();
  const own = new Judge();
  /** @type {Quality | ''} */
  let ownTold = '';
  let speaker = '';
  let candidate = '';
  let leads = 0;
  let since = 0;
  let stopped = false;
  let busy = false;

  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      await poll();
    } catch {
      // a connection closed under us: the next poll sees it
    } finally {
      busy = false;
    }
  };

  async function poll() {
    const { client } = o;
    const sub = client.subscribePc;
    const pub = client.publishPc;
    /** @type {Map<string, string>} track id → participant */
    const owner = new Map();
    for (const [id, stream] of o.streams()) for (const track of stream.getTracks()) owner.set(track.id, id);
    /** @type {Map<string, number>} */
    const levels = new Map();
    /** @type {Map<string, {lost: number, received: number, frames: number, freezes: number}>} */
    const video = new Map();
    let subRtt = 0;
    if (sub) {
      (await sub.getStats()).forEach((/** @type {any} */ s) => {
        if (s.type === 'inbound-rtp') {
          const id = owner.get(s.trackIdentifier);
          if (!id) return;
          if (s.kind === 'audio' && typeof s.audioLevel === 'number') {
            levels.set(id, Math.max(levels.get(id) ?? 0, s.audioLevel));
          }
          if (s.kind === 'video') {
            video.set(id, {
              lost: s.packetsLost ?? 0,
              received: s.packetsReceived ?? 0,
              frames: s.framesDecoded ?? 0,
              freezes: s.freezeCount ?? 0,
            });
          }
        } else if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') {
          subRtt = Math.max(subRtt, s.currentRoundTripTime);
        }
      });
    }
    let pubLoss = 0;
    let pubRtt = 0;
    if (pub) {
      (await pub.getStats()).forEach((/** @type {any} */ s) => {
        if (s.type === 'remote-inbound-rtp') {
          pubLoss = Math.max(pubLoss, s.fractionLost ?? 0);
          pubRtt = Math.max(pubRtt, s.roundTripTime ?? 0);
        }
      });
    }
    if (stopped) return;
    const now = performance.now();
    pickSpeaker(levels, now);

    let worstLoss = 0;
    for (const [id, v] of video) {
      const before = last.get(id);
      last.set(id, { ...v, at: now });
      if (!before) continue;
      const lost = Math.max(0, v.lost - before.lost);
      const got = Math.max(0, v.received - before.received);
      const loss = lost + got > 0 ? lost / (lost + got) : 0;
      worstLoss = Math.max(worstLoss, loss);
      const fps = ((v.frames - before.frames) * 1000) / Math.max(1, now - before.at);
      const bad = loss > LOSS_POOR || v.freezes > before.freezes || (o.cameraOn(id) && v.frames > 0 && fps < FPS_POOR);
      let judge = judges.get(id);
      if (!judge) judges.set(id, (judge = new Judge()));
      const level = judge.push(bad);
      if (told.get(id) !== level) {
        told.set(id, level);
        o.onRemote(id, level);
      }
    }

    const broken = [sub, pub].some((pc) => pc && (pc.connectionState === 'disconnected' || pc.connectionState === 'failed'));
    const level = broken
      ? 'reconnecting'
      : own.push(pubLoss > LOSS_POOR || Math.max(pubRtt, subRtt) > RTT_POOR_S || worstLoss > LOSS_POOR);
    if (level !== ownTold) {
      ownTold = level;
      o.onOwn(level);
    }
  }

  /**
   * @param {Map<string, number>} levels
   * @param {number} now
   */
  function pickSpeaker(levels, now) {
    let loudest = '';
    let max = SPEECH_LEVEL;
    for (const [id, level] of levels) {
      if (level > max) {
        max = level;
        loudest = id;
      }
    }
    if (loudest === speaker || !loudest) {
      candidate = '';
      leads = 0;
      return;
    }
    leads = loudest === candidate ? leads + 1 : 1;
    candidate = loudest;
    if (leads >= SPEAKER_POLLS && now - since >= HOLD_MS) {
      speaker = loudest;
      since = now;
      o.onSpeaker(speaker);
    }
  }

  const timer = setInterval(tick, POLL_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * The worse of two levels.
 * @param {Quality | null | undefined} a
 * @param {Quality | null | undefined} b
 * @returns {Quality}
 */
export function worse(a, b) {
  const rank = { good: 0, poor: 1, reconnecting: 2 };
  const x = a ?? 'good';
  const y = b ?? 'good';
  return rank[x] >= rank[y] ? x : y;
}
