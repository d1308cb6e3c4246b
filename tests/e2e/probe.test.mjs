// probe.test.mjs — a real camera's full layer reaches a viewer whose link
// carries it; through the real nara and two Chromium pages.
//
// Chromium's fake camera encodes its 640x480 layer at about 450 kbit/s; a
// real camera's takes 1-1.5 Mbit/s, four or five times its half-size
// layer. A viewer sent the half layer cannot show by growth alone that
// his link carries the full one (the estimate is held near twice what is
// sent), so Nara probes: copies of what it sends, for half a second
// (docs/design.md, "Probing"). Both pages here play a textured, panning
// clip (tests/bench/clip.py) instead of the fake pattern. Anna waits in
// the call for 10 s, then Bo joins: he must get Anna's full layer, and
// Nara must have probed for it (nara_media_probe_packets_total). Without
// probing he stayed on her half layer for good.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { browserMissing, joinRoom, launchBrowser, newPage, randomRoom, waitForMedia } from './lib/browser.mjs';
import { callStats, remoteOf } from './lib/netem.mjs';
import { startNara } from './lib/server.mjs';

const skip = browserMissing();
const SETTLE_MS = 45000;
const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {string | undefined} */
let dir;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nara-clip-'));
  const clip = path.join(dir, 'clip.y4m');
  execFileSync('python3', [path.join(here, '../bench/clip.py'), clip, '100'], { timeout: 60000 });
  nara = await startNara();
  browser = await launchBrowser([`--use-file-for-fake-video-capture=${clip}`]);
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** @param {string} base @param {import('playwright-core').Page} page */
async function probes(base, page) {
  const res = await page.request.get(`${base}/metrics`);
  const m = /^nara_media_probe_packets_total (\d+)/m.exec(await res.text());
  return m ? Number(m[1]) : 0;
}

test("a real camera's full layer reaches a link that carries it", { skip: skip ?? false, timeout: 180000 }, async (t) => {
  const base = /** @type {NonNullable<typeof nara>} */ (nara).url;
  const b = /** @type {import('playwright-core').Browser} */ (browser);
  const room = randomRoom('probe');
  const anna = await newPage(b);
  const bo = await newPage(b);
  try {
    // Anna waits alone first, as a clinician does: her encoder reaches the
    // full layer's real rate before anyone takes it.
    await joinRoom(anna.page, base, room, 'Anna');
    await anna.page.waitForTimeout(10000);
    await joinRoom(bo.page, base, room, 'Bo');
    const { ok, stats } = await waitForMedia(bo.page, ['Anna'], 60000);
    assert.ok(ok, `Bo got no media from Anna: ${JSON.stringify(stats)}`);
    let snap = await callStats(bo.page);
    for (const deadline = Date.now() + SETTLE_MS; (remoteOf(snap, 'Anna')?.frameWidth ?? 0) < 640 && Date.now() < deadline; ) {
      await bo.page.waitForTimeout(1000);
      snap = await callStats(bo.page);
    }
    const sent = (await callStats(anna.page)).sent;
    const copies = await probes(base, bo.page);
    t.diagnostic(`Anna sends up to ${sent.frameWidth} px at ${Math.round(sent.targetBitrate / 1000)} kbit/s; Bo gets ${remoteOf(snap, 'Anna')?.frameWidth} px; ${copies} probe copies`);
    if (sent.frameWidth < 640) {
      // Nara may have paused it while Anna was alone (nobody took it); Bo's
      // tile asks for it, so it must come back. A layer Chrome itself
      // stopped (a starved machine) stays active in the parameters.
      const paused = await anna.page.evaluate(() => {
        const pc = /** @type {RTCPeerConnection} */ (/** @type {any} */ (window).nara.publishPc);
        const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
        return (sender?.getParameters().encodings ?? []).filter((e) => e.active === false).map((e) => e.rid);
      });
      assert.deepEqual(paused, [], "Anna's full layer stayed paused although Bo's tile asks for it");
      t.diagnostic('Anna sends no 640 px layer (a starved machine): nothing to check');
      return;
    }
    assert.equal(remoteOf(snap, 'Anna')?.frameWidth, 640, "Bo's link carries Anna's full layer and should get it");
    assert.ok(copies > 0, 'Nara should have probed the downlink for the full layer');
    for (const p of [anna, bo]) assert.deepEqual(p.errors.filter((e) => e.startsWith('pageerror:')), []);
  } catch (err) {
    console.error(`--- nara output ---\n${nara?.logs()}`);
    throw err;
  }
});
