#!/usr/bin/python3
"""aiortc_client.py — a non-browser participant for interoperability tests.

Joins a Nara room over the signaling protocol (docs/protocol.md, v1),
publishes a synthetic video track (a moving bar) and audio track (a sine
tone), answers the server's subscribe offers and reports on stdout, one
JSON object per line:

  {"event": "joined", "you": "p2", "participants": [...]}
  {"event": "received", "participant": "p1", "name": "Astrid", "kind": "video", "frames": 10}
  {"event": "error", "code": "bad-sdp", "message": "..."}
  {"event": "done", "reason": "duration"}

"received" is printed once per remote track, when it has decoded at least
--frames frames. With --report-every SECS it also prints, every SECS, the
decoded frame count of every remote track and the longest gap between two
of its frames in that interval (the gap still open at the report counts),
and, within 0.2 s, every server message that is not a reply; each line is
stamped with the system-wide monotonic clock (time.monotonic()), so a test
running several clients can line their timelines up:

  {"event": "report", "t": 812.3, "frames": {"p1/video": 150}, "max_gap": {"p1/video": 0.07}}
  {"event": "message", "t": 813.0, "message": {"type": "participant-left", ...}}

The client runs until --duration seconds have passed, the socket closes,
or it gets SIGTERM/SIGINT. Certificates are not verified (nara makes its
own self-signed one for tests). The participant itself is aiortc_peer.Peer;
run with Debian's /usr/bin/python3 (python3-aiortc).
"""

import argparse
import asyncio
import json
import signal
import sys
import time

from aiortc_peer import Peer


def emit(**fields):
    print(json.dumps(fields), flush=True)


class Reporter:
    """Frame counts and the longest inter-frame gap per track, per interval."""

    def __init__(self, peer):
        self.peer = peer
        self.last = {}     # (publisher, kind) -> time of its latest frame
        self.max_gap = {}  # (publisher, kind) -> longest gap in this interval
        self.seen_messages = 0

    def frame(self, publisher, kind):
        now = time.monotonic()
        key = (publisher, kind)
        if key in self.last:
            self.max_gap[key] = max(self.max_gap.get(key, 0.0), now - self.last[key])
        self.last[key] = now

    def messages(self):
        for m in self.peer.messages[self.seen_messages:]:
            emit(event="message", t=time.monotonic(), message=m)
        self.seen_messages = len(self.peer.messages)

    def report(self):
        now = time.monotonic()
        gaps = {f"{p}/{k}": round(max(self.max_gap.get((p, k), 0.0), now - t), 3)
                for (p, k), t in self.last.items()}
        emit(event="report", t=now, frames={f"{p}/{k}": n for (p, k), n in self.peer.frames.items()},
             max_gap=gaps)
        self.max_gap = {}


async def run(peer, frames_wanted, report_every=None):
    reported = set()
    seen_errors = 0
    reporter = Reporter(peer) if report_every else None
    next_report = time.monotonic() + (report_every or 0)

    def on_frame(publisher, kind):
        if reporter is not None:
            reporter.frame(publisher, kind)
        if (publisher, kind) not in reported and peer.frames_from(publisher, kind) >= frames_wanted:
            reported.add((publisher, kind))
            emit(event="received", participant=publisher, name=peer.names.get(publisher),
                 kind=kind, frames=peer.frames_from(publisher, kind))

    peer.on_frame = on_frame
    joined = await peer.join()
    emit(event="joined", you=peer.you, participants=joined.get("participants"))
    await peer.publish()
    emit(event="published")
    while not peer._reader.done():
        for e in peer.errors[seen_errors:]:
            emit(event="error", code=e.get("code"), message=e.get("message"))
        seen_errors = len(peer.errors)
        if reporter is not None:
            reporter.messages()
            if time.monotonic() >= next_report:
                reporter.report()
                next_report += report_every
        await asyncio.wait([peer._reader], timeout=min(0.2, report_every or 0.2))
    emit(event="done", reason="socket closed")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="signaling URL, wss://HOST:PORT/ws")
    parser.add_argument("--room", required=True)
    parser.add_argument("--name", default="aiortc")
    parser.add_argument("--frames", type=int, default=10, help="frames per track before reporting")
    parser.add_argument("--duration", type=float, default=60, help="seconds before giving up")
    parser.add_argument("--report-every", type=float, metavar="SECS",
                        help="print frame counts, gaps and server messages every SECS")
    parser.add_argument("--width", type=int, default=320, help="published video width")
    parser.add_argument("--height", type=int, default=240, help="published video height")
    parser.add_argument("--fps", type=int, default=30, help="published video frame rate")
    args = parser.parse_args()

    peer = Peer(args.url, args.room, args.name, width=args.width, height=args.height, fps=args.fps)
    loop = asyncio.get_running_loop()
    main_task = asyncio.ensure_future(run(peer, args.frames, args.report_every))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main_task.cancel)
    status = 0
    try:
        await asyncio.wait_for(main_task, args.duration)
    except asyncio.TimeoutError:
        emit(event="done", reason="duration")
    except asyncio.CancelledError:
        emit(event="done", reason="signal")
    except Exception as e:
        emit(event="error", code="client", message=f"{type(e).__name__}: {e}")
        status = 1
    finally:
        await peer.close()
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
