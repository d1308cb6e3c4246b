// twcc.test.mjs — a publisher's send-side estimate comes from Nara's
// transport-cc feedback, not from REMB alone.
//
// One page publishes, its upload held to 600 kbit/s through DevTools, one
// views. The publish answer must carry the transport-wide sequence
// extension and transport-cc feedback; the publisher's candidate pair must
// report availableOutgoingBitrate, and it must be off Nara's REMB value
// (2 Mbit/s), which is all a REMB-only estimate shows once the first REMB
// came (the build before showed nothing else). The subscribe side carries
// transport-cc too, with Nara's own numbering (its downlink estimate).
// Samples are polled a bounded number of times; no figure is asserted.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { browserMissing, joinRoom, launchBrowser, newPage, randomRoom, waitForMedia } from './lib/browser.mjs';
import { startNara } from './lib/server.mjs';

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const REMB_BPS = 2000000;

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

test('the publisher estimates its uplink from transport-cc feedback', { skip: skip ?? false, timeout: 180000 }, async () => {
  if (!nara || !browser) throw new Error('setup failed');
  const room = randomRoom('twcc');
  const pub = await newPage(browser);
  const cdp = await pub.context.newCDPSession(pub.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: (600 * 1000) / 8,
  });
  const sub = await newPage(browser);
  await joinRoom(pub.page, nara.url, room, 'Publisher');
  await joinRoom(sub.page, nara.url, room, 'Viewer');
  const { ok } = await waitForMedia(sub.page, ['Publisher'], 30000);
  assert.ok(ok, 'the viewer receives the publisher');

  const sdp = await pub.page.evaluate(() => /** @type {any} */ (window).nara?.publishPc?.remoteDescription?.sdp ?? '');
  assert.match(sdp, new RegExp(`a=extmap:\\d+ ${TWCC_URI.replace(/[./]/g, '\\$&')}`));
  assert.match(sdp, /a=rtcp-fb:\d+ transport-cc/);
  const subSdp = await sub.page.evaluate(() => /** @type {any} */ (window).nara?.subscribePc?.localDescription?.sdp ?? '');
  assert.ok(subSdp.length > 0);
  assert.match(subSdp, /a=rtcp-fb:\d+ transport-cc/);

  /** @type {number[]} */
  const seen = [];
  for (let i = 0; i < 40 && !seen.some((v) => v !== REMB_BPS); i++) {
    const v = await pub.page.evaluate(async () => {
      const pc = /** @type {any} */ (window).nara?.publishPc;
      let found = null;
      (await pc.getStats()).forEach((/** @type {any} */ s) => {
        if (s.type === 'candidate-pair' && s.availableOutgoingBitrate !== undefined) found = s.availableOutgoingBitrate;
      });
      return found;
    });
    if (v !== null) seen.push(v);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`publisher availableOutgoingBitrate samples: ${seen.join(', ')}`);
  assert.ok(seen.length > 0, 'availableOutgoingBitrate is reported');
  assert.ok(seen.some((v) => v !== REMB_BPS), 'the estimate is not just the REMB value');
});
