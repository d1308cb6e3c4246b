// consultation-protocol.test.mjs — web/js/protocol.js's consultation
// additions against a scripted server in Node (no browser, no nara): token
// join into the call or the waiting room, no peer connection while waiting,
// the subscribe connection ready before the first offer after admission,
// final statuses, host requests and their events, and the link's token.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { install, pcs, reset, sockets } from './lib/fake-webrtc.mjs';

install();
const { NaraClient, NaraError, tokenFromHash } = await import('../../web/js/protocol.js');

/** @type {any[]} */
let clients = [];

beforeEach(() => {
  reset();
  clients = [];
});

afterEach(() => {
  for (const c of clients) c.close();
});

/** A client that said hello and sent join with a token; returns the join message too. */
async function joining(token = 'tok.en.sig') {
  const client = new NaraClient({ url: 'wss://example.test/ws', requestTimeoutMs: 200 });
  clients.push(client);
  const connecting = client.connect();
  await new Promise((r) => setTimeout(r, 0));
  const ws = sockets[0];
  const hello = await ws.next('hello');
  ws.receive({ type: 'welcome', id: hello.id, version: 1 });
  await connecting;
  const reply = client.joinConsultation(token);
  const join = await ws.next('join');
  return { client, ws, join, reply };
}

const CONSULTATION = { id: 'c-1', title: 'Follow-up, dermatology' };
const PATIENT = { id: 'p-pat1', name: 'Astrid', role: 'patient', assurance: 'bankid-se' };
const HOST = { id: 'p-host1', name: 'Dr Lind', role: 'host', assurance: 'siths' };

test('the token comes from the fragment, never a query', () => {
  assert.equal(tokenFromHash('#t=aaa.bbb.ccc'), 'aaa.bbb.ccc');
  assert.equal(tokenFromHash('#x=1&t=aaa.bbb.ccc'), 'aaa.bbb.ccc');
  // ?lang=da appended to the whole link lands in the fragment.
  assert.equal(tokenFromHash('#t=aaa.bbb.ccc?lang=da'), 'aaa.bbb.ccc');
  assert.equal(tokenFromHash('#t=aaa.bbb.ccc&lang=da'), 'aaa.bbb.ccc');
  assert.equal(tokenFromHash(''), '');
  assert.equal(tokenFromHash('#'), '');
  assert.equal(tokenFromHash('#t='), '');
});

test('join with a token sends only the token', async () => {
  const { join, ws, reply } = await joining('aaa.bbb.ccc');
  assert.deepEqual(Object.keys(join).sort(), ['id', 'token', 'type']);
  assert.equal(join.token, 'aaa.bbb.ccc');
  ws.receive({ type: 'waiting', id: join.id, consultation: CONSULTATION, you: PATIENT });
  await reply;
});

test('admitted at once: joined with the consultation, subscribe connection made', async () => {
  const { client, ws, join, reply } = await joining();
  ws.receive({
    type: 'joined', id: join.id, room: 'c:c-1', consultation: { ...CONSULTATION, locked: false },
    you: { ...HOST, audioMutedByHost: false, videoMutedByHost: false },
    participants: [],
  });
  const joined = await reply;
  assert.equal(joined.type, 'joined');
  assert.equal(joined.consultation?.title, 'Follow-up, dermatology');
  assert.equal(client.self?.role, 'host');
  assert.equal(pcs.length, 1);
  assert.equal(client.subscribePc, pcs[0]);
});

test('waiting: no peer connection until admitted; the first offer after joined is answered', async () => {
  const { client, ws, join, reply } = await joining();
  /** @type {string[]} */
  const seen = [];
  for (const type of ['status', 'joined']) client.addEventListener(type, () => seen.push(type));
  ws.receive({ type: 'waiting', id: join.id, consultation: CONSULTATION, you: PATIENT });
  const waiting = await reply;
  assert.equal(waiting.type, 'waiting');
  assert.equal(client.self?.id, 'p-pat1');
  assert.equal(pcs.length, 0, 'a waiting session has no peer connection');
  assert.equal(client.subscribePc, null);

  // Admission: status, joined and the first offer arrive back to back, in one go.
  ws.receive({ type: 'status', status: 'admitted' });
  ws.receive({ type: 'joined', room: 'c:c-1', consultation: CONSULTATION, you: PATIENT, participants: [] });
  ws.receive({ type: 'offer', pc: 'subscribe', revision: 1, sdp: 'o1' });
  assert.deepEqual(seen, ['status', 'joined']);
  assert.equal(pcs.length, 1);
  const answer = await ws.next('answer');
  assert.deepEqual([answer.pc, answer.revision, answer.sdp], ['subscribe', 1, 'answer-to-o1']);
  assert.equal(client.room, 'c:c-1');
});

for (const status of ['declined', 'removed', 'ended', 'replaced']) {
  test(`status ${status}: reported, and the socket's close that follows is expected`, async () => {
    const { client, ws, join, reply } = await joining();
    ws.receive({ type: 'waiting', id: join.id, consultation: CONSULTATION, you: PATIENT });
    await reply;
    /** @type {any[]} */
    const seen = [];
    for (const type of ['status', 'close']) {
      client.addEventListener(type, (ev) => seen.push([type, /** @type {CustomEvent} */ (ev).detail]));
    }
    ws.receive({ type: 'status', status });
    ws.close(1000);
    assert.deepEqual(seen, [['status', { status }], ['close', { code: 1000, reason: '', expected: true }]]);
    assert.equal(client.finalStatus, status);
  });
}

test('join refusals reject with their code; the session may join again', async () => {
  const { client, ws, join, reply } = await joining();
  ws.receive({ type: 'error', id: join.id, code: 'token-expired', message: 'expired' });
  await assert.rejects(reply, (e) => e instanceof NaraError && e.code === 'token-expired');
  const again = client.joinConsultation('new.to.ken');
  const join2 = await ws.next('join');
  ws.receive({ type: 'error', id: join2.id, code: 'participant-removed', message: 'removed' });
  await assert.rejects(again, (e) => e instanceof NaraError && e.code === 'participant-removed');
  assert.equal(pcs.length, 0);
});

test('host requests: the messages of docs/protocol.md, each resolved by ok', async () => {
  const { client, ws, join, reply } = await joining();
  ws.receive({ type: 'joined', id: join.id, room: 'c:c-1', consultation: CONSULTATION, you: HOST, participants: [] });
  await reply;
  /** @type {[() => Promise<void>, any][]} */
  const cases = [
    [() => client.admit('p-pat1'), { type: 'admit', participant: 'p-pat1' }],
    [() => client.decline('p-pat1'), { type: 'decline', participant: 'p-pat1' }],
    [() => client.admitAll(), { type: 'admit-all' }],
    [() => client.hostMute('p-pat1', 'audio', true), { type: 'host-mute', participant: 'p-pat1', kind: 'audio', muted: true }],
    [() => client.remove('p-rel1'), { type: 'remove', participant: 'p-rel1' }],
    [() => client.readmit('p-rel1'), { type: 'readmit', participant: 'p-rel1' }],
    [() => client.lock(true), { type: 'lock', locked: true }],
    [() => client.end(), { type: 'end' }],
  ];
  for (const [call, expected] of cases) {
    const done = call();
    const sent = await ws.next(expected.type);
    const { id, ...rest } = sent;
    assert.deepEqual(rest, expected);
    assert.equal(typeof id, 'number');
    ws.receive({ type: 'ok', id });
    await done;
  }
  const refused = client.admit('p-nobody');
  const sent = await ws.next('admit');
  ws.receive({ type: 'error', id: sent.id, code: 'no-such-participant', message: 'nobody' });
  await assert.rejects(refused, (e) => e instanceof NaraError && e.code === 'no-such-participant');
});

test('consultation events reach the UI with their fields', async () => {
  const { client, ws, join, reply } = await joining();
  ws.receive({ type: 'joined', id: join.id, room: 'c:c-1', consultation: CONSULTATION, you: HOST, participants: [] });
  await reply;
  /** @type {any[]} */
  const seen = [];
  for (const type of ['waiting-list', 'muted-by-host', 'mute-changed', 'consultation-changed']) {
    client.addEventListener(type, (ev) => seen.push([type, /** @type {CustomEvent} */ (ev).detail]));
  }
  const person = { ...PATIENT, since: '2026-11-23T19:29:41Z' };
  ws.receive({ type: 'waiting-list', waiting: [person] });
  ws.receive({ type: 'muted-by-host', kind: 'audio', muted: true });
  ws.receive({ type: 'mute-changed', participant: 'p-pat1', kind: 'audio', muted: true, byHost: true });
  ws.receive({ type: 'mute-changed', participant: 'p-pat1', kind: 'video', muted: false });
  ws.receive({ type: 'consultation-changed', locked: true, title: 'Follow-up' });
  ws.receive({ type: 'waiting-list' });
  assert.deepEqual(seen, [
    ['waiting-list', { waiting: [person] }],
    ['muted-by-host', { kind: 'audio', muted: true }],
    ['mute-changed', { participant: 'p-pat1', kind: 'audio', muted: true, byHost: true }],
    ['mute-changed', { participant: 'p-pat1', kind: 'video', muted: false, byHost: false }],
    ['consultation-changed', { locked: true, title: 'Follow-up' }],
    ['waiting-list', { waiting: [] }],
  ]);
});
