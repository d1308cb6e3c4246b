// turn-tcp.test.mjs — a call from a network that drops all UDP, as a
// hospital firewall that passes nothing but TCP: it connects only through
// TURN over TCP (3478) or TURN over TLS on 443.
//
// The browser runs in a network namespace of its own (ip netns), joined to
// this one by a veth pair with private 10.x addresses; nftables in that
// namespace drops every UDP packet in and out. nara (HTTPS on 0.0.0.0,
// media on 127.0.0.1, which the namespace cannot reach) and coturn (on the
// veth address, with docker/turnserver.conf as shipped, a self-signed
// certificate and 127.0.0.1 allowed as nara's media address) run here. One
// page may use only the turn:…?transport=tcp URL, the other only turns:…:443;
// both must decode each other's video and audio over a relayed pair whose
// relay protocol is tcp and tls. A third page with every URL nara hands out
// (UDP first) shows the join time a blocked-UDP patient sees.
//
// Needs root (namespaces, nftables, port 443): without it every test skips
// and says why. The namespace, the veth pair, coturn, nara and the browser
// are removed on the way out, also when a step fails.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, armClickTimer, browserMissing, joinRoom, msToFirstFrame, newPage,
  openJoinScreen, randomRoom, waitForMedia,
} from './lib/browser.mjs';
import { REPO_ROOT, freePort, makeStateDir, startNara } from './lib/server.mjs';

const SECRET = 'turn-secret-used-only-in-e2e-turn-tcp';
const TURNSERVER = '/usr/bin/turnserver';
const CONF = path.join(REPO_ROOT, 'docker/turnserver.conf');
const ID = process.pid % 250;
const NS = `nara-turn-${process.pid}`;
const VETH_HOST = `nt${process.pid}a`.slice(0, 15);
const VETH_NS = `nt${process.pid}b`.slice(0, 15);
const HOST_IP = `10.213.${ID}.1`;
const NS_IP = `10.213.${ID}.2`;

/** Why these tests cannot run here, or null. */
function whyNot() {
  const browser = browserMissing();
  if (browser) return browser;
  if (process.getuid?.() !== 0) return 'needs root for a network namespace, nftables and port 443';
  for (const bin of ['/usr/sbin/ip', '/usr/sbin/nft', TURNSERVER, '/usr/bin/openssl']) {
    if (!fs.existsSync(bin)) return `${bin} is missing (tools/packages-test.txt has it)`;
  }
  return null;
}
const skip = whyNot();

/** @param {string[]} args */
function sh(...args) {
  return execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15000 }).toString();
}

const dir = makeStateDir();
/** @type {Awaited<ReturnType<typeof startNara>> | undefined} */
let nara;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('node:child_process').ChildProcess | undefined} */
let coturn;
let netnsMade = false;

function removeNetwork() {
  if (!netnsMade) return;
  netnsMade = false;
  // Deleting the namespace deletes its veth end, and with it the pair.
  try { sh('ip', 'netns', 'del', NS); } catch { /* already gone */ }
  try { sh('ip', 'link', 'del', VETH_HOST); } catch { /* went with the namespace */ }
}
process.on('exit', () => {
  coturn?.kill('SIGKILL');
  removeNetwork();
});

function makeNetwork() {
  sh('ip', 'netns', 'add', NS);
  netnsMade = true;
  sh('ip', 'link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_NS);
  sh('ip', 'link', 'set', VETH_NS, 'netns', NS);
  sh('ip', 'addr', 'add', `${HOST_IP}/30`, 'dev', VETH_HOST);
  sh('ip', 'link', 'set', VETH_HOST, 'up');
  sh('ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', VETH_NS);
  sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', VETH_NS, 'up');
  sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  const rules = path.join(dir, 'block-udp.nft');
  fs.writeFileSync(rules, [
    'table inet nara_block_udp {',
    '  chain out { type filter hook output priority 0; policy accept; meta l4proto udp drop; }',
    '  chain in { type filter hook input priority 0; policy accept; meta l4proto udp drop; }',
    '}', '',
  ].join('\n'));
  sh('ip', 'netns', 'exec', NS, 'nft', '-f', rules);
}

/** coturn as shipped, on the veth address: 3478 (UDP, TCP) and TLS on 443. */
async function startCoturn() {
  const cert = path.join(dir, 'turn-cert.pem');
  const key = path.join(dir, 'turn-key.pem');
  sh('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '1', '-subj', '/CN=turn.test', '-keyout', key, '-out', cert);
  const relay = await freePort();
  const log = path.join(dir, 'turnserver.log');
  coturn = spawn(TURNSERVER, [
    '-c', CONF, '--no-stdout-log', `--log-file=${log}`, `--listening-ip=${HOST_IP}`,
    '--listening-port=3478', '--tls-listening-port=443', '--relay-ip=127.0.0.1',
    `--min-port=${relay}`, `--max-port=${relay + 40}`, `--static-auth-secret=${SECRET}`,
    `--cert=${cert}`, `--pkey=${key}`, '--allow-loopback-peers', '--allowed-peer-ip=127.0.0.1',
    `--pidfile=${path.join(dir, 'turnserver.pid')}`, `--userdb=${path.join(dir, 'turndb')}`,
  ], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('Total General servers')) return log;
    if (coturn.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`coturn did not start; see ${log}`);
}

before(async () => {
  if (skip) return;
  makeNetwork();
  await startCoturn();
  const port = await freePort();
  const urls = [
    `turn:${HOST_IP}:3478?transport=udp`,
    `turn:${HOST_IP}:3478?transport=tcp`,
    `turns:${HOST_IP}:443?transport=tcp`,
  ].join(',');
  nara = await startNara({
    port,
    args: ['--listen', `0.0.0.0:${port}`, '--set', `turn.urls=${urls}`, '--set', `turn.secret=${SECRET}`],
  });
  // Chromium inside the namespace: playwright talks to it over pipes,
  // which cross namespaces.
  const wrapper = path.join(dir, 'chromium-in-netns');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  browser = await chromium.launch({ executablePath: wrapper, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close().catch(() => {});
  await nara?.stop();
  coturn?.kill('SIGTERM');
  removeNetwork();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Keeps only the joined iceServers URLs that match `keep` (all when null).
 * @param {import('playwright-core').Page} page
 * @param {string | null} keep
 */
function onlyUrls(page, keep) {
  return page.addInitScript((k) => {
    if (k === null) return;
    const Native = window.RTCPeerConnection;
    /** @param {RTCConfiguration} [config] */
    function Filtered(config) {
      const iceServers = (config?.iceServers ?? []).map((s) => ({
        ...s,
        urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => u.startsWith(k)),
      })).filter((s) => s.urls.length > 0);
      return new Native({ ...(config ?? {}), iceServers });
    }
    Filtered.prototype = Native.prototype;
    Object.setPrototypeOf(Filtered, Native);
    // @ts-ignore — a constructor stand-in
    window.RTCPeerConnection = Filtered;
  }, keep);
}

/**
 * The selected pair's local candidate of each connection: type and relay protocol.
 * @param {import('playwright-core').Page} page
 */
function selected(page) {
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
      const local = pair ? stats.get(pair.localCandidateId) : null;
      out[key] = local ? `${local.candidateType}/${local.relayProtocol ?? '-'}` : null;
    }
    return out;
  });
}

test('UDP blocked: TURN over TCP and TURN over TLS on 443 carry a call', { skip: skip ?? false, timeout: 120000 }, async (t) => {
  const b = /** @type {import('playwright-core').Browser} */ (browser);
  const base = `https://${HOST_IP}:${/** @type {NonNullable<typeof nara>} */ (nara).port}`;
  const room = randomRoom('turntcp');
  const tcp = await newPage(b);
  const tls = await newPage(b);
  const all = await newPage(b);
  try {
    await onlyUrls(tcp.page, 'turn:');
    await onlyUrls(tls.page, 'turns:');
    await onlyUrls(all.page, null);
    await joinRoom(tcp.page, base, room, 'Over TCP');
    await joinRoom(tls.page, base, room, 'Over TLS');
    const [one, two] = await Promise.all([
      waitForMedia(tcp.page, ['Over TLS'], 45000),
      waitForMedia(tls.page, ['Over TCP'], 45000),
    ]);
    t.diagnostic(`TCP page sees ${JSON.stringify(one.stats)}`);
    t.diagnostic(`TLS page sees ${JSON.stringify(two.stats)}`);
    assert.ok(one.ok && two.ok, 'no decoded video and audio through TURN/TCP and TURN/TLS');
    const viaTcp = await selected(tcp.page);
    const viaTls = await selected(tls.page);
    t.diagnostic(`selected local candidates: TCP page ${JSON.stringify(viaTcp)}, TLS page ${JSON.stringify(viaTls)}`);
    assert.deepEqual(viaTcp, { publishPc: 'relay/tcp', subscribePc: 'relay/tcp' });
    assert.deepEqual(viaTls, { publishPc: 'relay/tls', subscribePc: 'relay/tls' });

    // A patient whose client has every URL nara hands out, UDP first.
    await openJoinScreen(all.page, base, room, 'Every URL');
    await armClickTimer(all.page);
    await all.page.getByRole('button', { name: 'Join', exact: true }).click();
    const ms = await msToFirstFrame(all.page, 45000);
    const viaAll = await selected(all.page);
    t.diagnostic(`UDP blocked, every URL: first remote frame ${ms === null ? 'never' : `${Math.round(ms)} ms`} after Join, over ${JSON.stringify(viaAll)}`);
    assert.notEqual(ms, null, 'no remote frame for the page with every URL');
    assert.match(String(viaAll.subscribePc), /^relay\/(tcp|tls)$/);
  } finally {
    for (const { context } of [tcp, tls, all]) await context.close().catch(() => {});
  }
});
