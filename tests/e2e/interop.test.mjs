// interop.test.mjs — a browser and aiortc (tests/interop/aiortc_client.py)
// in one room: each must decode the other's video and audio within 30 s.
// aiortc is a second, independent WebRTC stack, so this catches SDP and
// RTP habits of nara's that only happen to suit Chromium. Skipped when
// Debian's python3-aiortc is not installed. The Python process is killed
// at the end whatever happens.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { browserMissing, joinRoom, launchBrowser, newPage, randomRoom, redNegotiated, waitForMedia } from './lib/browser.mjs';
import { REPO_ROOT, startNara } from './lib/server.mjs';

const PYTHON = process.env.NARA_INTEROP_PYTHON || '/usr/bin/python3';
const CLIENT = path.join(REPO_ROOT, 'tests/interop/aiortc_client.py');

function aiortcMissing() {
  const r = spawnSync(PYTHON, ['-c', 'import aiortc, websockets, av'], { stdio: 'ignore' });
  return r.status === 0 ? null : `${PYTHON} cannot import aiortc, websockets and av (python3-aiortc, python3-websockets)`;
}

const skip = browserMissing() ?? aiortcMissing();
/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('node:child_process').ChildProcess | undefined} */
let python;

before(async () => {
  if (skip) return;
  nara = await startNara();
  browser = await launchBrowser();
});

after(async () => {
  if (python && python.exitCode === null && python.signalCode === null) {
    const gone = new Promise((resolve) => python?.once('exit', resolve));
    python.kill('SIGTERM');
    const timer = setTimeout(() => python?.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
  await browser?.close().catch(() => {});
  await nara?.stop();
});

test('a browser and aiortc exchange video and audio', { skip: skip ?? false, timeout: 90000 }, async (t) => {
  const n = /** @type {NonNullable<typeof nara>} */ (nara);
  const room = randomRoom('interop');
  const { page, errors } = await newPage(/** @type {import('playwright-core').Browser} */ (browser));
  /** @type {any[]} */
  const events = [];
  /** @type {string[]} */
  const pyErr = [];
  try {
    await joinRoom(page, n.url, room, 'Astrid');

    python = spawn(PYTHON, [CLIENT, '--url', n.wsUrl, '--room', room, '--name', 'aiortc', '--frames', '10', '--duration', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (python.stdout) }).on('line', (line) => {
      try {
        events.push(JSON.parse(line));
      } catch {
        pyErr.push(line);
      }
    });
    readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (python.stderr) }).on('line', (line) => {
      pyErr.push(line);
      if (pyErr.length > 200) pyErr.shift();
    });

    const deadline = Date.now() + 30000;
    const received = (/** @type {string} */ kind) =>
      events.some((e) => e.event === 'received' && e.kind === kind && e.name === 'Astrid');
    while (Date.now() < deadline && !(received('video') && received('audio'))) {
      if (python.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const media = await waitForMedia(page, ['aiortc'], Math.max(1000, deadline - Date.now()));

    for (const e of events) t.diagnostic(`aiortc: ${JSON.stringify(e)}`);
    const ok = received('video') && received('audio') && media.ok;
    if (!ok) {
      console.error(`--- aiortc stderr ---\n${pyErr.join('\n')}`);
      console.error(`--- page console errors ---\n${errors.join('\n')}`);
      console.error(`--- nara output ---\n${n.logs()}`);
    }
    assert.ok(media.ok, `the browser decoded no video or audio from aiortc in 30 s: ${JSON.stringify(media.stats)}`);
    assert.ok(received('video'), 'aiortc decoded no video from the browser in 30 s');
    assert.ok(received('audio'), 'aiortc decoded no audio from the browser in 30 s');
    // The browser sends Opus in RED (RFC 2198); aiortc negotiates no RED,
    // so what it decoded is the primary block Nara took out for it.
    const red = await redNegotiated(page);
    t.diagnostic(`browser RED: ${JSON.stringify(red)}`);
    assert.ok(red.publishRed, 'Nara did not answer the browser with RED first');
  } finally {
    await page.context().close().catch(() => {});
  }
});
