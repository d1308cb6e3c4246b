// protocol.js — Nara's signaling protocol (docs/protocol.md, version 1) and
// the two peer connections of one participant: "publish" (we offer our
// camera and microphone, sendonly) and "subscribe" (the server offers the
// others' tracks, we answer). Trickle ICE both ways.
//
// It touches no DOM: the UI listens to events on a NaraClient (an
// EventTarget) and calls its methods. Consultations (token join, waiting
// room, host requests) are the same client: no peer connection exists
// while waiting. In a call it keeps the call alive by itself (protocol.md,
// "Continuity"): a socket that closes or stops answering pings is replaced
// and the session resumed with its secret, the peer connections kept; ICE
// restarts when it goes disconnected or failed or the network changes. Only
// when that fails is the lost socket reported (`close`) and the UI decides;
// that state machine lives in continuity.js.
// Runs on the page's main thread.

import { Continuity } from './continuity.js';
import { preferCodecs, publisherOfTrack, undecodableVideos } from './codecs.js';
import { applySendLayers, sendEncodings } from './simulcast.js';

export const PROTOCOL_VERSION = 1;
const REQUEST_TIMEOUT_MS = 15000;
// `redirect`s followed in a row for one join or resume (protocol.md).
const MAX_REDIRECTS = 3;

/**
 * @typedef {'audio' | 'video'} TrackKind
 * @typedef {'publish' | 'subscribe'} PcName
 * @typedef {'host' | 'staff' | 'interpreter' | 'patient' | 'relative'} Role
 * @typedef {{id: string, kind: TrackKind}} TrackInfo
 * @typedef {{id: string, name: string, audioMuted: boolean, videoMuted: boolean, tracks: TrackInfo[],
 *            role?: Role | null, assurance?: string | null, lang?: string | null,
 *            audioMutedByHost?: boolean, videoMutedByHost?: boolean,
 *            precheck?: {camera: string, microphone: string, network: string} | null,
 *            quality?: 'good' | 'poor' | 'reconnecting' | null}} Participant
 * @typedef {{id: string, name: string, role?: Role | null, assurance?: string | null,
 *            audioMutedByHost?: boolean, videoMutedByHost?: boolean}} Self
 * @typedef {{id: string, title: string, locked?: boolean}} ConsultationInfo
 * @typedef {{room: string, you: Self, participants: Participant[], consultation?: ConsultationInfo, iceServers?: RTCIceServer[]}} Joined
 * @typedef {{type: 'joined'} & Joined} JoinedReply
 * @typedef {{type: 'waiting', consultation: ConsultationInfo, you: Self}} WaitingReply
 * @typedef {{id: string, name: string, role: Role | null, assurance: string | null, since: string,
 *            lang?: string | null, secondDevice?: boolean,
 *            precheck?: {camera: string, microphone: string, network: string} | null}} WaitingPerson
 * @typedef {'admitted' | 'declined' | 'removed' | 'ended' | 'replaced'} Status
 * @typedef {{version: number, server?: string}} Welcome
 * @typedef {{[field: string]: any, type: string}} Message
 */

/**
 * Events a NaraClient dispatches (all CustomEvents; `detail` is given):
 * - `participant-joined` Participant
 * - `participant-left`   {id: string, reason: string}
 * - `track`              {participantId: string | null, track: MediaStreamTrack, stream: MediaStream | null}
 * - `track-added`        {participant: string, track: TrackInfo}
 * - `track-removed`      {participant: string, track: string}
 * - `mute-changed`       {participant: string, kind: TrackKind, muted: boolean, byHost: boolean}
 * - `chat`               {from: Self, text: string, time: string}
 * - `server-error`       {code: string, message: string} (an error that answers no pending request)
 * - `media-state`        {pc: PcName, state: RTCPeerConnectionState}
 * - `media-error`        {pc: PcName, error: Error} (an offer or answer we could not apply)
 * - `close`              {code: number, reason: string, expected: boolean} (the session is gone:
 *                          left, closed by the server, or not resumed)
 * - `reconnecting`         {attempt: number} (the socket dropped: trying to resume, the call goes on)
 * - `resumed`              Joined (the session is back on a new socket)
 * - `participant-reconnecting` {id: string} / `participant-reconnected` {id: string}
 * - `ice-restart`          {pc: PcName}
 * - `draining`             {deadline: string, seconds: number} (the server restarts soon; at the
 *                          deadline it closes the socket with 1012 and the client reconnects)
 * Consultations only (docs/protocol.md, Consultations):
 * - `status`               {status: Status} (after `declined`, `removed`, `ended`, `replaced` the
 *                          server closes the socket; that close is `expected`)
 * - `joined`               Joined (unsolicited, right after status `admitted`: publish now)
 * - `waiting-list`         {waiting: WaitingPerson[]} (host and staff)
 * - `muted-by-host`        {kind: TrackKind, muted: boolean}
 * - `consultation-changed` {locked: boolean, title?: string}
 * - `participant-status`   {participant: string, precheck: object | null, quality: string | null}
 * @typedef {never} NaraClientEvents
 */

/** An `error` reply from the server, or a local failure with a code of our own. */
export class NaraError extends Error {
  /**
   * @param {string} code a code from docs/protocol.md, or `timeout` / `connect`
   * @param {string} [message]
   */
  constructor(code, message) {
    super(message || code);
    this.name = 'NaraError';
    this.code = code;
    /** @type {string | null} where a `redirect` sends us (code `redirect`), if usable */
    this.redirectUrl = null;
  }
}

/**
 * The signaling URL for the page's own origin: wss://HOST/ws (ws:// only
 * when the page itself came over plain HTTP, behind a TLS proxy).
 * @param {Location} loc
 */
export function signalingUrl(loc) {
  const scheme = loc.protocol === 'http:' ? 'ws:' : 'wss:';
  return `${scheme}//${loc.host}/ws`;
}

/**
 * A redirect's URL if we may follow it: wss://, or ws:// only when we
 * started on plain ws:// ourselves (never a downgrade).
 * @param {unknown} url
 * @param {string} from the URL the client started from
 * @returns {string | null}
 */
function redirectTarget(url, from) {
  try {
    const u = new URL(String(url));
    if (u.protocol === 'wss:' || (u.protocol === 'ws:' && from.startsWith('ws:'))) return u.href;
  } catch {
    // not a URL
  }
  return null;
}

/** Room names as the server accepts them (protocol.md, join). */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What a reconnecting client sends before its session is back (continuity.js). */
const BEFORE_RESUME = ['hello', 'resume', 'ping'];

/** Statuses after which the server closes the socket (protocol.md, status). */
const FINAL_STATUSES = ['declined', 'removed', 'ended', 'replaced'];

/**
 * The join token of a consultation link, https://HOST/c/<id>#t=<token>.
 * It lives in the fragment so that browsers never send it in a request.
 * @param {string} hash location.hash, e.g. "#t=eyJ…"
 * @returns {string} the token, or '' when the link has none
 */
export function tokenFromHash(hash) {
  // A booking system that appends "?lang=da" to the whole link puts it in
  // the fragment, after the token; a token never holds a "?".
  const params = new URLSearchParams(hash.replace(/^#/, '').split('?')[0]);
  return (params.get('t') ?? '').trim();
}

export class NaraClient extends EventTarget {
  /** @param {{url: string, requestTimeoutMs?: number}} options */
  constructor(options) {
    super();
    // Where this client started: a node it was redirected to that cannot
    // be reached sends it back here (protocol.md, redirect).
    this.startUrl = options.url;
    this.url = options.url;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.nextId = 1;
    /** @type {Map<number, {resolve: (m: Message) => void, reject: (e: Error) => void, timer: ReturnType<typeof setTimeout>, type: string}>} */
    this.pending = new Map();
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    /** @type {RTCPeerConnection | null} */
    this.publishPc = null;
    /** @type {RTCPeerConnection | null} */
    this.subscribePc = null;
    /** @type {Self | null} */
    this.self = null;
    /** @type {string | null} */
    this.room = null;
    /** @type {Status | null} the status that ended this session, if any */
    this.finalStatus = null;
    this.leaving = false;
    this.closed = false;
    // Offers and answers of one connection are applied strictly in order.
    /** @type {Promise<void>} */
    this.publishChain = Promise.resolve();
    /** @type {Promise<void>} */
    this.subscribeChain = Promise.resolve();
    // Our candidates wait until the server knows the description they belong to;
    // the server's wait until we have applied its description.
    /** @type {Record<PcName, boolean>} */
    this.canSendCandidates = { publish: false, subscribe: false };
    /** @type {Record<PcName, (RTCIceCandidateInit | null)[]>} */
    this.localCandidates = { publish: [], subscribe: [] };
    /** @type {Record<PcName, RTCIceCandidateInit[]>} */
    this.remoteCandidates = { publish: [], subscribe: [] };
    // Continuity (protocol.md): the secret of the session in a room; the
    // reconnects and ICE restarts that use it are continuity.js's.
    /** @type {string | null} */
    this.resumeSecret = null;
    this.continuity = new Continuity(this);
    /** @type {RTCRtpTransceiver | null} our screen share, named in publish (screenshare.js) */
    this.screenTransceiver = null;
  }

  /**
   * Opens the socket and says hello.
   * @param {{quiet?: boolean}} [options] quiet: a socket that never opens is
   *   only a rejection, not a lost session (a redirect's target)
   * @returns {Promise<Welcome>}
   */
  connect(options = {}) {
    return new Promise((resolve, reject) => {
      /** @type {WebSocket} */
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        reject(new NaraError('connect', String(e)));
        return;
      }
      this.ws = ws;
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        this.request({ type: 'hello', version: PROTOCOL_VERSION }).then((welcome) => {
          // A resume keeps the peer connections and their ICE servers.
          if (!this.reconnecting) this.iceServers = Array.isArray(welcome.iceServers) ? welcome.iceServers : [];
          this.continuity.startKeepalive(ws);
          resolve(/** @type {Welcome} */ (/** @type {unknown} */ (welcome)));
        }, reject);
      });
      ws.addEventListener('message', (ev) => {
        if (this.ws !== ws) return;
        this.continuity.heard();
        this.onFrame(ev.data);
      });
      ws.addEventListener('close', (ev) => {
        if (!opened) reject(new NaraError('connect', `socket closed (${ev.code})`));
        if (!opened && options.quiet) {
          if (this.ws === ws) this.ws = null;
          return;
        }
        // A socket we gave up on already (dead, replaced) says nothing more.
        if (this.ws === ws) this.onSocketClosed(ev.code, ev.reason);
      });
    });
  }

  /** Whether the socket dropped and the session is being resumed (continuity.js). */
  get reconnecting() {
    return this.continuity.reconnecting;
  }

  /**
   * Joins a room. The subscribe connection is ready for the server's offers
   * when this resolves.
   * @param {string} room
   * @param {string} name
   * @returns {Promise<Joined>}
   */
  async join(room, name) {
    // onJoined makes the subscribe connection, with joined's TURN servers.
    // Direction marks are invisible and the server refuses them in names
    // (they could make one name look like another): a pasted name loses them.
    name = name.replace(/[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g, '');
    const reply = await this.requestRedirected({ type: 'join', room, name, ...this.langField() });
    this.self = reply.you;
    this.room = reply.room;
    return /** @type {Joined} */ (/** @type {unknown} */ (reply));
  }

  /**
   * Joins a consultation with the token of a join link. Resolves with
   * `joined` when admitted at once, or `waiting` for the waiting room: then
   * no peer connection exists until status `admitted` and the unsolicited
   * `joined` event, when the subscribe connection is made.
   * @param {string} token
   * @returns {Promise<JoinedReply | WaitingReply>}
   */
  async joinConsultation(token) {
    const reply = await this.requestRedirected({ type: 'join', token, ...this.langField() });
    if (reply.type === 'waiting') this.self = reply.you;
    return /** @type {JoinedReply | WaitingReply} */ (/** @type {unknown} */ (reply));
  }

  // Host requests (protocol.md, Host requests); each resolves on `ok`.

  /** @param {string} participant a waiting participant's id */
  async admit(participant) {
    await this.request({ type: 'admit', participant });
  }

  /** @param {string} participant */
  async decline(participant) {
    await this.request({ type: 'decline', participant });
  }

  async admitAll() {
    await this.request({ type: 'admit-all' });
  }

  /**
   * Stops (or resumes) forwarding a participant's audio or video.
   * @param {string} participant
   * @param {TrackKind} kind
   * @param {boolean} muted
   */
  async hostMute(participant, kind, muted) {
    await this.request({ type: 'host-mute', participant, kind, muted });
  }

  /** @param {string} participant */
  async remove(participant) {
    await this.request({ type: 'remove', participant });
  }

  /** @param {string} participant */
  async readmit(participant) {
    await this.request({ type: 'readmit', participant });
  }

  /** @param {boolean} locked */
  async lock(locked) {
    await this.request({ type: 'lock', locked });
  }

  /** Ends the consultation for everyone. */
  async end() {
    await this.request({ type: 'end' });
  }

  /**
   * Publishes every track of `stream` (sendonly) and negotiates. Call once
   * after join; add later tracks with addTrack().
   * @param {MediaStream} stream
   */
  async publish(stream) {
    const pc = this.ensurePublishPc();
    for (const track of stream.getTracks()) {
      preferCodecs(pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], sendEncodings: sendEncodings(track) }));
    }
    await this.negotiatePublish();
  }

  /**
   * Publishes one more track (e.g. a camera plugged in later) and renegotiates.
   * @param {MediaStreamTrack} track
   * @param {MediaStream} stream
   */
  async addTrack(track, stream) {
    const pc = this.ensurePublishPc();
    preferCodecs(pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], sendEncodings: sendEncodings(track) }));
    await this.negotiatePublish();
  }

  /**
   * Stops publishing one track and renegotiates (its m-line becomes inactive).
   * @param {MediaStreamTrack} track
   */
  async removeTrack(track) {
    const pc = this.publishPc;
    if (!pc) return;
    const sender = pc.getSenders().find((s) => s.track === track);
    if (!sender) return;
    pc.removeTrack(sender);
    await this.negotiatePublish();
  }

  /**
   * Mutes or unmutes our microphone or camera: the track stops sending
   * locally at once, then the others are told.
   * @param {TrackKind} kind
   * @param {boolean} muted
   */
  async setMuted(kind, muted) {
    for (const sender of this.publishPc?.getSenders() ?? []) {
      if (sender.track && sender.track.kind === kind) sender.track.enabled = !muted;
    }
    await this.request({ type: 'mute', kind, muted });
  }

  /**
   * The page's language for the host's roster (protocol.md, join: lang).
   * @returns {{lang?: string}}
   */
  langField() {
    const lang = globalThis.document?.documentElement.lang;
    return lang && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang) && lang.length <= 35 ? { lang } : {};
  }

  /**
   * Real-time text: the line being typed, sent without waiting for any
   * reply (protocol.md, rtt). A refusal comes back as a server-error.
   * @param {string} text
   * @param {number} seq
   * @param {boolean} final
   */
  rtt(text, seq, final) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'rtt', text, seq, final }));
  }

  /** @param {string} text */
  async chat(text) {
    await this.request({ type: 'chat', text });
  }

  /** Leaves the room; the server then closes the socket. */
  async leave() {
    this.leaving = true;
    try {
      // (Mid-reconnect there is no session on the socket to say it to.)
      if (this.ws && this.ws.readyState === WebSocket.OPEN && !this.reconnecting) await this.request({ type: 'leave' });
    } finally {
      this.close();
    }
  }

  /** Closes the socket and both peer connections. Local tracks are the caller's. */
  close() {
    this.leaving = true;
    // 1000: the server ends the session at once instead of keeping it for a resume.
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
    this.teardown();
  }

  // --- requests and frames -------------------------------------------------

  /**
   * Sends a request and waits for the reply that echoes its id.
   * @param {Message} message
   * @returns {Promise<Message>} the reply; rejects with a NaraError
   */
  request(message) {
    if (this.reconnecting && !BEFORE_RESUME.includes(message.type)) {
      return this.continuity.afterResume().then(
        () => this.request(message),
        () => Promise.reject(new NaraError('connect', 'not resumed')),
      );
    }
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...message, id })) {
        reject(new NaraError('connect', 'not connected'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NaraError('timeout', `${message.type}: no reply`));
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer, type: message.type });
    });
  }

  /**
   * @param {Message} message
   * @returns {boolean} whether it was handed to the socket
   */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** @param {unknown} data */
  onFrame(data) {
    /** @type {Message} */
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    // The subscribe connection exists before the next frame (the server's
    // first offer) is read, whether `joined` answers our join or follows an
    // admission; a waiting session has none.
    if (msg.type === 'joined' || msg.type === 'resumed') this.onJoined(msg);
    if (msg.type === 'redirect') {
      this.onRedirect(msg);
      return;
    }
    const waiter = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (waiter) {
      this.pending.delete(msg.id);
      clearTimeout(waiter.timer);
      if (msg.type === 'error') waiter.reject(new NaraError(String(msg.code), msg.message));
      else waiter.resolve(msg);
      return;
    }
    const handler = EVENT_HANDLERS[msg.type];
    if (handler) handler(this, msg);
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  onSocketClosed(code, reason) {
    for (const [, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new NaraError('connect', `socket closed (${code})`));
    }
    this.pending.clear();
    this.continuity.stopKeepalive();
    this.ws = null;
    // In a call, unless we or the server meant it: the session waits for us.
    if (this.continuity.socketClosed()) return;
    const expected = this.leaving;
    this.teardown();
    this.emit('close', { code, reason, expected });
  }

  /**
   * Takes a session back on a new socket (protocol.md, resume): connects,
   * says hello, sends `resume`.
   * @param {string} secret
   * @returns {Promise<Message>} `resumed`
   */
  async resume(secret) {
    try {
      await this.connect();
    } catch (e) {
      // A node we were redirected to is gone: the next try starts over
      // where we started, which redirects to the owner as it is now.
      this.url = this.startUrl;
      throw e;
    }
    return this.requestRedirected({ type: 'resume', secret });
  }

  /**
   * Sends a join or resume and follows `redirect`s (protocol.md, redirect):
   * the same message again on a socket to the URL given, at most
   * MAX_REDIRECTS in a row; a target that cannot be reached sends us back
   * to the URL we started from.
   * @param {Message} message
   * @returns {Promise<Message>} the reply of the node that took it
   */
  async requestRedirected(message) {
    for (let redirects = 0; ; redirects++) {
      try {
        return await this.request(message);
      } catch (e) {
        if (!(e instanceof NaraError) || e.code !== 'redirect' || !e.redirectUrl) throw e;
        if (redirects >= MAX_REDIRECTS) {
          this.url = this.startUrl;
          throw new NaraError('redirect', `more than ${MAX_REDIRECTS} redirects in a row`);
        }
        this.url = e.redirectUrl;
        try {
          await this.connect({ quiet: true });
        } catch {
          this.url = this.startUrl;
          await this.connect({ quiet: true });
        }
      }
    }
  }

  /**
   * A `redirect` answers our join or resume: another node owns the
   * consultation. The server closes this socket next; that is no loss, so
   * it is let go at once and its close says nothing. The request is
   * rejected with code `redirect` and requestRedirected() follows it.
   * @param {Message} msg
   */
  onRedirect(msg) {
    let id = typeof msg.id === 'number' && this.pending.has(msg.id) ? msg.id : -1;
    // (A redirect without an id answers the join or resume in flight.)
    if (id < 0) for (const [k, w] of this.pending) if (w.type === 'join' || w.type === 'resume') id = k;
    const waiter = this.pending.get(id);
    if (!waiter || (waiter.type !== 'join' && waiter.type !== 'resume')) return;
    this.pending.delete(id);
    clearTimeout(waiter.timer);
    const ws = this.ws;
    this.ws = null;
    this.continuity.stopKeepalive();
    for (const [, other] of this.pending) {
      clearTimeout(other.timer);
      other.reject(new NaraError('connect', 'redirected'));
    }
    this.pending.clear();
    ws?.close(1000);
    const error = new NaraError('redirect', `redirected to ${String(msg.url)}`);
    error.redirectUrl = redirectTarget(msg.url, this.startUrl);
    waiter.reject(error);
  }

  /** @param {Message} msg `joined`, as a reply or as an event */
  onJoined(msg) {
    // The TURN credential comes with admission, before any connection exists.
    if (Array.isArray(msg.iceServers)) this.iceServers = msg.iceServers;
    this.ensureSubscribePc();
    if (msg.you) this.self = msg.you;
    if (typeof msg.room === 'string') this.room = msg.room;
    if (typeof msg.resume === 'string') this.resumeSecret = msg.resume;
  }

  teardown() {
    this.continuity.stop();
    this.resumeSecret = null;
    this.publishPc?.close();
    this.subscribePc?.close();
    this.publishPc = null;
    this.subscribePc = null;
    this.closed = true;
  }

  /**
   * @param {string} type
   * @param {unknown} detail
   */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- peer connections ----------------------------------------------------

  /**
   * @param {PcName} name
   * @returns {RTCPeerConnection}
   */
  makePc(name) {
    const pc = new RTCPeerConnection({
      iceServers: this.iceServers,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    pc.addEventListener('icecandidate', (ev) => {
      // null: end of candidates (protocol.md, candidate).
      const candidate = ev.candidate ? ev.candidate.toJSON() : null;
      if (this.canSendCandidates[name]) this.send({ type: 'candidate', pc: name, candidate });
      else this.localCandidates[name].push(candidate);
    });
    pc.addEventListener('connectionstatechange', () => {
      this.emit('media-state', { pc: name, state: pc.connectionState });
    });
    pc.addEventListener('iceconnectionstatechange', () => this.continuity.watchIce(name, pc));
    return pc;
  }

  ensurePublishPc() {
    if (!this.publishPc) this.publishPc = this.makePc('publish');
    return this.publishPc;
  }

  ensureSubscribePc() {
    if (this.subscribePc) return this.subscribePc;
    const pc = this.makePc('subscribe');
    pc.addEventListener('track', (ev) => {
      // Each m-line's msid is "<participant id> <track id>" (protocol.md).
      const stream = ev.streams[0] ?? null;
      this.emit('track', {
        participantId: stream ? stream.id : null,
        track: ev.track,
        stream,
        mid: ev.transceiver?.mid ?? null,
      });
    });
    this.subscribePc = pc;
    return pc;
  }

  /** @param {PcName} name */
  flushLocalCandidates(name) {
    this.canSendCandidates[name] = true;
    for (const candidate of this.localCandidates[name].splice(0)) {
      this.send({ type: 'candidate', pc: name, candidate });
    }
  }

  /**
   * @param {RTCPeerConnection} pc
   * @param {PcName} name
   */
  async flushRemoteCandidates(pc, name) {
    for (const candidate of this.remoteCandidates[name].splice(0)) {
      await pc.addIceCandidate(candidate).catch(() => {});
    }
  }

  /**
   * Offers our tracks on the publish connection and applies the answer.
   * @param {{iceRestart?: boolean}} [options] new ICE credentials (after restart-ice)
   */
  negotiatePublish(options = {}) {
    const run = async () => {
      const pc = this.publishPc;
      if (!pc || pc.signalingState === 'closed') return;
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: !!options.iceRestart }));
      const desc = /** @type {RTCSessionDescription} */ (pc.localDescription);
      let reply;
      try {
        const screen = this.screenTransceiver?.mid ?? null;
        const sent = this.request({ type: 'publish', sdp: desc.sdp, ...(screen === null ? {} : { screen }) });
        this.flushLocalCandidates('publish');
        reply = await sent;
      } catch (e) {
        // The server changed nothing (protocol.md); neither do we.
        if (pc.signalingState === 'have-local-offer') {
          await pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
        }
        throw e;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      await this.flushRemoteCandidates(pc, 'publish');
    };
    const next = this.publishChain.then(run);
    this.publishChain = next.catch(() => {});
    return next;
  }

  /** @param {Message} msg an `offer` for the subscribe connection */
  onSubscribeOffer(msg) {
    const run = async () => {
      const pc = this.subscribePc;
      if (!pc || pc.signalingState === 'closed') return;
      // A video in a codec this device cannot decode: its tile says so
      // (the browser's answer refuses it; the audio goes on).
      for (const v of undecodableVideos(msg.sdp)) this.emit('video-unplayable', v);
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await this.flushRemoteCandidates(pc, 'subscribe');
      await pc.setLocalDescription(await pc.createAnswer());
      const desc = /** @type {RTCSessionDescription} */ (pc.localDescription);
      this.send({ type: 'answer', pc: 'subscribe', revision: msg.revision, sdp: desc.sdp });
      this.flushLocalCandidates('subscribe');
    };
    this.subscribeChain = this.subscribeChain.then(run).catch((error) => {
      this.emit('media-error', { pc: 'subscribe', error });
    });
  }

  /** @param {Message} msg a `candidate` from the server */
  onRemoteCandidate(msg) {
    const name = /** @type {PcName} */ (msg.pc);
    const pc = name === 'publish' ? this.publishPc : name === 'subscribe' ? this.subscribePc : null;
    const c = msg.candidate;
    // End of candidates: nothing to do, our ICE agent times out on its own.
    if (!pc || !c || typeof c.candidate !== 'string' || c.candidate === '') return;
    /** @type {RTCIceCandidateInit} */
    const init = { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
    if (init.sdpMid === null && init.sdpMLineIndex === null) init.sdpMLineIndex = 0;
    if (!pc.remoteDescription) {
      this.remoteCandidates[name].push(init);
      return;
    }
    pc.addIceCandidate(init).catch(() => {});
  }
}

/**
 * One handler per server event type (docs/protocol.md).
 * @type {{[type: string]: (client: NaraClient, msg: Message) => void}}
 */
const EVENT_HANDLERS = {
  'participant-joined': (c, m) => c.emit('participant-joined', m.participant),
  'participant-reconnecting': (c, m) => c.emit('participant-reconnecting', { id: m.participant }),
  'participant-reconnected': (c, m) => c.emit('participant-reconnected', { id: m.participant }),
  'participant-left': (c, m) => c.emit('participant-left', { id: m.participant, reason: m.reason }),
  'track-added': (c, m) => c.emit('track-added', { participant: m.participant, track: m.track }),
  'track-removed': (c, m) => c.emit('track-removed', { participant: m.participant, track: m.track }),
  'mute-changed': (c, m) =>
    c.emit('mute-changed', { participant: m.participant, kind: m.kind, muted: !!m.muted, byHost: !!m.byHost }),
  // Only after an admission: a reply to our join never gets here.
  joined: (c, m) => c.emit('joined', m),
  status: (c, m) => {
    const status = String(m.status);
    if (FINAL_STATUSES.includes(status)) {
      // The server closes the socket next: that close is no surprise.
      c.finalStatus = /** @type {Status} */ (status);
      c.leaving = true;
    }
    c.emit('status', { status });
  },
  'waiting-list': (c, m) => c.emit('waiting-list', { waiting: Array.isArray(m.waiting) ? m.waiting : [] }),
  'muted-by-host': (c, m) => c.emit('muted-by-host', { kind: m.kind, muted: !!m.muted }),
  'consultation-changed': (c, m) =>
    c.emit('consultation-changed', { locked: !!m.locked, title: typeof m.title === 'string' ? m.title : undefined }),
  chat: (c, m) => c.emit('chat', { from: m.from, text: m.text, time: m.time }),
  rtt: (c, m) => c.emit('rtt', { from: m.from, text: String(m.text ?? ''), seq: Number(m.seq), final: !!m.final }),
  'send-layers': (c, m) => {
    applySendLayers(c.publishPc, String(m.mid), m.send);
  },
  'video-paused': (c, m) => c.emit('video-paused', { track: String(m.track), paused: true }),
  'video-resumed': (c, m) => c.emit('video-paused', { track: String(m.track), paused: false }),
  'track-unplayable': (c, m) => {
    const participant = publisherOfTrack(c.subscribePc?.remoteDescription?.sdp ?? '', String(m.track));
    if (participant) c.emit('video-unplayable', { participant, track: String(m.track), codec: String(m.codec ?? '') });
  },
  'participant-status': (c, m) =>
    c.emit('participant-status', { participant: m.participant, precheck: m.precheck ?? null, quality: m.quality ?? null }),
  'share-allowed': (c, m) => c.emit('share-allowed', { allowed: m.allowed === true }),
  draining: (c, m) => c.emit('draining', { deadline: String(m.deadline ?? ''), seconds: Number(m.seconds) || 0 }),
  offer: (c, m) => {
    if (m.pc === 'subscribe' && typeof m.sdp === 'string') c.onSubscribeOffer(m);
  },
  candidate: (c, m) => c.onRemoteCandidate(m),
  error: (c, m) => {
    // stale-answer: a newer offer is on its way; nothing to show.
    if (m.code === 'stale-answer') return;
    c.emit('server-error', { code: String(m.code), message: String(m.message ?? '') });
  },
  // interpreters.js
  'hand-raised': (c, m) => c.emit('hand-raised', { participant: m.participant, raised: m.raised === true, by: m.by ?? null }),
  'signing-changed': (c, m) => c.emit('signing-changed', { participant: m.participant, signing: m.signing === true }),
};
