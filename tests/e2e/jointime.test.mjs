// jointime.test.mjs — how long a patient waits to see the other person.
//
// Ten sequential two-page calls, each in a new room: the first page joins
// and waits in the call, then the second presses Join; the time from that
// click to its first decoded remote video frame is printed with the median
// and maximum. Printing only: times depend on the machine, so nothing here
// asserts on them (only that a frame came at all).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  armClickTimer,
  browserMissing,
  joinRoom,
  launchBrowser,
  median,
  msToFirstFrame,
  newPage,
  openJoinScreen,
  randomRoom,
} from './lib/browser.mjs';
import { startNara } from './lib/server.mjs';

const RUNS = Number(process.env.NARA_JOINTIME_RUNS || 10);
const skip = browserMissing();
/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;

before(async () => {
  if (skip) return;
  nara = await startNara();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
});

test(`join time over ${RUNS} two-page calls`, { skip: skip ?? false, timeout: 30000 * RUNS + 30000 }, async (t) => {
  const base = /** @type {NonNullable<typeof nara>} */ (nara).url;
  const b = /** @type {import('playwright-core').Browser} */ (browser);
  /** @type {number[]} */
  const times = [];
  let missed = 0;
  for (let run = 1; run <= RUNS; run++) {
    const room = randomRoom('jt');
    const host = await newPage(b);
    const guest = await newPage(b);
    try {
      await joinRoom(host.page, base, room, 'Clinician');
      await openJoinScreen(guest.page, base, room, 'Patient');
      await armClickTimer(guest.page);
      await guest.page.getByRole('button', { name: 'Join', exact: true }).click();
      const ms = await msToFirstFrame(guest.page, 20000);
      if (ms === null) {
        missed++;
        t.diagnostic(`run ${run}: no remote frame within 20 s`);
      } else {
        times.push(ms);
        t.diagnostic(`run ${run}: ${Math.round(ms)} ms`);
      }
    } finally {
      await host.context.close().catch(() => {});
      await guest.context.close().catch(() => {});
    }
  }
  if (times.length) {
    t.diagnostic(
      `join time (Join click -> first remote frame decoded) over ${times.length} runs: ` +
        `median ${Math.round(median(times))} ms, max ${Math.round(Math.max(...times))} ms`,
    );
  }
  if (missed) console.error(`--- nara output ---\n${nara?.logs()}`);
  assert.equal(missed, 0, `${missed} of ${RUNS} runs decoded no remote frame within 20 s`);
});
