// fake-nara.mjs — a stand-in for nara's web side, for UI tests of the web
// client that need no media: it serves web/ (with nara's CSP) on
// http://127.0.0.1 (a secure context, so the camera works), answers /r/*
// and /c/* with index.html, and accepts WebSockets on /ws, where the test
// plays the server: it reads what the page sends and writes the replies.
// Only `hello` is answered by itself. A minimal RFC 6455 server: text,
// close and ping frames, no extensions. Not a model of nara's behaviour.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { REPO_ROOT } from './server.mjs';

const WEB_DIR = path.join(REPO_ROOT, 'web');
const CSP =
  "default-src 'self'; connect-src 'self' wss: ws:; img-src 'self' data: blob:; media-src 'self' blob:; " +
  "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One page's WebSocket, seen from the server side. */
export class FakeSession {
  /** @param {import('node:net').Socket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {any[]} messages from the page not yet taken by next() */
    this.inbox = [];
    /** @type {((m: any) => void)[]} */
    this.waiters = [];
    this.closed = false;
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const frame = readFrame(buf);
        if (!frame) break;
        buf = buf.subarray(frame.length);
        this.onFrame(frame.opcode, frame.payload);
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  /**
   * @param {number} opcode
   * @param {Buffer} payload
   */
  onFrame(opcode, payload) {
    if (opcode === 8) {
      this.close(1000);
      return;
    }
    if (opcode === 9) {
      this.write(10, payload);
      return;
    }
    if (opcode !== 1) return;
    const msg = JSON.parse(payload.toString('utf8'));
    if (msg.type === 'hello') {
      this.send({ type: 'welcome', id: msg.id, version: 1, server: 'fake-nara' });
      return;
    }
    if (msg.type === 'ping') {
      this.send({ type: 'pong', id: msg.id });
      return;
    }
    this.inbox.push(msg);
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /**
   * The next message of this type from the page (earlier others stay queued).
   * @param {string} type
   * @param {number} [timeoutMs]
   */
  async next(type, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.inbox.findIndex((m) => m.type === type);
      if (idx >= 0) return this.inbox.splice(idx, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`page sent no ${type}; got ${JSON.stringify(this.inbox)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
  }

  /** @param {any} msg */
  send(msg) {
    this.write(1, Buffer.from(JSON.stringify(msg)));
  }

  /**
   * Answers a request: `ok`, or the given reply with the request's id.
   * @param {any} request
   * @param {any} [reply]
   */
  reply(request, reply = { type: 'ok' }) {
    this.send({ ...reply, id: request.id });
  }

  /** @param {number} code */
  close(code = 1000) {
    if (this.closed) return;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.write(8, body);
    this.closed = true;
    this.socket.end();
  }

  /**
   * @param {number} opcode
   * @param {Buffer} payload
   */
  write(opcode, payload) {
    if (this.closed || this.socket.destroyed) return;
    const n = payload.length;
    const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.alloc(n < 65536 ? 4 : 10);
    if (n >= 126 && n < 65536) {
      head[0] = 0x80 | opcode;
      head[1] = 126;
      head.writeUInt16BE(n, 2);
    } else if (n >= 65536) {
      head[0] = 0x80 | opcode;
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(n), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }
}

/**
 * One complete client frame at the start of buf, unmasked, or null.
 * @param {Buffer} buf
 */
function readFrame(buf) {
  if (buf.length < 2) return null;
  const opcode = buf[0] & 0x0f;
  let len = buf[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const masked = (buf[1] & 0x80) !== 0;
  const mask = masked ? buf.subarray(off, off + 4) : null;
  if (masked) off += 4;
  if (buf.length < off + len) return null;
  const payload = Buffer.from(buf.subarray(off, off + len));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
  return { opcode, payload, length: off + len };
}

/**
 * Starts the fake on a free port.
 * @returns {Promise<{url: string, session: (timeoutMs?: number) => Promise<FakeSession>, stop: () => Promise<void>}>}
 */
export async function startFakeNara() {
  /** @type {FakeSession[]} */
  const fresh = [];
  /** @type {(() => void)[]} */
  const waiters = [];
  /** @type {Set<FakeSession>} */
  const all = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let file = url.pathname;
    if (file === '/' || file.startsWith('/r/') || file.startsWith('/c/')) file = '/index.html';
    const full = path.join(WEB_DIR, path.normalize(file));
    if (!full.startsWith(WEB_DIR + path.sep) || !fs.existsSync(full)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[/** @type {keyof typeof TYPES} */ (path.extname(full))] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-store',
    });
    res.end(fs.readFileSync(full));
  });
  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (req.url !== '/ws' || typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const session = new FakeSession(/** @type {import('node:net').Socket} */ (socket));
    all.add(session);
    fresh.push(session);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    /** The next WebSocket a page opens (after its hello). */
    async session(timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      while (!fresh.length) {
        if (Date.now() > deadline) throw new Error('no page connected');
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      }
      return /** @type {FakeSession} */ (fresh.shift());
    },
    async stop() {
      for (const s of all) s.socket.destroy();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
