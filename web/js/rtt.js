// rtt.js — real-time text in the call (EN 301 549 §6.2): what a person
// types appears at the others letter by letter, for people who do not
// hear or speak, beside voice, video and chat.
//
// Sending: the whole current line, at most every 300 ms while typing and
// at once at a word boundary (never more than 10 a second, the server's
// bound), numbered by seq, then once with final: true on Enter, which
// starts a new line. Receiving: per person, a live line ("Astrid is
// typing: …") that follows the highest seq, and on final a line in the
// live-text log. Screen readers hear the finished lines (the log is
// aria-live polite), not every letter. Nothing is stored: a reload starts
// empty, like the server, which relays and forgets (protocol.md, rtt).
//
// The call screen gives it a container (#rtt in index.html) and calls
// attachRtt(client) when a session enters the call; everything inside the
// container is built here. Names and text are set as text, never as HTML.
// Main thread.

import { say, state, t } from './page.js';

/** @typedef {import('./protocol.js').NaraClient} NaraClient */

const SEND_EVERY_MS = 300;
const MIN_GAP_MS = 100; // 10 a second at most
const MAX_CHARS = 500;
const KEEP_LINES = 50; // finished lines shown; older ones are dropped

/** @type {{root: HTMLElement, live: HTMLElement, log: HTMLElement, input: HTMLInputElement} | null} */
let view = null;

/** @type {NaraClient | null} */
let current = null;
let seq = 0;
let lastSentAt = 0;
let lastSentText = '';
/** @type {ReturnType<typeof setTimeout> | null} */
let timer = null;

/** Per sender id: the highest seq seen and their live line. */
/** @type {Map<string, {seq: number, el: HTMLElement}>} */
const senders = new Map();

/**
 * @param {string} tag
 * @param {string} [className]
 */
function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

/** Builds the area once, inside #rtt; null when the page has no container. */
function build() {
  if (view) return view;
  const root = document.getElementById('rtt');
  if (!root) return null;
  const heading = el('h2');
  heading.id = 'rtt-heading';
  say(heading, 'rttHeading');
  root.setAttribute('aria-labelledby', heading.id);
  // Live lines change with every letter: not a live region, or a screen
  // reader would spell. The finished lines below are.
  const live = el('div', 'rtt-live');
  const log = el('div', 'rtt-log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-labelledby', heading.id);
  const label = /** @type {HTMLLabelElement} */ (el('label'));
  label.htmlFor = 'rtt-input';
  say(label, 'rttLabel');
  const hint = el('p', 'hint');
  hint.id = 'rtt-hint';
  say(hint, 'rttHint');
  const input = /** @type {HTMLInputElement} */ (el('input'));
  input.id = 'rtt-input';
  input.type = 'text';
  input.maxLength = MAX_CHARS;
  input.autocomplete = 'off';
  input.setAttribute('aria-describedby', hint.id);
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.isComposing) {
      ev.preventDefault();
      finishLine();
    }
  });
  root.append(heading, live, log, label, hint, input);
  view = { root, live, log, input };
  return view;
}

/**
 * Starts real-time text for a session in the call: earlier live lines are
 * gone (a new session), the input keeps what was typed.
 * @param {NaraClient} client
 */
export function attachRtt(client) {
  const v = build();
  if (!v) return;
  current = client;
  seq = 0;
  lastSentText = '';
  senders.clear();
  v.live.replaceChildren();
  v.log.replaceChildren();
  client.addEventListener('rtt', (ev) => {
    if (current === client && state.client === client) received(/** @type {CustomEvent} */ (ev).detail);
  });
  client.addEventListener('participant-left', (ev) => {
    if (current === client) forget(String(/** @type {CustomEvent} */ (ev).detail?.id ?? ''));
  });
  client.addEventListener('participant-joined', (ev) => {
    // The same person again (another device): their numbering starts over.
    if (current === client) forget(String(/** @type {CustomEvent} */ (ev).detail?.id ?? ''));
  });
}

// --- sending -----------------------------------------------------------------------

function onInput() {
  const v = /** @type {NonNullable<typeof view>} */ (view);
  const text = v.input.value;
  // A word boundary (space or punctuation just typed): the word is done, send now.
  const boundary = /[\s.,;:!?،؛؟።፣]$/u.test(text) || text.length < lastSentText.length;
  schedule(boundary ? 0 : SEND_EVERY_MS);
}

/** @param {number} wantMs send after at most this long, never closer than MIN_GAP_MS */
function schedule(wantMs) {
  const now = performance.now();
  const at = Math.max(now + wantMs, lastSentAt + MIN_GAP_MS);
  if (timer !== null) {
    if (wantMs > 0) return; // one is coming anyway
    clearTimeout(timer);
  }
  timer = setTimeout(() => send(false), Math.max(0, at - now));
}

/**
 * @param {boolean} final
 * @param {string} [line] the finished line (the input is already empty)
 */
function send(final, line) {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  const v = view;
  if (!v || !current || state.client !== current) return;
  const text = (line ?? v.input.value).slice(0, MAX_CHARS);
  if (!final && text === lastSentText) return;
  current.rtt(text, seq++, final);
  lastSentAt = performance.now();
  lastSentText = final ? '' : text;
}

function finishLine() {
  const v = /** @type {NonNullable<typeof view>} */ (view);
  const text = v.input.value.trim();
  if (!text && !lastSentText) return;
  v.input.value = '';
  if (text) addLine(t('chatYou'), text);
  // Kept apart from the last update like any other, or the server's bound
  // could drop the one message that finishes the line.
  const wait = lastSentAt + MIN_GAP_MS - performance.now();
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (wait > 0) setTimeout(() => send(true, text), wait);
  else send(true, text);
}

// --- receiving ---------------------------------------------------------------------

/** @param {{from?: {id?: string, name?: string}, text: string, seq: number, final: boolean}} msg */
function received(msg) {
  const v = view;
  const id = String(msg.from?.id ?? '');
  if (!v || !id || !Number.isFinite(msg.seq)) return;
  const name = String(msg.from?.name ?? t('someone'));
  let s = senders.get(id);
  if (s && msg.seq <= s.seq) return; // an older update overtaken by a newer one
  if (!s) {
    s = { seq: msg.seq, el: liveLine(id, name) };
    senders.set(id, s);
  }
  s.seq = msg.seq;
  const words = /** @type {HTMLElement} */ (s.el.querySelector('.rtt-text'));
  if (msg.final) {
    if (msg.text.trim()) addLine(name, msg.text);
    words.textContent = '';
    s.el.hidden = true;
  } else {
    words.textContent = msg.text;
    s.el.hidden = !msg.text;
  }
}

/**
 * A person's live line: "Astrid is typing:" and what they typed so far.
 * @param {string} id
 * @param {string} name
 */
function liveLine(id, name) {
  const v = /** @type {NonNullable<typeof view>} */ (view);
  const line = el('p', 'rtt-line');
  line.dataset.participant = id;
  const who = el('span', 'rtt-who');
  say(who, 'rttTyping', name);
  const words = el('span', 'rtt-text');
  words.dir = 'auto'; // Arabic typed in a Swedish page reads right to left
  line.append(who, ' ', words);
  line.hidden = true;
  v.live.append(line);
  return line;
}

/**
 * A finished line in the log, announced politely.
 * @param {string} name
 * @param {string} text
 */
function addLine(name, text) {
  const v = /** @type {NonNullable<typeof view>} */ (view);
  const line = el('p', 'rtt-done');
  // Said once, like a chat line: a log does not change language afterwards.
  const who = el('span', 'rtt-who');
  who.textContent = t('rttWrote', name);
  const words = el('span', 'rtt-text');
  words.dir = 'auto';
  words.textContent = text;
  line.append(who, ' ', words);
  v.log.append(line);
  while (v.log.childElementCount > KEEP_LINES) v.log.firstElementChild?.remove();
  v.log.scrollTop = v.log.scrollHeight;
}

/** @param {string} id */
function forget(id) {
  const s = senders.get(id);
  if (!s) return;
  s.el.remove();
  senders.delete(id);
}
