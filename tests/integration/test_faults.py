"""test_faults.py - dead and misbehaving peers (issue 6, item 5).

Usage: test_faults.py NARA STATE_DIR [TEST...]
Each test starts its own nara with the default timeouts unless it says:

- test_kill9: four aiortc participants in one room, each its own process
  (aiortc_client.py --report-every, run through this file's --child mode,
  which adds an event-loop lag probe). One is killed with SIGKILL, then
  another is frozen with SIGSTOP (its sockets stay open and silent: a
  laptop lid closed or a network gone). Every survivor must be told
  `participant-left` for each within 30 s (the killed one's socket is
  closed by its kernel; the frozen one is found by the WebSocket
  keepalive, server.ws_ping_secs / ws_timeout_secs), and the survivors'
  video and audio from each other must keep flowing: frames keep coming
  after each removal, and no gap exceeds 1 s plus the time the two
  clients' own event loops were stalled around it. A client's asyncio
  loop runs its RTP, its decoder output and its reports, so when the
  machine is loaded a stalled loop shows as a gap in both directions
  between that client and the others, which is the test's own delay,
  not Nara's. A video gap of a client whose own UDP socket overflowed
  (the kernel's drop count for it rose) is its own too: aiortc waits for
  128 more packets before it asks for the keyframe it needs. Every gap
  is printed with both ends' loop stalls, the datagrams dropped at the
  receiver's sockets, and Nara's packets in and out per 0.5 s
  (/metrics), so a figure tells whose delay it was. The participants run
  at normal priority, unlike the other tests' attackers: here they are
  what is measured.
- test_srtp_garbage: in room B a publisher sends, after normal publishing,
  1,000 packets/s for 10 s of valid SRTP with garbage inside (random
  payloads, its own and unknown SSRCs and PTs, random and malformed
  header extensions, CSRC counts and padding, SRTCP with random bodies),
  and plain garbage datagrams go to the server's media port. Room A's
  video must rise every second, /healthz must answer, and nara's log may
  grow by about a line per second at most (at log.level=debug, where
  per-packet lines would show).
- test_media_failure_isolation: one media worker; room A flows while in
  room B a publisher vanishes right after its publish answer (SIGKILL
  mid-handshake), a signaling-only client leaves a publish offer behind
  and closes its socket, and a publisher's offer carries a fingerprint
  that is not its certificate's (DTLS fails: media-failed); then in room
  C a connected publisher sends garbage datagrams, DTLS records and
  garbage SRTP into its own connection. Room A and B's healthy pair must
  not stall, the failing peers are removed or told media-failed, C's
  publisher works again afterwards, and nara exits 0 on SIGTERM.

The attackers (and the participants of test_media_failure_isolation
that fail) run in their own processes, at a lower CPU priority, so that
their CPU does not stall the test's own event loop (which decodes the
healthy rooms' video) on a shared machine.
Figures are printed as `# ...` lines for docs/robustness.md.
"""
import asyncio
import json
import os
import random
import signal
import socket
import sys
import tempfile
import time
import traceback

from garbage import remote_port, send_garbage, until

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

from harness import SDP_OFFER, Client, Server  # noqa: E402

CLIENT = os.path.join(HERE, "..", "interop", "aiortc_client.py")
SMALL = {"width": 160, "height": 120, "fps": 15}
REMOVAL_SECS = 30   # issue 6: a dead participant is gone within this
MAX_GAP_SECS = 1.0  # ... and the others see no freeze longer than this, beyond
LAG_PERIOD = 0.05   # ... the stalls of their own loops, probed every LAG_PERIOD
REPORT_SECS = 0.5   # the children's report interval (frames, gaps, loop lag)
GARBAGE_RATE = 1000
GARBAGE_SECS = 10


def small_args():
    return ["--width", str(SMALL["width"]), "--height", str(SMALL["height"]),
            "--fps", str(SMALL["fps"])]


# --- participants in their own processes -----------------------------------

class Child:
    """aiortc_client.py in its own process; its JSON lines kept in events."""

    def __init__(self, name):
        self.name = name
        self.proc = None
        self.events = []
        self.you = None
        self._reader = None

    async def start(self, url, room, log_dir, *extra, niceness=5):
        log = open(os.path.join(log_dir, f"client-{self.name}.log"), "w")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--child", "--url", url, "--room", room,
            "--name", self.name,
            "--duration", "300", *small_args(), *extra,
            stdout=asyncio.subprocess.PIPE, stderr=log, preexec_fn=lambda: os.nice(niceness))
        log.close()
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "joined":
                self.you = event["you"]
            self.events.append(event)

    def reports(self):
        return [e for e in self.events if e.get("event") == "report"]

    def frames(self, publisher, kind="video"):
        reports = self.reports()
        return reports[-1]["frames"].get(f"{publisher}/{kind}", 0) if reports else 0

    def message_time(self, type_, **fields):
        """Arrival time of the first server message of this type and fields."""
        for e in self.events:
            m = e.get("message") if e.get("event") == "message" else None
            if m and m.get("type") == type_ and all(
                    m.get(k) == v or (isinstance(m.get(k), dict) and m[k].get("id") == v)
                    for k, v in fields.items()):
                return e["t"]
        return None

    def max_gap(self, publisher, kind, start, end):
        """Longest inter-frame gap of that track in the reports of [start, end]."""
        key = f"{publisher}/{kind}"
        return max((r["max_gap"].get(key, float("inf")) for r in self.reports()
                    if start <= r["t"] <= end), default=float("inf"))

    def frames_at(self, publisher, t, kind="video"):
        """Frames of that track decoded by the last report at or before t."""
        key = f"{publisher}/{kind}"
        return max((r["frames"].get(key, 0) for r in self.reports() if r["t"] <= t), default=0)

    def worst_gap(self, publisher, kind, start, end):
        """(gap, report time) of the longest gap reported in [start, end]."""
        key = f"{publisher}/{kind}"
        return max(((r["max_gap"].get(key, float("inf")), r["t"]) for r in self.reports()
                    if start <= r["t"] <= end), default=(float("inf"), end))

    def loop_lag(self, start, end):
        """Longest stall of this client's event loop reported in [start, end]:
        how much later than asked an asyncio.sleep(LAG_PERIOD) woke."""
        return max((e["max_lag"] for e in self.events
                    if e.get("event") == "lag" and start <= e["t"] <= end), default=0.0)

    def signal(self, sig):
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(sig)

    async def stop(self):
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.kill()  # SIGKILL works on a stopped process too
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        finally:
            if self._reader:
                self._reader.cancel()


def udp_drops(pids):
    """{pid: datagrams the kernel dropped at that process's UDP sockets}
    (/proc/net/udp's drops column: the socket's receive buffer was full,
    i.e. the process did not read in time)."""
    owner = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                owner[link[8:-1]] = pid
    drops = dict.fromkeys(pids, 0)
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) >= 13 and fields[9] in owner:
                drops[owner[fields[9]]] += int(fields[12])
    return drops


async def sample_drops(pids, samples):
    """udp_drops of pids every REPORT_SECS: (time, {pid: drops})."""
    while True:
        samples.append((time.monotonic(), udp_drops(pids)))
        await asyncio.sleep(REPORT_SECS)


def dropped(samples, pid, start, end):
    """Datagrams dropped at pid's sockets from the last sample before start
    to the first after end."""
    before = [d[pid] for t, d in samples if t <= start] or [0]
    after = [d[pid] for t, d in samples if t >= end] or [samples[-1][1][pid] if samples else 0]
    return max(0, after[0] - before[-1])


async def sample_forwarded(server, samples):
    """Nara's packets received and forwarded so far, every REPORT_SECS:
    (time, received, forwarded)."""
    while True:
        try:
            m = await asyncio.to_thread(server.metrics)
            samples.append((time.monotonic(), m["nara_media_packets_received_total"],
                            m["nara_media_packets_forwarded_total"]))
        except Exception:  # a slow answer under load is a missing sample, not a failure
            pass
        await asyncio.sleep(REPORT_SECS)


def forwarded_min(samples, start, end):
    """Packets/s Nara received and forwarded between the two samples in
    [start, end] where it forwarded fewest: if it received few as well, the
    publishers were not sending."""
    # From the last sample before start to the first after end: under load
    # /metrics answers late and a short window may hold no two samples.
    first = max([i for i, s in enumerate(samples) if s[0] <= start], default=0)
    last = min([i for i, s in enumerate(samples) if s[0] >= end], default=len(samples) - 1)
    window = samples[first:last + 1]
    rates = [((f1 - f0) / (t1 - t0), (r1 - r0) / (t1 - t0))
             for (t0, r0, f0), (t1, r1, f1) in zip(window, window[1:]) if t1 > t0]
    fwd, rcv = min(rates, default=(float("nan"), float("nan")))
    return f"{rcv:.0f} in, {fwd:.0f} out"


async def test_kill9(binary, state_dir):
    # Dead peers, not dropped sockets: without a resume window the removal
    # is the keepalive's alone (the window is tests/interop/test_resume_aiortc.py's).
    server = Server(binary, state_dir, "signaling.resume_grace_seconds=0")
    kids = [Child(n) for n in ("K1", "K2", "K3", "K4")]
    forwarded, drops = [], []
    sampler = None
    try:
        for k in kids:  # one at a time: four encoders starting at once on two cores
            # At the priority of everything else: here the children are the
            # ones measured, and a lower one only lends their CPU to the load.
            await k.start(server.ws_url, "kill9", state_dir, "--report-every", str(REPORT_SECS),
                          niceness=0)
            # Bounds, not timings: on a loaded machine importing aiortc at
            # nice 5 alone can take tens of seconds.
            await until(lambda: k.you is not None, 90, f"join of {k.name}")

        def all_flowing(group):
            return all(a.frames(b.you, kind) >= 10
                       for a in group for b in group if a is not b for kind in ("video", "audio"))
        await until(lambda: all_flowing(kids), 120, "video and audio between all four")
        sampler = asyncio.ensure_future(sample_forwarded(server, forwarded))
        pids = {k.name: k.proc.pid for k in kids}
        pids["nara"] = server.proc.pid
        drop_sampler = asyncio.ensure_future(sample_drops(list(pids.values()), drops))
        killed, frozen = kids[3], kids[2]
        await asyncio.sleep(3)

        # SIGKILL: the kernel closes its sockets, so nara sees the WebSocket go.
        t_kill = time.monotonic()
        killed.signal(signal.SIGKILL)
        survivors = kids[:3]
        await until(lambda: all(s.message_time("participant-left", participant=killed.you)
                                for s in survivors), REMOVAL_SECS, "participant-left after SIGKILL")
        t_kill_left = max(s.message_time("participant-left", participant=killed.you)
                          for s in survivors)
        kill_secs = t_kill_left - t_kill
        await asyncio.sleep(3)

        # SIGSTOP: nothing closes; only the keepalive can tell.
        t_freeze = time.monotonic()
        frozen.signal(signal.SIGSTOP)
        survivors = kids[:2]
        await until(lambda: all(s.message_time("participant-left", participant=frozen.you)
                                for s in survivors), REMOVAL_SECS + 30,
                    "participant-left after SIGSTOP")
        t_freeze_left = max(s.message_time("participant-left", participant=frozen.you)
                            for s in survivors)
        freeze_secs = t_freeze_left - t_freeze
        await asyncio.sleep(3)
        end = time.monotonic()

        # Each gap against its allowance: the limit plus the stalls of both
        # ends' own loops in the reports around it (a stall of the receiver
        # holds back its decoded frames, one of the sender its RTP).
        gaps = {}
        for a in kids[:3]:
            for b in kids[:3]:
                # The frozen one counts as a survivor until it was frozen.
                stop_at = t_freeze if frozen in (a, b) else end
                for kind in ("video", "audio"):
                    if a is b:
                        continue
                    gap, t = a.worst_gap(b.you, kind, t_kill - 1, stop_at)
                    around = (t - gap - REPORT_SECS, t + REPORT_SECS)
                    lag_a, lag_b = a.loop_lag(*around), b.loop_lag(*around)
                    fwd = forwarded_min(forwarded, *around)
                    lost = dropped(drops, pids[a.name], *around)
                    gaps[(a.name, b.name, kind)] = (gap, lag_a, lag_b, fwd, t - gap - t_kill, lost)
        # A video frame with a packet missing is not decoded, and aiortc asks
        # for a keyframe only once 128 more packets have come (its jitter
        # buffer overflows): several seconds at this size. So when the
        # receiving client's own socket overflowed (it was starved of CPU),
        # its video gap is its own and only printed; Nara's drops are shown
        # apart and excuse nothing. Audio has no such wait.
        excess = {k: v[0] - MAX_GAP_SECS - v[1] - v[2] for k, v in gaps.items()
                  if not (k[2] == "video" and v[5] > 0)}
        worst = max(gaps.items(), key=lambda kv: kv[1][0])
        lags = {k.name: k.loop_lag(t_kill - 1, t_freeze if k is frozen else end) for k in kids[:3]}
        print(f"# kill -9: participant-left after {kill_secs:.2f} s; SIGSTOP: after "
              f"{freeze_secs:.1f} s; longest survivor gap {worst[1][0]:.3f} s "
              f"({worst[0][0]} <- {worst[0][1]} {worst[0][2]}); longest event-loop stall "
              + ", ".join(f"{n} {v:.3f} s" for n, v in lags.items())
              + f"; nara's slowest 0.5 s: {forwarded_min(forwarded, t_kill - 1, end)} "
              f"packets/s", flush=True)
        for (a, b, kind), (gap, lag_a, lag_b, fwd, at, lost) in sorted(gaps.items()):
            print(f"#   {a} <- {b} {kind}: longest gap {gap:.3f} s, starting {at:+.1f} s from "
                  f"the kill; loop stall there {a} {lag_a:.3f} s, {b} {lag_b:.3f} s; datagrams "
                  f"the kernel dropped at {a}'s sockets there {lost}; nara's slowest 0.5 s "
                  f"around it {fwd} packets/s", flush=True)
        print("#   datagrams the kernel dropped at each process's UDP sockets (full receive "
              "buffer) from the kill on: "
              + ", ".join(f"{n} {dropped(drops, pid, t_kill - 1, end)}" for n, pid in pids.items()),
              flush=True)
        failed = [(k.name, e.get("code")) for k in kids[:3] for e in k.events
                  if e.get("event") == "error"]
        print(f"#   errors the survivors were sent: {failed or 'none'}", flush=True)
        assert kill_secs <= REMOVAL_SECS, f"SIGKILLed participant left after {kill_secs:.1f} s"
        assert freeze_secs <= REMOVAL_SECS, f"frozen participant left after {freeze_secs:.1f} s"
        too_long = {k: gaps[k] for k, v in excess.items() if v > 0}
        assert not too_long, f"a survivor froze beyond its loops' own stalls: {too_long}"
        # Media keeps flowing to the survivors after each removal.
        for a in kids[:3]:
            for b in kids[:3]:
                if a is b:
                    continue
                last = t_freeze if frozen in (a, b) else end
                assert a.frames_at(b.you, last) > a.frames_at(b.you, t_kill_left), \
                    f"{a.name} got no video from {b.name} after the SIGKILLed one left"
        for a, b in ((kids[0], kids[1]), (kids[1], kids[0])):
            for kind in ("video", "audio"):
                assert a.frames_at(b.you, end, kind) > a.frames_at(b.you, t_freeze_left, kind), \
                    f"{a.name} got no {kind} from {b.name} after the frozen one left"
    finally:
        if sampler:
            sampler.cancel()
            drop_sampler.cancel()
        for k in kids:
            await k.stop()
        server.stop()


# --- garbage SRTP (the attacker runs in its own process) --------------------

async def garbage_attacker(url, room, port):
    """Room `room`: a publisher that turns to garbage and a subscriber who
    watches it. Prints "ready", waits for a line on stdin, attacks, prints
    the counts as JSON and exits."""
    from aiortc_peer import Peer
    os.nice(10)
    pub = Peer(url, room, "G", audio=False, **SMALL)
    sub = Peer(url, room, "W", audio=False, video=False)
    result = {}
    try:
        await pub.start()
        await sub.start()
        await sub.wait_frames(pub.you, "video", 10)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        before = sub.frames_from(pub.you)
        result = await send_garbage(pub, GARBAGE_RATE, GARBAGE_SECS, 6005, udp_port=port)
        result["watcher_frames_during"] = sub.frames_from(pub.you) - before
        result["watcher_errors"] = sub.errors[-3:]
    except Exception as e:
        traceback.print_exc()
        result = {"failure": f"{type(e).__name__}: {e}"}
    print(json.dumps(result), flush=True)
    await asyncio.wait_for(asyncio.gather(pub.close(), sub.close(), return_exceptions=True), 10)
    os._exit(0)


def log_lines(server):
    with open(server.log.name, errors="replace") as f:
        return f.read().splitlines()


async def sample_frames(peer, publisher, counts):
    while True:
        counts.append((time.monotonic(), peer.frames_from(publisher, "video")))
        await asyncio.sleep(1.0)


def rates(counts, start, end):
    """Frames/s over [start, end] and the 1-s windows in it that did not rise."""
    window = [(t, n) for t, n in counts if start <= t <= end]
    if len(window) < 2:
        return 0.0, [], len(window)
    stalls = [round(t0 - start, 1) for (t0, n0), (t1, n1) in zip(window, window[1:]) if n1 <= n0]
    fps = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
    return fps, stalls, len(window)


async def healthy_pair(url, room):
    """A publisher (video only) and a subscriber, flowing."""
    from aiortc_peer import Peer
    pub = Peer(url, room, "P", audio=False, **SMALL)
    sub = Peer(url, room, "S", audio=False, video=False)
    await pub.start()
    await sub.start()
    await sub.wait_frames(pub.you, "video", 10, timeout=30)
    return pub, sub


async def test_srtp_garbage(binary, state_dir):
    # The most an operator can ask for: where a per-packet line would show.
    server = Server(binary, state_dir, "log.level=debug")
    counts, monitor, proc, pub, sub = [], None, None, None, None
    try:
        pub, sub = await healthy_pair(server.ws_url, "room-a")
        monitor = asyncio.ensure_future(sample_frames(sub, pub.you, counts))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--garbage", server.ws_url, "room-b",
            str(remote_port(pub)), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.strip() == b"ready", f"attacker: {line!r}"
        await asyncio.sleep(5)
        lines_before = len(log_lines(server))
        m0 = server.metrics()
        t0 = time.monotonic()
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        line = await asyncio.wait_for(proc.stdout.readline(), GARBAGE_SECS + 30)
        t1 = time.monotonic()
        lines_during = log_lines(server)[lines_before:]
        result = json.loads(line)
        m1 = server.metrics()
        await asyncio.wait_for(proc.wait(), 15)
        assert "failure" not in result, result
        health = server.health()
        assert health["status"] == "ok", health
        await asyncio.sleep(5)
        fps_before, _, _ = rates(counts, t0 - 5, t0)
        fps_during, stalls, windows = rates(counts, t0, t1)
        fps_after, stalls_after, _ = rates(counts, t1, time.monotonic())
        per_sec = len(lines_during) / (t1 - t0)
        print(f"# SRTP garbage: sent {json.dumps(result)}", flush=True)
        print(f"# room A video {fps_before:.1f} / {fps_during:.1f} / {fps_after:.1f} frames/s "
              f"before / during / after; {len(lines_during)} log lines in {t1 - t0:.1f} s "
              f"({per_sec:.2f}/s)", flush=True)
        print("# nara counted " + ", ".join(
            f"{k[len('nara_media_'):]} +{m1[k] - m0[k]:.0f}" for k in sorted(m0)
            if k.startswith("nara_media_") and k.endswith("_total")), flush=True)
        for text in lines_during[:15]:
            print(f"#   log: {text[:160]}")
        assert result["per_sec"] >= GARBAGE_RATE * 0.8, f"sent only {result['per_sec']}/s"
        assert windows >= GARBAGE_SECS - 1 and not stalls, f"room A stalled in windows {stalls}"
        assert not stalls_after, f"room A stalled after the attack: {stalls_after}"
        # About a line per second (a per-packet line would be 1,000/s).
        assert per_sec <= 1.5, f"{len(lines_during)} log lines in {t1 - t0:.1f} s"
        assert server.proc.poll() is None
    finally:
        if monitor:
            monitor.cancel()
        if proc and proc.returncode is None:
            proc.kill()
            await proc.wait()
        for p in (sub, pub):
            if p:
                await p.leave()
        server.stop()


# --- media failures in one room, on the same worker -------------------------

def tamper_fingerprint(sdp):
    """Flip the first hex digit of every a=fingerprint: the certificate
    aiortc then presents no longer matches its offer."""
    out = []
    for line in sdp.split("\r\n"):
        if line.startswith("a=fingerprint:"):
            algo, fp = line.split(" ", 1)
            fp = ("0" if fp[0] != "0" else "1") + fp[1:]
            line = f"{algo} {fp}"
        out.append(line)
    return "\r\n".join(out)


async def publish_tampered(peer):
    """Peer.publish with the fingerprint in the offer changed."""
    from aiortc import RTCSessionDescription
    from aiortc_peer import MovingBarTrack
    pc = peer.publish_pc
    pc.addTransceiver(MovingBarTrack(**SMALL), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    answer = await peer.request({"type": "publish", "sdp": tamper_fingerprint(pc.localDescription.sdp)})
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))


async def test_media_failure_isolation(binary, state_dir):
    from aiortc_peer import Peer
    server = Server(binary, state_dir, "media.workers=1", "signaling.resume_grace_seconds=0")
    url = server.ws_url
    counts_a, counts_b, monitors, peers, kids = [], [], [], [], []
    figures = {}
    try:
        a_pub, a_sub = await healthy_pair(url, "room-a")
        b_pub, b_sub = await healthy_pair(url, "room-b")
        peers += [a_pub, a_sub, b_pub, b_sub]
        monitors.append(asyncio.ensure_future(sample_frames(a_sub, a_pub.you, counts_a)))
        monitors.append(asyncio.ensure_future(sample_frames(b_sub, b_pub.you, counts_b)))
        await asyncio.sleep(3)
        t_start = time.monotonic()

        # (a) A publisher killed right after its answer, while ICE and DTLS start.
        k = Child("V")
        kids.append(k)
        await k.start(url, "room-b", state_dir)
        await until(lambda: any(e.get("event") == "published" for e in k.events), 30,
                    "publish answer for V")
        k.signal(signal.SIGKILL)
        t = time.monotonic()
        await b_sub.wait_until(lambda: b_sub.got("participant-left", participant=k.you), 15,
                               "participant-left for V")
        figures["vanished mid-handshake: left after"] = time.monotonic() - t

        # (a') A signaling-only client: publish offer, answer, socket closed.
        c = await Client.connect(server)
        await c.hello()
        joined = await c.join("room-b", "H")
        i = await c.request({"type": "publish", "sdp": SDP_OFFER})
        deadline = time.monotonic() + 10
        while True:  # the subscribe offers for room B's publishers come too
            msg = await c.recv(max(0.1, deadline - time.monotonic()))
            if msg.get("id") == i:
                assert msg.get("type") == "answer", msg
                break
        c.ws.transport.abort()  # no close frame: the socket just goes
        t = time.monotonic()
        await b_sub.wait_until(lambda: b_sub.got("participant-left",
                                                 participant=joined["you"]["id"]), 15,
                               "participant-left for H")
        figures["offer left behind, socket closed: left after"] = time.monotonic() - t

        # (b) A DTLS failure: the offer's fingerprint is not the certificate's.
        bad = Peer(url, "room-b", "F", audio=False, video=False)
        peers.append(bad)
        await bad.join()
        t = time.monotonic()
        await publish_tampered(bad)
        await bad.wait_until(lambda: any(e.get("code") == "media-failed" for e in bad.errors),
                             40, "media-failed for the tampered fingerprint")
        figures["bad fingerprint: media-failed after"] = time.monotonic() - t

        await asyncio.sleep(2)

        # (c) A malformed stream, in room C on the same worker: a connected
        # publisher sends unprotected datagrams along its ICE path (DTLS
        # records, unauthenticated SRTP) and SRTP with garbage inside.
        # (In room B its subscriber would be room B's healthy subscriber,
        # whose aiortc would decode the garbage in this process.)
        g, w = await healthy_pair(url, "room-c")
        peers += [g, w]
        figures["garbage sent"] = await send_garbage(g, 500, 4, 7, udp_port=remote_port(g),
                                                     raw_share=0.3)
        t_garbage = time.monotonic()
        await asyncio.sleep(2)
        t_end = time.monotonic()
        await asyncio.sleep(3)
        assert server.health()["status"] == "ok"

        fps_a, stalls_a, windows = rates(counts_a, t_start, t_end)
        fps_b, stalls_b, _ = rates(counts_b, t_start, t_end)
        for what, v in figures.items():
            print(f"# {what}: {v if isinstance(v, dict) else f'{v:.2f} s'}", flush=True)
        print(f"# room A video {fps_a:.1f} frames/s over {t_end - t_start:.0f} s, stalls {stalls_a}; "
              f"room B's healthy pair {fps_b:.1f} frames/s, stalls {stalls_b}", flush=True)
        assert not stalls_a, f"room A stalled in windows {stalls_a}"
        assert not stalls_b, f"room B's healthy pair stalled in windows {stalls_b}"
        # The publisher that sent garbage still works once it sends real
        # media again: its room was not ended.
        before = w.frames_from(g.you)
        await w.wait_until(lambda: w.frames_from(g.you) > before + 5, 15,
                           "video from G after its garbage")
        print(f"# G's video: 5 more frames decoded {time.monotonic() - t_garbage:.1f} s after "
              f"its garbage ended", flush=True)
    finally:
        for m in monitors:
            m.cancel()
        for k in kids:
            await k.stop()
        for p in reversed(peers):
            await p.leave()
        server.stop()


TESTS = [test_kill9, test_srtp_garbage, test_media_failure_isolation]


async def loop_lag_probe(emit):
    """How late asyncio.sleep(LAG_PERIOD) wakes, worst per REPORT_SECS: the
    stalls of this process's event loop (CPU starvation or a long callback)."""
    worst, next_report = 0.0, time.monotonic() + REPORT_SECS
    while True:
        t0 = time.monotonic()
        await asyncio.sleep(LAG_PERIOD)
        now = time.monotonic()
        worst = max(worst, now - t0 - LAG_PERIOD)
        if now >= next_report:
            emit(event="lag", t=now, max_lag=round(worst, 3))
            worst, next_report = 0.0, now + REPORT_SECS


def child_main(argv):
    """aiortc_client.py's main with the loop lag probe beside it."""
    import aioice.ice
    import aiortc_client
    # aioice hangs up after 6 consent checks in a row whose answer it did
    # not read within its 0.5 s timer. A child starved of CPU leaves them
    # unread (or its subscribe socket, full of queued media, drops them), so
    # on a loaded machine the test's client, not Nara, ended the call: Nara
    # logged "consent expired" 30 s after the checks stopped. Nara's own
    # consent rule is what is under test, so the client keeps checking.
    aioice.ice.CONSENT_FAILURES = 1 << 30
    sys.argv = [CLIENT] + argv

    async def run():
        probe = asyncio.ensure_future(loop_lag_probe(aiortc_client.emit))
        try:
            return await aiortc_client.main()
        finally:
            probe.cancel()
    sys.exit(asyncio.run(run()))


def main():
    if sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    if sys.argv[1] == "--garbage":
        asyncio.run(garbage_attacker(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    binary, state_dir = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:]
    os.makedirs(state_dir, exist_ok=True)
    failed = 0
    for test in TESTS:
        if wanted and test.__name__ not in wanted:
            continue
        test_dir = tempfile.mkdtemp(prefix=test.__name__ + "-", dir=state_dir)
        try:
            asyncio.run(asyncio.wait_for(test(binary, test_dir), 300))
            print(f"ok - {test.__name__}", flush=True)
        except Exception as e:  # report every test, then fail
            failed += 1
            print(f"not ok - {test.__name__}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
