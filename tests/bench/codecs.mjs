// codecs.mjs — an H.264 simulcast call next to a VP8 one: what the viewer
// decodes, and which layers Nara forwards, through the real nara and two
// Chromium pages. Prints figures; asserts nothing. Run from the repository
// root:
//   NARA_BIN=build/server/nara node tests/bench/codecs.mjs [seconds]
//
// For each codec, Anna publishes (for H.264 her page says it is Safari on
// an iPhone, so the web client offers H.264 first) and Bo watches her, first
// in a large tile, then in a 96x72 one: Nara must forward a smaller layer
// there, switching at that layer's keyframe. Each phase lasts `seconds`
// (default 20). Anna's layers are read from her page, the layers Nara chose
// from its log ("layer q"), Bo's frames from his page's statistics.

import os from 'node:os';
import { joinRoom, launchBrowser, newPage, randomRoom, waitForMedia } from '../e2e/lib/browser.mjs';
import { callStats, remoteOf } from '../e2e/lib/netem.mjs';
import { startNara } from '../e2e/lib/server.mjs';

const seconds = Number(process.argv[2] ?? 20);
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** Anna's layers as her page sends them. @param {import('playwright-core').Page} page */
function layers(page) {
  return page.evaluate(async () => {
    const pc = /** @type {RTCPeerConnection} */ (/** @type {any} */ (window).nara.publishPc);
    const report = await pc.getStats();
    const out = [];
    for (const s of report.values())
      if (s.type === 'outbound-rtp' && s.kind === 'video')
        out.push(`${s.rid ?? '-'} ${s.frameWidth ?? 0}x${s.frameHeight ?? 0} ${Math.round(s.framesPerSecond ?? 0)} fps`);
    const codec = [...report.values()].find((s) => s.type === 'outbound-rtp' && s.kind === 'video' && s.codecId);
    return { codec: codec ? report.get(codec.codecId)?.mimeType : '?', layers: out.sort().join(', ') };
  });
}

/** Bo's view of Anna over `seconds`. @param {import('playwright-core').Page} page */
async function watch(page) {
  const a = remoteOf(await callStats(page), 'Anna');
  await page.waitForTimeout(seconds * 1000);
  const z = remoteOf(await callStats(page), 'Anna');
  if (!a || !z) return { fps: 0, width: 0, freezes: 0 };
  return {
    fps: +((z.framesDecoded - a.framesDecoded) / seconds).toFixed(1),
    width: z.frameWidth,
    freezes: z.freezeCount - a.freezeCount,
  };
}

/** @param {boolean} h264 */
async function run(h264) {
  const nara = await startNara();
  const browser = await launchBrowser();
  try {
    const room = randomRoom('codecs');
    const anna = await newPage(browser, h264 ? { userAgent: IPHONE_UA } : {});
    const bo = await newPage(browser);
    await joinRoom(anna.page, nara.url, room, 'Anna');
    await joinRoom(bo.page, nara.url, room, 'Bo');
    const { ok } = await waitForMedia(bo.page, ['Anna'], 60000);
    if (!ok) throw new Error('Bo did not receive Anna');
    await bo.page.waitForTimeout(5000); // the layers ramp up
    const large = await watch(bo.page);
    const sent = await layers(anna.page);
    await bo.page.evaluate(() => {
      for (const tile of document.querySelectorAll('li[data-participant]')) {
        if (tile.querySelector('.tile-name')?.textContent?.trim() !== 'Anna') continue;
        const video = /** @type {HTMLVideoElement} */ (tile.querySelector('video'));
        for (const [k, v] of [['width', '96px'], ['height', '72px'], ['flex', 'none']]) video.style.setProperty(k, v, 'important');
      }
    });
    await bo.page.waitForTimeout(3000); // the view message, the keyframe
    const small = await watch(bo.page);
    // Anna joined first; only Bo's subscription to her video counts.
    const annaId = /: (\S+) joined/.exec(nara.logs())?.[1] ?? '?';
    const chosen = [...nara.logs().matchAll(/track (\S+) layer (\w+)/g)]
      .filter((m) => m[1].startsWith(`${annaId}-`))
      .map((m) => m[2]);
    return { codec: sent.codec, layers: sent.layers, large, small, chosen: chosen.join(' → ') };
  } finally {
    await browser.close().catch(() => {});
    await nara.stop();
  }
}

for (const h264 of [true, false]) {
  const r = await run(h264);
  console.log(JSON.stringify(r));
  console.log(
    `${r.codec}: Anna sends ${r.layers}; Nara forwards ${r.chosen}\n` +
      `  Bo, large tile: ${r.large.fps} frames/s at ${r.large.width} px, ${r.large.freezes} freezes\n` +
      `  Bo, 96x72 tile: ${r.small.fps} frames/s at ${r.small.width} px, ${r.small.freezes} freezes`,
  );
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
