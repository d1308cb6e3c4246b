// strings.js — where the modules that show text find the helpers they
// share; the texts themselves are in web/lang/<tag>.js, one file per
// language, loaded on demand by i18n.js (which see).
//
// Adding a text: put its key at the end of web/lang/en.js and of every
// other web/lang/*.js file, not here.

export { LANGUAGE_NAMES, assuranceText, languageName, languageOf, pickLanguage, roleText, translator } from './i18n.js';
