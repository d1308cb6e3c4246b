// interpreters.js — raised hands, signing and the interpreter on the call
// screen (docs/protocol.md, "Interpreters, signing and raised hands").
//
// Makes the More menu's Raise hand and Pin interpreter and patient together
// buttons, follows hand-raised and signing-changed, marks each tile with
// its role, whether the person signs (layout.js keeps signers large) and a
// raised hand, and tells the host and staff politely who raised a hand.
// The host's own buttons (lower a hand, mark as signing) are hostpanel.js;
// they send through setHand() and setSigning() here. Main thread.

import { announce } from './callpanels.js';
import { arrange, stage } from './layout.js';
import { errorText, say, showAlert, state, t, ui } from './page.js';

/** @typedef {import('./protocol.js').NaraClient} NaraClient */
/** @typedef {import('./hostpanel.js').Person} Person */

/**
 * What the roster says of a person's languages, signing and hand
 * (participant objects and waiting-list entries alike).
 * @param {any} p
 * @returns {{languages: string[], signing: boolean, handRaised: boolean}}
 */
export function interpFields(p) {
  return {
    languages: Array.isArray(p?.languages) ? p.languages.filter((/** @type {any} */ l) => typeof l === 'string') : [],
    signing: p?.signing === true,
    handRaised: p?.handRaised === true,
  };
}

/** Our own: the booking's signing (joined's `you`), our hand. */
export const self = { signing: false, handRaised: false };

/**
 * Marks a tile with the person's role, signing and hand.
 * @param {HTMLElement | null} tile
 * @param {{role?: string | null, signing?: boolean, handRaised?: boolean}} p
 */
export function showTileExtras(tile, p) {
  if (!tile) return;
  tile.dataset.role = p.role ?? '';
  tile.dataset.signing = String(!!p.signing);
  let badge = /** @type {HTMLElement | null} */ (tile.querySelector('.tile-hand'));
  if (!badge) {
    badge = document.createElement('span');
    badge.className = 'badge tile-hand';
    say(badge, 'handRaisedBadge');
    tile.querySelector('.tile-label')?.append(badge);
  }
  badge.hidden = !p.handRaised;
}

/**
 * Raises or lowers a hand: our own, or (a host) someone else's.
 * @param {NaraClient} client
 * @param {boolean} raised
 * @param {string} [participant] someone else's id
 */
export async function setHand(client, raised, participant) {
  await client.request(participant ? { type: 'raise-hand', raised, participant } : { type: 'raise-hand', raised });
}

/**
 * A host marks someone in the call as signing, or not.
 * @param {NaraClient} client
 * @param {string} participant
 * @param {boolean} signing
 */
export async function setSigning(client, participant, signing) {
  await client.request({ type: 'set-signing', participant, signing });
}

/**
 * Our camera's encoder: someone signing keeps frame rate and gives up
 * resolution first (EN 301 549: 20 frames/s for sign language); the
 * server's layer choice does the same for what it forwards.
 * @param {NaraClient} client
 */
function preferFrameRate(client) {
  const screen = client.screenTransceiver?.sender;
  for (const sender of client.publishPc?.getSenders() ?? []) {
    if (sender.track?.kind !== 'video' || sender === screen) continue;
    const params = sender.getParameters();
    const want = self.signing ? 'maintain-framerate' : 'balanced';
    if (params.degradationPreference === want) continue;
    params.degradationPreference = want;
    sender.setParameters(params).catch(() => {});
  }
}

/**
 * @typedef {object} InterpOptions
 * @property {(id: string) => HTMLElement | null} findTile
 * @property {() => void} renderPeople the host panel's list again
 * @property {HTMLElement} menu the More menu: our buttons go first
 */

/** What the events update: the latest call's buttons. */
/** @type {{renderHand: () => void, renderTogether: () => void, options: InterpOptions} | null} */
let view = null;
/** @type {WeakSet<NaraClient>} */
const listening = new WeakSet();

/** @param {string} id a participant's tile shows what we know of them now */
function refreshTile(id) {
  if (!view) return;
  const p = id === state.selfId ? { role: state.role, ...self } : state.people.get(id);
  if (p) showTileExtras(view.options.findTile(id), p);
}

/**
 * The buttons and events for one call. Call after joined.
 * @param {NaraClient} client
 * @param {InterpOptions} options
 */
export function mountInterpreters(client, options) {
  document.getElementById('raise-hand')?.remove();
  document.getElementById('pin-together')?.remove();
  self.signing = /** @type {any} */ (client.self)?.signing === true;
  self.handRaised = false;
  stage.together = false;

  const hand = document.createElement('button');
  hand.type = 'button';
  hand.id = 'raise-hand';
  hand.className = 'toggle';
  const renderHand = () => {
    say(hand, self.handRaised ? 'lowerOwnHand' : 'raiseHand');
    hand.dataset.on = String(self.handRaised);
    hand.setAttribute('aria-pressed', String(self.handRaised));
  };
  renderHand();
  hand.addEventListener('click', async () => {
    const raised = !self.handRaised;
    try {
      await setHand(client, raised);
    } catch (err) {
      if (state.client === client) showAlert(errorText(err));
    }
  });

  const together = document.createElement('button');
  together.type = 'button';
  together.id = 'pin-together';
  together.className = 'toggle';
  say(together, 'pinTogether');
  const renderTogether = () => {
    const roles = [...state.people.values()].map((p) => p.role);
    together.hidden = !(roles.includes('interpreter') && roles.includes('patient'));
    together.dataset.on = String(stage.together);
    together.setAttribute('aria-pressed', String(stage.together));
  };
  renderTogether();
  together.addEventListener('click', () => {
    stage.together = !stage.together;
    renderTogether();
    arrange(ui.tiles);
  });
  options.menu.prepend(hand, together);
  view = { renderHand, renderTogether, options };
  // Events once per client, whatever enters the call again with it.
  if (listening.has(client)) return;
  listening.add(client);

  /**
   * @param {string} type
   * @param {(detail: any) => void} fn
   */
  const on = (type, fn) =>
    client.addEventListener(type, (ev) => {
      if (state.client === client) fn(/** @type {CustomEvent} */ (ev).detail);
    });
  on('hand-raised', ({ participant, raised, by }) => {
    if (participant === state.selfId) {
      self.handRaised = raised;
      view?.renderHand();
      if (!raised && by) announce(t('handLoweredByHost'));
    } else {
      const p = state.people.get(participant);
      if (!p) return;
      p.handRaised = raised;
      // Those who run the meeting hear it; the badge shows it to everyone.
      if (raised && (state.role === 'host' || state.role === 'staff')) announce(t('handRaisedAnnounce', p.name));
    }
    refreshTile(participant);
    view?.options.renderPeople();
  });
  on('signing-changed', ({ participant, signing }) => {
    if (participant === state.selfId) {
      self.signing = signing;
      preferFrameRate(client);
    } else {
      const p = state.people.get(participant);
      if (!p) return;
      p.signing = signing;
    }
    refreshTile(participant);
    arrange(ui.tiles);
    view?.options.renderPeople();
  });
  // Our camera is sent once the publish connection is up.
  on('media-state', ({ pc, state: s }) => {
    if (pc === 'publish' && s === 'connected') preferFrameRate(client);
  });
  // Someone came or went: the pairing button follows who is here.
  on('participant-joined', () => queueMicrotask(() => view?.renderTogether()));
  on('participant-left', () => queueMicrotask(() => view?.renderTogether()));
}
