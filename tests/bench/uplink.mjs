// uplink.mjs — whether a publisher's send-side estimate follows its uplink:
// two Chromium pages in one room, the publisher's upload throttled through
// DevTools (Network.emulateNetworkConditions, set before the page creates
// its peer connections), then once a second from the publisher's getStats:
// availableOutgoingBitrate of the selected candidate pair and the outbound
// video bitrate. Prints figures; asserts nothing. Run from the repository root:
//   NARA_BIN=build/server/nara node tests/bench/uplink.mjs [kbit/s] [seconds]
// kbit/s 0 leaves the upload unthrottled (latency is still added).

import { launchBrowser, newPage, joinRoom, randomRoom, waitForMedia } from '../e2e/lib/browser.mjs';
import { startNara } from '../e2e/lib/server.mjs';

const kbps = Number(process.argv[2] ?? 400);
const seconds = Number(process.argv[3] ?? 40);
const latencyMs = 50;

/** One getStats sample of the publish connection. */
function publisherSample(page) {
  return page.evaluate(async () => {
    const pc = /** @type {any} */ (window).nara?.publishPc;
    if (!pc) return null;
    const out = { at: performance.now(), available: null, videoBytes: 0, twcc: false };
    (await pc.getStats()).forEach((/** @type {any} */ s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' &&
          s.availableOutgoingBitrate !== undefined)
        out.available = s.availableOutgoingBitrate;
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.videoBytes += s.bytesSent;
    });
    const sdp = pc.remoteDescription?.sdp ?? '';
    out.twcc = sdp.includes('transport-cc');
    return out;
  });
}

const median = (v) => {
  const s = v.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};

const nara = await startNara();
let browser;
try {
  browser = await launchBrowser();
  const room = randomRoom('uplink');
  const pub = await newPage(browser);
  const cdp = await pub.context.newCDPSession(pub.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: latencyMs,
    downloadThroughput: -1,
    uploadThroughput: kbps > 0 ? (kbps * 1000) / 8 : -1,
  });
  await joinRoom(pub.page, nara.url, room, 'Publisher');
  const sub = await newPage(browser);
  await joinRoom(sub.page, nara.url, room, 'Viewer');
  const { ok } = await waitForMedia(sub.page, ['Publisher'], 30000);
  if (!ok) throw new Error('the viewer did not receive the publisher');

  const rows = [];
  let last = await publisherSample(pub.page);
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await publisherSample(pub.page);
    const kbit = (8 * (now.videoBytes - last.videoBytes)) / (now.at - last.at); // bits/ms = kbit/s
    rows.push({ t: i + 1, availableKbps: now.available === null ? null : Math.round(now.available / 1000), videoKbps: Math.round(kbit) });
    last = now;
  }
  for (const r of rows) console.log(`${r.t}s available ${r.availableKbps ?? '-'} kbit/s, video ${r.videoKbps} kbit/s`);
  const tail = rows.slice(Math.floor(rows.length / 2));
  const result = {
    uploadKbps: kbps || null,
    latencyMs,
    seconds,
    transportCc: last.twcc,
    availablePresent: rows.some((r) => r.availableKbps !== null),
    secondHalf: {
      medianAvailableKbps: median(tail.map((r) => r.availableKbps)),
      medianVideoKbps: median(tail.map((r) => r.videoKbps)),
      maxVideoKbps: Math.max(...tail.map((r) => r.videoKbps)),
    },
  };
  console.log(JSON.stringify(result));
} finally {
  await browser?.close().catch(() => {});
  await nara.stop();
}
