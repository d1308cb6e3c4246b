"""test_consultation_check.py - the pre-call media check (media-check) with open rooms off.

Usage: test_consultation_check.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
A link's holder sends media-check with the join token: media-check-ready
brings a TURN credential of a few minutes and the bound; a publish is
answered, while the host already in the consultation hears nothing and
no audit record is written. A join during the check is refused; leave
ends it. Bad, expired and ended-consultation tokens get their own codes, and a
17th check at once is refused.
Left alone, the check ends at its bound with media-check-ended, and the
same session may then join as usual.
"""
import os
import sys
import time

from harness import SDP_OFFER, Server, run
from test_consultation_common import Booking, connect, enter, skip_unless_consultations

HELPER = sys.argv[3] if len(sys.argv) > 3 else None
FAKE_MEDIA = sys.argv[4] if len(sys.argv) > 4 else None
PEOPLE = ("host:Dr Lind:siths", "patient:Astrid:bankid-se")
HOST, PATIENT = range(2)
SETTINGS = ("rooms.open=false", "turn.urls=turn:127.0.0.1:3478", "turn.secret=check-secret")


async def start_check(server, token):
    c = await connect(server)
    i = await c.request({"type": "media-check", "token": token})
    return c, await c.expect("media-check-ready", id=i)


async def test_check_ready(binary, state_dir):
    with Server(FAKE_MEDIA, state_dir, *SETTINGS) as server:
        b = Booking(HELPER, server, *PEOPLE, auto_admit="-")
        host = await enter(server, b, HOST, waiting_list=[])
        records = len(b.audit())

        pat, ready = await start_check(server, b.token(PATIENT))
        assert ready["seconds"] == 20, ready
        [ice] = ready["iceServers"]
        expiry = int(ice["username"].split(":")[0])
        assert time.time() < expiry <= time.time() + 300 + 5, ice
        assert ice["urls"] == ["turn:127.0.0.1:3478"] and ice["credential"], ice
        print(f"ready: {ready['seconds']} s, TURN user {ice['username']}")

        i = await pat.request({"type": "publish", "sdp": SDP_OFFER})
        answer = await pat.expect("answer", id=i)
        assert answer["pc"] == "publish" and answer["sdp"], answer
        print("publish answered")

        # The consultation knows nothing of it.
        await host.quiet(1.0)
        assert len(b.audit()) == records, b.audit()[records:]

        # Checking is not joining: a join waits for the end (or a new socket).
        i = await pat.request({"type": "join", "token": b.token(PATIENT)})
        await pat.expect_error("already-joined", i)
        i = await pat.request({"type": "media-check", "token": b.token(PATIENT)})
        await pat.expect_error("already-joined", i)

        # leave ends the check at once.
        i = await pat.request({"type": "leave"})
        await pat.expect("ok", id=i)
        await pat.expect_closed(1000)
        await host.quiet(0.5)
        print("leave ends it; the host heard nothing")
        # One still running when the server stops: freed with it (LeakSanitizer).
        await start_check(server, b.token(PATIENT))


async def test_check_refused(binary, state_dir):
    with Server(FAKE_MEDIA, state_dir, *SETTINGS) as server:
        b = Booking(HELPER, server, *PEOPLE, auto_admit="-")
        c = await connect(server)
        cases = (
            (b.token(PATIENT)[:-4] + "AAAA", "token-signature"),
            (b.token(PATIENT, exp=int(time.time()) - 600, iat=int(time.time()) - 700,
                     nbf=int(time.time()) - 700), "token-expired"),
            ("not a token", "token-malformed"),
            (b.token(PATIENT, sub="nobody"), "participant-not-found"),
        )
        for token, code in cases:
            i = await c.request({"type": "media-check", "token": token})
            err = await c.expect_error(code, i)
            print(f"refused: {code} ({err['message']})")
        i = await c.request({"type": "media-check"})
        await c.expect_error("bad-message", i)
        # A node runs 16 checks at once (the 18 sockets are within
        # max_connections_per_ip, 20).
        checks = [(await start_check(server, b.token(PATIENT)))[0] for _ in range(16)]
        i = await c.request({"type": "media-check", "token": b.token(PATIENT)})
        await c.expect_error("too-many-checks", i)
        for check in checks:
            await check.close()
        print("the 17th check at once: too-many-checks")
        b.set_status("ended")
        i = await c.request({"type": "media-check", "token": b.token(PATIENT)})
        await c.expect_error("consultation-ended", i)
        # A refused check leaves the session as it was: a publish has no room.
        i = await c.request({"type": "publish", "sdp": SDP_OFFER})
        await c.expect_error("not-joined", i)
        assert b.audit() == [], b.audit()


async def test_check_bound(binary, state_dir):
    with Server(FAKE_MEDIA, state_dir, *SETTINGS) as server:
        b = Booking(HELPER, server, *PEOPLE, auto_admit="-")
        pat, ready = await start_check(server, b.token(PATIENT))
        i = await pat.request({"type": "publish", "sdp": SDP_OFFER})
        await pat.expect("answer", id=i)
        ended = await pat.expect("media-check-ended", timeout=ready["seconds"] + 10)
        assert ended["reason"] == "time", ended
        print("ended at its bound")
        # Back to hello's state: the same session joins (and waits).
        i = await pat.request({"type": "join", "token": b.token(PATIENT)})
        await pat.expect("waiting", id=i)
        print("then joined the waiting room")


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    if FAKE_MEDIA is None or not os.path.exists(FAKE_MEDIA):
        sys.exit("usage: test_consultation_check.py NARA STATE_DIR HELPER NARA_FAKE_MEDIA")
    run([test_check_ready, test_check_refused, test_check_bound], sys.argv[1], sys.argv[2])
