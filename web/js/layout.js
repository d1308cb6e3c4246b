// layout.js — who is where on the call's stage: one large tile (the pinned
// person, else a shared screen, else whoever speaks, else the first one
// in), the others in a strip beside or below it, and our own picture
// small in a corner that the person can move by keyboard or pointer.
// Two large tiles side by side when sign language is in the call (the
// signer and the interpreter stay large whoever speaks) or when the
// person pinned the interpreter and the patient together.
//
// It only sets data-slot ("main", "strip", "pip"), data-pair, data-speaking
// and the pin buttons' state on the tiles callscreen.js makes (reading
// their data-role and data-signing); call.css does the
// rest. Tiles never move in the DOM (a moved <video> may stop playing),
// so the reading and Tab order stay as people came. Main thread.

/** The four corners, clockwise from the top at the end of the line. */
const CORNERS = ['start-end', 'end-end', 'end-start', 'start-start'];
const CORNER_KEY = 'nara.selfCorner';

export const stage = {
  /** data-tile of the tile chosen large by the person, '' for none */
  pinned: '',
  /** data-tile of who speaks now (quality.js), '' for nobody */
  speaker: '',
  selfHidden: false,
  corner: storedCorner(),
  /** the interpreter and the patient share the large area (the More menu) */
  together: false,
};

function storedCorner() {
  try {
    const c = localStorage.getItem(CORNER_KEY) ?? '';
    return CORNERS.includes(c) ? c : CORNERS[0];
  } catch {
    return CORNERS[0];
  }
}

/**
 * Gives every tile its place. Call after any tile comes or goes, a pin,
 * a new speaker or a shared screen.
 * @param {HTMLElement} tiles the #tiles list
 */
export function arrange(tiles) {
  const all = /** @type {HTMLElement[]} */ ([...tiles.children]);
  const self = all.find((li) => li.classList.contains('tile-self'));
  const others = all.filter((li) => li !== self);
  const byKey = (/** @type {string} */ key) => (key ? others.find((li) => li.dataset.tile === key) : undefined);
  if (stage.pinned && !byKey(stage.pinned)) stage.pinned = '';
  const pair = largePair(all, others, byKey(stage.pinned));
  const main =
    pair[0] ??
    byKey(stage.pinned) ??
    others.find((li) => li.classList.contains('tile-screen')) ??
    byKey(stage.speaker) ??
    others[0];
  let strip = 0;
  for (const li of others) {
    const n = pair.indexOf(li);
    if (li === main || n >= 0) li.dataset.slot = 'main';
    else {
      li.dataset.slot = 'strip';
      strip++;
    }
    if (n >= 0 && pair.length === 2) li.dataset.pair = String(n + 1);
    else delete li.dataset.pair;
    li.dataset.speaking = String(!!stage.speaker && li.dataset.tile === stage.speaker);
    const pin = li.querySelector('.tile-pin');
    if (pin) pin.setAttribute('aria-pressed', String(li.dataset.tile === stage.pinned));
  }
  if (self) {
    self.dataset.slot = main ? 'pip' : 'main';
    self.dataset.corner = stage.corner;
    self.dataset.hidden = String(!!main && stage.selfHidden);
  }
  tiles.dataset.pair = String(pair.length === 2);
  tiles.dataset.strip = String(strip);
  tiles.style.setProperty('--strip-n', String(Math.max(1, strip)));
}

/**
 * The two tiles that share the large area, or none. Pinned together: the
 * first interpreter and the first patient. Sign language in the call
 * (anyone signs, us too): whoever signs, then the interpreters, and if
 * that is one person, them and the pinned one or the one who speaks.
 * @param {HTMLElement[]} all
 * @param {HTMLElement[]} others
 * @param {HTMLElement | undefined} pinned
 * @returns {HTMLElement[]}
 */
function largePair(all, others, pinned) {
  const faces = others.filter((li) => !li.classList.contains('tile-screen'));
  const role = (/** @type {string} */ r) => faces.find((li) => li.dataset.role === r);
  if (stage.together) {
    const interpreter = role('interpreter');
    const patient = role('patient');
    if (interpreter && patient) return [interpreter, patient];
  }
  if (!all.some((li) => li.dataset.signing === 'true')) return [];
  const signers = [
    ...faces.filter((li) => li.dataset.signing === 'true'),
    ...faces.filter((li) => li.dataset.role === 'interpreter' && li.dataset.signing !== 'true'),
  ];
  if (signers.length >= 2) return signers.slice(0, 2);
  if (!signers.length) return [];
  const second =
    (pinned !== signers[0] ? pinned : undefined) ??
    faces.find((li) => li !== signers[0] && li.dataset.tile === stage.speaker) ??
    faces.find((li) => li !== signers[0]);
  return second ? [signers[0], second] : [signers[0]];
}

/**
 * Pins a tile large, or unpins it when it was pinned.
 * @param {HTMLElement} tiles
 * @param {string} key data-tile
 */
export function togglePin(tiles, key) {
  stage.pinned = stage.pinned === key ? '' : key;
  arrange(tiles);
}

/**
 * @param {HTMLElement} tiles
 * @param {string} corner one of CORNERS
 */
function setCorner(tiles, corner) {
  stage.corner = corner;
  try {
    localStorage.setItem(CORNER_KEY, corner);
  } catch {
    // storage blocked: the corner lasts for this call
  }
  arrange(tiles);
}

/** @param {HTMLElement} tiles */
export function nextCorner(tiles) {
  setCorner(tiles, CORNERS[(CORNERS.indexOf(stage.corner) + 1) % CORNERS.length]);
}

/**
 * Arrow keys on the self view's Move button: up and down choose the top or
 * bottom corner, left and right the side, mirrored in right-to-left.
 * @param {HTMLElement} tiles
 * @param {KeyboardEvent} ev
 * @returns {boolean} whether the key moved the picture
 */
export function moveByKey(tiles, ev) {
  const rtl = getComputedStyle(tiles).direction === 'rtl';
  let [block, inline] = stage.corner.split('-');
  if (ev.key === 'ArrowUp') block = 'start';
  else if (ev.key === 'ArrowDown') block = 'end';
  else if (ev.key === 'ArrowLeft') inline = rtl ? 'end' : 'start';
  else if (ev.key === 'ArrowRight') inline = rtl ? 'start' : 'end';
  else return false;
  setCorner(tiles, `${block}-${inline}`);
  return true;
}

/**
 * Lets the pointer drag our own picture: it follows the pointer and lands
 * in the nearest corner.
 * @param {HTMLElement} tiles
 * @param {HTMLElement} pip our own tile
 */
export function makeDraggable(tiles, pip) {
  /** @type {{x: number, y: number, id: number} | null} */
  let drag = null;
  pip.addEventListener('pointerdown', (ev) => {
    if (pip.dataset.slot !== 'pip' || /** @type {HTMLElement} */ (ev.target).closest('button')) return;
    drag = { x: ev.clientX, y: ev.clientY, id: ev.pointerId };
    pip.setPointerCapture(ev.pointerId);
  });
  pip.addEventListener('pointermove', (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    pip.style.translate = `${ev.clientX - drag.x}px ${ev.clientY - drag.y}px`;
  });
  const drop = (/** @type {PointerEvent} */ ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    drag = null;
    pip.style.translate = '';
    const box = tiles.getBoundingClientRect();
    const rtl = getComputedStyle(tiles).direction === 'rtl';
    const block = ev.clientY < box.top + box.height / 2 ? 'start' : 'end';
    const leftHalf = ev.clientX < box.left + box.width / 2;
    const inline = leftHalf !== rtl ? 'start' : 'end';
    setCorner(tiles, `${block}-${inline}`);
  };
  pip.addEventListener('pointerup', drop);
  pip.addEventListener('pointercancel', drop);
}
