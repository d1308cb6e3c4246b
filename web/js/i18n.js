// i18n.js — the languages of the web client and loading their texts.
//
// Each language's texts are one file, web/lang/<tag>.js, fetched with a
// dynamic import() only when someone chooses that language, so a page
// carries English plus at most the one language it shows (not every
// table to everyone). English (lang/en.js) is imported with this module:
// it names every key and fills in a key another language lacks. To add a
// language, add web/lang/<tag>.js (copy en.js) and a line in LANGUAGES;
// to add a text, see the header of lang/en.js. No DOM code here.

import EN from '../lang/en.js';

/** @typedef {{[key: string]: string | ((...args: any[]) => string)}} StringTable */

/**
 * Every language we have: its name in itself (the chooser shows names in
 * their own script, so a reader finds their language without reading
 * ours) and its writing direction. In the chooser's order: English, the
 * Nordic languages, then the languages most spoken by patients who need
 * an interpreter in the Nordic countries.
 * @type {{[lang: string]: {name: string, dir: 'ltr' | 'rtl'}}}
 */
export const LANGUAGES = {
  en: { name: 'English', dir: 'ltr' },
  sv: { name: 'Svenska', dir: 'ltr' },
  da: { name: 'Dansk', dir: 'ltr' },
  nb: { name: 'Norsk bokmål', dir: 'ltr' },
  fi: { name: 'Suomi', dir: 'ltr' },
  ar: { name: 'العربية', dir: 'rtl' },
  fa: { name: 'فارسی', dir: 'rtl' },
  so: { name: 'Soomaali', dir: 'ltr' },
  ti: { name: 'ትግርኛ', dir: 'ltr' },
  uk: { name: 'Українська', dir: 'ltr' },
  pl: { name: 'Polski', dir: 'ltr' },
  tr: { name: 'Türkçe', dir: 'ltr' },
};

/**
 * Each language's name in itself, for the chooser and the host's list.
 * @type {{[lang: string]: string}}
 */
export const LANGUAGE_NAMES = Object.fromEntries(Object.entries(LANGUAGES).map(([code, l]) => [code, l.name]));

export { EN };

/**
 * Our language for one BCP 47 tag, or null. Norwegian in any written form
 * (no, nb, nn) gets Bokmål, which Nynorsk readers read without trouble;
 * Dari (prs, fa-AF) gets Persian, which its readers read.
 * @param {string} tag e.g. "da-DK", "nn", "ar-SY"
 * @returns {string | null} a key of LANGUAGES
 */
export function languageOf(tag) {
  const primary = String(tag).toLowerCase().split(/[-_]/)[0];
  const code = primary === 'no' || primary === 'nn' ? 'nb' : primary === 'prs' ? 'fa' : primary;
  return Object.prototype.hasOwnProperty.call(LANGUAGES, code) ? code : null;
}

/**
 * The best language we have for the browser's preferences.
 * @param {readonly string[]} preferred e.g. navigator.languages
 * @returns {string} a key of LANGUAGES
 */
export function pickLanguage(preferred) {
  for (const tag of preferred) {
    const code = languageOf(tag);
    if (code) return code;
  }
  return 'en';
}

/** @param {string} lang a key of LANGUAGES */
export function directionOf(lang) {
  return LANGUAGES[lang]?.dir ?? 'ltr';
}

/** @type {Map<string, StringTable>} */
const loaded = new Map([['en', EN]]);

/**
 * Fetches a language's texts once. A language that cannot be loaded (the
 * network failed) rejects; the caller stays in the language it had.
 * @param {string} lang a key of LANGUAGES
 * @returns {Promise<StringTable>}
 */
export async function loadLanguage(lang) {
  const have = loaded.get(lang);
  if (have) return have;
  if (!languageOf(lang)) throw new Error(`no language ${lang}`);
  const module = await import(`../lang/${lang}.js`);
  loaded.set(lang, module.default);
  return module.default;
}

/**
 * A lookup function for one loaded language, falling back to English per
 * key, then to the key itself.
 * @param {string} lang a key of LANGUAGES, loaded with loadLanguage()
 * @returns {(key: string, ...args: any[]) => string}
 */
export function translator(lang) {
  const table = loaded.get(lang) ?? EN;
  return (key, ...args) => {
    const value = key in table ? table[key] : EN[key];
    if (value === undefined) return key;
    return typeof value === 'function' ? value(...args) : value;
  };
}

/**
 * A participant's role in plain words ("Patient"); '' for none or unknown.
 * @param {(key: string, ...args: any[]) => string} t
 * @param {string | null | undefined} role
 */
export function roleText(t, role) {
  if (!role) return '';
  const text = t(`role.${role}`);
  return text === `role.${role}` ? '' : text;
}

/**
 * How a participant was identified, from the token's `acr`
 * ("Identified with BankID"); no `acr` or "none" is "Not identified".
 * @param {(key: string, ...args: any[]) => string} t
 * @param {string | null | undefined} acr
 */
export function assuranceText(t, acr) {
  if (!acr) return t('acr.none');
  const text = t(`acr.${acr}`);
  return text === `acr.${acr}` ? t('acrOther', acr) : text;
}

/**
 * A person's language as the host sees it: its name in itself when we
 * have it ("العربية"), else the tag as the browser sent it ("pt-BR").
 * @param {string | null | undefined} tag
 */
export function languageName(tag) {
  if (!tag) return '';
  const code = languageOf(tag);
  return code ? LANGUAGE_NAMES[code] : tag;
}
