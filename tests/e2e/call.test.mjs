// call.test.mjs — three browsers in one room, through the real nara.
//
// Each page joins with the Join button; every page must decode video and
// receive audio from the two others within 20 s. Then chat, mute, camera
// off, leave, rejoin and a closed tab, each seen by the others. Join times
// and the negotiated SRTP cipher are printed, never asserted.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { armClickTimer, browserMissing, launchBrowser, msToFirstFrame, newPage, openJoinScreen, randomRoom, redNegotiated, tileOf, transportInfo, waitForMedia } from './lib/browser.mjs';
import { startNara } from './lib/server.mjs';

const skip = browserMissing();
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

test('three browsers see and hear each other, chat, mute, stop the camera, leave and rejoin', { skip: skip ?? false, timeout: 180000 }, async (t) => {
  const base = /** @type {NonNullable<typeof nara>} */ (nara).url;
  const room = randomRoom('call');
  const names = ['Astrid', 'Bertil', 'Cecilia'];
  const b = /** @type {import('playwright-core').Browser} */ (browser);

  await withLogs(async () => {
    for (const name of names) {
      const p = await newPage(b);
      pages.push(p);
      await openJoinScreen(p.page, base, room, name);
    }

    // Join one after another, as people do; time each page's Join click to
    // its first decoded remote frame (the first page waits for the second).
    /** @type {Promise<number | null>[]} */
    const firstFrame = [];
    for (const { page } of pages) {
      await armClickTimer(page);
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      firstFrame.push(msToFirstFrame(page, 20000));
      await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 10000 });
    }
    const times = await Promise.all(firstFrame);
    times.forEach((ms, i) => {
      const text = ms === null ? 'no frame within 20 s' : `${Math.round(ms)} ms`;
      t.diagnostic(`join time, page ${i + 1} (${names[i]}): Join click -> first remote frame decoded: ${text}`);
    });

    for (let i = 0; i < pages.length; i++) {
      const others = names.filter((_, j) => j !== i);
      const { ok, stats } = await waitForMedia(pages[i].page, others, 20000);
      assert.ok(ok, `page ${i + 1} (${names[i]}) did not get video and audio from ${others.join(', ')} in 20 s: ${JSON.stringify(stats)}`);
    }

    const pub = await transportInfo(pages[0].page, 'publishPc');
    const sub = await transportInfo(pages[0].page, 'subscribePc');
    t.diagnostic(`publish transport: ${JSON.stringify(pub)}`);
    t.diagnostic(`subscribe transport: ${JSON.stringify(sub)}`);
    assert.ok(sub?.srtpCipher, 'no SRTP cipher negotiated on the subscribe connection');

    // RED for Opus (RFC 2198) end to end: Chromium offers it, Nara's answer
    // lists it first, so the browser sends it, and passes it to browsers
    // that took it in their subscribe answer; the audio above decoded.
    const red = await redNegotiated(pages[0].page);
    t.diagnostic(`page 1 RED: ${JSON.stringify(red)}`);
    assert.ok(red.publishRed, 'Nara did not answer page 1 with RED first');
    assert.equal(red.subscribeRed, 2, 'page 1 did not take RED for both others');
  });

  await t.test('chat from page 1 reaches pages 2 and 3', async () => {
    await withLogs(async () => {
      const text = `Hej from Astrid ${Math.random().toString(36).slice(2, 7)}`;
      await pages[0].page.getByLabel('Message', { exact: true }).fill(text);
      await pages[0].page.getByRole('button', { name: 'Send', exact: true }).click();
      for (const { page } of pages.slice(1)) {
        await page.getByRole('log').getByText(text).waitFor({ timeout: 5000 });
      }
    });
  });

  await t.test('mute on page 2 shows on pages 1 and 3', async () => {
    await withLogs(async () => {
      const button = pages[1].page.getByRole('button', { name: 'Mute microphone', exact: true });
      await button.click();
      const pressed = pages[1].page.getByRole('button', { name: 'Unmute microphone', exact: true });
      assert.equal(await pressed.getAttribute('aria-pressed'), null, 'a toggle whose label changes has no pressed state');
      for (const { page } of [pages[0], pages[2]]) {
        await tileOf(page, 'Bertil').getByText('Microphone off').waitFor({ timeout: 5000 });
      }
      await pressed.click();
      for (const { page } of [pages[0], pages[2]]) {
        await tileOf(page, 'Bertil').getByText('Microphone off').waitFor({ state: 'hidden', timeout: 5000 });
      }
    });
  });

  await t.test('camera off and on again on page 1 shows on pages 2 and 3', async () => {
    await withLogs(async () => {
      await pages[0].page.getByRole('button', { name: 'Stop camera', exact: true }).click();
      for (const { page } of pages.slice(1)) {
        await tileOf(page, 'Astrid').getByText('Camera off').waitFor({ timeout: 5000 });
      }
      await pages[0].page.getByRole('button', { name: 'Start camera', exact: true }).click();
      for (const { page } of pages.slice(1)) {
        await tileOf(page, 'Astrid').getByText('Camera off').waitFor({ state: 'hidden', timeout: 5000 });
      }
    });
  });

  await t.test('page 3 leaves: its tile goes from pages 1 and 2 within 5 s', async () => {
    await withLogs(async () => {
      await pages[2].page.getByRole('button', { name: 'Leave', exact: true }).click();
      await pages[2].page.getByRole('heading', { name: 'You left the call' }).waitFor({ timeout: 5000 });
      for (const { page } of pages.slice(0, 2)) {
        await tileOf(page, 'Cecilia').waitFor({ state: 'detached', timeout: 5000 });
      }
    });
  });

  await t.test('page 3 rejoins: everyone sees and hears it again', async () => {
    await withLogs(async () => {
      await pages[2].page.getByRole('button', { name: 'Rejoin', exact: true }).click();
      await pages[2].page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 10000 });
      for (const [i, others] of /** @type {const} */ ([[0, ['Cecilia']], [1, ['Cecilia']], [2, ['Astrid', 'Bertil']]])) {
        const { ok, stats } = await waitForMedia(pages[i].page, [...others], 20000);
        assert.ok(ok, `page ${i + 1} after the rejoin: ${JSON.stringify(stats)}`);
      }
    });
  });

  await t.test('page 2 closes its tab: its tile goes from page 1', async () => {
    await withLogs(async () => {
      await pages[1].page.close();
      await tileOf(pages[0].page, 'Bertil').waitFor({ state: 'detached', timeout: 10000 });
    });
  });

  await t.test('no script errors and no Content-Security-Policy refusals', () => {
    pages.forEach((p, i) => {
      const bad = p.errors.filter((e) => e.startsWith('pageerror:') || /Content Security Policy|Refused to/.test(e));
      assert.deepEqual(bad, [], `page ${i + 1}`);
    });
  });
});
