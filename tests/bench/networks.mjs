#!/usr/bin/env node
// networks.mjs — calls on bad networks, Nara side by side with Janus 1.1.2,
// through real Chromium.
//
// A call is three Chromium pages (fake camera: Chromium's moving test
// pattern at 640x480; fake microphone: a beep) in one room; the third
// participant, "Cleo", has a bad network, applied to her page alone by
// DevTools' network emulation (tests/e2e/lib/netem.mjs) before it joins.
// Nara's pages are its own web client; Janus' pages are tests/bench/page/,
// a VideoRoom client with the same getUserMedia constraints, VP8 and Opus,
// served from a loopback HTTP server this script starts. With --server both
// the two calls of a profile run one after the other (Nara first), each in
// its own browser; --concurrent runs them at the same time, so the machine's
// noise hits both alike, but six pages encoding and decoding 640x480 need
// more than two cores: starved of CPU, both lose frames for that reason
// alone.
//
// For each profile the script measures, over --seconds after a 5 s settle,
// both directions: what Cleo receives of the two others, and what the two
// others receive of Cleo. It prints a table and writes JSON (--out).
//
//   node tests/bench/networks.mjs [--server nara|janus|both] [--seconds N]
//        [--profile NAME[,NAME...]] [--out FILE] [--concurrent]
//
// nara is $NARA_BIN (else build/server/nara); Janus is Debian's janus.
// Every browser and server it starts is stopped before it exits.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, newPage, openJoinScreen } from '../e2e/lib/browser.mjs';
import { callStats, impair, launchWithArgs, msUntilVideoResumes, remoteOf } from '../e2e/lib/netem.mjs';
import { REPO_ROOT, startNara } from '../e2e/lib/server.mjs';
import { janusMissing, startJanus } from './janus.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NAMES = ['Anna', 'Bo', 'Cleo']; // Cleo is the one on the bad network
const IMPAIRED = 'Cleo';
const SETTLE_MS = 5000;
const OUTAGE_MS = 5000;
// A throttled link drops what it cannot hold, as a router does; without a
// bound, Chromium's emulation queues every packet and only adds delay.
const QUEUE = 30;

/**
 * @typedef {object} Profile
 * @property {string} about
 * @property {import('../e2e/lib/netem.mjs').Conditions | null} conditions
 * @property {boolean} [outage]   a total outage of OUTAGE_MS in the middle of the call
 * @property {boolean} [audioOnly] video is not expected to get through
 */
/** @type {Record<string, Profile>} */
export const PROFILES = {
  clean: { about: 'no emulation (loopback)', conditions: null },
  loss3: { about: '3 % loss each way, +50 ms each way (100 ms RTT)', conditions: { loss: 3, latency: 50 } },
  loss8: { about: '8 % loss each way, +50 ms each way (100 ms RTT)', conditions: { loss: 8, latency: 50 } },
  slow: {
    about: `600 kbit/s down, 400 kbit/s up, 2 % loss each way, ${QUEUE}-packet queue`,
    conditions: { downKbps: 600, upKbps: 400, loss: 2, queue: QUEUE },
  },
  narrow: {
    about: `150 kbit/s down, ${QUEUE}-packet queue (audio must survive)`,
    conditions: { downKbps: 150, queue: QUEUE },
    audioOnly: true,
  },
  // Chromium throttles a connection only if emulation was on when it was
  // made, so the outage call starts with 1 ms each way, not with none.
  outage: {
    about: `+1 ms each way, then ${OUTAGE_MS / 1000} s of 100 % loss both ways mid-call`,
    conditions: { latency: 1 },
    outage: true,
  },
};

function usage() {
  return `usage: node tests/bench/networks.mjs [--server nara|janus|both] [--seconds N] [--profile ${Object.keys(PROFILES).join('|')}[,...]] [--out FILE] [--concurrent]`;
}

/** @param {string[]} argv */
function parseArgs(argv) {
  const opt = { server: 'both', seconds: 60, profiles: Object.keys(PROFILES), out: '', concurrent: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${usage()}`);
      return argv[++i];
    };
    if (a === '--server') opt.server = v();
    else if (a === '--seconds') opt.seconds = Number(v());
    else if (a === '--profile') opt.profiles = v().split(',');
    else if (a === '--out') opt.out = v();
    else if (a === '--concurrent') opt.concurrent = true;
    else if (a === '--help' || a === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${usage()}`);
  }
  if (!['nara', 'janus', 'both'].includes(opt.server)) throw new Error(`--server must be nara, janus or both\n${usage()}`);
  if (!Number.isFinite(opt.seconds) || opt.seconds < 10 || opt.seconds > 600) throw new Error('--seconds must be 10..600');
  for (const p of opt.profiles) if (!PROFILES[p]) throw new Error(`unknown profile ${p}\n${usage()}`);
  return opt;
}

/** Serves tests/bench/page/ on 127.0.0.1 (the Janus client). */
function servePage() {
  const types = { '.html': 'text/html', '.js': 'text/javascript' };
  const srv = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html';
    const file = path.join(HERE, 'page', name);
    if (!fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[/** @type {'.js'} */ (path.extname(file))] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      resolve({ url: `http://127.0.0.1:${port}/index.html`, close: () => new Promise((r) => srv.close(r)) });
    });
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until every page receives audio from both others, and video too
 * unless the profile lets Cleo's video starve; bounded by timeoutMs.
 * @param {import('playwright-core').Page[]} pages
 * @param {boolean} audioOnlyForImpaired
 */
async function waitForCall(pages, audioOnlyForImpaired, timeoutMs = 40000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    let ok = true;
    const seen = [];
    for (let i = 0; i < pages.length; i++) {
      const snap = await callStats(pages[i]);
      for (const other of NAMES.filter((_, j) => j !== i)) {
        const s = remoteOf(snap, other);
        const needVideo = !(audioOnlyForImpaired && NAMES[i] === IMPAIRED);
        const good = s !== null && s.totalSamplesReceived > 0 && (!needVideo || s.framesDecoded > 0);
        if (!good) ok = false;
        seen.push(`${NAMES[i]}<-${other}: ${s ? `${s.framesDecoded} frames, ${s.totalSamplesReceived} samples` : 'none'}`);
      }
    }
    last = seen.join('; ');
    if (ok) return null;
    await sleep(500);
  }
  return `the call did not come up within ${timeoutMs / 1000} s: ${last}`;
}

/**
 * Per stream: what a receiver got of one sender between two snapshots.
 * @param {import('../e2e/lib/netem.mjs').StreamStats | null} a
 * @param {import('../e2e/lib/netem.mjs').StreamStats | null} b
 * @param {number} seconds
 */
function streamMetrics(a, b, seconds) {
  if (!a || !b) return null;
  const d = (/** @type {keyof typeof a} */ k) => b[k] - a[k];
  const vp = d('videoPacketsReceived') + d('videoPacketsLost');
  const ap = d('audioPacketsReceived') + d('audioPacketsLost');
  const samples = d('totalSamplesReceived');
  return {
    fps: d('framesDecoded') / seconds,
    freezesPerMin: (d('freezeCount') * 60) / seconds,
    freezeSeconds: d('totalFreezesDuration'),
    width: b.frameWidth,
    height: b.frameHeight,
    videoLossPct: vp > 0 ? (100 * d('videoPacketsLost')) / vp : 0,
    nacksSent: d('nackCount'),
    plisSent: d('pliCount'),
    rtxReceived: d('retransmittedPacketsReceived'),
    audioLossPct: ap > 0 ? (100 * d('audioPacketsLost')) / ap : 0,
    concealedPct: samples > 0 ? (100 * d('concealedSamples')) / samples : 100,
  };
}

/** @param {(ReturnType<typeof streamMetrics>)[]} list */
function combine(list) {
  const ok = /** @type {NonNullable<ReturnType<typeof streamMetrics>>[]} */ (list.filter(Boolean));
  if (!ok.length) return null;
  const mean = (/** @type {keyof (typeof ok)[0]} */ k) => ok.reduce((s, m) => s + m[k], 0) / ok.length;
  const sum = (/** @type {keyof (typeof ok)[0]} */ k) => ok.reduce((s, m) => s + m[k], 0);
  return {
    fps: mean('fps'),
    fpsMin: Math.min(...ok.map((m) => m.fps)),
    freezesPerMin: mean('freezesPerMin'),
    freezeSeconds: mean('freezeSeconds'),
    resolution: [...new Set(ok.map((m) => `${m.width}x${m.height}`))].join(','),
    videoLossPct: mean('videoLossPct'),
    nacksSent: sum('nacksSent'),
    plisSent: sum('plisSent'),
    rtxReceived: sum('rtxReceived'),
    audioLossPct: mean('audioLossPct'),
    concealedPct: mean('concealedPct'),
    streams: ok.length,
  };
}

/**
 * One call of three pages through one server, Cleo's page impaired.
 * @param {'nara' | 'janus'} kind
 * @param {{url: string}} target  nara: its base URL; janus: the bench page with ws & room
 * @param {import('playwright-core').Browser} browser
 * @param {Profile} profile
 * @param {number} seconds
 */
async function runCall(kind, target, browser, profile, seconds) {
  /** @type {Awaited<ReturnType<typeof newPage>>[]} */
  const opened = [];
  try {
    const room = `net-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const janusRoom = 1 + Math.floor(Math.random() * 1e9);
    for (const name of NAMES) {
      const p = await newPage(browser, { viewport: { width: 1024, height: 700 } });
      opened.push(p);
      if (kind === 'nara') await openJoinScreen(p.page, target.url, room, name);
      else await p.page.goto(target.url);
    }
    const pages = opened.map((p) => p.page);
    const cleo = pages[NAMES.indexOf(IMPAIRED)];
    const setNetwork = await impair(cleo, profile.conditions);
    for (let i = 0; i < pages.length; i++) {
      if (kind === 'nara') {
        await pages[i].getByRole('button', { name: 'Join', exact: true }).click();
        await pages[i].getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 20000 });
      } else {
        const wsUrl = /** @type {any} */ (target).wsUrl;
        await pages[i].evaluate((o) => /** @type {any} */ (window).bench.join(o), { wsUrl, room: janusRoom, name: NAMES[i] });
      }
    }
    // On a link too narrow for the call, what did come up is measured too.
    let incomplete = await waitForCall(pages, Boolean(profile.audioOnly));
    if (incomplete && kind === 'janus') {
      const errs = await Promise.all(pages.map((p) => p.evaluate(() => /** @type {any} */ (window).bench.errors())));
      incomplete += `; page errors: ${JSON.stringify(errs)}`;
    }
    if (incomplete && !profile.audioOnly) throw new Error(incomplete);
    if (incomplete) console.error(`${kind}: ${incomplete}; measuring what there is`);
    await sleep(SETTLE_MS);

    const snap = () => Promise.all(pages.map((p) => callStats(p)));
    const t0 = Date.now();
    const s0 = await snap();
    /** @type {{toImpaired: Record<string, number | null>, fromImpaired: Record<string, number | null>} | null} */
    let recovery = null;
    if (profile.outage) {
      await sleep((seconds * 1000 - OUTAGE_MS) / 2);
      await setNetwork({ latency: 1, loss: 100 });
      await sleep(OUTAGE_MS);
      await setNetwork(profile.conditions);
      const others = NAMES.filter((n) => n !== IMPAIRED);
      const [toImpaired, ...from] = await Promise.all([
        msUntilVideoResumes(cleo, others, 30000),
        ...pages.filter((p) => p !== cleo).map((p) => msUntilVideoResumes(p, [IMPAIRED], 30000)),
      ]);
      recovery = { toImpaired, fromImpaired: Object.fromEntries(others.map((n, i) => [n, from[i][IMPAIRED]])) };
    }
    await sleep(Math.max(0, t0 + seconds * 1000 - Date.now()));
    const s1 = await snap();
    const secs = (s1[0].at - s0[0].at) / 1000;

    const ci = NAMES.indexOf(IMPAIRED);
    const toImpaired = NAMES.filter((n) => n !== IMPAIRED).map((n) => streamMetrics(remoteOf(s0[ci], n), remoteOf(s1[ci], n), secs));
    const fromImpaired = NAMES.map((n, i) =>
      n === IMPAIRED ? null : streamMetrics(remoteOf(s0[i], IMPAIRED), remoteOf(s1[i], IMPAIRED), secs),
    );
    const a = s0[ci].sent;
    const b = s1[ci].sent;
    const worst = (/** @type {(number | null)[]} */ v) => (v.some((x) => x === null) ? null : Math.max(.../** @type {number[]} */ (v)));
    return {
      seconds: secs,
      toImpaired: {
        ...combine(toImpaired),
        rttMs: s1[ci].rttMs,
        recoveryMs: recovery ? worst(Object.values(recovery.toImpaired)) : undefined,
        perStream: toImpaired,
      },
      fromImpaired: {
        ...combine(fromImpaired),
        rttMs: s1[ci].sendRttMs,
        recoveryMs: recovery ? worst(Object.values(recovery.fromImpaired)) : undefined,
        perStream: fromImpaired.filter(Boolean),
        sender: {
          fps: (b.framesEncoded - a.framesEncoded) / secs,
          kbps: ((b.bytesSent - a.bytesSent) * 8) / secs / 1000,
          resolution: `${b.frameWidth}x${b.frameHeight}`,
          nacksReceived: b.nackCount - a.nackCount,
          rtxSent: b.retransmittedPacketsSent - a.retransmittedPacketsSent,
          qualityLimitation: b.qualityLimitationReason,
        },
      },
      recovery,
      incomplete,
      loadavg: os.loadavg()[0], // the machine's 1-minute load at the end: other work skews every figure
      pageErrors: opened.flatMap((p) => p.errors).slice(0, 10),
    };
  } finally {
    for (const p of opened) await p.context.close().catch(() => {});
  }
}

/** @param {number | null | undefined} v @param {number} digits */
const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));

/** @param {any[]} rows */
function printTable(rows) {
  const head = ['server', 'profile', 'direction', 'fps', 'min', 'frz/min', 'frz s', 'resolution', 'loss%', 'NACK', 'RTX', 'PLI', 'conceal%', 'RTT', 'recover s', 'sent fps', 'sent kbps', 'NACK in', 'RTX out'];
  const lines = [head];
  for (const r of rows) {
    for (const [dir, m] of [['to Cleo', r.result?.toImpaired], ['from Cleo', r.result?.fromImpaired]]) {
      if (!r.result) {
        lines.push([r.server, r.profile, dir, 'failed']);
        continue;
      }
      const s = m.sender;
      lines.push([
        r.server, r.profile, dir, m.streams ? fmt(m.fps) : 'none', fmt(m.fpsMin), fmt(m.freezesPerMin), fmt(m.freezeSeconds), m.resolution ?? '-',
        fmt(m.videoLossPct), String(m.nacksSent ?? '-'), String(m.rtxReceived ?? '-'), String(m.plisSent ?? '-'),
        fmt(m.concealedPct), fmt(m.rttMs, 0), m.recoveryMs === undefined ? '' : fmt(m.recoveryMs === null ? null : m.recoveryMs / 1000),
        s ? fmt(s.fps) : '', s ? fmt(s.kbps, 0) : '', s ? String(s.nacksReceived) : '', s ? String(s.rtxSent) : '',
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  for (const l of lines) console.log(l.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd());
  for (const r of rows) if (r.error) console.log(`${r.server} ${r.profile} failed: ${r.error}`);
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const kinds = /** @type {('nara' | 'janus')[]} */ (opt.server === 'both' ? ['nara', 'janus'] : [opt.server]);
  if (kinds.includes('janus') && janusMissing()) throw new Error(/** @type {string} */ (janusMissing()));
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);

  /** @type {(() => Promise<unknown>)[]} */
  const cleanups = [];
  // Interrupted, it still stops every server and browser it started.
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, async () => {
      for (const c of cleanups.reverse()) await c().catch(() => {});
      process.exit(130);
    });
  }
  const rows = [];
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  let browserVersion = '';
  try {
    /** @type {Record<string, {url: string, wsUrl?: string}>} */
    const targets = {};
    /** @type {Record<string, import('playwright-core').Browser>} */
    const browsers = {};
    for (const kind of kinds) {
      if (kind === 'nara') {
        const nara = await startNara({ args: ['--set', `log.level=${process.env.NARA_LOG_LEVEL ?? 'warning'}`] });
        cleanups.push(() => nara.stop());
        targets.nara = { url: nara.url };
      } else {
        const janus = await startJanus();
        cleanups.push(() => janus.stop());
        const page = /** @type {{url: string, close: () => Promise<void>}} */ (await servePage());
        cleanups.push(() => page.close());
        targets.janus = { url: page.url, wsUrl: janus.wsUrl };
      }
      const browser = await launchWithArgs(['--autoplay-policy=no-user-gesture-required']);
      cleanups.push(() => browser.close());
      browsers[kind] = browser;
      browserVersion = browser.version();
    }
    for (const name of opt.profiles) {
      const profile = PROFILES[name];
      const together = opt.concurrent && kinds.length > 1;
      console.error(`profile ${name}: ${profile.about}, ${opt.seconds} s, ${kinds.join(' and ')}${together ? ' at the same time' : ''}`);
      const call = (/** @type {'nara' | 'janus'} */ k) => runCall(k, targets[k], browsers[k], profile, opt.seconds);
      /** @type {PromiseSettledResult<Awaited<ReturnType<typeof runCall>>>[]} */
      let results = [];
      if (together) results = await Promise.allSettled(kinds.map(call));
      else for (const k of kinds) results.push(...(await Promise.allSettled([call(k)])));
      results.forEach((r, i) => {
        const row = { server: kinds[i], profile: name, about: profile.about, conditions: profile.conditions };
        if (r.status === 'fulfilled') rows.push({ ...row, result: r.value });
        else {
          console.error(`${kinds[i]} ${name}: ${r.reason?.message ?? r.reason}`);
          rows.push({ ...row, error: String(r.reason?.message ?? r.reason).split('\n')[0] });
        }
      });
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  }
  printTable(rows);
  if (opt.out) {
    const doc = {
      date: new Date().toISOString(),
      commit,
      chromium: browserVersion,
      seconds: opt.seconds,
      concurrent: opt.concurrent && kinds.length > 1,
      impaired: IMPAIRED,
      rows,
    };
    fs.writeFileSync(opt.out, `${JSON.stringify(doc, null, 2)}\n`);
    console.error(`wrote ${opt.out}`);
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exitCode = 1;
});
