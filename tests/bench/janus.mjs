// janus.mjs — Janus 1.1.2 (Debian's janus package) for the network bench:
// the websockets transport on 127.0.0.1 and the VideoRoom plugin only, from
// a minimal configuration written into a temporary directory (the same one
// tests/load/bench-vs-janus.sh writes). Janus' ICE binds the machine's first
// global IPv4 address (its libnice does not offer loopback candidates).
// stop() ends the process (SIGTERM, SIGKILL after 5 s) and removes the
// directory.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../e2e/lib/server.mjs';

/** The directory holding Janus' plugins/ and transports/, or null. */
function janusLibDir() {
  try {
    const files = execFileSync('dpkg', ['-L', 'janus'], { encoding: 'utf8' }).split('\n');
    const plugin = files.find((f) => f.endsWith('/plugins/libjanus_videoroom.so'));
    return plugin ? path.dirname(path.dirname(plugin)) : null;
  } catch {
    return null;
  }
}

/** The first global IPv4 address of the machine, or null. */
export function globalIPv4() {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/** Why Janus cannot run here, or null if it can. */
export function janusMissing() {
  if (!janusLibDir()) return 'janus is not installed (apt-get install janus)';
  if (!globalIPv4()) return 'no global IPv4 address for Janus ICE';
  return null;
}

/** @param {number} port */
function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * @returns {Promise<{wsUrl: string, ip: string, pid: number, logs: () => string, stop: () => Promise<void>}>}
 */
export async function startJanus() {
  const lib = janusLibDir();
  const ip = globalIPv4();
  if (!lib || !ip) throw new Error(janusMissing() ?? 'janus cannot run');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nara-bench-janus-'));
  const port = await freePort();
  const others = (/** @type {string} */ sub, /** @type {string} */ keep) =>
    fs.readdirSync(path.join(lib, sub)).filter((f) => f.startsWith('libjanus_') && f.endsWith('.so') && f !== keep).join(',');
  fs.writeFileSync(
    path.join(dir, 'janus.jcfg'),
    `general: {
	configs_folder = "${dir}"
	plugins_folder = "${lib}/plugins"
	transports_folder = "${lib}/transports"
	events_folder = "${lib}/events"
	loggers_folder = "${lib}/loggers"
	debug_level = 3
	interface = "${ip}"
}
plugins: { disable = "${others('plugins', 'libjanus_videoroom.so')}" }
transports: { disable = "${others('transports', 'libjanus_websockets.so')}" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
media: { }
nat: {
	ice_enforce_list = "${ip}"
	ignore_mdns = true
}
`,
  );
  fs.writeFileSync(
    path.join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
	json = "plain"
	ws = true
	ws_port = ${port}
	ws_ip = "127.0.0.1"
	wss = false
}
admin: { admin_ws = false admin_wss = false }
`,
  );
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: { }\n');

  const child = spawn('janus', ['-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** @type {string[]} */
  const lines = [];
  const keep = (/** @type {Buffer} */ chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 300) lines.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  /** @type {number | string | null} */
  let exited = null;
  const exitedPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = code ?? signal ?? 'exited';
      resolve(undefined);
    }),
  );
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150 && exited === null; i++) {
    if (await portOpen(port)) {
      return { wsUrl: `ws://127.0.0.1:${port}/`, ip, pid: /** @type {number} */ (child.pid), logs: () => lines.join('\n'), stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`janus did not start (exit: ${exited}); its output:\n${lines.slice(-30).join('\n')}`);
}
