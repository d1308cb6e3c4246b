// continuity.js — keeps one NaraClient's call alive by itself
// (docs/protocol.md, "Continuity"). It owns the reconnect state machine:
// the keepalive that finds a dead socket (no frame for DEAD_SOCKET_MS), the
// reconnect loop with backoff and jitter that says hello and resumes the
// session with its secret on a new socket (the peer connections are kept),
// and ICE restarts of either peer connection when it stays `disconnected`,
// goes `failed`, or the browser comes back online or changes network
// (navigator.connection). Only when the resume fails for good does it tell
// the client, which reports the lost call (`close`) for the UI to decide.
//
// The client (protocol.js) owns the socket, requests and peer
// connections; this file only drives them. Runs on the page's main thread.

// A ping every KEEPALIVE_MS; no frame at all for DEAD_SOCKET_MS: the socket is dead.
const KEEPALIVE_MS = 10000;
const DEAD_SOCKET_MS = 20000;
// Waits before each reconnect attempt (each ±25 %): the first at once, then
// backing off; together a little longer than the server's default grace
// window of 30 s.
const RECONNECT_DELAYS_MS = [0, 1000, 2000, 4000, 8000, 8000, 8000, 8000];
// ICE "disconnected" this long (it often comes back by itself): restart.
const ICE_DISCONNECTED_MS = 2000;

/**
 * @typedef {import('./protocol.js').NaraClient} NaraClient
 * @typedef {import('./protocol.js').PcName} PcName
 * @typedef {import('./protocol.js').Message} Message
 */

export class Continuity {
  /** @param {NaraClient} client */
  constructor(client) {
    this.client = client;
    this.reconnecting = false;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.reconnectTimer = null;
    /** @type {ReturnType<typeof setInterval> | null} */
    this.keepalive = null;
    this.lastFrameAt = 0;
    /** @type {Record<PcName, ReturnType<typeof setTimeout> | null>} */
    this.iceTimers = { publish: null, subscribe: null };
    /** @type {Record<PcName, boolean>} */
    this.restarting = { publish: false, subscribe: false };
    /** @type {Record<PcName, boolean>} */
    this.restartWanted = { publish: false, subscribe: false };
    // Requests made while reconnecting, waiting for the resume.
    /** @type {{resolve: () => void, reject: () => void}[]} */
    this.waiters = [];
    this.onOnline = () => this.networkChanged();
    // (Guarded: the protocol's own tests run without a window.)
    if (typeof window !== 'undefined') window.addEventListener('online', this.onOnline);
    // navigator.connection (Chromium): Wi-Fi to cellular and back.
    /** @type {any} */
    const connection = typeof navigator !== 'undefined' ? /** @type {any} */ (navigator).connection : null;
    this.connection = connection && typeof connection.addEventListener === 'function' ? connection : null;
    this.connection?.addEventListener('change', this.onOnline);
  }

  /**
   * Resolves once the session is resumed; rejects if it is lost instead.
   * A request sent on the new socket before `resume` would find no session
   * there ("join a room first"), so the client holds it back until then.
   * @returns {Promise<void>}
   */
  afterResume() {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** @param {boolean} resumed */
  settleWaiters(resumed) {
    for (const w of this.waiters.splice(0)) (resumed ? w.resolve : w.reject)();
  }

  /** A frame came in on the current socket: it is alive. */
  heard() {
    this.lastFrameAt = performance.now();
  }

  /**
   * Pings every KEEPALIVE_MS; a socket that has said nothing at all for
   * DEAD_SOCKET_MS (no pong either) is dead even if the browser has not
   * noticed: after a network change that can take minutes.
   * @param {WebSocket} ws
   */
  startKeepalive(ws) {
    this.stopKeepalive();
    this.lastFrameAt = performance.now();
    this.keepalive = setInterval(() => {
      if (this.client.ws !== ws) return;
      if (performance.now() - this.lastFrameAt > DEAD_SOCKET_MS) {
        this.dropSocket(4000, 'no pong');
        return;
      }
      this.client.request({ type: 'ping' }).catch(() => {});
    }, KEEPALIVE_MS);
  }

  stopKeepalive() {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
  }

  /**
   * Gives up on the current socket at once (it may be half dead, and its
   * close event could take minutes) and handles it as closed.
   * @param {number} code
   * @param {string} reason
   */
  dropSocket(code, reason) {
    const client = this.client;
    const ws = client.ws;
    if (!ws) return;
    client.ws = null;
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
    client.onSocketClosed(1006, reason);
  }

  /**
   * The socket closed. In a call, unless we or the server meant it, the
   * session waits for us: reconnect.
   * @returns {boolean} whether continuity took it (the call goes on)
   */
  socketClosed() {
    const client = this.client;
    if (!client.leaving && !client.closed && client.resumeSecret) {
      this.scheduleReconnect();
      return true;
    }
    return this.reconnecting; // a failed attempt: the loop goes on
  }

  scheduleReconnect() {
    if (this.reconnectTimer) return;
    if (this.attempt >= RECONNECT_DELAYS_MS.length) {
      this.giveUp('not resumed');
      return;
    }
    if (!this.reconnecting) {
      this.reconnecting = true;
      this.client.emit('reconnecting', { attempt: 0 });
    }
    const base = RECONNECT_DELAYS_MS[this.attempt];
    const delay = base * (0.75 + Math.random() * 0.5);
    this.reconnectTimer = setTimeout(() => this.reconnect(), delay);
  }

  async reconnect() {
    const client = this.client;
    this.reconnectTimer = null;
    if (client.closed || client.leaving || !client.resumeSecret) return;
    this.attempt++;
    client.emit('reconnecting', { attempt: this.attempt });
    /** @type {Message} */
    let reply;
    try {
      reply = await client.resume(client.resumeSecret);
    } catch (e) {
      if (/** @type {any} */ (e)?.code === 'resume-expired') {
        this.giveUp('resume-expired');
        return;
      }
      if (client.ws) this.dropSocket(4000, 'resume failed');
      else this.scheduleReconnect();
      return;
    }
    this.reconnecting = false;
    this.attempt = 0;
    client.emit('resumed', reply);
    this.settleWaiters(true);
    // Our address may have changed with the network: new ICE on both.
    this.restartIce('publish');
    this.restartIce('subscribe');
  }

  /** @param {string} reason */
  giveUp(reason) {
    const client = this.client;
    this.reconnecting = false;
    client.resumeSecret = null;
    if (client.ws) {
      const ws = client.ws;
      client.ws = null;
      ws.close(1000);
    }
    client.teardown();
    client.emit('close', { code: 1006, reason, expected: false });
  }

  /**
   * Back online, or another network: reconnect now. The socket of the old
   * network is as good as dead (and whatever we sent while offline is
   * lost), so a call resumes on a new one at once, which restarts ICE too.
   */
  networkChanged() {
    const client = this.client;
    if (client.closed) return;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.reconnect();
      return;
    }
    if (this.reconnecting) return;
    if (client.resumeSecret && client.ws) {
      this.dropSocket(4000, 'network changed');
      return;
    }
    this.restartIce('publish');
    this.restartIce('subscribe');
  }

  /**
   * An ICE restart of one connection: the server first hears of it
   * (restart-ice), then publish offers with new credentials, subscribe
   * answers the server's new offer. Waits for the socket when it is down.
   * @param {PcName} name
   */
  async restartIce(name) {
    const client = this.client;
    const pc = name === 'publish' ? client.publishPc : client.subscribePc;
    if (!pc || pc.signalingState === 'closed' || !pc.remoteDescription) return;
    if (this.restarting[name] || !client.ws || client.ws.readyState !== WebSocket.OPEN || this.reconnecting) {
      this.restartWanted[name] = true;
      return;
    }
    this.restarting[name] = true;
    this.restartWanted[name] = false;
    client.emit('ice-restart', { pc: name });
    try {
      await client.request({ type: 'restart-ice', pc: name });
      if (name === 'publish') await client.negotiatePublish({ iceRestart: true });
    } catch {
      // The socket went: the resume restarts ICE again.
    } finally {
      this.restarting[name] = false;
    }
    if (this.restartWanted[name]) this.restartIce(name);
  }

  /**
   * ICE state of one connection: restart when it has been disconnected for
   * a while, or failed.
   * @param {PcName} name
   * @param {RTCPeerConnection} pc
   */
  watchIce(name, pc) {
    const state = pc.iceConnectionState;
    const timer = this.iceTimers[name];
    if (state === 'disconnected') {
      if (!timer) {
        this.iceTimers[name] = setTimeout(() => {
          this.iceTimers[name] = null;
          if (pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed') this.restartIce(name);
        }, ICE_DISCONNECTED_MS);
      }
      return;
    }
    if (timer) clearTimeout(timer);
    this.iceTimers[name] = null;
    if (state === 'failed') this.restartIce(name);
  }

  /** The session is gone: no timer or listener of ours outlives it. */
  stop() {
    this.settleWaiters(false);
    this.stopKeepalive();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const name of /** @type {PcName[]} */ (['publish', 'subscribe'])) {
      const timer = this.iceTimers[name];
      if (timer) clearTimeout(timer);
      this.iceTimers[name] = null;
    }
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onOnline);
    this.connection?.removeEventListener('change', this.onOnline);
  }
}
