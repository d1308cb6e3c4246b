"""test_consultation_flow.py - waiting room and admission against the real nara.

Usage: test_consultation_flow.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
A patient waits without media or events until the host admits (or
declines) them; admit-all; auto-admitted staff see the waiting list; one
session per participant; the host dropping out; open rooms beside
consultations. Consultations are booked in the store (test_consultation_common).
"""
import sys

from harness import SDP_OFFER, Server, chat_flows, run
from test_consultation_common import (Booking, connect, enter, host_request, join_token,
                                      skip_unless_consultations, wait_in, waiting_ids)

HELPER = sys.argv[3] if len(sys.argv) > 3 else None
PEOPLE = ("host:Dr Lind:siths", "patient:Astrid:bankid-se", "relative:Bo:none", "staff:Karin:siths")
HOST, PATIENT, RELATIVE, STAFF = range(4)


async def test_wait_then_admit(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE, title="Dermatology follow-up")
        pat = await wait_in(server, b, PATIENT)
        # Waiting: no call, no media, no chat; ping still works.
        for msg in ({"type": "chat", "text": "hello?"}, {"type": "publish", "sdp": SDP_OFFER},
                    {"type": "mute", "kind": "audio", "muted": True}):
            i = await pat.request(msg)
            await pat.expect_error("not-joined", i)
        i = await pat.request({"type": "ping"})
        await pat.expect("pong", id=i)
        i = await join_token(pat, b.token(PATIENT))
        await pat.expect_error("already-joined", i)

        host = await enter(server, b, HOST, waiting_list=[pat.pid])
        you = host.joined["you"]
        assert you["role"] == "host" and you["assurance"] == "siths", you
        assert host.joined["participants"] == [], "nobody waiting is in the call"
        assert host.joined["consultation"]["locked"] is False
        await pat.quiet()

        await host_request(host, {"type": "admit", "participant": pat.pid})
        assert await waiting_ids(host) == []
        await pat.expect("status", status="admitted")
        joined = await pat.expect("joined")
        assert "id" not in joined, "the joined after admission answers no request"
        assert joined["you"]["id"] == pat.pid and joined["you"]["role"] == "patient"
        assert [p["id"] for p in joined["participants"]] == [host.pid]
        assert joined["participants"][0]["role"] == "host"
        ev = await host.expect("participant-joined")
        assert ev["participant"]["id"] == pat.pid and ev["participant"]["assurance"] == "bankid-se"
        # Now a participant like any other: media and chat work.
        i = await pat.request({"type": "publish", "sdp": SDP_OFFER})
        await pat.expect("answer", id=i, pc="publish")
        for _ in range(2):
            await host.expect("track-added", participant=pat.pid)
        await host.expect("offer", pc="subscribe")
        await chat_flows(host, pat)
        await pat.quiet()


async def test_decline(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [pat.pid]
        await host_request(host, {"type": "decline", "participant": pat.pid})
        await pat.expect("status", status="declined")
        await pat.expect_closed(1000)
        assert await waiting_ids(host) == []
        # Declined is not removed: the link still leads to the waiting room.
        again = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [again.pid]
        await host.quiet()


async def test_admit_all(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        pat = await wait_in(server, b, PATIENT)
        rel = await wait_in(server, b, RELATIVE)
        host = await enter(server, b, HOST, waiting_list=[pat.pid, rel.pid])
        await host_request(host, {"type": "admit-all"})
        # In the order they came.
        assert await waiting_ids(host) == [rel.pid]
        await host.expect("participant-joined")
        assert await waiting_ids(host) == []
        await host.expect("participant-joined")
        for c in (pat, rel):
            await c.expect("status", status="admitted")
            await c.expect("joined")
        await pat.expect("participant-joined")
        await chat_flows(host, pat, rel)
        # Nobody waiting: ok, nothing happens.
        await host_request(host, {"type": "admit-all"})
        await host.quiet()


async def test_auto_admit_staff(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE, auto_admit="staff")
        staff = await enter(server, b, STAFF, waiting_list=[])
        assert staff.joined["you"]["role"] == "staff"
        pat = await wait_in(server, b, PATIENT)
        assert await waiting_ids(staff) == [pat.pid], "staff see the waiting list"
        # Seeing is not admitting.
        await host_request(staff, {"type": "admit", "participant": pat.pid}, expect="forbidden")
        host = await enter(server, b, HOST, waiting_list=[pat.pid])
        await staff.expect("participant-joined")
        await host_request(host, {"type": "admit", "participant": pat.pid})
        for c in (host, staff):
            assert await waiting_ids(c) == []
        # A patient does not see the waiting list, before or after admission.
        await pat.expect("status", status="admitted")
        await pat.expect("joined")
        await host.expect("participant-joined")
        await staff.expect("participant-joined")
        rel = await wait_in(server, b, RELATIVE)
        for c in (host, staff):
            assert await waiting_ids(c) == [rel.pid]
        await pat.quiet()


async def test_one_session_per_participant(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        first = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [first.pid]
        second = await wait_in(server, b, PATIENT)
        await first.expect("status", status="replaced")
        await first.expect_closed(1000)
        # The list changes twice (out, in) and ends with one entry.
        assert await waiting_ids(host) == []
        assert await waiting_ids(host) == [second.pid]
        await host_request(host, {"type": "admit", "participant": second.pid})
        assert await waiting_ids(host) == []
        await second.expect("status", status="admitted")
        await second.expect("joined")
        await host.expect("participant-joined")
        # The link of someone in the call, used again (a second device, or
        # anyone it was forwarded to), waits; the call goes on untouched.
        third = await wait_in(server, b, PATIENT)
        wl = await host.expect("waiting-list")
        assert [(w["id"], w.get("secondDevice")) for w in wl["waiting"]] == [(third.pid, True)], wl
        await second.quiet()
        # Admitted, it replaces the first.
        await host_request(host, {"type": "admit", "participant": third.pid})
        await second.expect("status", status="replaced")
        await second.expect_closed(1000)
        await host.expect("participant-left", participant=third.pid, reason="replaced")
        assert await waiting_ids(host) == [third.pid]
        assert await waiting_ids(host) == []
        await third.expect("status", status="admitted")
        await third.expect("joined")
        ev = await host.expect("participant-joined")
        assert ev["participant"]["id"] == third.pid
        await chat_flows(third, host)


async def test_resume_keeps_place(binary, state_dir):
    """A dropped socket: the link's second device waits, the secret takes the
    session back with its id, role and admission (docs/protocol.md, Continuity)."""
    with Server(binary, state_dir, "signaling.resume_grace_seconds=20") as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [pat.pid]
        await host_request(host, {"type": "admit", "participant": pat.pid})
        await pat.expect("status", status="admitted")
        joined = await pat.expect("joined")
        await host.expect("waiting-list")
        await host.expect("participant-joined")
        secret = joined["resume"]
        # No close frame: a network going away.
        pat.ws.transport.abort()
        await host.expect("participant-reconnecting", participant=pat.pid)
        # The bare link meanwhile is a second device, not the patient's place.
        other = await wait_in(server, b, PATIENT)
        wl = await host.expect("waiting-list")
        assert [(w["id"], w.get("secondDevice")) for w in wl["waiting"]] == [(pat.pid, True)], wl
        # A wrong secret changes nothing.
        bad = await connect(server)
        i = await bad.request({"type": "resume", "secret": secret[:-1] + ("A" if secret[-1] != "A" else "B")})
        await bad.expect_error("resume-expired", i)
        back = await connect(server)
        i = await back.request({"type": "resume", "secret": secret})
        resumed = await back.expect("resumed", id=i)
        back.pid = pat.pid
        assert resumed["you"]["id"] == pat.pid and resumed["you"]["role"] == "patient", resumed
        assert [p["id"] for p in resumed["participants"]] == [host.pid], resumed
        await host.expect("participant-reconnected", participant=pat.pid)
        await chat_flows(back, host)
        # The second device still waits; declined, it goes and the call stays.
        await host_request(host, {"type": "decline", "participant": pat.pid})
        await other.expect("status", status="declined")
        await other.expect_closed(1000)
        assert await waiting_ids(host) == []
        await chat_flows(host, back)


async def test_host_drops_out(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [pat.pid]
        await host_request(host, {"type": "admit", "participant": pat.pid})
        await pat.expect("status", status="admitted")
        await pat.expect("joined")
        rel = await wait_in(server, b, RELATIVE)
        await host.close()
        await pat.expect("participant-left", participant=host.pid, reason="disconnected")
        await rel.quiet()
        await chat_flows(pat)
        # The host comes back and finds the waiting list as it was.
        host = await enter(server, b, HOST, waiting_list=[rel.pid])
        assert [p["id"] for p in host.joined["participants"]] == [pat.pid]
        await pat.expect("participant-joined")
        await host_request(host, {"type": "admit", "participant": rel.pid})
        await rel.expect("status", status="admitted")
        await rel.expect("joined")
        # A waiting person who leaves (or hangs up) leaves the list.
        i = await rel.request({"type": "leave"})
        await rel.expect("ok", id=i)


async def test_waiting_leave(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await wait_in(server, b, PATIENT)
        rel = await wait_in(server, b, RELATIVE)
        assert await waiting_ids(host) == [pat.pid]
        assert await waiting_ids(host) == [pat.pid, rel.pid]
        i = await pat.request({"type": "leave"})
        await pat.expect("ok", id=i)
        await pat.expect_closed(1000)
        assert await waiting_ids(host) == [rel.pid]
        await rel.close()
        assert await waiting_ids(host) == []
        await host.quiet()


async def test_open_rooms_beside_consultations(binary, state_dir):
    with Server(binary, state_dir, "rooms.open=false") as server:
        b = Booking(HELPER, server, *PEOPLE)
        x = await connect(server)
        i = await x.request({"type": "join", "room": "demo", "name": "X"})
        await x.expect_error("room-closed", i)
        # The consultation's room cannot be named as an open room.
        i = await x.request({"type": "join", "room": "c:" + b.id, "name": "X"})
        await x.expect_error("bad-message", i)
        i = await x.request({"type": "join", "token": b.token(HOST), "room": "demo"})
        await x.expect_error("bad-message", i)
        i = await x.request({"type": "join"})
        await x.expect_error("bad-message", i)
        # The same session can still join by token.
        i = await join_token(x, b.token(HOST))
        joined = await x.expect("joined", id=i)
        assert joined["room"] == "c:" + b.id
    with Server(binary, state_dir + "-open") as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        x = await connect(server)
        joined = await x.join("demo", "X")
        assert joined["you"]["role"] is None and joined["you"]["assurance"] is None
        # Open-room people have no host powers.
        await host_request(x, {"type": "lock", "locked": True}, expect="forbidden")
        await host.quiet()
        assert server.health()["rooms"] == 2


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    run([test_wait_then_admit, test_decline, test_admit_all, test_auto_admit_staff,
         test_one_session_per_participant, test_resume_keeps_place, test_host_drops_out, test_waiting_leave,
         test_open_rooms_beside_consultations], sys.argv[1], sys.argv[2])
