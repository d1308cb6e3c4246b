// networks.test.mjs — a three-person call through the real nara with one
// participant on a bad network (3 % loss each way, 100 ms round trip,
// DevTools' emulation on her page alone, set before she joins).
//
// For four 5 s windows: audio keeps flowing every way, and video every way
// over the whole call. Frame rates and freezes are printed, never asserted
// (tests/bench/networks.mjs measures them).
//
// Lost packets the receiver NACKs must come back as retransmissions (nara
// answers NACKs from its packet ring). That video is decoded every way in
// every 5 s window runs only with NARA_E2E_EXPECT_VIDEO_WINDOWS=1: on a
// machine loaded far beyond its cores a browser alone can stall that long,
// so by default the stalls are printed, not asserted.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { browserMissing, launchBrowser, newPage, openJoinScreen, randomRoom, waitForMedia } from './lib/browser.mjs';
import { callStats, impair, remoteOf } from './lib/netem.mjs';
import { startNara } from './lib/server.mjs';

const skip = browserMissing();
const WINDOWS = 4;
const WINDOW_MS = 5000;
const NAMES = ['Anna', 'Bo', 'Cleo'];
const IMPAIRED = 'Cleo';
const expectWindows = process.env.NARA_E2E_EXPECT_VIDEO_WINDOWS === '1';

/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {Awaited<ReturnType<typeof newPage>>[]} */
const pages = [];

before(async () => {
  if (skip) return;
  nara = await startNara();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
});

/**
 * Runs a step; on failure prints what nara and the pages said.
 * @param {() => Promise<void>} fn
 */
async function withLogs(fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`--- nara output ---\n${nara?.logs()}`);
    pages.forEach((p, i) => {
      if (p.errors.length) console.error(`--- page ${i + 1} console errors ---\n${p.errors.join('\n')}`);
    });
    throw err;
  }
}

/** Every (receiver, sender) pair of the call. */
const PAIRS = NAMES.flatMap((to, i) => NAMES.filter((from) => from !== to).map((from) => ({ i, to, from })));

test('a participant at 3 % loss and 100 ms RTT keeps seeing and hearing the others, and they her', { skip: skip ?? false, timeout: 240000 }, async (t) => {
  const base = /** @type {NonNullable<typeof nara>} */ (nara).url;
  const b = /** @type {import('playwright-core').Browser} */ (browser);
  const room = randomRoom('net');
  /** @type {Awaited<ReturnType<typeof callStats>>[][]} */
  const snaps = [];
  /** @type {string[]} */
  const stalls = [];

  await withLogs(async () => {
    for (const name of NAMES) {
      const p = await newPage(b);
      pages.push(p);
      await openJoinScreen(p.page, base, room, name);
    }
    await impair(pages[NAMES.indexOf(IMPAIRED)].page, { loss: 3, latency: 50 });
    for (const { page } of pages) {
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 20000 });
    }
    for (let i = 0; i < pages.length; i++) {
      const others = NAMES.filter((_, j) => j !== i);
      const { ok, stats } = await waitForMedia(pages[i].page, others, 40000);
      assert.ok(ok, `${NAMES[i]} did not get video and audio from ${others.join(', ')}: ${JSON.stringify(stats)}`);
    }

    const snap = () => Promise.all(pages.map(({ page }) => callStats(page)));
    snaps.push(await snap());
    for (let w = 1; w <= WINDOWS; w++) {
      await pages[0].page.waitForTimeout(WINDOW_MS);
      snaps.push(await snap());
      const [prev, now] = [snaps[w - 1], snaps[w]];
      for (const { i, to, from } of PAIRS) {
        const a = remoteOf(prev[i], from);
        const z = remoteOf(now[i], from);
        assert.ok(a && z, `${to} lost ${from}'s tile in window ${w}`);
        assert.ok(z.totalSamplesReceived > a.totalSamplesReceived, `window ${w}: ${to} received no audio of ${from}`);
        if (z.framesDecoded === a.framesDecoded) stalls.push(`window ${w}: ${to} decoded no video of ${from}`);
      }
    }
  });

  const first = snaps[0];
  const last = snaps[snaps.length - 1];
  const secs = (last[0].at - first[0].at) / 1000;
  let lostAtImpaired = 0;
  for (const { i, to, from } of PAIRS) {
    const a = /** @type {NonNullable<ReturnType<typeof remoteOf>>} */ (remoteOf(first[i], from));
    const z = /** @type {NonNullable<ReturnType<typeof remoteOf>>} */ (remoteOf(last[i], from));
    assert.ok(z.framesDecoded > a.framesDecoded, `${to} decoded no video of ${from} in ${secs.toFixed(0)} s`);
    if (to === IMPAIRED) lostAtImpaired += z.videoPacketsLost - a.videoPacketsLost + z.audioPacketsLost - a.audioPacketsLost;
    t.diagnostic(
      `${to} <- ${from}: ${((z.framesDecoded - a.framesDecoded) / secs).toFixed(1)} frames/s, ` +
        `${z.freezeCount - a.freezeCount} freezes (${(z.totalFreezesDuration - a.totalFreezesDuration).toFixed(1)} s), ` +
        `${z.frameWidth}x${z.frameHeight}, ${z.videoPacketsLost - a.videoPacketsLost} video packets lost, ` +
        `${z.nackCount - a.nackCount} NACKs sent, ${z.retransmittedPacketsReceived - a.retransmittedPacketsReceived} retransmissions received`,
    );
  }
  // The emulation must really act on the WebRTC transport, or the test proves nothing.
  assert.ok(lostAtImpaired > 0, `${IMPAIRED}'s page lost no packets: the network emulation did not act`);

  for (const s of stalls) t.diagnostic(s);
  const windowsReason = 'printed above; NARA_E2E_EXPECT_VIDEO_WINDOWS=1 asserts it (on an unloaded machine)';
  await t.test('video keeps being decoded every way in every 5 s window', {
    skip: expectWindows ? false : windowsReason,
  }, () => {
    assert.deepEqual(stalls, []);
  });

  await t.test('lost packets are retransmitted when the receiver asks (NACK, RTX)', () => {
    const ci = NAMES.indexOf(IMPAIRED);
    for (const from of NAMES.filter((n) => n !== IMPAIRED)) {
      const a = /** @type {NonNullable<ReturnType<typeof remoteOf>>} */ (remoteOf(first[ci], from));
      const z = /** @type {NonNullable<ReturnType<typeof remoteOf>>} */ (remoteOf(last[ci], from));
      const nacks = z.nackCount - a.nackCount;
      const lost = z.videoPacketsLost - a.videoPacketsLost;
      assert.ok(lost === 0 || nacks > 0, `${IMPAIRED} lost ${lost} video packets of ${from} but sent no NACK (is nack negotiated?)`);
      if (nacks > 0) {
        const rtx = z.retransmittedPacketsReceived - a.retransmittedPacketsReceived;
        assert.ok(rtx > 0, `${IMPAIRED} sent ${nacks} NACKs for ${from}'s video and received no retransmission`);
      }
    }
  });

  await t.test("Nara holds the impaired person's video for repairs (playout-delay)", () => {
    // Her downlink loses 3 %: Nara says so in its log and asks her browser
    // to hold video long enough for a repair (docs/design.md, "Loss repair").
    const logs = /** @type {NonNullable<typeof nara>} */ (nara).logs();
    assert.match(logs, /downlink loses \d+ of 256: video held for repairs/);
  });

  await t.test('no script errors', () => {
    pages.forEach((p, i) => {
      const bad = p.errors.filter((e) => e.startsWith('pageerror:'));
      assert.deepEqual(bad, [], `page ${i + 1}`);
    });
  });
});
