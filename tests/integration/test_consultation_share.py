"""test_consultation_share.py - screen sharing rights, enforced by the real nara.

Usage: test_consultation_share.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
A patient (admitted from the waiting room: their unsolicited joined carries
iceServers, as a direct join's does) may not share: a publish naming a
screen, or sending a second video, is refused with forbidden and the host
hears of nothing. Staff and patients may not grant it; the host allows it,
the patient is told, shares, and the host sees the track tagged screen.
The host withdraws it: the patient is told and the host gets
track-removed for the screen at once, while camera and microphone stay.
"""
import os
import re
import sys

from harness import SDP_OFFER, Server, run
from test_consultation_common import (Booking, enter, host_request, skip_unless_consultations,
                                      wait_in, waiting_ids)

HELPER = sys.argv[3] if len(sys.argv) > 3 else None
FAKE_MEDIA = sys.argv[4] if len(sys.argv) > 4 else None
PEOPLE = ("host:Dr Lind:siths", "patient:Astrid:bankid-se", "staff:Karin:siths")
HOST, PATIENT, STAFF = range(3)


def with_screen(sdp):
    """SDP_OFFER plus a second video m-line, mid 2 (a screen share)."""
    video = sdp[sdp.index("m=video"):]
    screen = re.sub(r"a=mid:\d+", "a=mid:2", video)
    screen = re.sub(r"a=ssrc:(\d+)", lambda m: f"a=ssrc:{int(m.group(1)) + 500}", screen)
    screen = screen.replace("a=msid:stream video0", "a=msid:stream screen2")
    out = sdp.rstrip("\r\n") + "\r\n" + screen
    return out.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2")


async def drain(client, types, n):
    """The next n messages whose type is in types (others are skipped)."""
    got = []
    while len(got) < n:
        msg = await client.recv()
        if msg.get("type") in types:
            got.append(msg)
    return got


async def test_share_rights(binary, state_dir):
    screen_sdp = with_screen(SDP_OFFER)
    assert screen_sdp.count("m=video") == 2, screen_sdp
    with Server(FAKE_MEDIA, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE, auto_admit="staff")
        host = await enter(server, b, HOST, waiting_list=[])
        assert host.joined["you"]["mayShare"] is True, host.joined
        assert host.joined["iceServers"] == [], host.joined
        staff = await enter(server, b, STAFF, waiting_list=[])
        assert staff.joined["you"]["mayShare"] is True, staff.joined
        await host.expect("participant-joined")
        pat = await wait_in(server, b, PATIENT)
        assert (await waiting_ids(host))[-1] == pat.pid
        await waiting_ids(staff)
        await host_request(host, {"type": "admit", "participant": pat.pid})
        await pat.expect("status", status="admitted")
        joined = await pat.expect("joined")
        for c in (host, staff):
            assert await waiting_ids(c) == []
            await c.expect("participant-joined")
        assert joined["iceServers"] == [] and joined["you"]["mayShare"] is False, joined

        # Not allowed: a named screen, or a second video by another name.
        i = await pat.request({"type": "publish", "sdp": screen_sdp, "screen": "2"})
        err = await pat.expect_error("forbidden", i)
        print(f"refused share: {err}")
        i = await pat.request({"type": "publish", "sdp": screen_sdp})
        await pat.expect_error("forbidden", i)
        # Only a host may grant it.
        for who in (staff, pat):
            await host_request(who, {"type": "allow-share", "participant": pat.pid,
                                     "allowed": True}, expect="forbidden")
        # A screen must name a video m-line of the offer.
        await host_request(host, {"type": "allow-share", "participant": pat.pid,
                                  "allowed": True})
        assert (await pat.expect("share-allowed"))["allowed"] is True
        i = await pat.request({"type": "publish", "sdp": screen_sdp, "screen": "0"})
        await pat.expect_error("bad-message", i)

        i = await pat.request({"type": "publish", "sdp": screen_sdp, "screen": "2"})
        await pat.expect("answer", id=i)
        added = await drain(host, ("track-added",), 3)
        screens = [m["track"] for m in added if m["track"].get("screen")]
        assert [t["id"] for t in screens] == [f"{pat.pid}-2"], added
        print(f"host sees: {[m['track'] for m in added]}")
        offer = await host.expect("offer")
        assert f"{pat.pid}-2" in offer["sdp"], offer
        await host.send({"type": "answer", "pc": "subscribe", "revision": offer["revision"],
                         "sdp": "v=0\r\n"})

        # Withdrawn: the host's subscription loses the screen at once.
        await host_request(host, {"type": "allow-share", "participant": pat.pid,
                                  "allowed": False})
        assert (await pat.expect("share-allowed"))["allowed"] is False
        removed = await drain(host, ("track-removed",), 1)
        assert removed[0]["track"] == f"{pat.pid}-2", removed
        # The host's next offer no longer carries it (its m-line is gone or
        # rejected); camera and microphone stay.
        offer = await host.expect("offer")
        live = [s for s in offer["sdp"].split("\r\nm=")[1:] if not re.match(r"\w+ 0 ", s)]
        assert not any(f"{pat.pid}-2" in s for s in live), offer["sdp"]
        assert sum(f"msid:{pat.pid} " in s for s in live) == 2, offer["sdp"]
        print("withdrawn: track-removed and an offer without the screen to the host")


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    if FAKE_MEDIA is None or not os.path.exists(FAKE_MEDIA):
        sys.exit("usage: test_consultation_share.py NARA STATE_DIR HELPER NARA_FAKE_MEDIA")
    run([test_share_rights], sys.argv[1], sys.argv[2])
