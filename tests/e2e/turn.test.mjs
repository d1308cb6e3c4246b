// turn.test.mjs — a call that can only go through TURN, as on a guest
// Wi-Fi that blocks UDP to everything but the relay.
//
// coturn runs on 127.0.0.1 with a shared secret; nara gets the same secret
// (turn.urls, turn.secret) and hands each session its own credential in
// joined. Both browser pages are forced to iceTransportPolicy "relay", so
// media flows only if the web client passes joined's iceServers to its
// peer connections and coturn accepts nara's credentials. Asserts decoded
// video and audio both ways and that the selected candidate pairs are relayed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { browserMissing, joinRoom, launchBrowser, newPage, randomRoom, waitForMedia } from './lib/browser.mjs';
import { freePort, makeStateDir, startNara } from './lib/server.mjs';

const SECRET = 'turn-secret-used-only-in-e2e-turn';
const TURNSERVER = '/usr/bin/turnserver';
const skip = browserMissing();

/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('node:child_process').ChildProcess | undefined} */
let coturn;
const turnDir = makeStateDir();

/**
 * Starts coturn on 127.0.0.1 and resolves with its port once it listens.
 * @returns {Promise<number>}
 */
async function startCoturn() {
  const port = await freePort();
  const relay = await freePort();
  const log = path.join(turnDir, 'turnserver.log');
  coturn = spawn(TURNSERVER, [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    `--min-port=${relay}`, `--max-port=${relay + 20}`, '--use-auth-secret',
    `--static-auth-secret=${SECRET}`, '--realm=nara', '--no-tls', '--no-dtls', '--no-cli',
    '--allow-loopback-peers', '--fingerprint', `--log-file=${log}`, '--simple-log',
    '--no-stdout-log', `--pidfile=${path.join(turnDir, 'turnserver.pid')}`,
    `--userdb=${path.join(turnDir, 'turndb')}`,
  ], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('Total General servers')) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('coturn did not start within 10 s');
}

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(TURNSERVER), 'coturn is not installed (tools/packages-test.txt has it)');
  const port = await startCoturn();
  nara = await startNara({
    args: ['--set', `turn.urls=turn:127.0.0.1:${port}?transport=udp`, '--set', `turn.secret=${SECRET}`],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
  coturn?.kill('SIGTERM');
  fs.rmSync(turnDir, { recursive: true, force: true });
});

/**
 * Wraps RTCPeerConnection so every connection the client makes is relay-only.
 * @param {import('playwright-core').Page} page
 */
function forceRelay(page) {
  return page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    /** @param {RTCConfiguration} [config] */
    function RelayOnly(config) {
      return new Native({ ...(config ?? {}), iceTransportPolicy: 'relay' });
    }
    RelayOnly.prototype = Native.prototype;
    Object.setPrototypeOf(RelayOnly, Native);
    // @ts-ignore — a constructor stand-in
    window.RTCPeerConnection = RelayOnly;
  });
}

/**
 * The local candidate type of each connection's selected pair.
 * @param {import('playwright-core').Page} page
 */
function selectedCandidateTypes(page) {
  return page.evaluate(async () => {
    const w = /** @type {any} */ (window);
    /** @type {Record<string, string | null>} */
    const out = {};
    for (const key of ['publishPc', 'subscribePc']) {
      const pc = w.nara?.[key];
      if (!pc) continue;
      const stats = await pc.getStats();
      /** @type {any} */
      let pair = null;
      stats.forEach((/** @type {any} */ s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      });
      out[key] = pair ? stats.get(pair.localCandidateId)?.candidateType ?? null : null;
    }
    return out;
  });
}

test('two browsers limited to TURN relay candidates see and hear each other', { skip: skip ?? false, timeout: 90000 }, async (t) => {
  const b = /** @type {import('playwright-core').Browser} */ (browser);
  const base = /** @type {NonNullable<typeof nara>} */ (nara).url;
  const room = randomRoom('turn');
  const pages = [await newPage(b), await newPage(b)];
  try {
    for (const { page } of pages) await forceRelay(page);
    await joinRoom(pages[0].page, base, room, 'Astrid');
    await joinRoom(pages[1].page, base, room, 'Dr Berg');
    const [one, two] = await Promise.all([
      waitForMedia(pages[0].page, ['Dr Berg'], 30000),
      waitForMedia(pages[1].page, ['Astrid'], 30000),
    ]);
    t.diagnostic(`page 1 sees ${JSON.stringify(one.stats)}`);
    t.diagnostic(`page 2 sees ${JSON.stringify(two.stats)}`);
    assert.ok(one.ok && two.ok, 'no decoded video and audio through the relay');
    for (const { page } of pages) {
      const types = await selectedCandidateTypes(page);
      t.diagnostic(`selected local candidates: ${JSON.stringify(types)}`);
      assert.deepEqual(types, { publishPc: 'relay', subscribePc: 'relay' });
    }
  } finally {
    for (const { context } of pages) await context.close().catch(() => {});
  }
});
