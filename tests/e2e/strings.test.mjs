// strings.test.mjs — web/lang/*.js and js/i18n.js in Node, no browser:
// every language file has exactly the keys of en.js (a missing key would
// show English in the middle of Arabic, a stray one is a typo; the
// failure lists them, to translate at the end of that file),
// function-valued texts stay functions taking the same arguments, every
// file is a language of the chooser and the other way round, texts load on
// demand, and browsers' language tags map to the language we have. The
// last test lays every language out in Chromium at 320 px (skipped when
// there is no Chromium).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

const i18n = await import('../../web/js/i18n.js');
const { EN, LANGUAGES, LANGUAGE_NAMES, directionOf, languageName, languageOf, loadLanguage, pickLanguage, translator } =
  i18n;

const LANG_DIR = new URL('../../web/lang/', import.meta.url);
const FILES = fs
  .readdirSync(LANG_DIR)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3));
const OTHERS = Object.keys(LANGUAGES).filter((lang) => lang !== 'en');

/**
 * Arguments good enough for any text function: a list of names, a count, or a name and a time.
 * @param {Function} fn
 */
function sampleArgs(fn) {
  if (/\bnames\b/.test(String(fn))) return [['Astrid', 'Erik']];
  if (/\bn\b/.test(String(fn).split('=>')[0])) return [3];
  return ['Astrid', '10:15'].slice(0, fn.length);
}

test('the languages issue 14 asks for, each a file, each file a language', () => {
  for (const lang of ['sv', 'da', 'nb', 'fi', 'en', 'ar', 'fa', 'so', 'ti', 'uk', 'pl', 'tr']) {
    assert.ok(lang in LANGUAGES, `no ${lang} in LANGUAGES`);
  }
  assert.deepEqual([...FILES].sort(), Object.keys(LANGUAGES).sort());
  assert.equal(directionOf('ar'), 'rtl');
  assert.equal(directionOf('fa'), 'rtl');
  assert.deepEqual(
    Object.keys(LANGUAGES).filter((l) => directionOf(l) === 'rtl'),
    ['ar', 'fa'],
  );
});

for (const lang of OTHERS) {
  test(`${lang} has exactly the keys of en`, async () => {
    const table = await loadLanguage(lang);
    const missing = Object.keys(EN).filter((key) => !(key in table));
    const extra = Object.keys(table).filter((key) => !(key in EN));
    assert.deepEqual(missing, [], `${lang} lacks keys of en`);
    assert.deepEqual(extra, [], `${lang} has keys en does not`);
  });

  test(`${lang}: functions stay functions, strings stay strings, none empty or English by mistake`, async () => {
    const table = await loadLanguage(lang);
    for (const [key, en] of Object.entries(EN)) {
      const value = table[key];
      if (typeof en === 'function') {
        assert.equal(typeof value, 'function', `${lang}.${key} must be a function like en.${key}`);
        assert.equal(value.length, en.length, `${lang}.${key} takes ${en.length} argument(s)`);
        const args = sampleArgs(en);
        const text = value(...args);
        assert.equal(typeof text, 'string', `${lang}.${key}() returns a string`);
        assert.ok(text.trim(), `${lang}.${key}() is empty`);
        assert.ok(!/undefined|\[object|NaN/.test(text), `${lang}.${key}() says "${text}"`);
        // Only what en's text says: chatUnread's count stands beside it, not in it.
        const enText = en(...args);
        for (const arg of args.flat()) {
          if (enText.includes(String(arg))) assert.ok(text.includes(String(arg)), `${lang}.${key}() drops ${arg}`);
        }
      } else {
        assert.equal(typeof value, 'string', `${lang}.${key} must be a string`);
        assert.ok(value.trim(), `${lang}.${key} is empty`);
      }
    }
  });
}

test('languages that are not Latin-script are not English in disguise', async () => {
  for (const lang of ['ar', 'fa', 'ti', 'uk']) {
    const table = await loadLanguage(lang);
    const english = Object.entries(table).filter(
      ([key, v]) => typeof v === 'string' && !key.startsWith('acr.') && /^[\x20-\x7e]+$/.test(v),
    );
    assert.deepEqual(english, [], `${lang} has untranslated texts`);
  }
});

test('every language is named in itself for the chooser', () => {
  assert.deepEqual(Object.keys(LANGUAGE_NAMES), Object.keys(LANGUAGES));
  assert.equal(LANGUAGE_NAMES.da, 'Dansk');
  assert.equal(LANGUAGE_NAMES.nb, 'Norsk bokmål');
  assert.equal(LANGUAGE_NAMES.ar, 'العربية');
  assert.equal(LANGUAGE_NAMES.ti, 'ትግርኛ');
  assert.equal(languageName('ar-SY'), 'العربية');
  assert.equal(languageName('pt-BR'), 'pt-BR');
  assert.equal(languageName(null), '');
});

test('browser language tags pick our language', () => {
  assert.equal(pickLanguage(['da-DK', 'en']), 'da');
  assert.equal(pickLanguage(['nb-NO']), 'nb');
  assert.equal(pickLanguage(['no']), 'nb');
  assert.equal(pickLanguage(['nn-NO', 'sv']), 'nb');
  assert.equal(pickLanguage(['fi-FI', 'sv-FI']), 'fi');
  assert.equal(pickLanguage(['ar-SY']), 'ar');
  assert.equal(pickLanguage(['fa-AF']), 'fa');
  assert.equal(pickLanguage(['prs']), 'fa');
  assert.equal(pickLanguage(['ti-ER']), 'ti');
  assert.equal(pickLanguage(['de-DE', 'pl']), 'pl');
  assert.equal(pickLanguage(['de-DE']), 'en');
  assert.equal(pickLanguage([]), 'en');
  assert.equal(languageOf('DA'), 'da');
  assert.equal(languageOf('constructor'), null);
  assert.equal(languageOf('__proto__'), null);
  assert.equal(languageOf(''), null);
});

test('translator falls back to English, then to the key; loading is on demand and once', async () => {
  await loadLanguage('da');
  const t = translator('da');
  assert.equal(t('joinButton'), 'Deltag');
  assert.equal(t('waitingCount', 1), '1 person venter.');
  assert.equal(translator('xx')('joinButton'), 'Join');
  assert.equal(t('no.such.key'), 'no.such.key');
  assert.equal(await loadLanguage('ar'), await loadLanguage('ar'));
  await assert.rejects(loadLanguage('xx'));
  await assert.rejects(loadLanguage('../js/page'));
});

test('the page ships English only; other languages are separate files', () => {
  const i18nSource = fs.readFileSync(new URL('../../web/js/i18n.js', import.meta.url), 'utf8');
  const imports = [...i18nSource.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
  assert.deepEqual(imports, ['../lang/en.js']);
  const strings = fs.readFileSync(new URL('../../web/js/strings.js', import.meta.url), 'utf8');
  assert.ok(strings.length < 1500, 'strings.js holds no table any more');
});

test('every data-i18n key of index.html is in en', () => {
  const html = fs.readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8');
  const keys = [...html.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(keys.length > 10);
  assert.deepEqual(
    keys.filter((key) => !(key in EN)),
    [],
  );
});

// --- in Chromium: every language at 320 px ------------------------------------------

/**
 * web/ over plain HTTP on 127.0.0.1, as nara serves it (every page path
 * is index.html): the layout check needs no signaling.
 * @returns {Promise<{url: string, close: () => Promise<void>, asked: string[]}>}
 */
async function serveWeb() {
  const http = await import('node:http');
  const root = new URL('../../web/', import.meta.url);
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  /** @type {string[]} */
  const asked = [];
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    asked.push(p);
    const file = /^\/(js|css|lang)\/[a-z0-9_-]+\.(js|css)$/.test(p) ? p.slice(1) : 'index.html';
    fs.readFile(new URL(file, root), (err, data) => {
      if (err) {
        res.writeHead(404).end();
        return;
      }
      const ext = /** @type {keyof typeof types} */ (file.slice(file.lastIndexOf('.')));
      res.writeHead(200, { 'content-type': `${types[ext]}; charset=utf-8` }).end(data);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

const { browserMissing, launchBrowser, newPage } = await import('./lib/browser.mjs');
const noBrowser = browserMissing();

test('every language fits a 320 px screen; ar and fa read right to left', { skip: noBrowser ?? false, timeout: 300000 }, async () => {
  const web = await serveWeb();
  const browser = await launchBrowser();
  try {
    const { page, errors } = await newPage(browser, { viewport: { width: 320, height: 568 } });
    await page.goto(`${web.url}/`, { timeout: 120000 });
    await page.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: 120000 });
    // English only so far: a language's file comes when it is chosen.
    assert.deepEqual(web.asked.filter((p) => p.startsWith('/lang/')), ['/lang/en.js']);
    /** @type {string[]} */
    const problems = [];
    for (const lang of Object.keys(LANGUAGES)) {
      await page.locator('#lang-select').selectOption(lang);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 60000 });
      assert.equal(await page.evaluate(() => document.documentElement.dir), directionOf(lang));
      const found = await page.evaluate(measureAllScreens, { keys: BUTTON_KEYS, barKeys: BAR_KEYS });
      problems.push(...found.map((f) => `${lang}: ${f}`));
      if (directionOf(lang) === 'rtl') {
        // Mirrored: headings start at the right, the chooser sits at the left.
        const { headingGap, selectLeft } = await page.evaluate(() => {
          const h1 = /** @type {HTMLElement} */ (document.querySelector('#screen-landing h1'));
          const range = document.createRange();
          range.selectNodeContents(h1);
          const select = /** @type {HTMLElement} */ (document.querySelector('#lang-select'));
          return {
            headingGap: h1.getBoundingClientRect().right - range.getBoundingClientRect().right,
            selectLeft: select.getBoundingClientRect().left,
          };
        });
        assert.ok(headingGap < 2, `${lang}: the heading's text does not start at the right (${headingGap} px)`);
        assert.ok(selectLeft < 160, `${lang}: the chooser is not on the left (${selectLeft} px)`);
      }
    }
    assert.deepEqual(problems, []);
    // Each language's file was fetched once, when chosen.
    const files = web.asked.filter((p) => p.startsWith('/lang/')).sort();
    assert.deepEqual(files, Object.keys(LANGUAGES).map((l) => `/lang/${l}.js`).sort());
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await web.close();
  }
});

/** Labels that code puts on the buttons of the call and waiting controls. */
const BUTTON_KEYS = ['muteMic', 'unmuteMic', 'stopCamera', 'startCamera', 'leaveButton', 'playSound', 'joinButton',
  'rejoinButton', 'useThisDevice', 'tryAgain', 'chatSend', 'admitAll', 'lock', 'unlock', 'endForAll', 'endConfirm',
  'cancel', 'admit', 'decline', 'hostMute', 'hostUnmute', 'hostStopCamera', 'hostAllowCamera', 'remove', 'undoRemoval',
  'shareScreen', 'stopShareScreen', 'hostAllowShare', 'hostStopShare'];

/**
 * The call bar's buttons are narrow (five or more in 320 px) and show a
 * short word under the icon, in a .bar-label: those words, not the whole
 * actions above, are what must fit them. A label with data-i18n in
 * index.html shows that key; these, by button id, are the ones
 * js/callscreen.js fills (sayButton).
 * @type {Record<string, string[]>}
 */
const BAR_KEYS = {
  'mic-button': ['barMute', 'barUnmute'],
  'camera-button': ['barStopCamera', 'barStartCamera'],
};

test('the call bar words the layout test tries are those callscreen.js shows', () => {
  const source = fs.readFileSync(new URL('../../web/js/callscreen.js', import.meta.url), 'utf8');
  const shown = [...new Set([...source.matchAll(/'(bar[A-Z]\w*)'/g)].map((m) => m[1]))].sort();
  assert.deepEqual(Object.values(BAR_KEYS).flat().sort(), shown);
  for (const key of shown) assert.ok(key in EN, `${key} is not in en`);
});

/**
 * Runs in the page: shows each screen in turn (every hidden part of it
 * too) and lists what sticks out: a control or text whose content is
 * wider than its box (a word too long to wrap) or that reaches past the
 * viewport. The control buttons are tried with every label code gives them;
 * a call bar button with each word its label shows, and there a word
 * that does not fit (wider than the label, or broken inside itself onto
 * two lines) is listed too.
 * @param {{keys: string[], barKeys: Record<string, string[]>}} labels
 */
async function measureAllScreens({ keys, barKeys }) {
  const { t } = await import('/js/page.js');
  const width = document.documentElement.clientWidth;
  /** @type {string[]} */
  const found = [];
  const sections = [...document.querySelectorAll('main > section.screen')];
  const hiddenBefore = [...document.querySelectorAll('[hidden]')];
  /** @param {Element} el @param {string} where */
  const check = (el, where) => {
    const box = /** @type {HTMLElement} */ (el);
    if (!box.offsetParent && getComputedStyle(box).position !== 'fixed') return;
    const r = box.getBoundingClientRect();
    const text = (box.textContent ?? '').trim().slice(0, 40);
    if (box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX === 'visible') {
      found.push(`${where}: "${text}" is ${box.scrollWidth} px in a ${box.clientWidth} px ${box.tagName.toLowerCase()}`);
    } else if (r.right > width + 1 || r.left < -1) {
      found.push(`${where}: "${text}" reaches past the screen (${Math.round(r.left)}..${Math.round(r.right)})`);
    }
  };
  /**
   * The words of a bar label that do not stay whole on one line.
   * @param {HTMLElement} label
   */
  const brokenWords = (label) => {
    const node = label.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) return [];
    const text = /** @type {Text} */ (node).data;
    const range = document.createRange();
    /** @type {string[]} */
    const broken = [];
    for (const m of text.matchAll(/\S+/g)) {
      range.setStart(node, m.index ?? 0);
      range.setEnd(node, (m.index ?? 0) + m[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
    return broken;
  };
  /** @param {HTMLElement} button @param {HTMLElement} label @param {string} where */
  const checkBarButton = (button, label, where) => {
    const words = [...(barKeys[button.id] ?? []), ...(label.dataset.i18n ? [label.dataset.i18n] : [])];
    if (!words.length) found.push(`${where}: the test knows no word for #${button.id}'s label`);
    const before = label.textContent;
    for (const key of words) {
      label.textContent = t(key);
      check(button, where);
      if (label.scrollWidth > label.clientWidth + 1) {
        const sizes = `${label.scrollWidth} px in a ${label.clientWidth} px label`;
        found.push(`${where}: "${label.textContent}" is ${sizes} of #${button.id}`);
      }
      for (const word of brokenWords(label)) {
        found.push(`${where}: "${word}" breaks inside the word in #${button.id} (${button.clientWidth} px)`);
      }
    }
    label.textContent = before;
  };
  try {
    for (const section of sections) {
      for (const s of sections) /** @type {HTMLElement} */ (s).hidden = s !== section;
      for (const el of section.querySelectorAll('[hidden]')) /** @type {HTMLElement} */ (el).hidden = false;
      for (const el of section.querySelectorAll('button, label, select, h1, h2, h3, p, li, figcaption, input')) {
        check(el, section.id);
      }
      for (const button of section.querySelectorAll('.controls button')) {
        const label = button.querySelector('.bar-label');
        if (label) {
          checkBarButton(/** @type {HTMLElement} */ (button), /** @type {HTMLElement} */ (label), `${section.id} bar`);
          continue;
        }
        const before = button.textContent;
        for (const key of keys) {
          button.textContent = t(key);
          check(button, `${section.id} button`);
        }
        button.textContent = before;
      }
    }
    check(document.getElementById('lang-select'), 'chooser');
  } finally {
    for (const el of document.querySelectorAll('main [hidden]')) /** @type {HTMLElement} */ (el).hidden = false;
    for (const el of hiddenBefore) /** @type {HTMLElement} */ (el).hidden = true;
    for (const s of sections) /** @type {HTMLElement} */ (s).hidden = s.id !== 'screen-landing';
  }
  return [...new Set(found)];
}
