// a11y.test.mjs — accessibility of every screen, checked by axe-core
// (WCAG 2.0/2.1 A and AA rules) in Chromium, plus what axe cannot see:
// at a 360 px wide phone viewport no control is cut off, keyboard focus
// is visible, errors are shown in plain language, Swedish browsers get
// Swedish, the language chooser switches and remembers, ?lang= forces. axe is injected through the DevTools protocol (page.evaluate),
// which the page's Content-Security-Policy does not apply to, so the page
// runs under its real CSP.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { browserMissing, joinRoom, launchBrowser, newPage, openJoinScreen, randomRoom, tileOf } from './lib/browser.mjs';
import { PHONE, assertFitsWidth as fitsWidth, assertNoViolations } from './lib/a11y.mjs';
import { startNara } from './lib/server.mjs';

const SHOTS = process.env.NARA_E2E_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'nara-e2e-shots-'));

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
  if (!skip) console.log(`screenshots in ${SHOTS}`);
});

const base = () => /** @type {NonNullable<typeof nara>} */ (nara).url;
const theBrowser = () => /** @type {import('playwright-core').Browser} */ (browser);

/**
 * The shared width check, with a screenshot kept for a person to look at.
 * @param {import('playwright-core').Page} page
 * @param {string} screen
 */
async function assertFitsWidth(page, screen) {
  await page.screenshot({ path: path.join(SHOTS, `${screen}-${PHONE.width}.png`), fullPage: true });
  await fitsWidth(page, screen);
}

test('landing screen: no axe violations', { skip: skip ?? false }, async () => {
  const { page, context } = await newPage(theBrowser());
  try {
    await page.goto(`${base()}/`);
    await page.getByRole('heading', { name: 'Join a video call' }).waitFor();
    await assertNoViolations(page, 'landing');
    // A room name the server would refuse is explained next to the field.
    await page.getByLabel('Room name').fill('no spaces please');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByText('Please type a room name using only').waitFor({ timeout: 2000 });
    assert.equal(await page.getByLabel('Room name').getAttribute('aria-invalid'), 'true');
    await assertNoViolations(page, 'landing with an error');
  } finally {
    await context.close();
  }
});

test('join screen: no axe violations, visible focus, fits a 360 px phone', { skip: skip ?? false }, async () => {
  for (const viewport of [{ width: 1280, height: 800 }, PHONE]) {
    const { page, context } = await newPage(theBrowser(), { viewport });
    try {
      await openJoinScreen(page, base(), randomRoom('a11y'), 'Astrid');
      await page.waitForFunction(() => {
        const v = document.querySelector('#preview');
        return v instanceof HTMLVideoElement && v.readyState >= 2;
      }, null, { timeout: 10000 });
      await assertNoViolations(page, 'join');
      if (viewport === PHONE) await assertFitsWidth(page, 'join');
      else await page.screenshot({ path: path.join(SHOTS, `join-${viewport.width}.png`), fullPage: true });

      // Keyboard: from the name field, Tab reaches Join, and focus shows.
      await page.getByLabel('Your name').focus();
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el) return null;
        const style = getComputedStyle(el);
        return { text: el.textContent, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      assert.equal(focused?.text, 'Join');
      assert.ok(focused && focused.outline !== 'none' && focused.width >= 2, `focus not visible: ${JSON.stringify(focused)}`);
    } finally {
      await context.close();
    }
  }
});

test('call screen: no axe violations, fits a 360 px phone', { skip: skip ?? false, timeout: 180000 }, async () => {
  const room = randomRoom('a11y');
  const host = await newPage(theBrowser());
  const phone = await newPage(theBrowser(), { viewport: PHONE });
  try {
    await joinRoom(host.page, base(), room, 'Dr Lind');
    await joinRoom(phone.page, base(), room, 'Astrid Andersson-Bergström');
    for (const { page } of [host, phone]) {
      await page.locator('li[data-participant]').nth(1).waitFor({ timeout: 10000 });
    }
    await host.page.getByLabel('Message', { exact: true }).fill('Hej! Can you hear me?');
    await host.page.getByRole('button', { name: 'Send', exact: true }).click();
    // A phone shows the chat as a drawer, closed at first: the count says a message came.
    await phone.page.getByRole('button', { name: 'Chat 1 new message' }).click({ timeout: 5000 });
    await phone.page.getByRole('log').getByText('Hej! Can you hear me?').waitFor({ timeout: 5000 });
    await phone.page.getByRole('button', { name: 'Mute microphone', exact: true }).click();
    await tileOf(host.page, 'Astrid Andersson-Bergström').getByText('Microphone off').waitFor({ timeout: 5000 });

    await assertNoViolations(host.page, 'call (1280 px)');
    await host.page.screenshot({ path: path.join(SHOTS, 'call-1280.png'), fullPage: true });
    await assertNoViolations(phone.page, 'call (360 px)');
    await assertFitsWidth(phone.page, 'call');

    await phone.page.getByRole('button', { name: 'Leave', exact: true }).click();
    await phone.page.getByRole('heading', { name: 'You left the call' }).waitFor({ timeout: 5000 });
    await assertNoViolations(phone.page, 'left');
    await assertFitsWidth(phone.page, 'left');
  } finally {
    await host.context.close();
    await phone.context.close();
  }
});

test('a refused join is explained in plain language in an alert', { skip: skip ?? false }, async () => {
  const { page, context } = await newPage(theBrowser());
  try {
    // A control character in the name: the server answers bad-message.
    await openJoinScreen(page, base(), randomRoom('a11y'), 'Astrid\u0007');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('alert').getByText('Something you typed could not be used').waitFor({ timeout: 10000 });
    await page.getByRole('button', { name: 'Join', exact: true }).waitFor();
  } finally {
    await context.close();
  }
});

test('a Swedish browser gets Swedish', { skip: skip ?? false }, async () => {
  const { page, context } = await newPage(theBrowser(), { locale: 'sv-SE' });
  try {
    await page.goto(`${base()}/r/${randomRoom('sv')}`);
    await page.getByRole('button', { name: 'Anslut', exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await page.getAttribute('html', 'lang'), 'sv');
    await page.getByLabel('Ditt namn').waitFor();
    await assertNoViolations(page, 'join (Swedish)');
  } finally {
    await context.close();
  }
});

test('the language chooser: Dansk by its label, kept after a reload', { skip: skip ?? false }, async () => {
  const { page, context } = await newPage(theBrowser(), { viewport: PHONE });
  try {
    await openJoinScreen(page, base(), randomRoom('da'), 'Astrid');
    await page.getByLabel('Language', { exact: true }).selectOption({ label: 'Dansk' });
    await page.getByRole('heading', { name: 'Deltag i videosamtalen' }).waitFor({ timeout: 2000 });
    await page.getByRole('button', { name: 'Deltag', exact: true }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'da');
    // The name typed before the switch is still there: nothing reloaded.
    assert.equal(await page.getByLabel('Dit navn').inputValue(), 'Astrid');

    await page.reload();
    await page.getByRole('button', { name: 'Deltag', exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await page.getAttribute('html', 'lang'), 'da');
    assert.equal(await page.getByLabel('Sprog', { exact: true }).inputValue(), 'da');
    await assertNoViolations(page, 'join (Danish)');
    await assertFitsWidth(page, 'join-da');
  } finally {
    await context.close();
  }
});

test('a link with ?lang=sv is Swedish in an English browser', { skip: skip ?? false }, async () => {
  const { page, context } = await newPage(theBrowser(), { locale: 'en-US' });
  try {
    await page.goto(`${base()}/r/${randomRoom('sv')}?lang=sv`);
    await page.getByRole('button', { name: 'Anslut', exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await page.getAttribute('html', 'lang'), 'sv');
    await page.getByLabel('Språk', { exact: true }).waitFor();
  } finally {
    await context.close();
  }
});
