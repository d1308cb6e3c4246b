// consultation.mjs — what the consultation end-to-end test needs besides a
// browser: an API key from nara's CLI, a booking through the REST API
// (POST /api/v1/consultations), each person's join link pointed at the
// test's nara, and a page's receive statistics per participant and kind.
// Nothing here asserts; tests do.

import https from 'node:https';
import http from 'node:http';
import { runNara } from './server.mjs';

/**
 * Makes an API key in `stateDir` (before nara starts on it) and returns
 * the secret the CLI printed once.
 * @param {string} stateDir
 * @param {string} [label]
 */
export async function createApiKey(stateDir, label = 'e2e') {
  const out = (await runNara(['apikey', 'create', '--label', label, '--scope', 'all', '--state-dir', stateDir])).trim();
  const key = /\bnara_[A-Za-z0-9_-]+/.exec(out); // keys look like "nara_…"
  if (key) return key[0];
  try {
    const json = JSON.parse(out);
    const key = json.key ?? json.apiKey ?? json.secret ?? json.token;
    if (typeof key === 'string') return key;
  } catch {
    // not JSON: the key is the last word printed
  }
  const words = out.split(/\s+/).filter(Boolean);
  if (!words.length) throw new Error('nara apikey create printed nothing');
  return words[words.length - 1];
}

/**
 * One HTTP request to nara with a JSON body; the certificate is nara's own
 * self-signed one, so it is not checked.
 * @param {string} method
 * @param {string} url
 * @param {string} apiKey
 * @param {unknown} [body]
 * @returns {Promise<{status: number, json: any, text: string}>}
 */
export function api(method, url, apiKey, body) {
  const mod = url.startsWith('https:') ? https : http;
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method,
        rejectUnauthorized: false,
        timeout: 10000,
        headers: {
          Authorization: `Bearer ${apiKey}`,
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let json = null;
          try {
            json = JSON.parse(text);
          } catch {
            // leave null: the test reports text
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Books a consultation starting a minute ago and ending in an hour.
 * @param {string} baseUrl nara's https://127.0.0.1:PORT
 * @param {string} apiKey
 * @param {{title: string, participants: {name: string, role: string, assurance?: string}[], autoAdmit?: string[]}} booking
 */
export async function createConsultation(baseUrl, apiKey, booking) {
  const now = Date.now();
  const body = {
    title: booking.title,
    startsAt: new Date(now - 60000).toISOString().replace(/\.\d+Z$/, 'Z'),
    endsAt: new Date(now + 3600000).toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(booking.autoAdmit ? { autoAdmit: booking.autoAdmit } : {}),
    participants: booking.participants,
  };
  const res = await api('POST', `${baseUrl}/api/v1/consultations`, apiKey, body);
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`POST /api/v1/consultations: HTTP ${res.status}: ${res.text}`);
  }
  return res.json;
}

/**
 * Every string in a JSON value that looks like a join link, with the
 * object it sits in.
 * @param {any} value
 * @param {any} [parent]
 * @param {{link: string, owner: any}[]} [out]
 */
function findLinks(value, parent = null, out = []) {
  if (typeof value === 'string' && /\/c\/[^#\s]+#t=/.test(value)) out.push({ link: value, owner: parent });
  else if (Array.isArray(value)) for (const v of value) findLinks(v, parent, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) findLinks(v, value, out);
  return out;
}

/**
 * The join link of the booked participant with this name, on the test's
 * own origin (the server builds links with its public host name).
 * @param {string} baseUrl
 * @param {any} created the POST response
 * @param {string} name
 */
export function joinLink(baseUrl, created, name) {
  const person = (created.participants ?? []).find((/** @type {any} */ p) => p.name === name);
  if (!person) throw new Error(`no participant ${name} in ${JSON.stringify(created)}`);
  const own = findLinks(person);
  const found =
    own[0] ??
    findLinks(created).find(({ owner }) => [owner?.participant, owner?.participantId, owner?.id].includes(person.id));
  if (!found) throw new Error(`no join link for ${name} in ${JSON.stringify(created)}`);
  const url = new URL(found.link);
  return `${baseUrl}${url.pathname}${url.hash}`;
}

/**
 * What a page receives, per remote participant (by tile name) and kind,
 * from its subscribe connection; and whether it has connections at all.
 * @param {import('playwright-core').Page} page
 */
export function receiveStats(page) {
  return page.evaluate(async () => {
    const nara = /** @type {any} */ (window).nara;
    const pc = nara?.subscribePc ?? null;
    /** @type {{[name: string]: {audioPackets: number, audioSamples: number, videoFrames: number}}} */
    const byName = {};
    let inboundRtp = 0;
    if (pc) {
      (await pc.getStats()).forEach((/** @type {any} */ s) => {
        if (s.type === 'inbound-rtp') inboundRtp++;
      });
      for (const tile of document.querySelectorAll('li[data-participant]')) {
        const video = tile.querySelector('video');
        const stream = video?.srcObject instanceof MediaStream ? video.srcObject : null;
        const name = tile.querySelector('.tile-name')?.textContent ?? '';
        const row = { audioPackets: 0, audioSamples: 0, videoFrames: 0 };
        for (const track of stream?.getTracks() ?? []) {
          let report;
          try {
            report = await pc.getStats(track);
          } catch {
            continue; // our own camera
          }
          report.forEach((/** @type {any} */ s) => {
            if (s.type !== 'inbound-rtp') return;
            if (s.kind === 'audio') {
              row.audioPackets = Math.max(row.audioPackets, s.packetsReceived ?? 0);
              row.audioSamples = Math.max(row.audioSamples, s.totalSamplesReceived ?? 0);
            }
            if (s.kind === 'video') row.videoFrames = Math.max(row.videoFrames, s.framesDecoded ?? 0);
          });
        }
        byName[name] = row;
      }
    }
    return { publishPc: !!nara?.publishPc, subscribePc: !!pc, inboundRtp, byName };
  });
}
