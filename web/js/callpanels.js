// callpanels.js — the call's side panels and menus: chat and people
// (waiting room, host controls) beside the stage on wide screens and as
// drawers over it on phones, the More menu, the unread count on the Chat
// button, and the announcer: a polite live region that says joins, new
// messages and waiting patients while the chat log is out of sight.
//
// Panels are opened and closed here only; their content is callscreen.js
// (chat) and hostpanel.js (people). Escape closes the drawer or menu the
// focus is in and returns to its button. Main thread.

import { $, state, t } from './page.js';

const el = {
  call: $('screen-call'),
  chatPanel: $('chat-panel'),
  chatLog: $('chat-log'),
  chatInput: /** @type {HTMLInputElement} */ ($('chat-input')),
  chatButton: /** @type {HTMLButtonElement} */ ($('chat-button')),
  chatUnread: $('chat-unread'),
  chatUnreadWords: $('chat-unread-words'),
  chatClose: $('chat-close'),
  waitingPanel: $('waiting-panel'),
  peoplePanel: $('people-panel'),
  peopleButton: /** @type {HTMLButtonElement} */ ($('people-button')),
  peopleWaiting: $('people-waiting'),
  peopleWaitingWords: $('people-waiting-words'),
  moreButton: /** @type {HTMLButtonElement} */ ($('more-button')),
  moreMenu: $('more-menu'),
  announcer: $('announcer'),
};

/** Panels stand beside the stage from this width (nara.css says the same). */
const wide = matchMedia('(min-width: 60rem)');
let unread = 0;
let waitingCount = 0;
let seesPeople = false;
/** @type {ReturnType<typeof setTimeout> | null} */
let announceTimer = null;

/**
 * Says `text` to screen readers once, politely; the same text twice in a
 * row is said twice.
 * @param {string} text
 */
export function announce(text) {
  el.announcer.textContent = '';
  if (announceTimer) clearTimeout(announceTimer);
  announceTimer = setTimeout(() => (el.announcer.textContent = text), 60);
}

/** @param {'chat' | 'people'} which */
function isOpen(which) {
  return (which === 'chat' ? el.chatPanel : el.peoplePanel).classList.contains('open');
}

/**
 * @param {'chat' | 'people'} which
 * @param {boolean} open
 */
function setOpen(which, open) {
  if (which === 'chat') {
    el.chatPanel.classList.toggle('open', open);
    el.chatButton.setAttribute('aria-expanded', String(open));
    if (open) {
      unread = 0;
      renderCounts();
    }
  } else {
    el.peoplePanel.classList.toggle('open', open);
    el.waitingPanel.classList.toggle('open', open);
    el.peopleButton.setAttribute('aria-expanded', String(open));
  }
  // A phone shows one drawer at a time: it covers the stage, not the bar.
  if (open && !wide.matches) setOpen(which === 'chat' ? 'people' : 'chat', false);
}

/**
 * Opens or closes a panel from its button; the focus goes into the panel
 * (the message field, the waiting room's heading) or back to the button.
 * @param {'chat' | 'people'} which
 */
function toggle(which) {
  const open = !isOpen(which);
  setOpen(which, open);
  showMore(false);
  if (open) {
    if (which === 'chat') el.chatInput.focus();
    else /** @type {HTMLElement} */ (el.waitingPanel.hidden ? $('people-heading') : $('waiting-room-heading')).focus();
  }
}

/** @param {boolean} open */
function showMore(open) {
  el.moreMenu.hidden = !open;
  el.moreButton.setAttribute('aria-expanded', String(open));
}

/**
 * The counts on the Chat and People buttons. The number is visible, the
 * words after it are for screen readers, so the name is the visible text
 * and more ("Chat 2 new messages"; WCAG 2.5.3).
 */
function renderCounts() {
  el.chatUnread.hidden = unread === 0;
  el.chatUnread.textContent = unread ? ` ${unread}` : '';
  el.chatUnreadWords.textContent = unread ? ` ${t('chatUnread', unread)}` : '';
  el.peopleWaiting.hidden = waitingCount === 0;
  el.peopleWaiting.textContent = waitingCount ? ` ${waitingCount}` : '';
  el.peopleWaitingWords.textContent = waitingCount ? ` ${t('peopleWaiting')}` : '';
}

/**
 * A new call: panels as suit the screen. Wide: chat open, and the people
 * panel for host and staff. Phones: everything closed, the stage first.
 * @param {boolean} sees host or staff: the people panel too
 */
export function startPanels(sees) {
  seesPeople = sees;
  unread = 0;
  waitingCount = 0;
  el.peopleButton.hidden = !seesPeople;
  setOpen('chat', wide.matches);
  setOpen('people', seesPeople && wide.matches);
  showMore(false);
  renderCounts();
}

/**
 * The waiting room changed (hostpanel.js): the People button's count, and
 * arrivals said aloud while the panel is closed.
 * @param {number} n people waiting
 * @param {string} arrived what the panel's status line says, '' if nobody new
 */
export function waitingChanged(n, arrived) {
  waitingCount = n;
  renderCounts();
  if (arrived && !isVisible(el.waitingPanel)) announce(arrived);
}

/** @param {HTMLElement} node */
function isVisible(node) {
  return !el.call.hidden && node.getClientRects().length > 0;
}

/**
 * Lines added to the chat log: counted and announced while the log is out
 * of sight (its own role="log" speaks when it is shown).
 * @param {MutationRecord[]} records
 */
function onChatLines(records) {
  if (!state.inCall || isVisible(el.chatLog)) return;
  for (const r of records) {
    for (const node of r.addedNodes) {
      if (!(node instanceof HTMLElement) || node.id === 'chat-empty') continue;
      if (node.classList.contains('chat-msg')) {
        const from = node.querySelector('.chat-from')?.textContent ?? '';
        if (from.startsWith(t('chatYou'))) continue;
        unread++;
        renderCounts();
        announce(`${t('newMessageFrom', from)} ${node.querySelector('.chat-text')?.textContent ?? ''}`);
      } else {
        announce(node.textContent ?? '');
      }
    }
  }
}

/**
 * @param {KeyboardEvent} ev
 */
function onKey(ev) {
  if (ev.key !== 'Escape' || el.call.hidden) return;
  const target = /** @type {HTMLElement} */ (ev.target);
  if (!el.moreMenu.hidden) {
    showMore(false);
    el.moreButton.focus();
    return;
  }
  if (wide.matches) return; // beside the stage a panel hides nothing
  if (el.chatPanel.contains(target)) {
    setOpen('chat', false);
    el.chatButton.focus();
  } else if (el.peoplePanel.contains(target) || el.waitingPanel.contains(target)) {
    setOpen('people', false);
    el.peopleButton.focus();
  }
}

el.chatButton.addEventListener('click', () => toggle('chat'));
el.chatClose.addEventListener('click', () => {
  setOpen('chat', false);
  el.chatButton.focus();
});
el.peopleButton.addEventListener('click', () => toggle('people'));
el.moreButton.addEventListener('click', () => {
  showMore(el.moreMenu.hidden);
  if (!el.moreMenu.hidden) /** @type {HTMLElement} */ (el.moreMenu.querySelector('button:not([hidden])'))?.focus();
});
el.call.addEventListener('keydown', onKey);
new MutationObserver(onChatLines).observe(el.chatLog, { childList: true });
// A rotated tablet, a resized window: wide, the panels stand beside the
// stage again; narrow, they close, so the stage comes first.
wide.addEventListener('change', () => {
  if (!state.inCall) return;
  setOpen('chat', wide.matches);
  setOpen('people', seesPeople && wide.matches);
});
