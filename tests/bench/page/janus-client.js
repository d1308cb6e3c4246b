// janus-client.js — a participant of a Janus VideoRoom call over Janus'
// WebSocket API (subprotocol janus-protocol), for the network bench: one
// session, a publisher handle that creates the room if nobody has, joins,
// publishes camera and microphone with the same getUserMedia constraints as
// Nara's web client, and one subscriber handle per other publisher. SDP is
// sent once ICE gathering is complete (no trickle), as the bench runs on one
// machine. window.bench exposes join() and the peer connections for the
// bench's statistics. Runs in the page's main thread.

/** @type {WebSocket | null} */
let ws = null;
let sessionId = 0;
let txSeq = 0;
/** @type {Map<string, {resolve: (m: any) => void, reject: (e: Error) => void}>} */
const pending = new Map();
/** @type {Map<number, (m: any) => void>} */
const handlers = new Map();
/** @type {RTCPeerConnection | null} */
let pubPc = null;
/** @type {Map<number, {pc: RTCPeerConnection, handle: number}>} */
const subs = new Map();
let myId = 0;
let room = 0;
/** @type {string[]} */
const errors = [];

/**
 * Sends a Janus request; resolves with its reply (success, or ack for an
 * asynchronous plugin message), rejects on error.
 * @param {Record<string, any>} msg
 */
function request(msg) {
  const transaction = `t${++txSeq}`;
  const body = { ...msg, transaction };
  if (sessionId) body.session_id = sessionId;
  return new Promise((resolve, reject) => {
    pending.set(transaction, { resolve, reject });
    /** @type {WebSocket} */ (ws).send(JSON.stringify(body));
  });
}

/** @param {MessageEvent} ev */
function onMessage(ev) {
  const msg = JSON.parse(ev.data);
  const waiter = msg.transaction ? pending.get(msg.transaction) : undefined;
  if (waiter && (msg.janus === 'success' || msg.janus === 'ack' || msg.janus === 'error')) {
    pending.delete(msg.transaction);
    if (msg.janus === 'error') waiter.reject(new Error(`janus error ${msg.error?.code}: ${msg.error?.reason}`));
    else waiter.resolve(msg);
    return;
  }
  if (msg.janus === 'event' && msg.sender) handlers.get(msg.sender)?.(msg);
}

/** @param {RTCPeerConnection} pc */
function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
}

/**
 * Waits for the next plugin event on a handle that satisfies pred.
 * @param {number} handle
 * @param {(m: any) => boolean} pred
 * @param {number} timeoutMs
 */
function nextEvent(handle, pred, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const previous = handlers.get(handle);
    const timer = setTimeout(() => reject(new Error(`no event on handle ${handle}`)), timeoutMs);
    handlers.set(handle, (m) => {
      if (pred(m)) {
        clearTimeout(timer);
        if (previous) handlers.set(handle, previous);
        else handlers.delete(handle);
        resolve(m);
      } else {
        previous?.(m);
      }
    });
  });
}

/** @param {number} handle @param {Record<string, any>} body @param {any} [jsep] */
function message(handle, body, jsep) {
  return request({ janus: 'message', handle_id: handle, body, ...(jsep ? { jsep } : {}) });
}

async function attach() {
  const reply = await request({ janus: 'attach', plugin: 'janus.plugin.videoroom' });
  return /** @type {number} */ (reply.data.id);
}

/** A tile like Nara's: li[data-participant] > video + .tile-name. */
function addTile(/** @type {number} */ id, /** @type {string} */ name, /** @type {MediaStream} */ stream) {
  const li = document.createElement('li');
  li.dataset.participant = String(id);
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = stream;
  const label = document.createElement('span');
  label.className = 'tile-name';
  label.textContent = name;
  li.append(video, label);
  /** @type {HTMLElement} */ (document.getElementById('tiles')).append(li);
  video.play().catch(() => {});
}

/** @param {{id: number, display?: string}} pub */
async function subscribe(pub) {
  if (pub.id === myId || subs.has(pub.id)) return;
  const handle = await attach();
  const pc = new RTCPeerConnection();
  subs.set(pub.id, { pc, handle });
  const stream = new MediaStream();
  pc.ontrack = (ev) => stream.addTrack(ev.track);
  const attached = nextEvent(handle, (m) => m.plugindata?.data?.videoroom === 'attached' && m.jsep);
  await message(handle, { request: 'join', ptype: 'subscriber', room, streams: [{ feed: pub.id }] });
  const offer = (await attached).jsep;
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  addTile(pub.id, pub.display ?? String(pub.id), stream);
  const started = nextEvent(handle, (m) => m.plugindata?.data?.started !== undefined);
  await message(handle, { request: 'start' }, { type: 'answer', sdp: pc.localDescription?.sdp });
  await request({ janus: 'trickle', handle_id: handle, candidate: { completed: true } });
  await started;
}

/** @param {any[] | undefined} list */
function subscribeAll(list) {
  for (const pub of list ?? []) subscribe(pub).catch((e) => errors.push(String(e)));
}

/**
 * Joins the room as name and publishes; resolves once Janus answered.
 * @param {{wsUrl: string, room: number, name: string}} opts
 */
async function join(opts) {
  room = opts.room;
  const local = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: { ideal: 640 }, height: { ideal: 480 } },
  });
  ws = new WebSocket(opts.wsUrl, 'janus-protocol');
  ws.onmessage = onMessage;
  await new Promise((resolve, reject) => {
    /** @type {WebSocket} */ (ws).onopen = resolve;
    /** @type {WebSocket} */ (ws).onerror = () => reject(new Error('websocket failed'));
  });
  sessionId = (await request({ janus: 'create' })).data.id;
  setInterval(() => request({ janus: 'keepalive' }).catch(() => {}), 20000);
  const pubHandle = await attach();
  const created = await message(pubHandle, {
    request: 'create', room, publishers: 6, audiocodec: 'opus', videocodec: 'vp8', permanent: false,
  });
  const code = created.plugindata?.data?.error_code;
  if (code && code !== 427) throw new Error(`room create: ${created.plugindata.data.error}`); // 427: exists

  const joined = nextEvent(pubHandle, (m) => m.plugindata?.data?.videoroom === 'joined');
  await message(pubHandle, { request: 'join', ptype: 'publisher', room, display: opts.name });
  const j = (await joined).plugindata.data;
  myId = j.id;
  handlers.set(pubHandle, (m) => subscribeAll(m.plugindata?.data?.publishers));

  pubPc = new RTCPeerConnection();
  for (const track of local.getTracks()) pubPc.addTransceiver(track, { direction: 'sendonly', streams: [local] });
  await pubPc.setLocalDescription(await pubPc.createOffer());
  await gathered(pubPc);
  const answered = nextEvent(pubHandle, (m) => Boolean(m.jsep));
  await message(pubHandle, { request: 'configure', audio: true, video: true }, { type: 'offer', sdp: pubPc.localDescription?.sdp });
  await request({ janus: 'trickle', handle_id: pubHandle, candidate: { completed: true } });
  const answer = await answered;
  await pubPc.setRemoteDescription(answer.jsep);
  subscribeAll(j.publishers);
}

/** @type {any} */ (window).bench = {
  join,
  publisherPc: () => pubPc,
  subscriberPcs: () => [...subs.values()].map((s) => s.pc),
  errors: () => errors,
};
