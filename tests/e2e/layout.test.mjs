// layout.test.mjs — the call screen fits every screen: at 320×568,
// 393×851, 1280×720 and 1920×1080, with 1, 3 and 6 people, every control
// of the bar lies inside the viewport, the document does not scroll, our
// own picture is small and axe (WCAG 2.1 A/AA) finds nothing; the same in
// right-to-left and at 200 % text. The pre-call check gives its verdict
// against the real server and passes axe. A keyboard-only walk: pre-call
// → join → mute → chat → leave. One browser, one nara, several contexts.
//
// Screenshots go to $NARA_E2E_SHOTS (a temporary folder by default);
// NARA_E2E_SHOTS=docs/screenshots refreshes the committed ones and adds
// the Arabic pre-call check (a test skipped otherwise).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoViolations } from './lib/a11y.mjs';
import { browserMissing, launchBrowser, newPage, randomRoom } from './lib/browser.mjs';
import { startFakeNara } from './lib/fake-nara.mjs';
import { REPO_ROOT, startNara } from './lib/server.mjs';

const SHOTS = process.env.NARA_E2E_SHOTS
  ? path.resolve(REPO_ROOT, process.env.NARA_E2E_SHOTS)
  : fs.mkdtempSync(path.join(os.tmpdir(), 'nara-e2e-shots-'));
const SIZES = [
  { width: 320, height: 568 },
  { width: 393, height: 851 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];
const PHONE = SIZES[0];
const DESKTOP = SIZES[2];
const SOURCE = { width: 320, height: 240 }; // pages that only send media

const skip = browserMissing();
/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;

before(async () => {
  if (skip) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  nara = await startNara();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
  if (!skip) console.log(`screenshots in ${SHOTS}`);
});

const base = () => /** @type {NonNullable<typeof nara>} */ (nara).url;
const theBrowser = () => /** @type {import('playwright-core').Browser} */ (browser);

/**
 * @param {import('playwright-core').Page} page
 * @param {string} name file name without .png
 */
async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/**
 * The call screen fits: the bar's controls are inside the viewport and at
 * least 44 px, nothing scrolls, our own picture is small when others are
 * there.
 * @param {import('playwright-core').Page} page
 * @param {string} what named in failures
 * @param {number} people in the call
 */
async function assertCallFits(page, what, people) {
  const r = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const controls = [...document.querySelectorAll('.call-bar button')]
      .filter((b) => b.getClientRects().length)
      .map((b) => {
        const box = b.getBoundingClientRect();
        return {
          name: b.getAttribute('aria-label') ?? b.textContent?.trim(),
          inside: box.left >= -0.5 && box.top >= -0.5 && box.right <= vw + 0.5 && box.bottom <= vh + 0.5,
          small: box.width < 43.5 || box.height < 43.5,
          box: [Math.round(box.left), Math.round(box.top), Math.round(box.right), Math.round(box.bottom)],
        };
      });
    const self = document.querySelector('.tile-self')?.getBoundingClientRect();
    const main = document.querySelector('.tile[data-slot="main"]')?.getBoundingClientRect();
    const el = document.scrollingElement ?? document.documentElement;
    return {
      vw,
      vh,
      controls,
      scroll: { h: el.scrollHeight, w: el.scrollWidth },
      selfArea: self ? self.width * self.height : 0,
      mainArea: main ? main.width * main.height : 0,
      tiles: document.querySelectorAll('li[data-participant]').length,
    };
  });
  assert.equal(r.tiles, people, `${what}: ${r.tiles} tiles`);
  const names = r.controls.map((c) => c.name);
  for (const needed of [/^(Mute|Unmute) microphone$/, /^(Stop|Start) camera$/, /^Chat/, /^More$/, /^Leave$/]) {
    assert.ok(names.some((n) => needed.test(n ?? '')), `${what}: no ${needed} in the bar: ${names}`);
  }
  const out = r.controls.filter((c) => !c.inside || c.small);
  assert.deepEqual(out, [], `${what} (${r.vw}×${r.vh}): controls outside the viewport or under 44 px`);
  assert.ok(r.scroll.h <= r.vh && r.scroll.w <= r.vw, `${what}: the page scrolls: ${JSON.stringify(r.scroll)} in ${r.vw}×${r.vh}`);
  if (people > 1) assert.ok(r.selfArea < r.mainArea / 2, `${what}: our own picture is not small (${r.selfArea} vs ${r.mainArea})`);
}

test('pre-call check: a verdict from nara itself; axe and screenshots at phone and desktop', { skip: skip ?? false, timeout: 180000 }, async () => {
  for (const viewport of [PHONE, DESKTOP]) {
    const { page, context } = await newPage(theBrowser(), { viewport });
    page.setDefaultTimeout(60000);
    try {
      await page.goto(`${base()}/r/${randomRoom('pre')}`);
      await page.getByRole('heading', { name: 'Check before you join' }).waitFor({ timeout: 60000 });
      // The network test published through nara and read its statistics.
      await page.getByText('Video will work.').waitFor({ timeout: 60000 });
      await page.getByLabel('Camera to use').locator('option').first().waitFor({ state: 'attached', timeout: 60000 });
      await page.getByRole('button', { name: 'Play a test sound' }).click();
      await page.getByText('You should hear a short tone now.', { exact: false }).waitFor({ timeout: 60000 });
      if (await page.getByRole('button', { name: 'Show the sound level' }).isVisible()) {
        await page.getByRole('button', { name: 'Show the sound level' }).click();
      }
      await page.waitForFunction(() => /** @type {HTMLMeterElement} */ (document.getElementById('mic-level')).value > 0, null);
      await assertNoViolations(page, `pre-call check ${viewport.width}`);
      const size = viewport === PHONE ? 'phone' : 'desktop';
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SHOTS, `precall-${size}.png`), fullPage: true });
      await page.emulateMedia({ forcedColors: 'active' });
      await page.screenshot({ path: path.join(SHOTS, `precall-${size}-forced.png`), fullPage: true });
      await assertNoViolations(page, `pre-call check ${viewport.width}, forced colours`);
    } finally {
      await context.close();
    }
  }
});

test('pre-call check in Arabic (right to left), phone and desktop: screenshots only', { skip: skip ?? (process.env.NARA_E2E_SHOTS ? false : 'NARA_E2E_SHOTS is not set'), timeout: 180000 }, async () => {
  for (const [size, viewport] of /** @type {const} */ ([['phone', PHONE], ['desktop', DESKTOP]])) {
    const { page, context } = await newPage(theBrowser(), { viewport });
    page.setDefaultTimeout(60000);
    try {
      // ?lang= as a link from a booking system would carry it (web/js/page.js).
      await page.goto(`${base()}/r/${randomRoom('pre')}?lang=ar`);
      await page.locator('#precall-verdict').waitFor({ timeout: 60000 });
      assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SHOTS, `precall-${size}-ar.png`), fullPage: true });
    } finally {
      await context.close();
    }
  }
});

/**
 * A participant object as nara sends it.
 * @param {number} i
 * @param {string} name
 */
const person = (i, name) => ({ id: `p${i}`, name, role: null, assurance: null, audioMuted: i % 3 === 0, videoMuted: i % 2 === 0, tracks: [] });

test('the call fits 320×568 to 1920×1080 with 1, 3 and 6 people, LTR and RTL, at 200 % text', { skip: skip ?? false, timeout: 300000 }, async (t) => {
  const fake = await startFakeNara();
  const { page, context } = await newPage(theBrowser(), { viewport: PHONE });
  page.setDefaultTimeout(60000);
  try {
    // No camera or microphone: nothing to publish to a server that answers no SDP,
    // and the pre-call check's advice for a refused camera is on screen.
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    });
    await page.goto(`${fake.url}/r/layout`);
    await page.getByRole('heading', { name: 'How to allow the camera and microphone' }).waitFor({ timeout: 60000 });
    await assertNoViolations(page, 'pre-call check, camera refused, phone');
    await page.setViewportSize(DESKTOP);
    await assertNoViolations(page, 'pre-call check, camera refused, desktop');

    await page.getByLabel('Your name').fill('Maja');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    // The pre-call check's own session comes first: open rooms are "off" here.
    let session;
    let join;
    for (let i = 0; i < 5; i++) {
      session = await fake.session();
      join = await session.next('join');
      if (join.name === 'Maja') break;
      session.reply(join, { type: 'error', code: 'forbidden', message: 'open rooms are off' });
    }
    const s = /** @type {import('./lib/fake-nara.mjs').FakeSession} */ (session);
    s.reply(join, { type: 'joined', room: 'layout', you: { id: 'p0', name: 'Maja' }, participants: [] });
    await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 60000 });
    const names = ['Dr Lind', 'Astrid Andersson-Bergström', 'Erik', 'Karin', 'Søren Ærø'];
    let joined = 1;
    for (const people of [1, 3, 6]) {
      while (joined < people) {
        s.send({ type: 'participant-joined', participant: person(joined, names[joined - 1]) });
        joined++;
      }
      await page.locator('li[data-participant]').nth(people - 1).waitFor({ timeout: 60000 });
      await t.test(`${people} ${people === 1 ? 'person' : 'people'}`, async () => {
        for (const size of SIZES) {
          await page.setViewportSize(size);
          await assertCallFits(page, `${people} people at ${size.width}×${size.height}`, people);
        }
        await page.setViewportSize(PHONE);
        await assertNoViolations(page, `call, ${people} people, phone`);
        if ((await page.getByRole('button', { name: 'Chat', exact: true }).getAttribute('aria-expanded')) !== 'true') {
          await page.getByRole('button', { name: 'Chat', exact: true }).click();
        }
        await assertCallFits(page, `${people} people, phone, chat open`, people);
        await assertNoViolations(page, `call, ${people} people, phone, chat open`);
        await page.keyboard.press('Escape');
        await page.setViewportSize(DESKTOP);
        await assertNoViolations(page, `call, ${people} people, desktop`);
      });
    }

    await t.test('forced colours: axe finds nothing', async () => {
      await page.emulateMedia({ forcedColors: 'active' });
      await assertNoViolations(page, 'call, desktop, forced colours');
      await page.emulateMedia({ forcedColors: 'none' });
    });

    await t.test('right-to-left: the same fit, our picture at the start corner', async () => {
      await page.evaluate(() => (document.documentElement.dir = 'rtl'));
      try {
        for (const size of [PHONE, DESKTOP]) {
          await page.setViewportSize(size);
          await assertCallFits(page, `rtl ${size.width}`, 6);
        }
        // Default corner: top, at the end of the line; in RTL that is the left.
        const pip = await page.locator('.tile-self').boundingBox();
        const stage = await page.locator('.stage').boundingBox();
        assert.ok(pip && stage && pip.x < stage.x + stage.width / 2, `rtl: our picture is not at the left: ${JSON.stringify({ pip, stage })}`);
        await shot(page, 'call-6-desktop-rtl');
      } finally {
        await page.evaluate(() => (document.documentElement.dir = 'ltr'));
      }
    });

    await t.test('200 % text: the bar still fits and nothing scrolls', async () => {
      // The root is 112.5 %: 225 % is twice the user's text size.
      await page.evaluate(() => (document.documentElement.style.fontSize = '225%'));
      try {
        for (const size of [SIZES[1], DESKTOP]) {
          await page.setViewportSize(size);
          await shot(page, `call-6-${size.width}-200`);
          await assertCallFits(page, `200 % text at ${size.width}×${size.height}`, 6);
        }
      } finally {
        await page.evaluate(() => (document.documentElement.style.fontSize = ''));
      }
    });

    await t.test('our own picture moves by keyboard; a pin makes someone large', async () => {
      await page.getByRole('button', { name: 'Move my picture' }).first().focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowLeft');
      assert.equal(await page.locator('.tile-self').getAttribute('data-corner'), 'end-start');
      await page.getByRole('button', { name: 'Show Erik large' }).click();
      await page.locator('li[data-slot="main"]').filter({ hasText: 'Erik' }).waitFor({ timeout: 60000 });
      assert.equal(await page.getByRole('button', { name: 'Show Erik large' }).getAttribute('aria-pressed'), 'true');
      await shot(page, 'call-6-desktop');
    });

    await t.test('More opens a menu in view; Escape closes it and returns to More', async () => {
      await page.setViewportSize(PHONE);
      await page.getByRole('button', { name: 'More', exact: true }).click();
      const item = page.getByRole('button', { name: 'Hide my picture' });
      await item.waitFor({ timeout: 60000 });
      const box = await item.boundingBox();
      assert.ok(box && box.y >= 0 && box.x >= 0 && box.x + box.width <= PHONE.width, `menu item outside: ${JSON.stringify(box)}`);
      await assertNoViolations(page, 'call, phone, More open');
      await shot(page, 'call-6-phone-more');
      await page.keyboard.press('Escape');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'more-button');
      assert.equal(await item.isVisible(), false);
    });

    await t.test('the host hears of a poor connection and sees the check', async () => {
      s.send({ type: 'participant-status', participant: 'p2', quality: 'poor', precheck: { camera: 'ok', microphone: 'ok', network: 'audio-only' } });
      await page.locator('li[data-participant="p2"]').getByText('Poor connection').waitFor({ timeout: 60000 });
    });
  } finally {
    await context.close();
    await fake.stop();
  }
});

/**
 * Opens /r/ROOM, skips nothing, joins as `name` and waits for the call.
 * @param {import('playwright-core').Page} page
 * @param {string} room
 * @param {string} name
 */
async function joinRoom(page, room, name) {
  await page.goto(`${base()}/r/${room}`, { waitUntil: 'domcontentloaded', timeout: 120000 });
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 60000 });
}

/**
 * Presses Tab until the focused element's accessible name (or text)
 * starts with `name`; fails after 40 presses.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
async function tabTo(page, name) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const got = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return '';
      const id = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : '';
      return (el.getAttribute('aria-label') ?? id ?? el.textContent ?? '').trim();
    });
    if (got.startsWith(name)) return;
  }
  assert.fail(`Tab never reached "${name}"`);
}

test('keyboard only: pre-call check → join → mute → chat → leave', { skip: skip ?? false, timeout: 180000 }, async () => {
  const room = randomRoom('keys');
  const host = await newPage(theBrowser(), { viewport: SOURCE });
  const { page, context } = await newPage(theBrowser(), { viewport: { width: 393, height: 851 } });
  page.setDefaultTimeout(60000);
  host.page.setDefaultTimeout(60000);
  try {
    await joinRoom(host.page, room, 'Dr Lind');
    await page.goto(`${base()}/r/${room}`, { waitUntil: 'domcontentloaded', timeout: 120000 });
    await page.getByRole('heading', { name: 'Check before you join' }).waitFor({ timeout: 60000 });
    await tabTo(page, 'Play a test sound');
    await page.keyboard.press('Enter');
    await page.getByText('You should hear a short tone now.', { exact: false }).waitFor({ timeout: 60000 });
    await tabTo(page, 'Your name');
    await page.keyboard.type('Astrid');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 60000 });

    // The call: Tab reaches the microphone; Enter mutes.
    await tabTo(page, 'Mute microphone');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Unmute microphone' }).waitFor({ timeout: 60000 });
    // A message from the host while the chat is closed: counted on the button.
    await host.page.getByRole('button', { name: 'Chat', exact: true }).click();
    await host.page.getByLabel('Message', { exact: true }).fill('Hej Astrid');
    await host.page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Chat 1 new message' }).waitFor({ timeout: 60000 });
    await tabTo(page, 'Chat 1 new message');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'chat-input', 'the chat opens at its message field');
    await page.getByRole('log').getByText('Hej Astrid').waitFor();
    await page.keyboard.type('Hej, I hear you');
    await page.keyboard.press('Enter');
    await host.page.getByRole('log').getByText('Hej, I hear you').waitFor({ timeout: 60000 });
    await shot(page, 'call-phone-chat');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'chat-button', 'Escape closes the chat and returns to its button');
    // Pictures of the real call, for people to look at (docs/screenshots).
    for (const [size, name] of /** @type {const} */ ([[PHONE, 'phone'], [DESKTOP, 'desktop']])) {
      await page.setViewportSize(size);
      await assertCallFits(page, `real call, ${name}`, 2);
      await shot(page, `call-${name}`);
      await page.emulateMedia({ forcedColors: 'active' });
      await shot(page, `call-${name}-forced`);
      await page.emulateMedia({ forcedColors: 'none' });
    }
    await tabTo(page, 'Leave');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'You left the call' }).waitFor({ timeout: 60000 });
  } finally {
    await host.context.close();
    await context.close();
  }
});
