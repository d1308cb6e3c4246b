// server.mjs — start the real nara binary for one test file, and stop it.
//
// nara listens on 127.0.0.1 on a free port, with a fresh state directory
// (or the caller's) and ICE host candidates on 127.0.0.1 only, so nothing
// leaves the machine. The binary is $NARA_BIN, else build/server/nara under
// the repository. Call stop() from an after() hook: it always ends the
// process (SIGTERM, then SIGKILL after 5 s) and removes a state directory
// it made. restart() stops and starts it again on the same port and state.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LOG_LINES = 400;

/** The nara binary the tests run. */
export function naraBin() {
  return process.env.NARA_BIN || path.join(REPO_ROOT, 'build/server/nara');
}

/** A fresh, empty state directory (the caller removes it). */
export function makeStateDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nara-e2e-'));
}

/**
 * Runs the nara binary once with `args` (e.g. `apikey create …`) and
 * resolves with what it printed on stdout; rejects with its stderr.
 * @param {string[]} args
 * @returns {Promise<string>}
 */
export function runNara(args) {
  return new Promise((resolve, reject) => {
    execFile(naraBin(), args, { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nara ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * GET url; resolves with the status code, or null if nothing answered.
 * Certificates are not checked: nara makes its own self-signed one.
 * @param {string} url
 * @returns {Promise<number | null>}
 */
function probe(url) {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    const req = mod.get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/**
 * @typedef {object} Nara
 * @property {string} url      base URL of the web client, e.g. https://127.0.0.1:40123
 * @property {string} wsUrl    the signaling endpoint
 * @property {number} port
 * @property {string} stateDir
 * @property {() => string} logs the last lines nara printed
 * @property {() => Promise<void>} stop
 * @property {() => Promise<void>} restart stop, then start on the same port and state directory
 */

/**
 * @param {{args?: string[], stateDir?: string, port?: number}} [options]
 *   extra command-line arguments; a state directory to use (kept on stop);
 *   a port (else a free one)
 * @returns {Promise<Nara>}
 */
export async function startNara(options = {}) {
  const bin = naraBin();
  if (!fs.existsSync(bin)) throw new Error(`nara binary not found at ${bin} (set NARA_BIN)`);
  const port = options.port ?? (await freePort());
  const ownStateDir = !options.stateDir;
  const stateDir = options.stateDir ?? makeStateDir();
  const args = [
    '--listen', `127.0.0.1:${port}`,
    '--state-dir', stateDir,
    '--set', 'media.ice_addresses=127.0.0.1',
    // SIGTERM stops at once (calls closed with 1012) rather than draining.
    '--set', 'server.drain_secs=0',
    ...(options.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Whole logs are kept only when asked (CTest asks): the suite's last step
  // scans every log for secrets (tests/secrets_scan.py).
  const logFile = process.env.NARA_LOG_DIR
    ? (fs.mkdirSync(process.env.NARA_LOG_DIR, { recursive: true }),
      fs.createWriteStream(path.join(process.env.NARA_LOG_DIR, `nara-${port}-${Date.now()}.log`)))
    : null;
  /** @type {string[]} */
  const lines = [];
  const keep = (/** @type {Buffer} */ chunk) => {
    logFile?.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > LOG_LINES) lines.shift();
      if (process.env.NARA_E2E_VERBOSE) process.stderr.write(`[nara] ${line}\n`);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  /** @type {number | string | null} */
  let exited = null;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = code ?? signal ?? 'exited';
      logFile?.end();
      resolve(undefined);
    });
  });

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    if (ownStateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  };

  // Wait for /healthz: https first (the default), plain http if that is how it runs.
  const deadline = Date.now() + 20000;
  let scheme = null;
  while (Date.now() < deadline && exited === null && !scheme) {
    for (const s of ['https', 'http']) {
      if ((await probe(`${s}://127.0.0.1:${port}/healthz`)) === 200) {
        scheme = s;
        break;
      }
    }
    if (!scheme) await new Promise((r) => setTimeout(r, 200));
  }
  if (!scheme) {
    await stop();
    throw new Error(
      `nara did not become healthy on port ${port} (exit: ${exited}).\n` +
        `command: ${bin} ${args.join(' ')}\n--- nara output ---\n${lines.join('\n')}`,
    );
  }
  /** @type {Nara} */
  const nara = {
    url: `${scheme}://127.0.0.1:${port}`,
    wsUrl: `${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`,
    port,
    stateDir,
    logs: () => lines.join('\n'),
    stop,
    restart: async () => {
      if (exited === null) {
        child.kill('SIGTERM');
        await exitedPromise;
      }
      const again = await startNara({ ...options, port, stateDir });
      Object.assign(nara, { logs: again.logs, restart: again.restart });
      nara.stop = async () => {
        await again.stop();
        if (ownStateDir) fs.rmSync(stateDir, { recursive: true, force: true });
      };
    },
  };
  return nara;
}
