// ramp.mjs — how long a patient waits to see the other person sharply.
//
// Calls, each in a new room, as tests/e2e/jointime.test.mjs makes them:
// the clinician (and, with people 3, a relative) joins and waits a few
// seconds in the call (long enough for Nara to pause the layers nobody
// takes), then the patient presses Join. Printed per call and as medians:
// milliseconds from that click to the patient's first decoded frame of
// the others, and to the moment every other person's video is decoded at
// the camera's full width (640 px; Chromium's fake camera), which needs
// the patient's downlink estimate to have grown to all of them. Asserts
// nothing. Run from the repository root:
//   NARA_BIN=build/server/nara node tests/bench/ramp.mjs [calls] [wait-seconds] [people]

import { armClickTimer, joinRoom, launchBrowser, median, msToFirstFrame, newPage, openJoinScreen, randomRoom } from '../e2e/lib/browser.mjs';

/**
 * Milliseconds from the armed click until `count` remote videos are all
 * decoded at least `width` wide; null if not within limitMs.
 * @param {import('playwright-core').Page} page @param {number} count
 * @param {number} width @param {number} limitMs
 */
function msToAllAt(page, count, width, limitMs) {
  return page.evaluate(async ([n, w, limit]) => {
    const win = /** @type {any} */ (window);
    const start = performance.now();
    while (performance.now() - start < limit) {
      const pc = win.nara?.subscribePc;
      if (pc) {
        let wide = 0;
        (await pc.getStats()).forEach((/** @type {any} */ s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0 && (s.frameWidth ?? 0) >= w) wide++;
        });
        if (wide >= n && win.__naraClickAt !== null) return performance.now() - win.__naraClickAt;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }, [count, width, limitMs]);
}
import { startNara } from '../e2e/lib/server.mjs';

const calls = Number(process.argv[2] ?? 5);
const waitSeconds = Number(process.argv[3] ?? 8);
const people = Number(process.argv[4] ?? 2);
const FULL_WIDTH = 640;
const LIMIT_MS = 30000;

const nara = await startNara({ args: ['--set', `log.level=${process.env.NARA_LOG_LEVEL ?? 'warning'}`] });
const browser = await launchBrowser();
/** @type {number[]} */
const first = [];
/** @type {number[]} */
const full = [];
let missed = 0;
try {
  for (let call = 1; call <= calls; call++) {
    const room = randomRoom('ramp');
    const hosts = [];
    const guest = await newPage(browser);
    try {
      for (const name of ['Clinician', 'Relative'].slice(0, people - 1)) {
        const host = await newPage(browser);
        hosts.push(host);
        await joinRoom(host.page, nara.url, room, name);
      }
      await guest.page.waitForTimeout(waitSeconds * 1000);
      await openJoinScreen(guest.page, nara.url, room, 'Patient');
      await armClickTimer(guest.page);
      await guest.page.getByRole('button', { name: 'Join', exact: true }).click();
      const a = await msToFirstFrame(guest.page, LIMIT_MS);
      const b = await msToAllAt(guest.page, people - 1, FULL_WIDTH, LIMIT_MS);
      if (a === null || b === null) missed++;
      if (a !== null) first.push(a);
      if (b !== null) full.push(b);
      console.log(`call ${call}: first frame ${a === null ? '-' : Math.round(a)} ms, all at ${FULL_WIDTH} px ${b === null ? '-' : Math.round(b)} ms`);
    } finally {
      for (const host of hosts) await host.context.close().catch(() => {});
      await guest.context.close().catch(() => {});
    }
  }
} finally {
  await browser.close().catch(() => {});
  await nara.stop();
}
const fmt = (/** @type {number[]} */ v) => (v.length ? `median ${Math.round(median(v))} ms, max ${Math.round(Math.max(...v))} ms` : 'none');
console.log(`first frame: ${fmt(first)}`);
console.log(`all ${people - 1} at ${FULL_WIDTH} px: ${fmt(full)}${missed ? ` (${missed} of ${calls} calls missed one within ${LIMIT_MS / 1000} s)` : ''}`);
