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
    openRoomNotice:
      'This is an open room for trying Nara out: anyone with the link can join, and there is no waiting room. Do not share health information here.',
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
    lostRetrying: 'We are trying to connect you again. You do not need to do anything.',
    rejoinButton: 'Rejoin',

    // Consultations: join links /c/<id>#t=<token>.
    titleAppointment: 'Your video appointment – Nara video call',
    titleWaiting: 'Waiting room – Nara video call',
    titleEnded: (/** @type {string} */ heading) => `${heading} – Nara video call`,
    appointmentHeading: 'Your video appointment',
    appointmentJoining: (/** @type {string} */ title) => `Joining ${title}`,
    appointmentIntro: 'Check that you can see yourself below, then press Join.',
    appointmentIs: (/** @type {string} */ title) => `Appointment: ${title}`,
    deviceChecking: 'Checking your camera and microphone…',
    cameraOk: 'Camera: working',
    cameraNo: 'Camera: not working',
    micOk: 'Microphone: working',
    micNo: 'Microphone: not working',
    linkIncomplete:
      'This link is not complete. Open the whole link you were given, or ask your care provider for a new one.',

    waitingHeading: 'You are in the waiting room',
    waitingIntro: 'Your care provider will let you in soon.',
    waitingKeepOpen: 'Keep this page open. You do not need to do anything else.',
    waitingAs: (/** @type {string} */ name) => `You are here as ${name}.`,
    admittedAnnounce: 'You are in the consultation now.',

    endedHeading: 'The consultation has ended.',
    endedIntro: 'Thank you. You can close this page.',
    declinedHeading: 'The care provider could not let you in this time.',
    declinedIntro: 'Contact your care provider if you have questions.',
    removedHeading: 'You were removed from the consultation.',
    removedIntro: 'Contact your care provider if you think this is a mistake.',
    replacedHeading: 'You joined from another device or tab.',
    replacedIntro: 'The consultation goes on there. To continue on this device instead, press Use this device.',
    useThisDevice: 'Use this device',
    tryAgain: 'Try again',
    waitingLeftHeading: 'You left the waiting room',
    waitingLeftIntro: 'You can join again with the same link.',
    refusedHeading: 'You cannot join right now',

    mutedByHostAudio: 'The care provider muted your microphone.',
    mutedByHostVideo: 'The care provider turned off your camera.',
    unmutedByHostAudio: 'The care provider allows your microphone again. Press Unmute microphone to speak.',
    unmutedByHostVideo: 'The care provider allows your camera again. Press Start camera to be seen.',

    'role.host': 'Host',
    'role.staff': 'Care staff',
    'role.interpreter': 'Interpreter',
    'role.patient': 'Patient',
    'role.relative': 'Relative',
    'acr.bankid-se': 'Identified with BankID',
    'acr.bankid-no': 'Identified with BankID (Norway)',
    'acr.mitid-low': 'Identified with MitID',
    'acr.mitid-substantial': 'Identified with MitID',
    'acr.mitid-high': 'Identified with MitID',
    'acr.siths': 'Identified with SITHS card',
    'acr.freja-eid': 'Identified with Freja eID',
    'acr.none': 'Not identified',
    acrOther: (/** @type {string} */ acr) => `Identified (${acr})`,

    waitingRoomHeading: 'Waiting room',
    waitingNobody: 'Nobody is waiting.',
    waitingCount: (/** @type {number} */ n) => (n === 1 ? '1 person is waiting.' : `${n} people are waiting.`),
    waitingArrived: (/** @type {string[]} */ names) => `${names.join(', ')} came to the waiting room.`,
    waitingSince: (/** @type {string} */ time) => `Waiting since ${time}`,
    admit: 'Admit',
    admitPerson: (/** @type {string} */ name) => `Admit ${name}`,
    decline: 'Decline',
    declinePerson: (/** @type {string} */ name) => `Decline ${name}`,
    admitAll: 'Admit everyone',
    peopleHeading: 'People in the consultation',
    micOffByHost: 'Microphone off by host',
    cameraOffByHost: 'Camera off by host',
    hostMute: 'Mute',
    hostMutePerson: (/** @type {string} */ name) => `Mute ${name}`,
    hostUnmute: 'Unmute',
    hostUnmutePerson: (/** @type {string} */ name) => `Unmute ${name}`,
    hostStopCamera: 'Stop camera',
    hostStopCameraPerson: (/** @type {string} */ name) => `Stop camera for ${name}`,
    hostAllowCamera: 'Allow camera',
    hostAllowCameraPerson: (/** @type {string} */ name) => `Allow camera for ${name}`,
    remove: 'Remove',
    removePerson: (/** @type {string} */ name) => `Remove ${name}`,
    removeConfirmHeading: (/** @type {string} */ name) => `Remove ${name}?`,
    removeConfirmText: 'They leave the call at once, and their link stops working until you undo the removal.',
    removedListHeading: 'Removed',
    undoRemoval: 'Undo removal',
    undoRemovalPerson: (/** @type {string} */ name) => `Undo removal of ${name}`,
    removedAnnounce: (/** @type {string} */ name) => `${name} was removed from the call.`,
    readmittedAnnounce: (/** @type {string} */ name) => `${name} can join again with their link.`,
    consultationControls: 'Consultation controls',
    lock: 'Lock consultation',
    unlock: 'Unlock consultation',
    lockedNote: 'Locked: nobody new can join.',
    lockedAnnounce: 'The consultation is locked. Nobody new can join.',
    unlockedAnnounce: 'The consultation is unlocked.',
    endForAll: 'End consultation for everyone',
    endConfirmHeading: 'End the consultation for everyone?',
    endConfirmText: 'Everyone leaves the call, and nobody can join again with their link.',
    endConfirm: 'End for everyone',
    cancel: 'Cancel',

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
    'error.token': 'This link does not work. Check that you opened the whole link, or ask your care provider for a new one.',
    'error.token-expired': 'This link has expired. Ask your care provider for a new one.',
    'error.token-not-yet-valid': 'This link is not valid yet. Open it again closer to the time of your appointment.',
    'error.consultation-not-found': 'We could not find this appointment. Check the link, or ask your care provider for a new one.',
    'error.consultation-ended': 'This consultation has ended. You can close this page.',
    'error.consultation-cancelled': 'This appointment was cancelled. Contact your care provider if you have questions.',
    'error.participant-not-found': 'This link can no longer be used. Ask your care provider for a new one.',
    'error.role-mismatch': 'This link can no longer be used. Ask your care provider for a new one.',
    'error.participant-removed':
      'You were removed from this consultation, so this link does not let you in now. Contact your care provider if you think this is a mistake.',
    'error.locked': 'The consultation is locked, so nobody new can join right now. Contact your care provider.',
    'error.forbidden': 'Only the host can do that.',
    'error.no-such-participant': 'That person is no longer here.',
    'error.not-joined': 'You are not in the consultation yet.',
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
    openRoomNotice:
      'Det här är ett öppet rum för att prova Nara: alla som har länken kan gå med, och det finns inget väntrum. Dela inte uppgifter om din hälsa här.',
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
    lostRetrying: 'Vi försöker ansluta dig igen. Du behöver inte göra något.',
    rejoinButton: 'Anslut igen',

    titleAppointment: 'Ditt videobesök – Nara videosamtal',
    titleWaiting: 'Väntrum – Nara videosamtal',
    titleEnded: (/** @type {string} */ heading) => `${heading} – Nara videosamtal`,
    appointmentHeading: 'Ditt videobesök',
    appointmentJoining: (/** @type {string} */ title) => `Ansluter till ${title}`,
    appointmentIntro: 'Kontrollera att du ser dig själv här nedanför och tryck sedan på Anslut.',
    appointmentIs: (/** @type {string} */ title) => `Besök: ${title}`,
    deviceChecking: 'Kontrollerar kamera och mikrofon…',
    cameraOk: 'Kamera: fungerar',
    cameraNo: 'Kamera: fungerar inte',
    micOk: 'Mikrofon: fungerar',
    micNo: 'Mikrofon: fungerar inte',
    linkIncomplete: 'Länken är inte hel. Öppna hela länken du har fått, eller be vården om en ny.',

    waitingHeading: 'Du är i väntrummet',
    waitingIntro: 'Vårdpersonalen släpper snart in dig.',
    waitingKeepOpen: 'Låt sidan vara öppen. Du behöver inte göra något mer.',
    waitingAs: (/** @type {string} */ name) => `Du är här som ${name}.`,
    admittedAnnounce: 'Nu är du med i videobesöket.',

    endedHeading: 'Videobesöket har avslutats.',
    endedIntro: 'Tack. Du kan stänga sidan.',
    declinedHeading: 'Vårdpersonalen kunde inte släppa in dig den här gången.',
    declinedIntro: 'Kontakta vården om du har frågor.',
    removedHeading: 'Du togs bort från videobesöket.',
    removedIntro: 'Kontakta vården om du tror att det är ett misstag.',
    replacedHeading: 'Du anslöt från en annan enhet eller flik.',
    replacedIntro: 'Besöket fortsätter där. Tryck på Använd den här enheten för att fortsätta här i stället.',
    useThisDevice: 'Använd den här enheten',
    tryAgain: 'Försök igen',
    waitingLeftHeading: 'Du har lämnat väntrummet',
    waitingLeftIntro: 'Du kan ansluta igen med samma länk.',
    refusedHeading: 'Du kan inte ansluta just nu',

    mutedByHostAudio: 'Vårdpersonalen stängde av din mikrofon.',
    mutedByHostVideo: 'Vårdpersonalen stängde av din kamera.',
    unmutedByHostAudio: 'Vårdpersonalen tillåter din mikrofon igen. Tryck på Slå på mikrofonen för att prata.',
    unmutedByHostVideo: 'Vårdpersonalen tillåter din kamera igen. Tryck på Slå på kameran för att synas.',

    'role.host': 'Värd',
    'role.staff': 'Vårdpersonal',
    'role.interpreter': 'Tolk',
    'role.patient': 'Patient',
    'role.relative': 'Närstående',
    'acr.bankid-se': 'Identifierad med BankID',
    'acr.bankid-no': 'Identifierad med BankID (Norge)',
    'acr.mitid-low': 'Identifierad med MitID',
    'acr.mitid-substantial': 'Identifierad med MitID',
    'acr.mitid-high': 'Identifierad med MitID',
    'acr.siths': 'Identifierad med SITHS-kort',
    'acr.freja-eid': 'Identifierad med Freja eID',
    'acr.none': 'Inte identifierad',
    acrOther: (/** @type {string} */ acr) => `Identifierad (${acr})`,

    waitingRoomHeading: 'Väntrum',
    waitingNobody: 'Ingen väntar.',
    waitingCount: (/** @type {number} */ n) => (n === 1 ? '1 person väntar.' : `${n} personer väntar.`),
    waitingArrived: (/** @type {string[]} */ names) => `${names.join(', ')} kom till väntrummet.`,
    waitingSince: (/** @type {string} */ time) => `Väntar sedan ${time}`,
    admit: 'Släpp in',
    admitPerson: (/** @type {string} */ name) => `Släpp in ${name}`,
    decline: 'Neka',
    declinePerson: (/** @type {string} */ name) => `Neka ${name}`,
    admitAll: 'Släpp in alla',
    peopleHeading: 'Personer i videobesöket',
    micOffByHost: 'Mikrofonen avstängd av värden',
    cameraOffByHost: 'Kameran avstängd av värden',
    hostMute: 'Tysta',
    hostMutePerson: (/** @type {string} */ name) => `Tysta ${name}`,
    hostUnmute: 'Tillåt mikrofonen',
    hostUnmutePerson: (/** @type {string} */ name) => `Tillåt mikrofonen för ${name}`,
    hostStopCamera: 'Stäng av kameran',
    hostStopCameraPerson: (/** @type {string} */ name) => `Stäng av kameran för ${name}`,
    hostAllowCamera: 'Tillåt kameran',
    hostAllowCameraPerson: (/** @type {string} */ name) => `Tillåt kameran för ${name}`,
    remove: 'Ta bort',
    removePerson: (/** @type {string} */ name) => `Ta bort ${name}`,
    removeConfirmHeading: (/** @type {string} */ name) => `Ta bort ${name}?`,
    removeConfirmText: 'Personen lämnar samtalet direkt, och länken slutar fungera tills du ångrar borttagningen.',
    removedListHeading: 'Borttagna',
    undoRemoval: 'Ångra borttagning',
    undoRemovalPerson: (/** @type {string} */ name) => `Ångra borttagning av ${name}`,
    removedAnnounce: (/** @type {string} */ name) => `${name} togs bort från samtalet.`,
    readmittedAnnounce: (/** @type {string} */ name) => `${name} kan ansluta igen med sin länk.`,
    consultationControls: 'Knappar för videobesöket',
    lock: 'Lås videobesöket',
    unlock: 'Lås upp videobesöket',
    lockedNote: 'Låst: ingen ny kan ansluta.',
    lockedAnnounce: 'Videobesöket är låst. Ingen ny kan ansluta.',
    unlockedAnnounce: 'Videobesöket är upplåst.',
    endForAll: 'Avsluta videobesöket för alla',
    endConfirmHeading: 'Avsluta videobesöket för alla?',
    endConfirmText: 'Alla lämnar samtalet, och ingen kan ansluta igen med sin länk.',
    endConfirm: 'Avsluta för alla',
    cancel: 'Avbryt',

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
    'error.token': 'Länken fungerar inte. Kontrollera att du öppnade hela länken, eller be vården om en ny.',
    'error.token-expired': 'Länken har slutat gälla. Be vården om en ny länk.',
    'error.token-not-yet-valid': 'Länken gäller inte än. Öppna den igen närmare tiden för ditt besök.',
    'error.consultation-not-found': 'Vi hittar inte det här besöket. Kontrollera länken eller be vården om en ny.',
    'error.consultation-ended': 'Videobesöket har avslutats. Du kan stänga sidan.',
    'error.consultation-cancelled': 'Besöket är inställt. Kontakta vården om du har frågor.',
    'error.participant-not-found': 'Länken kan inte användas längre. Be vården om en ny.',
    'error.role-mismatch': 'Länken kan inte användas längre. Be vården om en ny.',
    'error.participant-removed':
      'Du har tagits bort från videobesöket, så länken släpper inte in dig nu. Kontakta vården om du tror att det är ett misstag.',
    'error.locked': 'Videobesöket är låst, så ingen ny kan ansluta just nu. Kontakta vården.',
    'error.forbidden': 'Bara värden kan göra det.',
    'error.no-such-participant': 'Den personen är inte här längre.',
    'error.not-joined': 'Du är inte med i videobesöket än.',
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
