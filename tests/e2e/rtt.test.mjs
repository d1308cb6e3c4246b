// rtt.test.mjs — real-time text between two browsers through the real
// nara: letters appear at the other page while they are typed (before
// Enter), apart from chat; the finished line goes to the live-text log,
// the one part screen readers hear (aria-live polite), while the line
// being typed is not a live region; each page sends its language in join
// and the other sees it; nothing typed reaches nara's log or any file
// in its state directory. One browser, two pages, one open room.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { browserMissing, launchBrowser, newPage, randomRoom } from './lib/browser.mjs';
import { makeStateDir, startNara } from './lib/server.mjs';

// tests/secrets_scan.py harvests RTT_ constants and looks for them in every log.
const RTT_FIRST_WORDS = 'Jag hör inte vad';
const RTT_LINE = `${RTT_FIRST_WORDS} läkaren säger`;
const RTT_ARABIC = 'أسمعك الآن جيدا';

const skip = browserMissing();
const stateDir = makeStateDir();
/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;

before(async () => {
  if (skip) return;
  nara = await startNara({ stateDir });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** Every byte nara wrote under its state directory, as text. */
function stateFiles() {
  return fs
    .readdirSync(stateDir, { recursive: true })
    .map((f) => path.join(stateDir, String(f)))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f).toString('utf8'))
    .join('\n');
}

test('real-time text: as typed, apart from chat, announced when done, never kept', { skip: skip ?? false, timeout: 400000 }, async () => {
  const b = /** @type {import('playwright-core').Browser} */ (browser);
  const n = /** @type {NonNullable<typeof nara>} */ (nara);
  const room = randomRoom('rtt');
  const astrid = await newPage(b, { viewport: { width: 1280, height: 800 } });
  const erik = await newPage(b, { viewport: { width: 1280, height: 800 }, locale: 'ar-SY' });
  for (const p of [astrid.page, erik.page]) {
    // A busy machine is slow; the test is about what happens, not how fast.
    p.setDefaultTimeout(60000);
    p.setDefaultNavigationTimeout(120000);
  }
  try {
    await astrid.page.goto(`${n.url}/r/${room}`);
    await astrid.page.getByLabel('Your name').fill('Astrid');
    await astrid.page.getByRole('button', { name: 'Join', exact: true }).click();
    await astrid.page.getByRole('button', { name: 'Leave', exact: true }).waitFor();
    // Erik's browser asks for Arabic: the page is right to left, in Arabic.
    await erik.page.goto(`${n.url}/r/${room}`);
    await erik.page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await erik.page.evaluate(() => document.documentElement.lang), 'ar');
    await erik.page.getByLabel('اسمك').fill('Erik');
    await erik.page.getByRole('button', { name: 'دخول', exact: true }).click();
    await erik.page.getByRole('button', { name: 'خروج', exact: true }).waitFor();
    await astrid.page.locator('li[data-participant]').filter({ hasText: 'Erik' }).first().waitFor();

    // The area is there in both languages, labelled, and the live line is
    // not a live region while the finished lines are.
    const input = astrid.page.getByLabel('Type here: the others see each letter as you type');
    await input.waitFor();
    assert.equal(await erik.page.locator('#rtt-input').count(), 1);
    assert.equal(await erik.page.locator('#rtt .rtt-log').getAttribute('aria-live'), 'polite');
    assert.equal(await erik.page.locator('#rtt .rtt-log').getAttribute('role'), 'log');
    assert.equal(await erik.page.locator('#rtt .rtt-live').getAttribute('aria-live'), null);

    // Letters arrive while Astrid is still typing: before she presses Enter.
    await input.click();
    await astrid.page.keyboard.type(RTT_FIRST_WORDS, { delay: 40 });
    const live = erik.page.locator('#rtt .rtt-live .rtt-line').filter({ hasText: 'Astrid' });
    await live.locator('.rtt-text', { hasText: RTT_FIRST_WORDS }).waitFor({ timeout: 30000 });
    assert.match(await live.innerText(), /Astrid يكتب/);
    assert.equal(await erik.page.locator('#rtt .rtt-log p').count(), 0, 'nothing finished yet');
    await astrid.page.keyboard.type(RTT_LINE.slice(RTT_FIRST_WORDS.length), { delay: 20 });
    await live.locator('.rtt-text', { hasText: RTT_LINE }).waitFor({ timeout: 30000 });

    // Enter: the line is done; it moves to the log, the live line empties.
    await astrid.page.keyboard.press('Enter');
    const done = erik.page.locator('#rtt .rtt-log p', { hasText: RTT_LINE });
    await done.waitFor({ timeout: 30000 });
    assert.match(await done.innerText(), /Astrid كتب/);
    await live.waitFor({ state: 'hidden' });
    assert.equal(await input.inputValue(), '');
    await astrid.page.locator('#rtt .rtt-log p', { hasText: RTT_LINE }).waitFor();
    // Not chat: the chat log never saw it.
    assert.equal(await erik.page.locator('#chat-log').getByText(RTT_LINE).count(), 0);

    // Erasing shows too, and Arabic typed live reads right to left.
    const erikInput = erik.page.locator('#rtt-input');
    await erikInput.click();
    await erik.page.keyboard.type(RTT_ARABIC, { delay: 30 });
    const fromErik = astrid.page.locator('#rtt .rtt-live .rtt-line').filter({ hasText: 'Erik' });
    await fromErik.locator('.rtt-text', { hasText: RTT_ARABIC }).waitFor({ timeout: 30000 });
    assert.equal(await fromErik.locator('.rtt-text').getAttribute('dir'), 'auto');
    for (let i = 0; i < RTT_ARABIC.length; i++) await erik.page.keyboard.press('Backspace');
    await fromErik.waitFor({ state: 'hidden', timeout: 30000 });

    // No script error, no Content-Security-Policy refusal (a missing favicon is no concern).
    for (const p of [astrid, erik]) {
      assert.deepEqual(p.errors.filter((e) => e.startsWith('pageerror:') || /Content Security Policy|Refused to/.test(e)), []);
    }
  } finally {
    await astrid.context.close();
    await erik.context.close();
  }
  // The server relayed and forgot: not in its log, not in its files.
  await n.stop();
  for (const text of [RTT_FIRST_WORDS, RTT_LINE, RTT_ARABIC]) {
    assert.ok(!n.logs().includes(text), `"${text}" in nara's log`);
    assert.ok(!stateFiles().includes(text), `"${text}" in nara's state directory`);
  }
});
