"""test_resume_aiortc.py — a session outlives its WebSocket (docs/protocol.md,
"Continuity: ICE restart and resume"), with media on aiortc.

Anna publishes, Bo receives. Anna's socket is cut without a close frame (as
a network change leaves it): Bo is told she is reconnecting, never that she
left, and her video keeps reaching him; she resumes with her secret on a
new socket and is the same participant, still publishing. A wrong secret
is refused and changes nothing. Carl's socket is cut and he stays away past
the grace window: Bo is told he left, and his secret no longer resumes.
Both ICE modes (ICE-lite and full ICE on libnice).

Run: python3 test_resume_aiortc.py path/to/nara state-dir (skips, 77,
without python3-aiortc).
"""
import asyncio
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402

try:
    from aiortc_peer import Peer  # noqa: E402
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)

GRACE = 4
MEDIA = dict(width=160, height=120, fps=10, audio=False, video=True)


def drop_socket(peer):
    """Cut the TCP connection under the WebSocket: no close frame, as when a
    phone leaves a network."""
    peer.ws.transport.abort()


async def resume(peer, secret):
    """A new socket, hello, resume: returns the reply (resumed or error)."""
    await peer.connect()
    try:
        return await peer.request({"type": "resume", "secret": secret})
    except RuntimeError as e:
        return {"type": "error", "message": str(e)}


async def frames_grow(peer, publisher, by, timeout=20):
    start = peer.frames_from(publisher)
    await peer.wait_frames(publisher, count=start + by, timeout=timeout)


async def resume_in(binary, state_dir, ice_lite):
    server = harness.Server(binary, state_dir, f"media.ice_lite={str(ice_lite).lower()}",
                            f"signaling.resume_grace_seconds={GRACE}")
    anna = Peer(server.ws_url, "resume", "Anna", subscribe=False, **MEDIA)
    bo = Peer(server.ws_url, "resume", "Bo", audio=False, video=False)
    carl = Peer(server.ws_url, "resume", "Carl", audio=False, video=False)
    stranger = Peer(server.ws_url, "resume", "Mallory", audio=False, video=False)
    try:
        await bo.start()
        await anna.start()
        secret = anna.joined["resume"]
        assert isinstance(secret, str) and len(secret) == 43, anna.joined
        await frames_grow(bo, anna.you, 5, timeout=30)

        # The socket dies; the participant and her media stay.
        drop_socket(anna)
        await bo.wait_until(lambda: bo.got("participant-reconnecting", participant=anna.you), 10,
                            "participant-reconnecting")
        await frames_grow(bo, anna.you, 5)

        # A wrong secret gets nothing and changes nothing.
        await stranger.connect()
        wrong = await resume(stranger, "A" * 43)
        assert "resume-expired" in wrong.get("message", ""), wrong

        reply = await resume(anna, secret)
        assert reply.get("type") == "resumed", reply
        assert reply["you"]["id"] == anna.you, reply
        assert reply["room"] == "resume", reply
        assert [p["id"] for p in reply["participants"]] == [bo.you], reply
        assert reply["resume"] != secret and len(reply["resume"]) == 43, reply
        await bo.wait_until(lambda: bo.got("participant-reconnected", participant=anna.you), 10,
                            "participant-reconnected")
        await frames_grow(bo, anna.you, 5)
        # The old secret was used up.
        again = await resume(stranger, secret)
        assert "resume-expired" in again.get("message", ""), again
        # Back on the new socket: chat reaches her.
        await bo.request({"type": "chat", "text": "still here?"})
        await anna.wait_until(lambda: anna.got("chat", text="still here?"), 10, "chat")

        # Away past the window: the others are told he left, and no resume.
        await carl.start()
        await bo.wait_until(lambda: bo.got("participant-joined") and carl.you, 10, "Carl")
        carl_secret = carl.joined["resume"]
        drop_socket(carl)
        await bo.wait_until(lambda: bo.got("participant-reconnecting", participant=carl.you), 10,
                            "Carl reconnecting")
        await bo.wait_until(
            lambda: bo.got("participant-left", participant=carl.you, reason="disconnected"),
            GRACE + 10, "Carl's participant-left")
        late = await resume(carl, carl_secret)
        assert "resume-expired" in late.get("message", ""), late

        # Nobody saw Anna leave.
        assert not bo.got("participant-left", participant=anna.you), bo.messages
        assert not [e for e in bo.errors + anna.errors if e.get("code") != "stale-answer"], \
            (bo.errors, anna.errors)
    finally:
        for p in (stranger, carl, anna, bo):
            await p.close()
        server.stop()


async def test_resume_ice_lite(binary, state_dir):
    await resume_in(binary, state_dir, True)


async def test_resume_full_ice(binary, state_dir):
    await resume_in(binary, state_dir, False)


if __name__ == "__main__":
    harness.run([test_resume_ice_lite, test_resume_full_ice], sys.argv[1], sys.argv[2])
