// consultation.test.mjs — a booked consultation end to end, real nara and
// Chromium with fake camera and microphone: an API key from the CLI, a
// booking through POST /api/v1/consultations, then host, patient and
// relative open their links. The patient waits with no media, the host
// admits, both decode each other; a host mute stops the patient's audio at
// the server; a removed relative's link stops working; a restarted nara
// (same state) takes the links again; the host ends it for everyone. The
// patient's pre-call check first tests media through nara (media-check:
// open rooms are off) without the host hearing of it. axe
// checks the waiting screen and the host's call with people waiting.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PHONE, assertFitsWidth, assertNoViolations } from './lib/a11y.mjs';
import { browserMissing, launchBrowser, newPage, waitForMedia } from './lib/browser.mjs';
import { createApiKey, createConsultation, joinLink, receiveStats } from './lib/consultation.mjs';
import { makeStateDir, startNara } from './lib/server.mjs';

const skip = browserMissing();
const SHOTS = process.env.NARA_E2E_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'nara-e2e-shots-'));
const WIDE = { width: 1280, height: 800 };
const TITLE = 'Follow-up, dermatology';
const HOST = 'Dr Lind';
const PATIENT = 'Astrid Andersson';
const RELATIVE = 'Erik Andersson';

/** @type {string} */
let stateDir = '';
/** @type {string} */
let apiKey = '';
/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;

before(async () => {
  if (skip) return;
  stateDir = makeStateDir();
  apiKey = await createApiKey(stateDir);
  nara = await startNara({ stateDir });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  if (!skip) console.log(`screenshots in ${SHOTS}`);
});

const base = () => /** @type {NonNullable<typeof nara>} */ (nara).url;

/**
 * Opens a join link in its own browser context and presses Join.
 * @param {string} link
 * @param {{width: number, height: number}} [viewport]
 */
async function openAndJoin(link, viewport = WIDE) {
  const tab = await newPage(/** @type {import('playwright-core').Browser} */ (browser), { viewport });
  if (process.env.NARA_E2E_FRAMES) {
    const who = link.slice(-6);
    tab.page.on('websocket', (ws) => {
      ws.on('framesent', (f) => console.log(`[${who} >] ${String(f.payload).slice(0, 160)}`));
      ws.on('framereceived', (f) => console.log(`[${who} <] ${String(f.payload).slice(0, 160)}`));
    });
  }
  await tab.page.goto(link);
  await tab.page.getByRole('button', { name: 'Join', exact: true }).click();
  return tab;
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} heading
 */
const shows = (page, heading, timeout = 15000) => page.getByRole('heading', { name: heading }).waitFor({ timeout });

/**
 * The host admits a waiting person by name, as a user would.
 * @param {import('playwright-core').Page} host
 * @param {string} name
 */
async function admit(host, name) {
  await host.getByRole('button', { name: `Admit ${name}` }).click({ timeout: 15000 });
}

/**
 * Fails with both pages' stats and nara's log unless each decodes the other.
 * @param {[import('playwright-core').Page, string][]} pairs page and the name it must receive
 */
async function assertMedia(pairs) {
  for (const [page, name] of pairs) {
    const { ok, stats } = await waitForMedia(page, [name], 20000);
    assert.ok(ok, `no audio and video from ${name}: ${JSON.stringify(stats)}\n${nara?.logs()}`);
  }
}

/**
 * The host's received audio packets from one participant.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
async function audioPacketsFrom(page, name) {
  return (await receiveStats(page)).byName[name]?.audioPackets ?? 0;
}

test('a consultation from booking to end, in real browsers', { skip: skip ?? false, timeout: 300000 }, async (t) => {
  const created = await createConsultation(base(), apiKey, {
    title: TITLE,
    participants: [
      { name: HOST, role: 'host', assurance: 'siths' },
      { name: PATIENT, role: 'patient', assurance: 'bankid-se' },
      { name: RELATIVE, role: 'relative', assurance: 'none' },
    ],
  });
  const link = {
    host: joinLink(base(), created, HOST),
    patient: joinLink(base(), created, PATIENT),
    relative: joinLink(base(), created, RELATIVE),
  };
  /** @type {Awaited<ReturnType<typeof openAndJoin>>[]} */
  const tabs = [];
  try {
    const host = await openAndJoin(link.host);
    tabs.push(host);
    await shows(host.page, TITLE);

    // The patient's pre-call check sends its picture through nara, though
    // open rooms are off here (the default): a media check with the link's
    // token, which the host in the call never hears of.
    const patient = await newPage(/** @type {import('playwright-core').Browser} */ (browser), { viewport: PHONE });
    tabs.push(patient);
    await patient.page.goto(link.patient);
    await t.test('the pre-call check tests media through nara with open rooms off', async () => {
      const verdict = patient.page.locator('#precall-verdict');
      await verdict.waitFor({ state: 'visible', timeout: 60000 });
      const media = await verdict.getAttribute('data-media');
      assert.ok(media === 'good' || media === 'poor', `media test said ${media}\n${nara?.logs()}`);
      assert.notEqual(await verdict.getAttribute('data-verdict'), 'unreachable');
    });
    await patient.page.getByRole('button', { name: 'Join', exact: true }).click();

    await t.test('the patient waits with no media connection', async () => {
      await shows(patient.page, 'You are in the waiting room');
      await patient.page.getByText('Your care provider will let you in soon.').waitFor();
      await patient.page.waitForTimeout(1000);
      const stats = await receiveStats(patient.page);
      assert.equal(stats.subscribePc && stats.inboundRtp > 0, false, `media while waiting: ${JSON.stringify(stats)}`);
      assert.equal(stats.publishPc, false);
      await assertNoViolations(patient.page, 'waiting (360 px)');
      await assertFitsWidth(patient.page, 'waiting');
      await patient.page.screenshot({ path: path.join(SHOTS, 'real-waiting-360.png'), fullPage: true });
      await patient.page.setViewportSize(WIDE);
      await assertNoViolations(patient.page, 'waiting (1280 px)');
      await patient.page.screenshot({ path: path.join(SHOTS, 'real-waiting-1280.png'), fullPage: true });
    });

    await t.test('the host sees who waits, how they were identified, and admits', async () => {
      const row = host.page.locator('#waiting-list li').filter({ hasText: PATIENT });
      await row.waitFor({ timeout: 10000 });
      await row.getByText('Identified with BankID').waitFor();
      await row.getByText('Patient', { exact: true }).waitFor();
      await host.page.getByRole('region', { name: 'Waiting room' }).getByRole('status').getByText('1 person is waiting.').waitFor();
      await assertNoViolations(host.page, 'host call with the waiting list (1280 px)');
      await host.page.screenshot({ path: path.join(SHOTS, 'real-host-1280.png'), fullPage: true });
      await host.page.setViewportSize(PHONE);
      await assertNoViolations(host.page, 'host call with the waiting list (360 px)');
      await assertFitsWidth(host.page, 'host call');
      await host.page.screenshot({ path: path.join(SHOTS, 'real-host-360.png'), fullPage: true });
      await host.page.setViewportSize(WIDE);

      await admit(host.page, PATIENT);
      await shows(patient.page, TITLE);
      await host.page.getByRole('region', { name: 'Waiting room' }).getByText('Nobody is waiting.').waitFor();
      await assertMedia([[host.page, PATIENT], [patient.page, HOST]]);
    });

    await t.test('a host mute stops the patient audio at the server', async (st) => {
      const before1 = await audioPacketsFrom(host.page, PATIENT);
      await host.page.waitForTimeout(1000);
      assert.ok((await audioPacketsFrom(host.page, PATIENT)) > before1, 'audio flows before the mute');
      await host.page.getByRole('button', { name: `Mute ${PATIENT}` }).click();
      await patient.page.getByText('The care provider muted your microphone.').waitFor({ timeout: 10000 });
      assert.equal(await patient.page.getByRole('button', { name: 'Unmute microphone' }).first().getAttribute('aria-disabled'), 'true');
      await host.page.getByRole('button', { name: `Unmute ${PATIENT}` }).waitFor();
      await host.page.waitForTimeout(1000); // packets already on the way
      const a = await audioPacketsFrom(host.page, PATIENT);
      await host.page.waitForTimeout(2000);
      const b = await audioPacketsFrom(host.page, PATIENT);
      st.diagnostic(`audio packets from the muted patient: ${a} then ${b} 2 s later`);
      assert.equal(b, a, `audio packets from the muted patient kept coming: ${a} → ${b}`);
      // Allowed again: the patient unmutes, audio flows again.
      await host.page.getByRole('button', { name: `Unmute ${PATIENT}` }).click();
      await patient.page.getByText('The care provider allows your microphone again.').waitFor({ timeout: 10000 });
      await patient.page.getByRole('button', { name: 'Unmute microphone' }).first().click();
      await host.page.waitForTimeout(1500);
      const c = await audioPacketsFrom(host.page, PATIENT);
      await host.page.waitForTimeout(1500);
      assert.ok((await audioPacketsFrom(host.page, PATIENT)) > c, 'audio flows again after the host allows it');
    });

    const relative = await openAndJoin(link.relative);
    tabs.push(relative);

    await t.test('a removed relative is shown so, and their link no longer admits them', async () => {
      await shows(relative.page, 'You are in the waiting room');
      await admit(host.page, RELATIVE);
      await shows(relative.page, TITLE);
      await host.page.getByRole('button', { name: `Remove ${RELATIVE}` }).click();
      const dialog = host.page.getByRole('dialog', { name: `Remove ${RELATIVE}?` });
      await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
      await shows(relative.page, 'You were removed from the consultation.');
      await host.page.getByRole('log').getByText(`${RELATIVE} was removed from the call.`).waitFor({ timeout: 10000 });

      const again = await openAndJoin(link.relative);
      tabs.push(again);
      await shows(again.page, 'You were removed from the consultation.');
      await again.page.getByText('this link does not let you in now').waitFor();
    });

    await t.test('after a restart of nara the same links work again', async (st) => {
      await /** @type {NonNullable<typeof nara>} */ (nara).restart();
      // The pages join again by themselves; the host comes straight in.
      await shows(host.page, TITLE, 30000);
      await host.page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 30000 });
      const back = patient.page.getByRole('heading', { name: new RegExp(`^(${TITLE}|You are in the waiting room)$`) });
      await back.waitFor({ timeout: 30000 });
      const where = await back.textContent();
      st.diagnostic(`after the restart the patient is back in: ${where}`);
      if (where !== TITLE) {
        await admit(host.page, PATIENT);
        await shows(patient.page, TITLE);
      }
      await assertMedia([[host.page, PATIENT], [patient.page, HOST]]);
      // The removal outlived the restart.
      const still = await openAndJoin(link.relative);
      tabs.push(still);
      await shows(still.page, 'You were removed from the consultation.');
    });

    await t.test('the host ends it for everyone', async () => {
      await host.page.getByRole('button', { name: 'End consultation for everyone' }).click();
      await host.page
        .getByRole('dialog', { name: 'End the consultation for everyone?' })
        .getByRole('button', { name: 'End for everyone' })
        .click();
      for (const page of [host.page, patient.page]) await shows(page, 'The consultation has ended.');
      const late = await openAndJoin(link.patient);
      tabs.push(late);
      await shows(late.page, 'The consultation has ended.');
    });

    await t.test('a forged link is refused in plain language', async () => {
      // A character well inside the signature (the last one has spare bits).
      const i = link.patient.length - 10;
      const forged = link.patient.slice(0, i) + (link.patient[i] === 'A' ? 'B' : 'A') + link.patient.slice(i + 1);
      const tab = await openAndJoin(forged);
      tabs.push(tab);
      await shows(tab.page, 'You cannot join right now');
      await tab.page.getByText('This link does not work.').waitFor();
    });

    for (const tab of tabs) {
      assert.deepEqual(tab.errors.filter((e) => !/favicon|404|ERR_CONNECTION|WebSocket/.test(e)), [], 'console errors');
    }
  } finally {
    for (const tab of tabs) await tab.context.close().catch(() => {});
  }
});
