// browser.mjs — Debian's Chromium under playwright-core, and the few steps
// every end-to-end test takes with it: open a page, join a room, read the
// subscribe connection's statistics through the page's window.nara hook.
//
// Chromium gets fake camera and microphone devices (a moving test pattern
// and a beep) and no permission prompts. Nothing here asserts; tests do.

import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--ignore-certificate-errors',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Benchmarks: a clip (.y4m or .mjpeg) instead of the fake camera's
  // pattern, which encodes to far fewer bits than a real camera's picture.
  ...(process.env.NARA_FAKE_VIDEO ? [`--use-file-for-fake-video-capture=${process.env.NARA_FAKE_VIDEO}`] : []),
];

/** Why the browser tests cannot run here, or null if they can. */
export function browserMissing() {
  return fs.existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (set CHROMIUM_BIN)`;
}

/** @param {string[]} [extraArgs] more Chromium switches */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * A page in its own context (own cookies, own fake devices), with the
 * page's console errors kept for failure reports.
 * @param {import('playwright-core').Browser} browser
 * @param {{viewport?: {width: number, height: number}, locale?: string, bypassCSP?: boolean, userAgent?: string}} [options]
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    permissions: ['camera', 'microphone'],
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1280, height: 800 },
    bypassCSP: options.bypassCSP ?? false,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { context, page, errors };
}

/** A room name no other test uses. */
export function randomRoom(prefix = 'e2e') {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Opens /r/ROOM and fills in the name; does not press Join.
 * @param {import('playwright-core').Page} page
 * @param {string} baseUrl
 * @param {string} room
 * @param {string} name
 */
export async function openJoinScreen(page, baseUrl, room, name) {
  await page.goto(`${baseUrl}/r/${room}`);
  await page.getByLabel('Your name').fill(name);
}

/**
 * Opens /r/ROOM, types the name, presses Join and waits for the call screen.
 * @param {import('playwright-core').Page} page
 * @param {string} baseUrl
 * @param {string} room
 * @param {string} name
 */
export async function joinRoom(page, baseUrl, room, name) {
  await openJoinScreen(page, baseUrl, room, name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 10000 });
}

/**
 * The tile of the participant shown with this name.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export function tileOf(page, name) {
  return page.locator('li[data-participant]').filter({ hasText: name });
}

/**
 * Sets styles on the video of `name`'s tile (none: back as it was), to
 * make a tile small or hide it.
 * @param {import('playwright-core').Page} page @param {string} name @param {[string, string][]} styles
 */
export function styleVideo(page, name, styles) {
  return page.evaluate(
    ([name, styles]) => {
      for (const tile of document.querySelectorAll('li[data-participant]')) {
        if (tile.querySelector('.tile-name')?.textContent?.trim() !== name) continue;
        const video = /** @type {HTMLVideoElement} */ (tile.querySelector('video'));
        video.removeAttribute('style');
        for (const [k, v] of styles) video.style.setProperty(k, v, 'important');
      }
    },
    /** @type {[string, [string, string][]]} */ ([name, styles]),
  );
}

/**
 * For every tile on the page: whose it is and what the subscribe connection
 * decoded for its tracks (the tile's video element holds the participant's
 * MediaStream, whose tracks select the receivers' stats).
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{id: string, name: string, framesDecoded: number, samplesReceived: number}[]>}
 */
export function tileStats(page) {
  return page.evaluate(async () => {
    const pc = /** @type {any} */ (window).nara?.subscribePc;
    const out = [];
    for (const tile of document.querySelectorAll('li[data-participant]')) {
      const video = tile.querySelector('video');
      const stream = video?.srcObject instanceof MediaStream ? video.srcObject : null;
      let framesDecoded = 0;
      let samplesReceived = 0;
      for (const track of stream?.getTracks() ?? []) {
        let report;
        try {
          report = await pc.getStats(track);
        } catch {
          continue; // our own camera: not a receiver of the subscribe connection
        }
        report.forEach((/** @type {any} */ s) => {
          if (s.type !== 'inbound-rtp') return;
          if (s.kind === 'video') framesDecoded = Math.max(framesDecoded, s.framesDecoded ?? 0);
          if (s.kind === 'audio') samplesReceived = Math.max(samplesReceived, s.totalSamplesReceived ?? 0);
        });
      }
      out.push({
        id: /** @type {HTMLElement} */ (tile).dataset.participant ?? '',
        name: tile.querySelector('.tile-name')?.textContent ?? '',
        framesDecoded,
        samplesReceived,
      });
    }
    return out;
  });
}

/**
 * Polls until every named participant's tile shows decoded video and audio.
 * @param {import('playwright-core').Page} page
 * @param {string[]} names
 * @param {number} timeoutMs
 * @returns {Promise<{ok: boolean, stats: Awaited<ReturnType<typeof tileStats>>}>}
 */
export async function waitForMedia(page, names, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let stats = await tileStats(page);
  for (;;) {
    const ok = names.every((n) =>
      stats.some((s) => s.name === n && s.framesDecoded > 0 && s.samplesReceived > 0),
    );
    if (ok || Date.now() >= deadline) return { ok, stats };
    await page.waitForTimeout(500);
    stats = await tileStats(page);
  }
}

/**
 * Arms a timer at the next click on the page (capture phase, before the
 * client's own handler).
 * @param {import('playwright-core').Page} page
 */
export function armClickTimer(page) {
  return page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.__naraClickAt = null;
    document.addEventListener('click', () => (w.__naraClickAt ??= performance.now()), { capture: true, once: true });
  });
}

/**
 * After armClickTimer() and the click: milliseconds from the click to the
 * first decoded remote video frame on the subscribe connection, polled
 * every 50 ms; null if none within timeoutMs.
 * @param {import('playwright-core').Page} page
 * @param {number} timeoutMs
 * @returns {Promise<number | null>}
 */
export function msToFirstFrame(page, timeoutMs) {
  return page.evaluate(async (limit) => {
    const w = /** @type {any} */ (window);
    const start = performance.now();
    while (performance.now() - start < limit) {
      const pc = w.nara?.subscribePc;
      if (pc) {
        let decoded = false;
        (await pc.getStats()).forEach((/** @type {any} */ s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) decoded = true;
        });
        if (decoded && w.__naraClickAt !== null) return performance.now() - w.__naraClickAt;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }, timeoutMs);
}

/**
 * The negotiated DTLS/SRTP parameters of a connection's transport.
 * @param {import('playwright-core').Page} page
 * @param {'publishPc' | 'subscribePc'} which
 */
export function transportInfo(page, which) {
  return page.evaluate(async (key) => {
    const pc = /** @type {any} */ (window).nara?.[key];
    if (!pc) return null;
    let info = null;
    (await pc.getStats()).forEach((/** @type {any} */ s) => {
      if (s.type === 'transport') {
        info = { dtlsState: s.dtlsState, tlsVersion: s.tlsVersion, dtlsCipher: s.dtlsCipher, srtpCipher: s.srtpCipher };
      }
    });
    return info;
  }, which);
}

/**
 * @param {number[]} values
 */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * RED for Opus (RFC 2198) as negotiated on a page: whether Nara's publish
 * answer lists red/48000/2 first on an audio m-line (so Chromium sends RED:
 * its stats still name the Opus inside), and on how many audio m-lines the
 * page's subscribe answer kept it.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{publishRed: boolean, subscribeRed: number}>}
 */
export function redNegotiated(page) {
  return page.evaluate(() => {
    const w = /** @type {any} */ (window);
    /** @param {string} sdp @returns {string[][]} the audio sections' lines */
    const audio = (sdp) => sdp.split(/\r\n(?=m=)/).filter((m) => m.startsWith('m=audio')).map((m) => m.split('\r\n'));
    /** @param {string[]} lines @param {string} pt */
    const isRed = (lines, pt) => lines.some((l) => l.startsWith(`a=rtpmap:${pt} red/48000/2`));
    const pub = audio(w.nara?.publishPc?.currentRemoteDescription?.sdp ?? '');
    const sub = audio(w.nara?.subscribePc?.currentLocalDescription?.sdp ?? '');
    return {
      publishRed: pub.length > 0 && pub.every((lines) => isRed(lines, lines[0].split(' ')[3])),
      subscribeRed: sub.filter((lines) => lines.some((l) => / red\/48000\/2/.test(l))).length,
    };
  });
}
