// strings.test.mjs — web/lang/*.js and js/i18n.js in Node, no browser:
// every language file has exactly the keys of en.js (a missing key would
// show English in the middle of Arabic, a stray one is a typo), in the
// same order (so a key added at the end of each file is easy to check),
// function-valued texts stay functions taking the same arguments, every
// file is a language of the chooser and the other way round, texts load on
// demand, and browsers' language tags map to the language we have. How
// the texts fit a 320 px screen is measured in Chromium (a11y.test.mjs).

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
  test(`${lang} has exactly the keys of en, in the same order`, async () => {
    const table = await loadLanguage(lang);
    const missing = Object.keys(EN).filter((key) => !(key in table));
    const extra = Object.keys(table).filter((key) => !(key in EN));
    assert.deepEqual(missing, [], `${lang} lacks keys of en`);
    assert.deepEqual(extra, [], `${lang} has keys en does not`);
    assert.deepEqual(Object.keys(table), Object.keys(EN), `${lang}: keys in another order than en`);
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
        for (const arg of args.flat()) assert.ok(text.includes(String(arg)), `${lang}.${key}() drops ${arg}`);
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
