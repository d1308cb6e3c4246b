// fake-webrtc.mjs — stand-ins for the browser's WebSocket and
// RTCPeerConnection, so web/js/protocol.js runs in Node against a scripted
// server: FakeSocket records what the client sends and lets the test
// deliver frames; FakePc records descriptions and candidates. install()
// puts them on globalThis before protocol.js is imported.

/** @type {FakeSocket[]} */
export const sockets = [];
/** @type {FakePc[]} */
export const pcs = [];

export function reset() {
  sockets.length = 0;
  pcs.length = 0;
}

export class FakeSocket extends EventTarget {
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
      this.readyState = FakeSocket.OPEN;
      this.dispatchEvent(new Event('open'));
    });
  }
  /** @param {string} data */
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  /** @param {any} msg a frame from the server */
  receive(msg) {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(msg) }));
  }
  close(code = 1000) {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason: '' }));
  }
  /**
   * The next message of this type the client sends, waiting for it.
   * @param {string} type
   */
  async next(type) {
    for (let i = 0; i < 100; i++) {
      const idx = this.sent.findIndex((m) => m.type === type);
      if (idx >= 0) return this.sent.splice(idx, 1)[0];
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`client sent no ${type}; sent: ${JSON.stringify(this.sent)}`);
  }
}

export class FakePc extends EventTarget {
  /** @param {any} config */
  constructor(config) {
    super();
    this.config = config;
    this.signalingState = 'stable';
    this.connectionState = 'new';
    /** @type {any} */
    this.localDescription = null;
    /** @type {any} */
    this.remoteDescription = null;
    /** @type {any[]} */
    this.transceivers = [];
    /** @type {string[]} */
    this.log = [];
    this.n = 0;
    pcs.push(this);
  }
  /** @param {any} track @param {any} init */
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
  /** @param {any} desc */
  async setLocalDescription(desc) {
    this.log.push(`local ${desc.type}`);
    this.localDescription = desc;
    this.signalingState = desc.type === 'offer' ? 'have-local-offer' : 'stable';
  }
  /** @param {any} desc */
  async setRemoteDescription(desc) {
    this.log.push(`remote ${desc.type} ${desc.sdp}`);
    this.remoteDescription = desc;
    this.signalingState = desc.type === 'offer' ? 'have-remote-offer' : 'stable';
  }
  async addIceCandidate() {}
  close() {
    this.signalingState = 'closed';
  }
}

export function install() {
  globalThis.WebSocket = /** @type {any} */ (FakeSocket);
  globalThis.RTCPeerConnection = /** @type {any} */ (FakePc);
}
