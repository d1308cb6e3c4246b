// call3.mjs — what a three-person browser call costs nara: CPU (% of one
// core) and RSS with three Chromium pages in one room, idle RSS and thread
// counts. Prints figures; asserts nothing. Run from the repository root:
//   NARA_BIN=build/server/nara node tests/bench/call3.mjs [seconds]
// The browsers run on the same machine, so pin nara with taskset for
// steadier figures; nara's own CPU time is read from /proc either way.

import fs from 'node:fs';
import { launchBrowser, newPage, joinRoom, randomRoom, waitForMedia } from '../e2e/lib/browser.mjs';
import { startNara } from '../e2e/lib/server.mjs';

const seconds = Number(process.argv[2] ?? 30);
const ticksPerSecond = 100; // USER_HZ on Linux

function pidListeningOn(port) {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`127.0.0.1:${port}`) && !cmd.includes('node')) return Number(pid);
    } catch {
      // the process went away while we looked
    }
  }
  return null;
}

function sample(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))[1]);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    rssKiB: field('VmRSS'),
    threads: field('Threads'),
    cpuTicks: Number(rest[11]) + Number(rest[12]), // utime + stime
    at: performance.now(),
  };
}

const nara = await startNara();
let browser;
try {
  const pid = pidListeningOn(nara.port);
  if (!pid) throw new Error('could not find the nara process');
  await new Promise((r) => setTimeout(r, 2000));
  const idle = sample(pid);

  browser = await launchBrowser();
  const room = randomRoom('bench');
  const names = ['Anna', 'Bo', 'Cecilia'];
  const pages = [];
  for (const name of names) {
    const p = await newPage(browser);
    await joinRoom(p.page, nara.url, room, name);
    pages.push(p);
  }
  for (const [i, p] of pages.entries()) {
    const { ok } = await waitForMedia(p.page, names.filter((_, j) => j !== i), 30000);
    if (!ok) throw new Error(`page ${i + 1} did not receive media from the others`);
  }
  await new Promise((r) => setTimeout(r, 3000)); // let bitrates settle
  const start = sample(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = sample(pid);
  const cpuPercent = (100 * (end.cpuTicks - start.cpuTicks)) / ticksPerSecond / ((end.at - start.at) / 1000);
  const result = {
    idle: { rssMiB: +(idle.rssKiB / 1024).toFixed(1), threads: idle.threads },
    call3: {
      seconds,
      cpuPercentOfOneCore: +cpuPercent.toFixed(2),
      rssMiB: +(end.rssKiB / 1024).toFixed(1),
      threads: end.threads,
    },
  };
  console.log(JSON.stringify(result));
  console.log(`idle: ${result.idle.rssMiB} MiB RSS, ${result.idle.threads} threads`);
  console.log(`3-person call: ${result.call3.cpuPercentOfOneCore} % of one core, ` +
    `${result.call3.rssMiB} MiB RSS, ${result.call3.threads} threads (over ${seconds} s)`);
} finally {
  await browser?.close().catch(() => {});
  await nara.stop();
}
