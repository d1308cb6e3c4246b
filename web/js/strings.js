// strings.js — every text the web client shows or speaks, per language.
//
// To add a language, copy the `en` block under its BCP 47 primary tag
// (e.g. `da`, `nb`, `fi`) and translate the values; a key it leaves out
// falls back to English. Functions take the values they mention. Keep the
// words plain: many patients are elderly or read the language as a second
// one. No DOM code here.

/** @typedef {{[key: string]: string | ((...args: any[]) => string)}} StringTable */

/** @type {{[lang: string]: StringTable}} */
export const STRINGS = {
  en: {
    appName: 'Nara video call',
    titleLanding: 'Nara video call',
    titleJoin: (/** @type {string} */ room) => `Join ${room} – Nara video call`,
    titleCall: (/** @type {string} */ room) => `In call ${room} – Nara video call`,
    titleLeft: 'You left the call – Nara video call',

    landingHeading: 'Join a video call',
    landingIntro: 'Type the room name you were given, then press Join.',
    roomLabel: 'Room name',
    roomHint: 'Letters A to Z, numbers, - and _ only.',
    roomInvalid: 'Please type a room name using only letters A to Z, numbers, - and _ (at most 64).',
    joinButton: 'Join',

    joinHeading: 'Join the video call',
    roomIs: (/** @type {string} */ room) => `Room: ${room}`,
    nameLabel: 'Your name',
    nameHint: 'The others in the call will see this name.',
    nameMissing: 'Please type your name.',
    previewLabel: 'Your camera',
    previewOff: 'Your camera is not on.',
    joining: 'Joining…',
    mediaDenied:
      'We could not use your camera or microphone. You can still join, but the others will not see or hear you. Check that this page may use your camera and microphone, then reload the page.',
    mediaNoCamera: 'We could not use your camera. The others will hear you but not see you.',

    callHeading: 'Video call',
    participantsLabel: 'People in the call',
    you: (/** @type {string} */ name) => `${name} (you)`,
    micMuted: 'Microphone off',
    cameraOff: 'Camera off',
    connecting: 'Connecting…',
    muteMic: 'Mute microphone',
    unmuteMic: 'Unmute microphone',
    stopCamera: 'Stop camera',
    startCamera: 'Start camera',
    leaveButton: 'Leave',
    playSound: 'Turn on sound',
    controlsLabel: 'Call controls',

    chatHeading: 'Chat',
    chatLabel: 'Message',
    chatSend: 'Send',
    chatEmpty: 'No messages yet.',
    chatFrom: (/** @type {string} */ name, /** @type {string} */ time) => `${name}, ${time}`,
    chatYou: 'You',
    chatTooLong: 'The message is too long. Please make it shorter.',

    joinedAnnounce: (/** @type {string} */ name) => `${name} joined the call.`,
    leftAnnounce: (/** @type {string} */ name) => `${name} left the call.`,
    someone: 'Someone',

    leftHeading: 'You left the call',
    leftIntro: 'You can join again if you left by mistake.',
    lostHeading: 'The connection was lost',
    lostIntro: 'Check your internet connection, then press Rejoin.',
    rejoinButton: 'Rejoin',

    'error.bad-version': 'This page is out of date. Please reload the page.',
    'error.room-full': 'This call is full. Please try again later or contact the clinic.',
    'error.too-many-rooms': 'The service is very busy right now. Please try again in a few minutes.',
    'error.room-closed': 'This call link cannot be used. Please check the link you were given.',
    'error.bad-message': 'Something you typed could not be used. Please check it and try again.',
    'error.bad-sdp': 'Your browser could not start the video. Please try another browser.',
    'error.rate-limited': 'Too much at once. Please wait a moment and try again.',
    'error.internal': 'Something went wrong on the server. Please try again.',
    'error.timeout': 'The server did not answer. Please check your internet connection and try again.',
    'error.connect': 'Could not reach the video service. Please check your internet connection and try again.',
    'error.media-failed':
      'The video connection stopped working. Press Leave, then Rejoin. If it happens again, try another network.',
    'error.unknown': 'Something went wrong. Please try again.',
  },

  sv: {
    appName: 'Nara videosamtal',
    titleLanding: 'Nara videosamtal',
    titleJoin: (/** @type {string} */ room) => `Anslut till ${room} – Nara videosamtal`,
    titleCall: (/** @type {string} */ room) => `I samtal ${room} – Nara videosamtal`,
    titleLeft: 'Du har lämnat samtalet – Nara videosamtal',

    landingHeading: 'Anslut till ett videosamtal',
    landingIntro: 'Skriv namnet på rummet som du har fått och tryck sedan på Anslut.',
    roomLabel: 'Rummets namn',
    roomHint: 'Bara bokstäverna A till Z, siffror, - och _.',
    roomInvalid: 'Skriv ett rumsnamn med bara bokstäverna A till Z, siffror, - och _ (högst 64).',
    joinButton: 'Anslut',

    joinHeading: 'Anslut till videosamtalet',
    roomIs: (/** @type {string} */ room) => `Rum: ${room}`,
    nameLabel: 'Ditt namn',
    nameHint: 'De andra i samtalet ser det här namnet.',
    nameMissing: 'Skriv ditt namn.',
    previewLabel: 'Din kamera',
    previewOff: 'Din kamera är inte på.',
    joining: 'Ansluter…',
    mediaDenied:
      'Vi kunde inte använda din kamera eller mikrofon. Du kan ändå ansluta, men de andra kan inte se eller höra dig. Kontrollera att sidan får använda kamera och mikrofon och ladda sedan om sidan.',
    mediaNoCamera: 'Vi kunde inte använda din kamera. De andra hör dig men ser dig inte.',

    callHeading: 'Videosamtal',
    participantsLabel: 'Personer i samtalet',
    you: (/** @type {string} */ name) => `${name} (du)`,
    micMuted: 'Mikrofonen är av',
    cameraOff: 'Kameran är av',
    connecting: 'Ansluter…',
    muteMic: 'Stäng av mikrofonen',
    unmuteMic: 'Slå på mikrofonen',
    stopCamera: 'Stäng av kameran',
    startCamera: 'Slå på kameran',
    leaveButton: 'Lämna',
    playSound: 'Slå på ljudet',
    controlsLabel: 'Knappar för samtalet',

    chatHeading: 'Chatt',
    chatLabel: 'Meddelande',
    chatSend: 'Skicka',
    chatEmpty: 'Inga meddelanden än.',
    chatFrom: (/** @type {string} */ name, /** @type {string} */ time) => `${name}, ${time}`,
    chatYou: 'Du',
    chatTooLong: 'Meddelandet är för långt. Gör det kortare.',

    joinedAnnounce: (/** @type {string} */ name) => `${name} anslöt till samtalet.`,
    leftAnnounce: (/** @type {string} */ name) => `${name} lämnade samtalet.`,
    someone: 'Någon',

    leftHeading: 'Du har lämnat samtalet',
    leftIntro: 'Du kan ansluta igen om du lämnade av misstag.',
    lostHeading: 'Anslutningen bröts',
    lostIntro: 'Kontrollera din internetanslutning och tryck sedan på Anslut igen.',
    rejoinButton: 'Anslut igen',

    'error.bad-version': 'Sidan är inaktuell. Ladda om sidan.',
    'error.room-full': 'Samtalet är fullt. Försök igen senare eller kontakta mottagningen.',
    'error.too-many-rooms': 'Tjänsten är mycket upptagen just nu. Försök igen om några minuter.',
    'error.room-closed': 'Den här länken till samtalet kan inte användas. Kontrollera länken du har fått.',
    'error.bad-message': 'Något du skrev kunde inte användas. Kontrollera det och försök igen.',
    'error.bad-sdp': 'Din webbläsare kunde inte starta videon. Prova en annan webbläsare.',
    'error.rate-limited': 'För mycket på en gång. Vänta en stund och försök igen.',
    'error.internal': 'Något gick fel på servern. Försök igen.',
    'error.timeout': 'Servern svarade inte. Kontrollera din internetanslutning och försök igen.',
    'error.connect': 'Det gick inte att nå videotjänsten. Kontrollera din internetanslutning och försök igen.',
    'error.media-failed':
      'Videoanslutningen slutade fungera. Tryck på Lämna och sedan på Anslut igen. Om det händer igen, prova ett annat nätverk.',
    'error.unknown': 'Något gick fel. Försök igen.',
  },
};

/**
 * The best language we have for the browser's preferences.
 * @param {readonly string[]} preferred e.g. navigator.languages
 * @returns {string} a key of STRINGS
 */
export function pickLanguage(preferred) {
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (primary in STRINGS) return primary;
  }
  return 'en';
}

/**
 * A lookup function for one language, falling back to English per key.
 * @param {string} lang
 * @returns {(key: string, ...args: any[]) => string}
 */
export function translator(lang) {
  const table = STRINGS[lang] || STRINGS.en;
  return (key, ...args) => {
    const value = key in table ? table[key] : STRINGS.en[key];
    if (value === undefined) return key;
    return typeof value === 'function' ? value(...args) : value;
  };
}
