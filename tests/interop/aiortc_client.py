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
--frames frames. The client runs until --duration seconds have passed, the
socket closes, or it gets SIGTERM/SIGINT. Certificates are not verified
(nara makes its own self-signed one for tests). The participant itself is
aiortc_peer.Peer; run with Debian's /usr/bin/python3 (python3-aiortc).
"""

import argparse
import asyncio
import json
import signal
import sys

from aiortc_peer import Peer


def emit(**fields):
    print(json.dumps(fields), flush=True)


async def run(peer, frames_wanted):
    reported = set()
    seen_errors = 0

    def on_frame(publisher, kind):
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
        await asyncio.wait([peer._reader], timeout=0.2)
    emit(event="done", reason="socket closed")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="signaling URL, wss://HOST:PORT/ws")
    parser.add_argument("--room", required=True)
    parser.add_argument("--name", default="aiortc")
    parser.add_argument("--frames", type=int, default=10, help="frames per track before reporting")
    parser.add_argument("--duration", type=float, default=60, help="seconds before giving up")
    args = parser.parse_args()

    peer = Peer(args.url, args.room, args.name)
    loop = asyncio.get_running_loop()
    main_task = asyncio.ensure_future(run(peer, args.frames))
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
