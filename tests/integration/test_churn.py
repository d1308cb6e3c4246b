#!/usr/bin/env python3
"""test_churn.py - 500 join/leave cycles with media, and nothing grows.

Usage: test_churn.py NARA STATE_DIR [--sanitized]

A healthy room (two aiortc participants, each receiving the other) stays
up the whole time. Then 500 cycles run, several at once: in each an
aiortc participant (160x120 video at 10 fps, plus audio) joins, publishes,
decodes at least one video frame from someone and leaves. Even cycles go through
one shared room, where an anchor participant publishes all along; odd
cycles make a new room each, with a partner who publishes to the cycle's
participant, so that room is created and ended. Every fifth cycle kills
its WebSocket (TCP abort, no `leave`, no close frame) instead of leaving.

After cycle 50 and after cycle 500, once the server has quiesced (sessions,
rooms and media objects back to the baseline, bounded waits), /metrics
gives open fds, threads and resident memory: fds and threads must equal
their cycle-50 values, media rooms and peers their baseline, and resident
memory may grow at most 5 MiB (not asserted in the sanitizer build, whose
allocator holds freed memory in quarantine). The healthy room must have
decoded frames in every 10 s of the churn. Then 100 rooms are created and
ended (hello, join, leave) and every room and media object must be gone.

Nara runs no GStreamer pipeline per room or peer (docs/design.md: its own
transport, GStreamer only for SDP), so "every pipeline reaches NULL and is
freed" is checked as "every media room and peer object is freed": the
worker-side objects counted by nara_media_rooms and nara_media_peers.
LeakSanitizer: in the sanitizer build nara exits non-zero and prints
"LeakSanitizer" when it leaks; harness.Server.stop() fails on both.

Figures go to stdout for docs/robustness.md.
"""
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))

import harness  # noqa: E402
from aiortc_peer import Peer  # noqa: E402

CYCLES = int(os.environ.get("NARA_CHURN_CYCLES", "500"))
FIRST = min(50, CYCLES)  # the reference point
ROOMS = 100
SHARED = "churn-shared"
MEDIA = dict(width=160, height=120, fps=10, audio=True, video=True)
CYCLE_TIMEOUT = 30.0
RSS_LIMIT = 5 << 20
SETTLE_TIMEOUT = 30.0
HEALTHY_WINDOW = 10.0

class Run:
    """Per-run state: the server, the reference counts, what the cycles did."""

    def __init__(self, server, sanitized):
        self.server = server
        self.sanitized = sanitized
        self.url = server.ws_url
        # On two cores an aiortc participant costs more than nara does: the
        # sanitizer build runs fewer at once; the count of cycles stays.
        self.concurrency = int(os.environ.get("NARA_CHURN_CONCURRENCY",
                                              "6" if sanitized else "8"))
        self.durations = []
        self.frames = 0  # decoded by the cycles' participants
        self.abrupt = 0
        self.failures = []

def metric(values, name):
    return int(values[name])

async def settle(server, want, timeout=SETTLE_TIMEOUT):
    """Polls /metrics until every metric in `want` has its value (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        values = server.metrics()
        if all(metric(values, k) == v for k, v in want.items()):
            return values
        if time.monotonic() > deadline:
            got = {k: metric(values, k) for k in want}
            raise AssertionError(f"not back to {want} within {timeout} s: {got}")
        await asyncio.sleep(0.2)

async def kill_socket(peer):
    """The participant vanishes: TCP abort, no leave, no close frame."""
    peer.ws.transport.abort()
    await peer.close()

async def one_cycle(run, i):
    t0 = time.monotonic()
    name = f"c{i}"
    abrupt = i % 5 == 4
    partner = None
    peer = Peer(run.url, SHARED if i % 2 == 0 else f"churn-{i}", name, **MEDIA)
    try:
        if i % 2 == 1:  # a room of its own: a partner publishes into it first
            partner = Peer(run.url, f"churn-{i}", f"{name}-partner", subscribe=False, **MEDIA)
            await partner.start()
        await peer.start()
        # A video frame: the subscription's keyframe request reached a
        # publisher and its answer was forwarded, not just the audio.
        await peer.wait_until(lambda: any(k == "video" for _, k in peer.frames), CYCLE_TIMEOUT,
                              "decoded video frame")
        run.frames += sum(peer.frames.values())
        if abrupt:
            run.abrupt += 1
            await kill_socket(peer)
        else:
            await peer.leave()
        if partner is not None:
            await partner.leave()
        run.durations.append(time.monotonic() - t0)
    except Exception as e:  # recorded, the others go on; the test fails at the end
        run.failures.append(f"cycle {i}: {type(e).__name__}: {e}")
        await asyncio.gather(peer.close(), *([partner.close()] if partner else []),
                             return_exceptions=True)

async def cycles(run, first, last):
    """Cycles first..last-1, run.concurrency at a time."""
    queue = asyncio.Queue()
    for i in range(first, last):
        queue.put_nowait(i)

    async def worker():
        while not queue.empty():
            i = queue.get_nowait()
            await asyncio.wait_for(one_cycle(run, i), 2 * CYCLE_TIMEOUT + 30)

    await asyncio.gather(*(worker() for _ in range(run.concurrency)))

async def watch_healthy(a, b, samples, stop):
    """Every HEALTHY_WINDOW s: each healthy participant's video frames from the other."""
    while not stop.is_set():
        samples.append((time.monotonic(), a.frames_from(b.you), b.frames_from(a.you)))
        try:
            await asyncio.wait_for(stop.wait(), HEALTHY_WINDOW)
        except asyncio.TimeoutError:
            pass
    samples.append((time.monotonic(), a.frames_from(b.you), b.frames_from(a.you)))

def check_healthy(samples):
    for (t0, a0, b0), (t1, a1, b1) in zip(samples, samples[1:]):
        assert a1 > a0 and b1 > b0, (
            f"the healthy room decoded no video between {t0:.0f} and {t1:.0f} s: {samples}")

def process(values):
    return (metric(values, "nara_process_open_fds"), metric(values, "nara_process_threads"),
            metric(values, "nara_process_resident_bytes"))

async def hundred_rooms(server):
    """ROOMS rooms, each made by one hello+join and ended by its leave."""
    sem = asyncio.Semaphore(10)

    async def one(i):
        async with sem:
            c = await harness.Client.connect(server)
            await c.hello()
            await c.join(f"ended-{i}", f"r{i}")
            msg_id = await c.request({"type": "leave"})
            await c.expect("ok", id=msg_id)
            await c.close()

    await asyncio.gather(*(one(i) for i in range(ROOMS)))

async def churn(binary, state_dir, sanitized):
    # Every cycle opens a socket from 127.0.0.1: lift the per-address cap.
    # No resume window: a killed socket's participant must be gone (and all
    # it held freed) at once, as before resume existed; the window has its
    # own test (tests/interop/test_resume_aiortc.py).
    with harness.Server(binary, state_dir, "signaling.max_connections_per_ip=0",
                        "signaling.resume_grace_seconds=0") as server:
        run = Run(server, sanitized)
        a = await Peer(server.ws_url, "churn-healthy", "Healthy A", **MEDIA).start()
        b = await Peer(server.ws_url, "churn-healthy", "Healthy B", **MEDIA).start()
        anchor = await Peer(server.ws_url, SHARED, "Anchor", subscribe=False, **MEDIA).start()
        await a.wait_frames(b.you, "video", 5)
        await b.wait_frames(a.you, "video", 5)
        baseline = {"nara_sessions": 3, "nara_rooms": 2, "nara_media_rooms": 2,
                    "nara_media_peers": 6}
        await settle(server, baseline)

        samples, stop = [], asyncio.Event()
        watcher = asyncio.ensure_future(watch_healthy(a, b, samples, stop))
        try:
            t0 = time.monotonic()
            await cycles(run, 0, FIRST)
            t_first = time.monotonic() - t0
            await settle(server, baseline)
            fds50, threads50, rss50 = process(server.metrics())

            t1 = time.monotonic()
            await cycles(run, FIRST, CYCLES)
            t_rest = time.monotonic() - t1
            values = await settle(server, baseline)
            # fds and threads freed by the last leaves may take a moment.
            values = await settle(server, {"nara_process_open_fds": fds50,
                                           "nara_process_threads": threads50}, 10)
            fds500, threads500, rss500 = process(values)
        finally:
            stop.set()
            await watcher

        assert not run.failures, f"{len(run.failures)} cycles failed: {run.failures[:5]}"
        check_healthy(samples)
        total = t_first + t_rest
        d = sorted(run.durations)
        print(f"cycles: {CYCLES} ({run.abrupt} abrupt), {run.concurrency} at a time, "
              f"{total:.1f} s, {CYCLES / total:.2f} cycles/s; cycle median "
              f"{statistics.median(d):.2f} s, p95 {d[int(0.95 * (len(d) - 1))]:.2f} s; "
              f"{run.frames} frames decoded by them")
        print(f"after {FIRST}: fds {fds50}, threads {threads50}, RSS {rss50 / 2**20:.1f} MiB")
        print(f"after {CYCLES}: fds {fds500}, threads {threads500}, RSS {rss500 / 2**20:.1f} MiB "
              f"(delta {(rss500 - rss50) / 2**20:+.2f} MiB)")
        print(f"healthy room: A {a.frames_from(b.you)} and B {b.frames_from(a.you)} video frames "
              f"decoded, none missing in any {HEALTHY_WINDOW:.0f} s window")
        print(f"packets forwarded {metric(values, 'nara_media_packets_forwarded_total')}, "
              f"SRTP failures {metric(values, 'nara_media_srtp_failures_total')}")
        if not sanitized:
            assert rss500 - rss50 <= RSS_LIMIT, (
                f"RSS grew {(rss500 - rss50) / 2**20:.2f} MiB from cycle {FIRST} to {CYCLES}")

        await asyncio.gather(a.leave(), b.leave(), anchor.leave())
        t2 = time.monotonic()
        await hundred_rooms(server)
        t_rooms = time.monotonic() - t2
        values = await settle(server, {"nara_sessions": 0, "nara_rooms": 0,
                                       "nara_media_rooms": 0, "nara_media_peers": 0})
        fds, threads, rss = process(values)
        print(f"{ROOMS} rooms created and ended in {t_rooms:.1f} s: rooms 0, media rooms 0, "
              f"media peers 0; fds {fds}, threads {threads}, RSS {rss / 2**20:.1f} MiB")
        assert threads == threads50, f"threads {threads} after the rooms, {threads50} before"
    # Leaving the with block stopped nara: exit 0, no LeakSanitizer report.
    print("nara exited 0, no LeakSanitizer or AddressSanitizer report")

def main():
    binary, state_dir = sys.argv[1], sys.argv[2]
    sanitized = "--sanitized" in sys.argv[3:]
    if sanitized:  # the library one-time allocations ctest would otherwise report
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lsan.supp")
        os.environ.setdefault("LSAN_OPTIONS", f"suppressions={supp}:print_suppressions=0")
    os.makedirs(state_dir, exist_ok=True)
    budget = 420 if sanitized else 240
    try:
        asyncio.run(asyncio.wait_for(churn(binary, state_dir, sanitized), budget))
    except Exception as e:
        print(f"not ok - churn: {type(e).__name__}: {e}")
        raise
    print("ok - churn")

if __name__ == "__main__":
    main()
