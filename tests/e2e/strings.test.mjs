// strings.test.mjs — web/js/strings.js in Node, no browser: every language
// has exactly the keys of `en` (a missing key would show English in the
// middle of Danish, a stray one is a typo), function-valued texts stay
// functions taking the same arguments, each language has a name for the
// chooser, and browsers' language tags map to the language we have.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

const { LANGUAGE_NAMES, STRINGS, languageOf, pickLanguage, translator } = await import('../../web/js/strings.js');

const EN = STRINGS.en;
const OTHERS = Object.keys(STRINGS).filter((lang) => lang !== 'en');

/**
 * Arguments good enough for any text function: a list of names, or a name and a time.
 * @param {Function} fn
 */
function sampleArgs(fn) {
  if (/\bnames\b/.test(String(fn))) return [['Astrid', 'Erik']];
  return ['Astrid', '10:15'].slice(0, fn.length);
}

test('the Nordic languages are there', () => {
  for (const lang of ['sv', 'da', 'nb']) assert.ok(lang in STRINGS, `no ${lang} table`);
});

for (const lang of OTHERS) {
  test(`${lang} has exactly the keys of en`, () => {
    const table = STRINGS[lang];
    const missing = Object.keys(EN).filter((key) => !(key in table));
    const extra = Object.keys(table).filter((key) => !(key in EN));
    assert.deepEqual(missing, [], `${lang} lacks keys of en`);
    assert.deepEqual(extra, [], `${lang} has keys en does not`);
  });

  test(`${lang}: functions stay functions, strings stay strings, none empty`, () => {
    const table = STRINGS[lang];
    for (const [key, en] of Object.entries(EN)) {
      const value = table[key];
      if (typeof en === 'function') {
        assert.equal(typeof value, 'function', `${lang}.${key} must be a function like en.${key}`);
        assert.equal(value.length, en.length, `${lang}.${key} takes ${en.length} argument(s)`);
        const text = value(...sampleArgs(en));
        assert.equal(typeof text, 'string', `${lang}.${key}() returns a string`);
        assert.ok(text.trim(), `${lang}.${key}() is empty`);
        assert.ok(!/undefined|\[object/.test(text), `${lang}.${key}() says "${text}"`);
      } else {
        assert.equal(typeof value, 'string', `${lang}.${key} must be a string`);
        assert.ok(value.trim(), `${lang}.${key} is empty`);
      }
    }
  });
}

test('every language is named in itself for the chooser', () => {
  assert.deepEqual(Object.keys(LANGUAGE_NAMES).sort(), Object.keys(STRINGS).sort());
  assert.equal(LANGUAGE_NAMES.da, 'Dansk');
  assert.equal(LANGUAGE_NAMES.nb, 'Norsk bokmål');
});

test('browser language tags pick our language', () => {
  assert.equal(pickLanguage(['da-DK', 'en']), 'da');
  assert.equal(pickLanguage(['nb-NO']), 'nb');
  assert.equal(pickLanguage(['no']), 'nb');
  assert.equal(pickLanguage(['nn-NO', 'sv']), 'nb');
  assert.equal(pickLanguage(['fi-FI', 'sv-FI']), 'sv');
  assert.equal(pickLanguage(['fi-FI']), 'en');
  assert.equal(pickLanguage([]), 'en');
  assert.equal(languageOf('DA'), 'da');
  assert.equal(languageOf('constructor'), null);
  assert.equal(languageOf(''), null);
});

test('translator falls back to English, then to the key', () => {
  const t = translator('da');
  assert.equal(t('joinButton'), 'Deltag');
  assert.equal(t('waitingCount', 1), '1 person venter.');
  assert.equal(translator('xx')('joinButton'), 'Join');
  assert.equal(t('no.such.key'), 'no.such.key');
});

test('every data-i18n key of index.html is in en', () => {
  const html = fs.readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8');
  const keys = [...html.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(keys.length > 10);
  assert.deepEqual(keys.filter((key) => !(key in EN)), []);
});
