// hostpanel.js — the call screen's consultation panels for host and staff:
// the waiting room (who waits, admit / decline / admit everyone), the
// people in the call with role and identification, and for the host the
// per-person controls (mute, stop camera, remove, undo a removal) and the
// consultation's (lock, end for everyone), each risky one behind a native
// <dialog>. Staff see both lists without buttons.
//
// It sends host requests through the NaraClient it is given and renders
// what the caller tells it; it keeps no call state of its own beyond the
// lists. Names are set as text, never as HTML. Main thread.

import { NaraError } from './protocol.js';
import { allowScreenShare } from './screenshare.js';
import { assuranceText, languageName, roleText } from './strings.js';
import { interpFields, setHand, setSigning } from './interpreters.js';

/** @typedef {import('./protocol.js').NaraClient} NaraClient */
/** @typedef {import('./protocol.js').WaitingPerson} WaitingPerson */
/** @typedef {import('./protocol.js').Role} Role */
/** @typedef {import('./protocol.js').TrackKind} TrackKind */

/**
 * What a person's pre-call check found (docs/protocol.md, precheck).
 * @typedef {{camera: string, microphone: string, network: string}} Precheck
 */

/**
 * One person in the call as the panel shows them.
 * @typedef {{id: string, name: string, role: Role | null, assurance: string | null,
 *            lang?: string | null, audioMuted: boolean, videoMuted: boolean,
 *            audioMutedByHost: boolean, videoMutedByHost: boolean,
 *            precheck?: Precheck | null, quality?: 'good' | 'poor' | 'reconnecting' | null,
 *            languages?: string[], signing?: boolean, handRaised?: boolean}} Person
 */

/**
 * @typedef {object} HostPanelOptions
 * @property {(key: string, ...args: any[]) => string} t
 * @property {string} lang for clock times
 * @property {() => NaraClient | null} client the current session, if any
 * @property {(text: string) => void} alert shows a failed request in plain language
 * @property {(text: string) => void} note records an event in the call's log
 * @property {(waiting: number, arrived: string) => void} [onWaiting] the waiting room changed:
 *   how many wait, and what the status line said of newcomers ('' if none)
 */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return /** @type {T} */ (el);
}

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * "Language: العربية", the name in its own script and marked with its lang,
 * so the host sees who may need an interpreter.
 * @param {(key: string, ...args: any[]) => string} t
 * @param {string} tag the BCP 47 tag the person's page sent
 */
function langBadge(t, tag) {
  const badge = el('span', 'person-lang', t('personLanguage', ''));
  const name = el('span', undefined, languageName(tag));
  name.lang = tag;
  name.dir = 'auto';
  badge.append(name);
  return badge;
}

/**
 * "Booked: Swedish, Arabic" and "Signs", in the host's language; nothing
 * when the booking named no language and nobody signs.
 * @param {(key: string, ...args: any[]) => string} t
 * @param {string} lang the host's page language
 * @param {{languages?: string[], signing?: boolean}} p
 * @returns {HTMLElement | null}
 */
function bookedLine(t, lang, p) {
  const { languages, signing } = interpFields(p);
  if (!languages.length && !signing) return null;
  const line = el('p', 'person-meta');
  if (languages.length) {
    /** @type {Intl.DisplayNames | null} */
    let names = null;
    try {
      // fallback none: a tag without a name (sgn-SE) is shown as booked, not as its alias (swl).
      names = new Intl.DisplayNames([lang || 'en'], { type: 'language', fallback: 'none' });
    } catch {
      // an unknown page language: the tags as booked
    }
    const named = languages.map((tag) => {
      try {
        return names?.of(tag) ?? tag;
      } catch {
        return tag;
      }
    });
    line.append(el('span', 'person-booked', t('bookedLanguages', named.join(', '))));
  }
  if (signing) line.append(el('span', 'person-signs', t('signs')));
  return line;
}

export class HostPanel {
  /** @param {HostPanelOptions} options */
  constructor(options) {
    this.t = options.t;
    this.lang = options.lang;
    this.client = options.client;
    this.alert = options.alert;
    this.note = options.note;
    this.onWaiting = options.onWaiting ?? (() => {});
    this.ui = {
      waitingPanel: byId('waiting-panel'),
      waitingHeading: byId('waiting-room-heading'),
      waitingStatus: byId('waiting-status'),
      waitingList: byId('waiting-list'),
      admitAll: /** @type {HTMLButtonElement} */ (byId('admit-all')),
      peoplePanel: byId('people-panel'),
      peopleHeading: byId('people-heading'),
      peopleList: byId('people-list'),
      removedBox: byId('removed-box'),
      removedList: byId('removed-list'),
      controls: byId('consultation-controls'),
      lockedNote: byId('locked-note'),
      lockButton: /** @type {HTMLButtonElement} */ (byId('lock-button')),
      endButton: /** @type {HTMLButtonElement} */ (byId('end-button')),
      dialog: /** @type {HTMLDialogElement} */ (byId('confirm-dialog')),
      dialogHeading: byId('confirm-heading'),
      dialogText: byId('confirm-text'),
      dialogOk: byId('confirm-ok'),
    };
    /** @type {Role | null} */
    this.role = null;
    this.selfId = '';
    /** @type {WaitingPerson[]} */
    this.waiting = [];
    /** @type {Person[]} */
    this.people = [];
    /** @type {Map<string, string>} removed by us in this session: id → name */
    this.removed = new Map();
    /** @type {Set<string>} people we let share a screen in this session */
    this.shareAllowed = new Set();
    this.locked = false;
    this.showings = 0; // of the confirm dialog

    this.ui.admitAll.addEventListener('click', () => this.run((c) => c.admitAll()));
    this.ui.lockButton.addEventListener('click', () => this.toggleLock());
    this.ui.endButton.addEventListener('click', () => this.confirmEnd());
    this.ui.waitingList.addEventListener('click', (ev) => this.onListClick(ev));
    this.ui.peopleList.addEventListener('click', (ev) => this.onListClick(ev));
    this.ui.removedList.addEventListener('click', (ev) => this.onListClick(ev));
  }

  get isHost() {
    return this.role === 'host';
  }

  /**
   * Starts the panels for one session: shown to host and staff only.
   * @param {Role | null} role
   * @param {string} selfId
   * @param {boolean} locked
   */
  start(role, selfId, locked) {
    this.role = role;
    this.selfId = selfId;
    this.waiting = [];
    this.people = [];
    this.locked = locked;
    const sees = role === 'host' || role === 'staff';
    this.ui.waitingPanel.hidden = !sees;
    this.ui.peoplePanel.hidden = !sees;
    this.ui.controls.hidden = !this.isHost;
    this.renderWaiting([]);
    this.renderRemoved();
    this.setLocked(locked);
  }

  stop() {
    this.role = null;
    this.ui.waitingPanel.hidden = true;
    this.ui.peoplePanel.hidden = true;
    if (this.ui.dialog.open) this.ui.dialog.close('cancel');
  }

  // --- waiting room ----------------------------------------------------------

  /** @param {WaitingPerson[]} list from a `waiting-list` event */
  setWaiting(list) {
    const before = new Set(this.waiting.map((p) => p.id));
    const arrived = list.filter((p) => !before.has(p.id)).map((p) => p.name);
    // Interpreters first (the server lists them so too), else as sent.
    const first = (/** @type {WaitingPerson} */ p) => (p.role === 'interpreter' ? 0 : 1);
    this.waiting = [...list].sort((a, b) => first(a) - first(b));
    this.renderWaiting(arrived);
  }

  /** @param {string[]} arrived names new since the last list, announced first */
  renderWaiting(arrived) {
    const { t } = this;
    const n = this.waiting.length;
    const count = n ? t('waitingCount', n) : t('waitingNobody');
    // role="status": read politely, after whatever the host is doing.
    this.ui.waitingStatus.textContent = arrived.length ? `${t('waitingArrived', arrived)} ${count}` : count;
    this.onWaiting(n, arrived.length ? this.ui.waitingStatus.textContent : '');
    this.keepFocus(this.ui.waitingList, this.ui.waitingHeading, () => {
      this.ui.waitingList.replaceChildren(...this.waiting.map((p) => this.waitingItem(p)));
    });
    this.ui.admitAll.hidden = !this.isHost || n < 2;
    this.ui.waitingPanel.classList.toggle('has-waiting', n > 0);
  }

  /** @param {WaitingPerson} p */
  waitingItem(p) {
    const { t } = this;
    const li = el('li', 'person');
    li.dataset.participant = p.id;
    li.append(el('p', 'person-name', p.name));
    const meta = el('p', 'person-meta');
    if (p.role) meta.append(el('span', 'role-badge', roleText(t, p.role)), ' ');
    meta.append(el('span', 'person-acr', assuranceText(t, p.assurance)));
    if (p.lang) meta.append(' ', langBadge(t, p.lang));
    li.append(meta);
    const booked = bookedLine(t, this.lang, /** @type {any} */ (p));
    if (booked) li.append(booked);
    // A prompt, not a rule: the interpreter is listed first and said so.
    if (p.role === 'interpreter' && !p.secondDevice) li.append(el('p', 'person-meta interp-first', t('admitInterpreterFirst')));
    const since = clock(p.since, this.lang);
    if (since) li.append(el('p', 'person-meta', t('waitingSince', since)));
    // The link of someone in the call, from another device (protocol.md, waiting-list).
    if (p.secondDevice) li.append(el('p', 'person-meta second-device', t('secondDevice')));
    this.appendStatus(li, /** @type {any} */ (p));
    if (this.isHost) {
      li.append(
        this.actions(p.id, [
          button('admit', t('admit'), t('admitPerson', p.name), 'primary'),
          button('decline', t('decline'), t('declinePerson', p.name)),
        ]),
      );
    }
    return li;
  }

  // --- people in the call ----------------------------------------------------

  /** @param {Person[]} people everyone in the call, us included */
  setPeople(people) {
    this.people = people;
    if (this.ui.peoplePanel.hidden) return;
    this.keepFocus(this.ui.peopleList, this.ui.peopleHeading, () => {
      this.ui.peopleList.replaceChildren(...people.map((p) => this.personItem(p)));
    });
  }

  /** @param {Person} p */
  personItem(p) {
    const { t } = this;
    const self = p.id === this.selfId;
    const li = el('li', 'person');
    li.dataset.participant = p.id;
    li.append(el('p', 'person-name', self ? t('you', p.name) : p.name));
    const meta = el('p', 'person-meta');
    if (p.role) meta.append(el('span', 'role-badge', roleText(t, p.role)), ' ');
    meta.append(el('span', 'person-acr', assuranceText(t, p.assurance)));
    if (p.lang) meta.append(' ', langBadge(t, p.lang));
    li.append(meta);
    const booked = bookedLine(t, this.lang, p);
    if (booked) li.append(booked);
    if (p.handRaised) li.append(el('p', 'person-state person-hand', t('handRaisedBadge')));
    const state = [];
    if (p.audioMutedByHost) state.push(t('micOffByHost'));
    else if (p.audioMuted) state.push(t('micMuted'));
    if (p.videoMutedByHost) state.push(t('cameraOffByHost'));
    else if (p.videoMuted) state.push(t('cameraOff'));
    if (state.length) li.append(el('p', 'person-state', state.join(' · ')));
    this.appendStatus(li, p);
    if (this.isHost && !self) {
      li.append(
        this.actions(p.id, [
          p.audioMutedByHost
            ? button('unmute', t('hostUnmute'), t('hostUnmutePerson', p.name))
            : button('mute', t('hostMute'), t('hostMutePerson', p.name)),
          p.videoMutedByHost
            ? button('allow-camera', t('hostAllowCamera'), t('hostAllowCameraPerson', p.name))
            : button('stop-camera', t('hostStopCamera'), t('hostStopCameraPerson', p.name)),
          // Host and staff may always share (protocol.md, allow-share).
          ...(p.role === 'host' || p.role === 'staff'
            ? []
            : [
                this.shareAllowed.has(p.id)
                  ? button('stop-share', t('hostStopShare'), t('hostStopSharePerson', p.name))
                  : button('allow-share', t('hostAllowShare'), t('hostAllowSharePerson', p.name)),
              ]),
          ...(p.handRaised ? [button('lower-hand', t('lowerHand'), t('lowerHandPerson', p.name))] : []),
          p.signing
            ? button('unset-signing', t('notSigning'), t('notSigningPerson', p.name))
            : button('set-signing', t('markSigning'), t('markSigningPerson', p.name)),
          button('remove', t('remove'), t('removePerson', p.name), 'danger'),
        ]),
      );
    }
    return li;
  }

  /**
   * The pre-call check's result and the connection, when the person said
   * them: "Check: camera working, microphone working, connection weak".
   * @param {HTMLElement} li
   * @param {{precheck?: Precheck | null, quality?: string | null}} p
   */
  appendStatus(li, p) {
    const { t } = this;
    if (p.quality && p.quality !== 'good') li.append(el('p', 'person-state person-quality', t(`quality.${p.quality}`)));
    const c = p.precheck;
    if (c) {
      const word = (/** @type {string} */ v) => t(`precheck.${v}`);
      const parts = [t('precheckCamera', word(c.camera)), t('precheckMic', word(c.microphone)), t('precheckNetwork', word(c.network))];
      li.append(el('p', 'person-meta person-precheck', t('precheckLine', parts.join(', '))));
    }
  }

  renderRemoved() {
    const { t } = this;
    this.ui.removedBox.hidden = !this.isHost || this.removed.size === 0;
    this.keepFocus(this.ui.removedList, this.ui.peopleHeading, () => {
      const items = [...this.removed].map(([id, name]) => {
        const li = el('li', 'person');
        li.dataset.participant = id;
        li.append(el('p', 'person-name', name));
        li.append(this.actions(id, [button('readmit', t('undoRemoval'), t('undoRemovalPerson', name))]));
        return li;
      });
      this.ui.removedList.replaceChildren(...items);
    });
  }

  // --- consultation ----------------------------------------------------------

  /** @param {boolean} locked */
  setLocked(locked) {
    this.locked = locked;
    this.ui.lockButton.textContent = this.t(locked ? 'unlock' : 'lock');
    this.ui.lockButton.dataset.on = String(locked);
    this.ui.lockedNote.hidden = !locked;
  }

  async toggleLock() {
    const locked = !this.locked;
    await this.run((c) => c.lock(locked));
  }

  async confirmEnd() {
    const ok = await this.confirm(this.t('endConfirmHeading'), this.t('endConfirmText'), this.t('endConfirm'));
    if (ok) await this.run((c) => c.end());
  }

  // --- actions ---------------------------------------------------------------

  /**
   * @param {string} id
   * @param {HTMLButtonElement[]} buttons
   */
  actions(id, buttons) {
    const div = el('div', 'person-actions');
    for (const b of buttons) {
      b.dataset.participant = id;
      div.append(b);
    }
    return div;
  }

  /** @param {Event} ev a click anywhere in one of the lists */
  async onListClick(ev) {
    const target = /** @type {HTMLElement} */ (ev.target);
    const b = /** @type {HTMLButtonElement | null} */ (target.closest('button[data-action]'));
    if (!b || b.disabled) return;
    const id = b.dataset.participant ?? '';
    const action = b.dataset.action ?? '';
    const person = this.people.find((p) => p.id === id);
    switch (action) {
      case 'admit':
        return this.run((c) => c.admit(id));
      case 'decline':
        return this.run((c) => c.decline(id));
      case 'mute':
      case 'unmute':
        return this.run((c) => c.hostMute(id, 'audio', action === 'mute'));
      case 'stop-camera':
      case 'allow-camera':
        return this.run((c) => c.hostMute(id, 'video', action === 'stop-camera'));
      case 'allow-share':
      case 'stop-share': {
        const allowed = action === 'allow-share';
        if (await this.run((c) => allowScreenShare(c, id, allowed))) {
          if (allowed) this.shareAllowed.add(id);
          else this.shareAllowed.delete(id);
          this.setPeople(this.people);
        }
        return;
      }
      case 'lower-hand':
        return this.run((c) => setHand(c, false, id));
      case 'set-signing':
      case 'unset-signing':
        return this.run((c) => setSigning(c, id, action === 'set-signing'));
      case 'remove': {
        const name = person?.name ?? '';
        const ok = await this.confirm(this.t('removeConfirmHeading', name), this.t('removeConfirmText'), this.t('remove'));
        if (!ok) return;
        if (await this.run((c) => c.remove(id))) {
          this.removed.set(id, name);
          this.renderRemoved();
        }
        return;
      }
      case 'readmit': {
        const name = this.removed.get(id) ?? '';
        if (await this.run((c) => c.readmit(id))) {
          this.removed.delete(id);
          this.renderRemoved();
          this.note(this.t('readmittedAnnounce', name));
        }
        return;
      }
    }
  }

  /**
   * Sends one host request; a refusal is shown in plain language.
   * @param {(client: NaraClient) => Promise<void>} request
   * @returns {Promise<boolean>} whether the server said ok
   */
  async run(request) {
    const client = this.client();
    if (!client) return false;
    try {
      await request(client);
      return true;
    } catch (err) {
      if (this.client() === client) {
        const code = err instanceof NaraError ? err.code : 'unknown';
        const text = this.t(`error.${code}`);
        this.alert(text === `error.${code}` ? this.t('error.unknown') : text);
      }
      return false;
    }
  }

  /**
   * Asks in a modal <dialog>; Cancel has the focus, Escape cancels.
   * @param {string} heading
   * @param {string} text
   * @param {string} confirmLabel the danger button
   * @returns {Promise<boolean>}
   */
  confirm(heading, text, confirmLabel) {
    const { dialog } = this.ui;
    const back = /** @type {HTMLElement | null} */ (document.activeElement);
    this.ui.dialogHeading.textContent = heading;
    this.ui.dialogText.textContent = text;
    this.ui.dialogOk.textContent = confirmLabel;
    dialog.returnValue = '';
    dialog.showModal();
    const showing = ++this.showings;
    return new Promise((resolve) => {
      // The close event is queued: one from an earlier showing can still
      // arrive after a quick Escape and Enter have opened it again. It
      // answers that earlier question (no) and leaves this one open.
      const onClose = () => {
        const current = showing === this.showings;
        if (current && dialog.open) return;
        dialog.removeEventListener('close', onClose);
        if (!current) {
          resolve(false);
          return;
        }
        if (back?.isConnected) back.focus();
        resolve(dialog.returnValue === 'confirm');
      };
      dialog.addEventListener('close', onClose);
    });
  }

  /**
   * Rebuilds a list; if the focus was on a button in it, it goes to the
   * same action for the same person (Mute becomes Unmute), else to the next
   * person's first button, else to the panel's heading: never to <body>.
   * @param {HTMLElement} list
   * @param {HTMLElement} fallback
   * @param {() => void} rebuild
   */
  keepFocus(list, fallback, rebuild) {
    const active = document.activeElement;
    const had = active instanceof HTMLElement && list.contains(active) ? active : null;
    const index = had ? [...list.children].findIndex((li) => li.contains(had)) : -1;
    const id = had?.dataset.participant;
    const kind = had?.dataset.kind;
    rebuild();
    if (!had) return;
    const same = id
      ? [...list.querySelectorAll('button')].find(
          (b) => b.dataset.participant === id && b.dataset.kind === kind,
        )
      : undefined;
    const next = list.children[Math.min(index, list.children.length - 1)]?.querySelector('button');
    /** @type {HTMLElement} */ (same ?? next ?? fallback).focus();
  }
}

/**
 * A button whose visible text starts its accessible name ("Admit" →
 * "Admit Astrid"), so speech input and screen readers agree (WCAG 2.5.3).
 * @param {string} action
 * @param {string} text
 * @param {string} label
 * @param {string} [className]
 */
function button(action, text, label, className) {
  const b = /** @type {HTMLButtonElement} */ (el('button', className, text));
  b.type = 'button';
  b.dataset.action = action;
  // Mute/Unmute are one control for focus purposes, as are the camera pair.
  b.dataset.kind =
    action === 'unmute' ? 'mute' : action === 'allow-camera' ? 'stop-camera' : action === 'unset-signing' ? 'set-signing' : action;
  b.setAttribute('aria-label', label);
  return b;
}

/**
 * @param {string} iso
 * @param {string} lang
 */
function clock(iso, lang) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(date);
}
