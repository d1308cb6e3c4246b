// protocol.test.mjs — web/js/protocol.js against a scripted server, in Node
// without a browser: fake WebSocket and RTCPeerConnection classes record
// what the client sends and does, so message order, request/reply
// matching, error codes, candidate buffering and offer serialisation are
// checked without nara or Chromium.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';

/** @type {FakeSocket[]} */
let sockets = [];
/** @type {FakePc[]} */
let pcs = [];

class FakeSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  /** @param {string} url */
  constructor(url) {
    super();
    this.url = url;
    this.readyState = FakeSocket.CONNECTING;
    /** @type {any[]} */
    this.sent = [];
    sockets.push(this);
    queueMicrotask(() => {
      // A host named "unreachable…" never answers: the socket closes unopened.
      if (new URL(url).hostname.startsWith('unreachable')) {
        this.readyState = FakeSocket.CLOSED;
        this.dispatchEvent(Object.assign(new Event('close'), { code: 1006, reason: '' }));
        return;
      }
      this.readyState = FakeSocket.OPEN;
      this.dispatchEvent(new Event('open'));
    });
  }
  /** @param {string} data */
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  /** @param {any} msg */
  receive(msg) {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(msg) }));
  }
  close(code = 1000) {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason: '' }));
  }
  /** The next message the client sends, waiting for it. */
  async next(type) {
    for (let i = 0; i < 100; i++) {
      const idx = this.sent.findIndex((m) => m.type === type);
      if (idx >= 0) return this.sent.splice(idx, 1)[0];
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`client sent no ${type}; sent: ${JSON.stringify(this.sent)}`);
  }
}

class FakePc extends EventTarget {
  constructor(config) {
    super();
    this.config = config;
    this.signalingState = 'stable';
    this.connectionState = 'new';
    this.localDescription = null;
    this.remoteDescription = null;
    /** @type {any[]} */
    this.transceivers = [];
    /** @type {any[]} */
    this.added = [];
    /** @type {string[]} */
    this.log = [];
    this.n = 0;
    pcs.push(this);
  }
  addTransceiver(track, init) {
    this.transceivers.push({ track, init });
  }
  getSenders() {
    return this.transceivers.map((t) => ({ track: t.track }));
  }
  async createOffer() {
    return { type: 'offer', sdp: `offer-${++this.n}` };
  }
  async createAnswer() {
    return { type: 'answer', sdp: `answer-to-${this.remoteDescription.sdp}` };
  }
  async setLocalDescription(desc) {
    await new Promise((r) => setTimeout(r, 2)); // applying takes a while
    this.log.push(`local ${desc.type} ${desc.sdp ?? ''}`);
    if (desc.type === 'rollback') {
      this.signalingState = 'stable';
      this.localDescription = null;
      return;
    }
    this.localDescription = desc;
    this.signalingState = desc.type === 'offer' ? 'have-local-offer' : 'stable';
  }
  async setRemoteDescription(desc) {
    await new Promise((r) => setTimeout(r, 2));
    this.log.push(`remote ${desc.type} ${desc.sdp}`);
    this.remoteDescription = desc;
    this.signalingState = desc.type === 'offer' ? 'have-remote-offer' : 'stable';
  }
  async addIceCandidate(c) {
    this.added.push(c);
  }
  /** Fires an icecandidate event as the browser would. */
  gather(candidate) {
    const ev = new Event('icecandidate');
    ev.candidate = candidate ? { toJSON: () => candidate } : null;
    this.dispatchEvent(ev);
  }
  close() {
    this.signalingState = 'closed';
  }
}

globalThis.WebSocket = /** @type {any} */ (FakeSocket);
globalThis.RTCPeerConnection = /** @type {any} */ (FakePc);
const { NaraClient, NaraError, signalingUrl, ROOM_PATTERN } = await import('../../web/js/protocol.js');

/** @type {any[]} */
let clients = [];

beforeEach(() => {
  sockets = [];
  pcs = [];
  clients = [];
});

// Closing stops each client's keepalive timer, so the process can end.
afterEach(() => {
  for (const c of clients) c.close();
});

/** A client that has said hello and joined room "demo" as p2 next to p1. */
async function joinedClient() {
  const client = new NaraClient({ url: 'wss://example.test/ws', requestTimeoutMs: 200 });
  clients.push(client);
  const connecting = client.connect();
  await new Promise((r) => setTimeout(r, 0));
  const ws = sockets[0];
  const hello = await ws.next('hello');
  assert.equal(hello.version, 1);
  ws.receive({ type: 'welcome', id: hello.id, version: 1 });
  await connecting;
  const joining = client.join('demo', 'Astrid');
  const join = await ws.next('join');
  assert.deepEqual({ room: join.room, name: join.name }, { room: 'demo', name: 'Astrid' });
  ws.receive({
    type: 'joined', id: join.id, room: 'demo', you: { id: 'p2', name: 'Astrid' },
    participants: [{ id: 'p1', name: 'Dr Lind', audioMuted: false, videoMuted: false, tracks: [] }],
    iceServers: [{ urls: 'turn:example.test', username: '1:t', credential: 'c' }],
  });
  const joined = await joining;
  return { client, ws, joined };
}

test('signaling URL follows the page: wss for https, ws only for http', () => {
  assert.equal(signalingUrl(/** @type {any} */ ({ protocol: 'https:', host: 'nara.example:8443' })), 'wss://nara.example:8443/ws');
  assert.equal(signalingUrl(/** @type {any} */ ({ protocol: 'http:', host: 'localhost' })), 'ws://localhost/ws');
});

test('room names as the server accepts them', () => {
  for (const ok of ['demo', 'A-b_9', 'x'.repeat(64)]) assert.ok(ROOM_PATTERN.test(ok), ok);
  for (const bad of ['', 'a b', 'å', 'x'.repeat(65), 'a/b']) assert.ok(!ROOM_PATTERN.test(bad), bad);
});

test('hello, join, and the ICE servers from joined', async () => {
  const { client, joined } = await joinedClient();
  assert.equal(joined.you.id, 'p2');
  assert.equal(joined.participants[0].name, 'Dr Lind');
  assert.deepEqual(pcs[0].config.iceServers, [{ urls: 'turn:example.test', username: '1:t', credential: 'c' }]);
  assert.equal(client.subscribePc, pcs[0]);
});

test('an error reply rejects with its code; the session goes on', async () => {
  const { client, ws } = await joinedClient();
  const chat = client.chat('');
  const msg = await ws.next('chat');
  ws.receive({ type: 'error', id: msg.id, code: 'bad-message', message: 'empty' });
  await assert.rejects(chat, (e) => e instanceof NaraError && e.code === 'bad-message');
  const again = client.chat('Hej');
  const msg2 = await ws.next('chat');
  assert.notEqual(msg2.id, msg.id);
  ws.receive({ type: 'ok', id: msg2.id });
  await again;
});

test('a request without a reply times out', async () => {
  const { client, ws } = await joinedClient();
  const p = client.setMuted('audio', true);
  await ws.next('mute');
  await assert.rejects(p, (e) => e instanceof NaraError && e.code === 'timeout');
});

test('publish: offer sent, answer applied; early candidates wait for the offer', async () => {
  const { client, ws } = await joinedClient();
  const track = { kind: 'audio', enabled: true };
  const stream = { getTracks: () => [track] };
  const publishing = client.publish(/** @type {any} */ (stream));
  const pub = pcs[1];
  assert.equal(pub.transceivers[0].init.direction, 'sendonly');
  pub.gather({ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  const offer = await ws.next('publish');
  assert.equal(offer.sdp, 'offer-1');
  const cand = await ws.next('candidate');
  assert.equal(cand.pc, 'publish');
  assert.equal(cand.candidate.sdpMid, '0');
  // A server candidate before the answer waits for it.
  ws.receive({ type: 'candidate', pc: 'publish', candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 6000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
  assert.equal(pub.added.length, 0);
  ws.receive({ type: 'answer', id: offer.id, pc: 'publish', sdp: 'server-answer' });
  await publishing;
  assert.deepEqual(pub.log, ['local offer offer-1', 'remote answer server-answer']);
  assert.equal(pub.added.length, 1);
  // End of candidates is sent as null.
  pub.gather(null);
  assert.equal((await ws.next('candidate')).candidate, null);
  // Mute disables the track at once.
  const muting = client.setMuted('audio', true);
  assert.equal(track.enabled, false);
  const mute = await ws.next('mute');
  ws.receive({ type: 'ok', id: mute.id });
  await muting;
});

test('a refused publish rolls the offer back', async () => {
  const { client, ws } = await joinedClient();
  const publishing = client.publish(/** @type {any} */ ({ getTracks: () => [{ kind: 'video', enabled: true }] }));
  const offer = await ws.next('publish');
  ws.receive({ type: 'error', id: offer.id, code: 'bad-sdp', message: 'no fingerprint' });
  await assert.rejects(publishing, (e) => e.code === 'bad-sdp');
  assert.equal(pcs[1].signalingState, 'stable');
  assert.deepEqual(pcs[1].log.at(-1), 'local rollback ');
});

test('subscribe offers are answered one at a time, in order, with their revision', async () => {
  const { ws } = await joinedClient();
  const sub = pcs[0];
  ws.receive({ type: 'offer', pc: 'subscribe', revision: 1, sdp: 'o1' });
  ws.receive({ type: 'offer', pc: 'subscribe', revision: 2, sdp: 'o2' });
  const a1 = await ws.next('answer');
  const a2 = await ws.next('answer');
  assert.deepEqual([a1.revision, a1.sdp, a1.pc], [1, 'answer-to-o1', 'subscribe']);
  assert.deepEqual([a2.revision, a2.sdp], [2, 'answer-to-o2']);
  assert.deepEqual(sub.log, ['remote offer o1', 'local answer answer-to-o1', 'remote offer o2', 'local answer answer-to-o2']);
  assert.equal(a1.id, undefined, 'an answer is not a request');
});

test('events reach the UI; stale-answer stays quiet; a dropped socket says so', async () => {
  const { client, ws } = await joinedClient();
  /** @type {any[]} */
  const seen = [];
  for (const type of ['participant-joined', 'participant-left', 'mute-changed', 'chat', 'server-error', 'close', 'track']) {
    client.addEventListener(type, (ev) => seen.push([type, /** @type {CustomEvent} */ (ev).detail]));
  }
  ws.receive({ type: 'participant-joined', participant: { id: 'p3', name: 'Erik', tracks: [] } });
  ws.receive({ type: 'mute-changed', participant: 'p3', kind: 'audio', muted: true });
  ws.receive({ type: 'chat', from: { id: 'p3', name: 'Erik' }, text: 'Hej', time: '2026-11-23T19:30:00Z' });
  ws.receive({ type: 'error', code: 'stale-answer', message: 'old' });
  ws.receive({ type: 'error', code: 'rate-limited', message: 'slow down' });
  ws.receive({ type: 'participant-left', participant: 'p3', reason: 'left' });
  const stream = { id: 'p1' };
  const trackEv = Object.assign(new Event('track'), { streams: [stream], track: { kind: 'video' } });
  pcs[0].dispatchEvent(trackEv);
  ws.receive({ not: 'a message' });
  ws.dispatchEvent(Object.assign(new Event('message'), { data: '{broken' }));
  ws.close(1006);
  assert.deepEqual(seen.map(([type]) => type), ['participant-joined', 'mute-changed', 'chat', 'server-error', 'participant-left', 'track', 'close']);
  assert.equal(seen[3][1].code, 'rate-limited');
  assert.deepEqual(seen[4][1], { id: 'p3', reason: 'left' });
  assert.equal(seen[5][1].participantId, 'p1');
  assert.deepEqual(seen[6][1], { code: 1006, reason: '', expected: false });
  assert.equal(client.subscribePc, null);
});

test('leave: request, then the socket closes as expected', async () => {
  const { client, ws } = await joinedClient();
  /** @type {any} */
  let closed = null;
  client.addEventListener('close', (ev) => (closed = /** @type {CustomEvent} */ (ev).detail));
  const leaving = client.leave();
  const leave = await ws.next('leave');
  ws.receive({ type: 'ok', id: leave.id });
  await leaving;
  assert.equal(closed?.expected, true);
  assert.equal(pcs[0].signalingState, 'closed');
});

// --- continuity (protocol.md, "Continuity") ------------------------------------

/** A joined client that was given a resume secret. */
async function resumableClient() {
  const { client, ws } = await joinedClient();
  client.resumeSecret = 'S'.repeat(43);
  return { client, ws };
}

test('a dropped socket is resumed on a new one with the secret; the call is not reported lost', async () => {
  const { client, ws } = await resumableClient();
  /** @type {string[]} */
  const seen = [];
  for (const type of ['close', 'reconnecting', 'resumed']) client.addEventListener(type, () => seen.push(type));
  const pc = client.subscribePc;
  ws.close(1006);
  for (let i = 0; i < 100 && sockets.length < 2; i++) await new Promise((r) => setTimeout(r, 2));
  const ws2 = sockets[1];
  const hello = await ws2.next('hello');
  ws2.receive({ type: 'welcome', id: hello.id, version: 1, iceServers: [] });
  const resume = await ws2.next('resume');
  assert.equal(resume.secret, 'S'.repeat(43));
  ws2.receive({ type: 'resumed', id: resume.id, room: 'demo', resume: 'T'.repeat(43), you: { id: 'p2', name: 'Astrid' }, participants: [] });
  for (let i = 0; i < 100 && !seen.includes('resumed'); i++) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(seen.filter((s) => s !== 'reconnecting'), ['resumed']);
  assert.equal(client.subscribePc, pc, 'the peer connections are kept');
  assert.equal(client.resumeSecret, 'T'.repeat(43), 'the new secret replaces the old');
});

test('a request made while reconnecting waits for the resume, then goes on the new socket', async () => {
  const { client, ws } = await resumableClient();
  ws.close(1006);
  const ws2 = await socketCount(2);
  const chatting = client.chat('Hej');
  const resume = await welcomeThen(ws2, 'resume');
  assert.equal(ws2.sent.some((m) => m.type === 'chat'), false, 'nothing before the resume');
  ws2.receive({ type: 'resumed', id: resume.id, room: 'demo', resume: 'T'.repeat(43), you: { id: 'p2', name: 'Astrid' }, participants: [] });
  const chat = await ws2.next('chat');
  assert.equal(chat.text, 'Hej');
  ws2.receive({ type: 'ok', id: chat.id });
  await chatting;
});

test('resume-expired: the call is reported lost (not expected), nothing retried', async () => {
  const { client, ws } = await resumableClient();
  /** @type {any[]} */
  const closes = [];
  client.addEventListener('close', (ev) => closes.push(/** @type {CustomEvent} */ (ev).detail));
  ws.close(1006);
  const waiting = client.chat('Hej'); // held back, then failed with the session
  waiting.catch(() => {});
  for (let i = 0; i < 100 && sockets.length < 2; i++) await new Promise((r) => setTimeout(r, 2));
  const ws2 = sockets[1];
  const hello = await ws2.next('hello');
  ws2.receive({ type: 'welcome', id: hello.id, version: 1, iceServers: [] });
  const resume = await ws2.next('resume');
  ws2.receive({ type: 'error', id: resume.id, code: 'resume-expired', message: 'gone' });
  for (let i = 0; i < 100 && !closes.length; i++) await new Promise((r) => setTimeout(r, 2));
  assert.equal(closes.length, 1);
  assert.equal(closes[0].expected, false);
  assert.equal(client.subscribePc, null);
  await assert.rejects(waiting, (e) => e instanceof NaraError && e.code === 'connect');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(sockets.length, 2, 'no further attempt');
});

test('leave is not resumed', async () => {
  const { client, ws } = await resumableClient();
  const leaving = client.leave();
  const leave = await ws.next('leave');
  ws.receive({ type: 'ok', id: leave.id });
  await leaving;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sockets.length, 1);
});

// --- redirect: another node owns the consultation (protocol.md, redirect) -------

/** Waits until the client has opened `n` sockets in all; returns the n-th. */
async function socketCount(n) {
  for (let i = 0; i < 200 && sockets.length < n; i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(sockets.length >= n, `sockets: ${sockets.map((w) => w.url).join(', ')}`);
  return sockets[n - 1];
}

/** Says welcome on a new socket and returns the next `type` the client sends on it. */
async function welcomeThen(ws, type) {
  const hello = await ws.next('hello');
  ws.receive({ type: 'welcome', id: hello.id, version: 1, iceServers: [] });
  return ws.next(type);
}

/** The server's redirect answering `msg`, then its normal close. */
function redirect(ws, msg, url) {
  ws.receive({ type: 'redirect', id: msg.id, url, reason: 'owner' });
  ws.close(1000);
}

/** A fresh client that has said hello on the start URL. */
async function helloClient() {
  const client = new NaraClient({ url: 'wss://example.test/ws', requestTimeoutMs: 500 });
  clients.push(client);
  const connecting = client.connect();
  const ws = await socketCount(1);
  const hello = await ws.next('hello');
  ws.receive({ type: 'welcome', id: hello.id, version: 1 });
  await connecting;
  return client;
}

test('redirect: the same join goes to the node named, and the call starts there', async () => {
  const client = await helloClient();
  /** @type {string[]} */
  const seen = [];
  client.addEventListener('close', () => seen.push('close'));
  const joining = client.joinConsultation('TOKEN');
  const join1 = await sockets[0].next('join');
  redirect(sockets[0], join1, 'wss://node-b.example.test:8443/ws');
  const ws2 = await socketCount(2);
  assert.equal(ws2.url, 'wss://node-b.example.test:8443/ws');
  const join2 = await welcomeThen(ws2, 'join');
  const { id: _a, ...first } = join1;
  const { id: _b, ...second } = join2;
  assert.deepEqual(second, first, 'the same join, resent');
  ws2.receive({ type: 'joined', id: join2.id, room: 'c1', you: { id: 'p2', name: 'Astrid' }, participants: [], resume: 'R'.repeat(43) });
  const reply = await joining;
  assert.equal(reply.type, 'joined');
  assert.equal(client.ws, ws2);
  assert.equal(client.resumeSecret, 'R'.repeat(43));
  assert.deepEqual(seen, [], 'the redirected socket closing is no lost session');
});

test('redirect: a resume after a dropped socket is redirected and followed too', async () => {
  const { client, ws } = await resumableClient();
  /** @type {string[]} */
  const seen = [];
  for (const type of ['close', 'resumed']) client.addEventListener(type, () => seen.push(type));
  ws.close(1006);
  const ws2 = await socketCount(2);
  const resume1 = await welcomeThen(ws2, 'resume');
  redirect(ws2, resume1, 'wss://node-b.example.test/ws');
  const ws3 = await socketCount(3);
  const resume2 = await welcomeThen(ws3, 'resume');
  assert.equal(resume2.secret, resume1.secret);
  ws3.receive({ type: 'resumed', id: resume2.id, room: 'demo', resume: 'T'.repeat(43), you: { id: 'p2', name: 'Astrid' }, participants: [] });
  for (let i = 0; i < 100 && !seen.length; i++) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(seen, ['resumed']);
  assert.equal(client.url, 'wss://node-b.example.test/ws');
});

test('redirect: a node we were sent to that is gone: the resume goes back to the start URL', async () => {
  const { client, ws } = await resumableClient();
  client.url = 'wss://unreachable.example.test/ws'; // where an earlier redirect sent it
  ws.close(1006);
  assert.equal((await socketCount(2)).url, 'wss://unreachable.example.test/ws');
  // The next attempt (after the backoff's first step, about a second).
  for (let i = 0; i < 300 && sockets.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  const ws3 = await socketCount(3);
  assert.equal(ws3.url, 'wss://example.test/ws');
  const resume = await welcomeThen(ws3, 'resume');
  ws3.receive({ type: 'resumed', id: resume.id, room: 'demo', resume: 'T'.repeat(43), you: { id: 'p2', name: 'Astrid' }, participants: [] });
  for (let i = 0; i < 100 && client.reconnecting; i++) await new Promise((r) => setTimeout(r, 2));
  assert.equal(client.reconnecting, false);
  assert.equal(client.closed, false);
});

test('redirect: at most 3 in a row, then the join fails', async () => {
  const client = await helloClient();
  const joining = client.join('demo', 'Astrid');
  const failed = assert.rejects(joining, (e) => e instanceof NaraError && e.code === 'redirect');
  let msg = await sockets[0].next('join');
  for (let n = 1; n <= 3; n++) {
    redirect(sockets[n - 1], msg, `wss://node-${n}.example.test/ws`);
    msg = await welcomeThen(await socketCount(n + 1), 'join');
  }
  redirect(sockets[3], msg, 'wss://node-4.example.test/ws');
  await failed;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sockets.length, 4, 'the fourth redirect is not followed');
  assert.equal(client.url, 'wss://example.test/ws', 'the next try starts over');
});

test('redirect: a target that cannot be reached sends the client back to where it started', async () => {
  const client = await helloClient();
  const joining = client.join('demo', 'Astrid');
  const join1 = await sockets[0].next('join');
  redirect(sockets[0], join1, 'wss://unreachable.example.test/ws');
  assert.equal((await socketCount(2)).url, 'wss://unreachable.example.test/ws');
  const ws3 = await socketCount(3);
  assert.equal(ws3.url, 'wss://example.test/ws');
  const join2 = await welcomeThen(ws3, 'join');
  assert.equal(join2.room, 'demo');
  ws3.receive({ type: 'joined', id: join2.id, room: 'demo', you: { id: 'p2', name: 'Astrid' }, participants: [] });
  await joining;
  assert.equal(client.closed, false);
});

test('redirect: only to wss:// (no downgrade), and only as the answer to a join or resume', async () => {
  const client = await helloClient();
  /** @type {any[]} */
  const errors = [];
  client.addEventListener('server-error', (ev) => errors.push(/** @type {CustomEvent} */ (ev).detail));
  const chatting = client.chat('Hej');
  const chat = await sockets[0].next('chat');
  sockets[0].receive({ type: 'redirect', id: chat.id, url: 'wss://node-b.example.test/ws', reason: 'owner' });
  sockets[0].receive({ type: 'ok', id: chat.id });
  await chatting;
  const joining = client.join('demo', 'Astrid');
  const join = await sockets[0].next('join');
  redirect(sockets[0], join, 'ws://node-b.example.test/ws');
  await assert.rejects(joining, (e) => e instanceof NaraError && e.code === 'redirect');
  assert.equal(sockets.length, 1);
});

// --- codecs.js: the camera's codec, and videos this device cannot show ------------

const UA = {
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  iphoneChrome: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1',
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  macChrome: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  macFirefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
  macEdge: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  linuxChromium: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

const CAPS = [
  { mimeType: 'video/VP8' },
  { mimeType: 'video/rtx' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
];

test('codecs: H.264 first on Apple WebKit (every iOS browser, Safari on a Mac), VP8 first elsewhere', async () => {
  globalThis.RTCRtpReceiver = /** @type {any} */ ({ getCapabilities: () => ({ codecs: CAPS }) });
  const { appleWebKit, preferCodecs } = await import('../../web/js/codecs.js');
  const apple = Object.entries(UA).filter(([, ua]) => appleWebKit(ua)).map(([name]) => name);
  assert.deepEqual(apple, ['iphone', 'iphoneChrome', 'macSafari']);
  const order = (ua, kind = 'video') => {
    let set = null;
    preferCodecs(/** @type {any} */ ({ sender: { track: { kind } }, setCodecPreferences: (c) => (set = c) }), ua);
    return set && set.map((c) => `${c.mimeType} ${/packetization-mode=\d/.exec(c.sdpFmtpLine ?? '')?.[0] ?? ''} ${/42[0-9a-f]{4}/.exec(c.sdpFmtpLine ?? '')?.[0] ?? ''}`.trim());
  };
  assert.deepEqual(order(UA.iphone), [
    'video/H264 packetization-mode=1 42e01f', 'video/H264 packetization-mode=1 42001f', 'video/VP8',
    'video/rtx', 'video/H264 packetization-mode=0 42e01f', 'video/VP9',
  ]);
  assert.equal(order(UA.macChrome)[0], 'video/VP8');
  assert.equal(order(UA.linuxChromium)[0], 'video/VP8');
  assert.equal(order(UA.iphone, 'audio'), null, 'audio keeps its order');
  preferCodecs(/** @type {any} */ (undefined)); // a transceiver-less fake: nothing
  delete globalThis.RTCRtpReceiver;
});

test('codecs: a subscribe offer in a codec this device cannot decode is reported, as is track-unplayable', async () => {
  globalThis.RTCRtpReceiver = /** @type {any} */ ({ getCapabilities: () => ({ codecs: [{ mimeType: 'video/VP8' }, { mimeType: 'video/rtx' }] }) });
  const { undecodableVideos } = await import('../../web/js/codecs.js');
  const sdp = [
    'v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=sendonly', 'a=msid:p1 p1-0', 'a=rtpmap:111 opus/48000/2',
    'm=video 9 UDP/TLS/RTP/SAVPF 102 103', 'a=mid:1', 'a=sendonly', 'a=msid:p1 p1-1', 'a=rtpmap:102 H264/90000', 'a=rtpmap:103 rtx/90000',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:2', 'a=sendonly', 'a=msid:p3 p3-1', 'a=rtpmap:96 VP8/90000',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:3', 'a=inactive', 'a=rtpmap:96 VP8/90000', '',
  ].join('\r\n');
  assert.deepEqual(undecodableVideos(sdp), [{ participant: 'p1', track: 'p1-1', codec: 'H264' }]);

  const { client, ws } = await joinedClient();
  /** @type {any[]} */
  const seen = [];
  client.addEventListener('video-unplayable', (ev) => seen.push(/** @type {CustomEvent} */ (ev).detail));
  ws.receive({ type: 'offer', pc: 'subscribe', revision: 1, sdp });
  await ws.next('answer');
  ws.receive({ type: 'track-unplayable', track: 'p3-1', codec: 'VP8', reason: 'codec' });
  ws.receive({ type: 'track-unplayable', track: 'nobody-1', codec: 'VP8', reason: 'codec' });
  assert.deepEqual(seen, [
    { participant: 'p1', track: 'p1-1', codec: 'H264' },
    { participant: 'p3', track: 'p3-1', codec: 'VP8' },
  ]);
  delete globalThis.RTCRtpReceiver;
});
