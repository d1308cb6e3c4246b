// screenshare.js — screen sharing in the call: our own share (a third track
// from getDisplayMedia on the publish connection, encoded detail-first),
// the "Share screen" button, and the others' shares shown large.
//
// Self-contained: mountScreenShare() makes the button and the large screen
// stage and places them where it is told (the call screen decides where);
// it follows the client's events by itself and removes what it made when
// the session closes. The server decides who may share (protocol.md,
// publish / allow-share): the button shows only while we may, and a share
// the host withdraws is stopped here too. Main thread.

/** @typedef {import('./protocol.js').NaraClient} NaraClient */

/**
 * @typedef {object} ScreenShareOptions
 * @property {(key: string, ...args: any[]) => string} t
 * @property {(text: string) => void} alert          a refused or failed share
 * @property {(id: string) => string} nameOf         a participant's display name
 * @property {HTMLElement} buttonBefore              the button goes before this (e.g. Leave)
 * @property {HTMLElement} stageBefore               the large stage goes before this (e.g. the tiles)
 * @property {{add: (key: string, label: string) => HTMLVideoElement, remove: (key: string) => void}} [largeTile]
 *           the call screen's large tile for a shared screen (callscreen.js); without it, a stage of our own
 * @property {any[]} [participants]                  joined's participants (their tracks may be screens)
 */

/**
 * Our screen share, if any: the transceiver carrying it. protocol.js names
 * its mid in `publish` (field `screen`) from client.screenTransceiver.
 * @param {NaraClient} client
 * @returns {RTCRtpTransceiver | null}
 */
function ours(client) {
  return client.screenTransceiver;
}

/**
 * A screen transceiver whose share was refused before it was ever
 * negotiated, kept idle for the next share. Stopping it instead breaks
 * Chromium's bookkeeping: the next screen transceiver then has no mid
 * although the offer carries its m-line (the stopped one takes that mid),
 * so the share goes out without `screen` and its media is not received.
 * @type {WeakMap<NaraClient, RTCRtpTransceiver>}
 */
const idle = new WeakMap();

/**
 * Starts sharing a screen: asks the browser for one, publishes it as one
 * more video track, detail before frame rate. Rejects (and undoes) when
 * the server refuses or the person cancels the picker.
 * @param {NaraClient} client
 */
export async function startScreenShare(client) {
  if (ours(client)) return;
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 15 } }, audio: false });
  const track = stream.getVideoTracks()[0];
  // Text and fine lines stay sharp; the encoder gives up frame rate first.
  track.contentHint = 'detail';
  const pc = client.ensurePublishPc();
  const spare = idle.get(client);
  idle.delete(client);
  /** @type {RTCRtpTransceiver} */
  let transceiver;
  if (spare && spare.currentDirection !== 'stopped' && pc.getTransceivers().includes(spare)) {
    await spare.sender.replaceTrack(track);
    spare.sender.setStreams(stream);
    spare.direction = 'sendonly';
    transceiver = spare;
  } else {
    transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  }
  client.screenTransceiver = transceiver;
  try {
    await client.negotiatePublish();
  } catch (e) {
    client.screenTransceiver = null;
    track.stop();
    // Refused (or lost) before any answer: the offer was rolled back.
    if (transceiver.mid === null) {
      await transceiver.sender.replaceTrack(null).catch(() => {});
      transceiver.direction = 'inactive';
      idle.set(client, transceiver);
    } else {
      transceiver.stop();
    }
    throw e;
  }
  const params = transceiver.sender.getParameters();
  params.degradationPreference = 'maintain-resolution';
  await transceiver.sender.setParameters(params).catch(() => {});
  // The browser's own "Stop sharing" ends the track.
  track.addEventListener('ended', () => {
    if (ours(client) === transceiver) stopScreenShare(client).catch(() => {});
  });
}

/**
 * Stops our share: the m-line is stopped and the publish renegotiated
 * without `screen`, so the others' tiles go at once.
 * @param {NaraClient} client
 */
export async function stopScreenShare(client) {
  const transceiver = ours(client);
  if (!transceiver) return;
  client.screenTransceiver = null;
  // The button says so at once, whoever stopped it (the browser's own
  // "Stop sharing" bar ends the track without a click on it).
  client.emit('screen-share', { sharing: false });
  transceiver.sender.track?.stop();
  transceiver.stop();
  if (!client.closed) await client.negotiatePublish();
}

/**
 * Host only: lets a participant share a screen, or withdraws it.
 * @param {NaraClient} client
 * @param {string} participant
 * @param {boolean} allowed
 */
export async function allowScreenShare(client, participant, allowed) {
  await client.request({ type: 'allow-share', participant, allowed });
}

/**
 * The receiving transceiver of a server track id: the one whose m-line in
 * the subscribe offer carries it as msid and is sending to us (browsers make
 * up their own MediaStreamTrack ids, and Nara reuses m-lines).
 * @param {NaraClient} client
 * @param {string} id
 */
function receiverOf(client, id) {
  const pc = client.subscribePc;
  const sdp = pc?.remoteDescription?.sdp;
  if (!pc || !sdp) return null;
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const msid = /\na=msid:\S+ (\S+)/.exec(section)?.[1];
    const mid = /\na=mid:(\S+)/.exec(section)?.[1];
    if (msid !== id || mid === undefined || !/\na=sendonly/.test(section)) continue;
    return pc.getTransceivers().find((tr) => tr.mid === mid)?.receiver ?? null;
  }
  return null;
}

/**
 * Makes the Share screen button and the large screen stage for this call
 * and keeps them up to date. Call once per client, after joined.
 * @param {NaraClient} client
 * @param {ScreenShareOptions} options
 */
export function mountScreenShare(client, options) {
  const { t } = options;
  document.getElementById('screen-share-button')?.remove();
  document.getElementById('screen-stage')?.remove();

  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'screen-share-button';
  button.className = 'toggle';
  const render = () => {
    const sharing = !!ours(client);
    button.textContent = sharing ? t('stopShareScreen') : t('shareScreen');
    button.dataset.on = String(sharing);
    button.setAttribute('aria-pressed', String(sharing));
  };
  let mayShare = /** @type {any} */ (client.self)?.mayShare !== false;
  button.hidden = !mayShare || !navigator.mediaDevices?.getDisplayMedia;
  render();
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (ours(client)) await stopScreenShare(client);
      else await startScreenShare(client);
    } catch (e) {
      // Cancelling the browser's picker is no error to show.
      if (!(e instanceof DOMException && e.name === 'NotAllowedError')) {
        console.error('screen share:', e);
        options.alert(/** @type {any} */ (e)?.code === 'forbidden' ? t('shareScreenRefused') : t('shareScreenFailed'));
      }
    } finally {
      button.disabled = false;
      render();
    }
  });
  options.buttonBefore.before(button);

  // Others' shares: one large video, the latest share on top.
  const stage = document.createElement('section');
  stage.id = 'screen-stage';
  stage.className = 'screen-stage';
  stage.hidden = true;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true;
  const caption = document.createElement('p');
  caption.className = 'screen-caption';
  stage.append(video, caption);
  // The call screen's own large tile when it has one (callscreen.js), else a
  // stage of our own before the tiles.
  if (!options.largeTile) options.stageBefore.before(stage);

  /** server track id → participant id, for tracks tagged screen */
  const screens = new Map();
  /** @type {{id: string, participant: string, track: MediaStreamTrack}[]} */
  const showing = [];
  const show = () => {
    const top = showing[showing.length - 1];
    if (options.largeTile) {
      if (!top) {
        options.largeTile.remove('screen');
        return;
      }
      const label = t('screenOf', options.nameOf(top.participant));
      const tileVideo = options.largeTile.add('screen', label);
      const root = /** @type {HTMLElement} */ (tileVideo.closest('li'));
      root.id = 'screen-stage';
      root.dataset.participant = top.participant;
      root.setAttribute('aria-label', label);
      const current = /** @type {MediaStream | null} */ (tileVideo.srcObject);
      if (current?.getVideoTracks()[0] !== top.track) tileVideo.srcObject = new MediaStream([top.track]);
      return;
    }
    stage.hidden = !top;
    stage.dataset.participant = top?.participant ?? '';
    video.srcObject = top ? new MediaStream([top.track]) : null;
    caption.textContent = top ? t('screenOf', options.nameOf(top.participant)) : '';
    stage.setAttribute('aria-label', caption.textContent);
  };
  const drop = (/** @type {string} */ id) => {
    const i = showing.findIndex((s) => s.id === id);
    if (i >= 0) showing.splice(i, 1);
    screens.delete(id);
    show();
  };

  /** @param {any} p a participant with tracks (joined, participant-joined) */
  const learn = (p) => {
    for (const track of p?.tracks ?? []) if (track.screen) screens.set(track.id, p.id);
  };
  /**
   * @param {string} type
   * @param {(detail: any) => void} fn
   */
  const on = (type, fn) => client.addEventListener(type, (ev) => fn(/** @type {CustomEvent} */ (ev).detail));
  (options.participants ?? []).forEach(learn);
  on('joined', (m) => (m.participants ?? []).forEach(learn));
  on('participant-joined', learn);
  on('track-added', ({ participant, track }) => {
    if (track?.screen) screens.set(track.id, participant);
  });
  on('track-removed', ({ track }) => {
    if (screens.has(track)) drop(track);
  });
  on('participant-left', ({ id }) => {
    for (const [track, who] of [...screens]) if (who === id) drop(track);
  });
  // A screen is shown once its m-line is applied; a new m-line fires
  // 'track', a reused one may not, so the offers are looked at too.
  const refresh = () => {
    for (const [id, participant] of screens) {
      if (showing.some((s) => s.id === id)) continue;
      const receiver = receiverOf(client, id);
      if (!receiver) continue;
      showing.push({ id, participant, track: receiver.track });
      show();
    }
  };
  on('track', ({ track, stream }) => {
    refresh();
    // Not in the person's camera tile: that stream shows one video.
    if (showing.some((s) => s.track === track)) stream?.removeTrack(track);
  });
  const poll = setInterval(refresh, 1000);
  on('screen-share', render);
  on('share-allowed', ({ allowed }) => {
    mayShare = !!allowed;
    button.hidden = !mayShare || !navigator.mediaDevices?.getDisplayMedia;
    if (!mayShare && ours(client)) {
      stopScreenShare(client).catch(() => {}).finally(render);
      options.alert(t('shareScreenWithdrawn'));
    }
  });
  on('close', () => {
    clearInterval(poll);
    button.remove();
    stage.remove();
  });
  return { button, stage };
}
