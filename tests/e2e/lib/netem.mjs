// netem.mjs — a bad network for one page, and what every page received.
//
// impair() applies DevTools' network emulation to one page through its own
// CDP session: Chromium's WebRTC transport honours latency, throughput and
// packetLoss of Network.emulateNetworkConditions (packetLoss only together
// with a latency or a throughput). It must be set before the page creates
// its peer connections; later calls change the conditions of live ones.
//
// callStats() reads, on one page, every remote participant's inbound video
// and audio (found through the tiles: li[data-participant] with a .tile-name
// and a video element holding that participant's stream) and the page's own
// outbound video. It works on Nara's web client (window.nara) and on the
// Janus bench page (window.bench), which lays out its tiles the same way.
// Nothing here asserts. launchWithArgs() is launchBrowser() with extra
// Chromium flags, for scripts outside tests/e2e (playwright-core resolves
// from here).

import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.mjs';

/** @param {string[]} extra */
export function launchWithArgs(extra) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extra] });
}

/**
 * @typedef {object} Conditions
 * @property {number} [latency]       ms added per direction (round trip grows by twice this)
 * @property {number} [downKbps]      download throughput, kbit/s (absent: unlimited)
 * @property {number} [upKbps]        upload throughput, kbit/s (absent: unlimited)
 * @property {number} [loss]          packet loss, percent (0-100), each direction
 * @property {number} [queue]         packets a throttled link holds before it drops
 *   (absent: no limit, so a sender above the throughput only adds delay)
 */

/**
 * The CDP parameters for conditions (none: the network as it is).
 * @param {Conditions | null} c
 */
export function cdpConditions(c) {
  if (!c) return { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1, packetLoss: 0, packetQueueLength: 0 };
  const loss = c.loss ?? 0;
  // packetLoss acts only when some latency or throughput is emulated: 1 ms
  // is the least latency that switches emulation on.
  const latency = c.latency ?? (loss > 0 ? 1 : 0);
  return {
    offline: false,
    latency,
    downloadThroughput: c.downKbps ? (c.downKbps * 1000) / 8 : -1,
    uploadThroughput: c.upKbps ? (c.upKbps * 1000) / 8 : -1,
    packetLoss: loss,
    packetQueueLength: c.queue ?? 0,
  };
}

/**
 * Opens a CDP session on the page and applies the conditions; returns a
 * function that changes them (null: back to the plain network).
 * @param {import('playwright-core').Page} page
 * @param {Conditions | null} conditions
 * @returns {Promise<(next: Conditions | null) => Promise<void>>}
 */
export async function impair(page, conditions) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', cdpConditions(conditions));
  return async (next) => {
    await cdp.send('Network.emulateNetworkConditions', cdpConditions(next));
  };
}

/**
 * @typedef {object} StreamStats
 * @property {number} framesDecoded
 * @property {number} freezeCount
 * @property {number} totalFreezesDuration  seconds
 * @property {number} frameWidth
 * @property {number} frameHeight
 * @property {number} nackCount             NACKs this receiver sent
 * @property {number} pliCount
 * @property {number} retransmittedPacketsReceived
 * @property {number} videoPacketsReceived
 * @property {number} videoPacketsLost
 * @property {number} totalSamplesReceived
 * @property {number} concealedSamples
 * @property {number} audioPacketsReceived
 * @property {number} audioPacketsLost
 */

/**
 * @typedef {object} PageStats
 * @property {number} at                    performance.now() of the page, ms
 * @property {{name: string, stats: StreamStats}[]} remotes
 * @property {{framesEncoded: number, frameWidth: number, frameHeight: number, nackCount: number,
 *   retransmittedPacketsSent: number, bytesSent: number, qualityLimitationReason: string,
 *   targetBitrate: number}} sent       the page's own camera, as sent
 * @property {number | null} rttMs          round trip of the receiving connection (ICE candidate pair)
 * @property {number | null} sendRttMs      round trip of the sending connection
 */

/**
 * @param {import('playwright-core').Page} page
 * @returns {Promise<PageStats>}
 */
export function callStats(page) {
  return page.evaluate(async () => {
    const w = /** @type {any} */ (window);
    /** @type {RTCPeerConnection[]} */
    const subs = w.nara ? [w.nara.subscribePc].filter(Boolean) : (w.bench?.subscriberPcs() ?? []);
    /** @type {RTCPeerConnection | null} */
    const pub = w.nara ? w.nara.publishPc : (w.bench?.publisherPc() ?? null);

    /** The round trip of the transport's selected candidate pair, ms. @param {RTCStatsReport} report */
    const pairRtt = (report) => {
      let rtt = null;
      report.forEach((/** @type {any} */ t) => {
        if (t.type !== 'transport' || !t.selectedCandidatePairId) return;
        const pair = report.get(t.selectedCandidatePairId);
        if (pair?.currentRoundTripTime !== undefined) rtt = pair.currentRoundTripTime * 1000;
      });
      return rtt;
    };

    const remotes = [];
    let rttMs = null;
    for (const tile of document.querySelectorAll('li[data-participant]')) {
      const video = tile.querySelector('video');
      const stream = video?.srcObject instanceof MediaStream ? video.srcObject : null;
      const st = {
        framesDecoded: 0, freezeCount: 0, totalFreezesDuration: 0, frameWidth: 0, frameHeight: 0,
        nackCount: 0, pliCount: 0, retransmittedPacketsReceived: 0, videoPacketsReceived: 0, videoPacketsLost: 0,
        totalSamplesReceived: 0, concealedSamples: 0, audioPacketsReceived: 0, audioPacketsLost: 0,
      };
      let found = false;
      for (const track of stream?.getTracks() ?? []) {
        for (const pc of subs) {
          if (!pc.getReceivers().some((r) => r.track === track)) continue;
          const report = await pc.getStats(track);
          rttMs ??= pairRtt(report);
          report.forEach((/** @type {any} */ s) => {
            if (s.type !== 'inbound-rtp') return;
            found = true;
            if (s.kind === 'video') {
              st.framesDecoded = s.framesDecoded ?? 0;
              st.freezeCount = s.freezeCount ?? 0;
              st.totalFreezesDuration = s.totalFreezesDuration ?? 0;
              st.frameWidth = s.frameWidth ?? 0;
              st.frameHeight = s.frameHeight ?? 0;
              st.nackCount = s.nackCount ?? 0;
              st.pliCount = s.pliCount ?? 0;
              st.retransmittedPacketsReceived = s.retransmittedPacketsReceived ?? 0;
              st.videoPacketsReceived = s.packetsReceived ?? 0;
              st.videoPacketsLost = s.packetsLost ?? 0;
            } else if (s.kind === 'audio') {
              st.totalSamplesReceived = s.totalSamplesReceived ?? 0;
              st.concealedSamples = s.concealedSamples ?? 0;
              st.audioPacketsReceived = s.packetsReceived ?? 0;
              st.audioPacketsLost = s.packetsLost ?? 0;
            }
          });
        }
      }
      if (!found) continue; // our own tile: its tracks are not received
      remotes.push({ name: tile.querySelector('.tile-name')?.textContent?.trim() ?? '', stats: st });
    }

    const sent = {
      framesEncoded: 0, frameWidth: 0, frameHeight: 0, nackCount: 0, retransmittedPacketsSent: 0,
      bytesSent: 0, qualityLimitationReason: '', targetBitrate: 0,
    };
    let sendRttMs = null;
    if (pub) {
      const report = await pub.getStats();
      sendRttMs = pairRtt(report);
      report.forEach((/** @type {any} */ s) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
        sent.framesEncoded += s.framesEncoded ?? 0;
        sent.frameWidth = Math.max(sent.frameWidth, s.frameWidth ?? 0);
        sent.frameHeight = Math.max(sent.frameHeight, s.frameHeight ?? 0);
        sent.nackCount += s.nackCount ?? 0;
        sent.retransmittedPacketsSent += s.retransmittedPacketsSent ?? 0;
        sent.bytesSent += s.bytesSent ?? 0;
        sent.qualityLimitationReason = s.qualityLimitationReason ?? '';
        sent.targetBitrate += s.targetBitrate ?? 0;
      });
    }
    return { at: performance.now(), remotes, sent, rttMs, sendRttMs };
  });
}

/**
 * The stats of one remote participant in a page snapshot (null if absent).
 * @param {PageStats} snap
 * @param {string} name
 */
export function remoteOf(snap, name) {
  return snap.remotes.find((r) => r.name === name)?.stats ?? null;
}

/**
 * Polls inside the page every 50 ms until the named remote participants'
 * video has decoded new frames; resolves with the milliseconds each took
 * (null if not within timeoutMs). Start it right when a network comes back.
 * @param {import('playwright-core').Page} page
 * @param {string[]} names
 * @param {number} timeoutMs
 * @returns {Promise<Record<string, number | null>>}
 */
export function msUntilVideoResumes(page, names, timeoutMs) {
  return page.evaluate(
    async ({ names, timeoutMs }) => {
      const w = /** @type {any} */ (window);
      const subs = w.nara ? [w.nara.subscribePc].filter(Boolean) : (w.bench?.subscriberPcs() ?? []);
      const frames = async () => {
        /** @type {Record<string, number>} */
        const out = {};
        for (const tile of document.querySelectorAll('li[data-participant]')) {
          const name = tile.querySelector('.tile-name')?.textContent?.trim() ?? '';
          if (!names.includes(name)) continue;
          const video = tile.querySelector('video');
          const stream = video?.srcObject instanceof MediaStream ? video.srcObject : null;
          for (const track of stream?.getVideoTracks() ?? []) {
            for (const pc of subs) {
              if (!pc.getReceivers().some((/** @type {RTCRtpReceiver} */ r) => r.track === track)) continue;
              (await pc.getStats(track)).forEach((/** @type {any} */ s) => {
                if (s.type === 'inbound-rtp' && s.kind === 'video') out[name] = s.framesDecoded ?? 0;
              });
            }
          }
        }
        return out;
      };
      const start = performance.now();
      const base = await frames();
      /** @type {Record<string, number | null>} */
      const result = Object.fromEntries(names.map((n) => [n, null]));
      while (performance.now() - start < timeoutMs && names.some((n) => result[n] === null)) {
        await new Promise((r) => setTimeout(r, 50));
        const now = await frames();
        for (const n of names) {
          if (result[n] === null && (now[n] ?? 0) > (base[n] ?? 0)) result[n] = performance.now() - start;
        }
      }
      return result;
    },
    { names, timeoutMs },
  );
}
