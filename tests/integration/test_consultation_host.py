"""test_consultation_host.py - the host's controls and the audit log, against the real nara.

Usage: test_consultation_host.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
host-mute (enforced in media: checked in the log of nara built with
fake media, which records every forwarding switch), remove and readmit,
lock, end, every host request refused to other roles, bad requests that
change nothing, and one audit record per action of a scripted consultation.
"""
import asyncio
import os
import sys

from harness import SDP_OFFER, Server, chat_flows, run
from test_consultation_common import (Booking, connect, enter, host_request, join_token,
                                      skip_unless_consultations, wait_in, waiting_ids)

HELPER = sys.argv[3] if len(sys.argv) > 3 else None
FAKE_MEDIA = sys.argv[4] if len(sys.argv) > 4 else None
PEOPLE = ("host:Dr Lind:siths", "patient:Astrid:bankid-se", "relative:Bo:none", "staff:Karin:siths")
HOST, PATIENT, RELATIVE, STAFF = range(4)


async def admitted(server, booking, host, index, others=()):
    """people[index] waits, the host admits them; everyone sees them join."""
    c = await wait_in(server, booking, index)
    assert (await waiting_ids(host))[-1] == c.pid
    await host_request(host, {"type": "admit", "participant": c.pid})
    assert await waiting_ids(host) == []
    await c.expect("status", status="admitted")
    await c.expect("joined")
    await host.expect("participant-joined")
    for x in others:
        await expect_past(x, "participant-joined")
    return c


async def expect_past(client, type_, skip=("waiting-list",)):
    """The next message of type_, past any of the types in skip."""
    while True:
        msg = await client.recv()
        if msg.get("type") in skip or msg.get("type") in client.SKIP:
            continue
        assert msg.get("type") == type_, f"expected {type_}, got {msg}"
        return msg


def forwarding_lines(server, pid):
    with open(server.log.name) as f:
        return [line.split("forwarding ")[1].strip() + ":" + line.split()[-3]
                for line in f if f"fake-media: {pid} " in line]


async def log_settles(server, pid, expected):
    for _ in range(50):
        if forwarding_lines(server, pid) == expected:
            return
        await asyncio.sleep(0.05)
    assert forwarding_lines(server, pid) == expected, forwarding_lines(server, pid)


async def test_host_mute(binary, state_dir):
    with Server(FAKE_MEDIA, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await admitted(server, b, host, PATIENT)
        i = await pat.request({"type": "publish", "sdp": SDP_OFFER})
        await pat.expect("answer", id=i)
        await host.expect("track-added")
        await host.expect("track-added")
        await host.expect("offer")
        await host_request(host, {"type": "host-mute", "participant": pat.pid, "kind": "audio",
                                  "muted": True})
        await pat.expect("muted-by-host", kind="audio", muted=True)
        for c in (pat, host):
            await c.expect("mute-changed", participant=pat.pid, kind="audio", muted=True,
                           byHost=True)
        await log_settles(server, pat.pid, ["off:audio"])
        # The patient's own unmute is theirs to say; forwarding stays off.
        i = await pat.request({"type": "mute", "kind": "audio", "muted": False})
        await pat.expect("ok", id=i)
        for c in (pat, host):
            await c.expect("mute-changed", participant=pat.pid, muted=False, byHost=False)
        # Another device does not escape it: the new publish connection
        # starts muted (the link's second device waits until admitted).
        pat2 = await wait_in(server, b, PATIENT)
        wl = await host.expect("waiting-list")
        assert [w.get("secondDevice") for w in wl["waiting"]] == [True], wl
        await host_request(host, {"type": "admit", "participant": pat.pid})
        await pat.expect("status", status="replaced")
        await host.expect("track-removed")
        await host.expect("track-removed")
        await host.expect("participant-left", participant=pat.pid, reason="replaced")
        await host.expect("waiting-list")
        await host.expect("waiting-list")
        ev = await host.expect("participant-joined")
        assert ev["participant"]["audioMutedByHost"] is True, ev
        await pat2.expect("status", status="admitted")
        pat2.joined = await pat2.expect("joined")
        assert pat2.joined["you"]["audioMutedByHost"] is True, pat2.joined
        await log_settles(server, pat.pid, ["off:audio", "off:audio"])
        await host_request(host, {"type": "host-mute", "participant": pat.pid, "kind": "audio",
                                  "muted": False})
        await pat2.expect("muted-by-host", kind="audio", muted=False)
        await host.expect("mute-changed", participant=pat.pid, muted=False, byHost=True)
        await log_settles(server, pat.pid, ["off:audio", "off:audio", "on:audio"])
        await host_request(host, {"type": "host-mute", "participant": pat.pid, "kind": "video",
                                  "muted": True})
        await log_settles(server, pat.pid, ["off:audio", "off:audio", "on:audio", "off:video"])


async def test_only_hosts(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE, auto_admit="staff")
        host = await enter(server, b, HOST, waiting_list=[])
        staff = await enter(server, b, STAFF, waiting_list=[])
        await host.expect("participant-joined")
        pat = await admitted(server, b, host, PATIENT, others=(staff,))
        rel = await wait_in(server, b, RELATIVE)
        for c in (host, staff):
            assert await waiting_ids(c) == [rel.pid]
        requests = [
            {"type": "admit", "participant": rel.pid},
            {"type": "decline", "participant": rel.pid},
            {"type": "admit-all"},
            {"type": "host-mute", "participant": host.pid, "kind": "audio", "muted": True},
            {"type": "remove", "participant": host.pid},
            {"type": "readmit", "participant": host.pid},
            {"type": "lock", "locked": True},
            {"type": "end"},
        ]
        for who in (pat, staff):
            for msg in requests:
                await host_request(who, msg, expect="forbidden")
        # A waiting person cannot even ask.
        i = await rel.request({"type": "admit", "participant": rel.pid})
        await rel.expect_error("not-joined", i)
        for c in (host, staff, pat, rel):
            await c.quiet()
        await chat_flows(pat, host, staff)


async def test_remove_and_readmit(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await admitted(server, b, host, PATIENT)
        rel = await admitted(server, b, host, RELATIVE, others=(pat,))
        await host_request(host, {"type": "remove", "participant": rel.pid})
        await rel.expect("status", status="removed")
        await rel.expect_closed(1000)
        for c in (host, pat):
            await c.expect("participant-left", participant=rel.pid, reason="removed")
        x = await connect(server)
        i = await join_token(x, b.token(RELATIVE))
        await x.expect_error("participant-removed", i)
        # Even a fresh token for the same participant.
        i = await join_token(x, b.token(RELATIVE, jti="another"))
        await x.expect_error("participant-removed", i)
        await host_request(host, {"type": "readmit", "participant": rel.pid})
        i = await join_token(x, b.token(RELATIVE))
        await x.expect("waiting", id=i)
        assert await waiting_ids(host) == [rel.pid]
        # Removing someone who waits closes them too; removing yourself is refused.
        await host_request(host, {"type": "remove", "participant": rel.pid})
        await x.expect("status", status="removed")
        await x.expect_closed(1000)
        assert await waiting_ids(host) == []
        await host_request(host, {"type": "remove", "participant": host.pid},
                           expect="bad-message")
        await chat_flows(host, pat)


async def test_lock(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE, "host:Dr Berg:siths")
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [pat.pid]
        await host_request(host, {"type": "lock", "locked": True})
        await host.expect("consultation-changed", locked=True, title=b.title)
        rel = await connect(server)
        i = await join_token(rel, b.token(RELATIVE))
        await rel.expect_error("locked", i)
        # Hosts still get in; whoever already waits still waits and can be admitted.
        host2 = await enter(server, b, 4, waiting_list=[pat.pid])
        assert host2.joined["consultation"]["locked"] is True
        await host.expect("participant-joined")
        await host_request(host2, {"type": "admit", "participant": pat.pid})
        await pat.expect("status", status="admitted")
        joined = await pat.expect("joined")
        assert joined["consultation"]["locked"] is True
        for c in (host, host2):
            assert await waiting_ids(c) == []
            await c.expect("participant-joined")
        await host_request(host, {"type": "lock", "locked": False})
        for c in (host, host2, pat):
            await c.expect("consultation-changed", locked=False)
        i = await join_token(rel, b.token(RELATIVE))
        await rel.expect("waiting", id=i)


async def test_end(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await admitted(server, b, host, PATIENT)
        rel = await wait_in(server, b, RELATIVE)
        assert await waiting_ids(host) == [rel.pid]
        await host_request(host, {"type": "end"})
        for c in (host, pat, rel):
            await c.expect("status", status="ended")
            await c.expect_closed(1000)
        for index in (HOST, PATIENT):
            x = await connect(server)
            i = await join_token(x, b.token(index))
            await x.expect_error("consultation-ended", i)
        for _ in range(50):
            if server.health()["rooms"] == 0:
                break
            await asyncio.sleep(0.05)
        assert server.health()["rooms"] == 0


async def test_bad_requests_change_nothing(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await admitted(server, b, host, PATIENT)
        rel = await wait_in(server, b, RELATIVE)
        assert await waiting_ids(host) == [rel.pid]
        for msg, code in [
            ({"type": "admit", "participant": "p-nobody"}, "no-such-participant"),
            ({"type": "admit", "participant": pat.pid}, "no-such-participant"),  # not waiting
            ({"type": "decline", "participant": "p-nobody"}, "no-such-participant"),
            ({"type": "host-mute", "participant": rel.pid, "kind": "audio", "muted": True},
             "no-such-participant"),  # waiting, not in the call
            ({"type": "remove", "participant": "p-nobody"}, "no-such-participant"),
            ({"type": "readmit", "participant": "p-nobody"}, "no-such-participant"),
            ({"type": "admit", "participant": 5}, "bad-message"),
            ({"type": "admit"}, "bad-message"),
            ({"type": "admit", "participant": "x" * 100}, "bad-message"),
            ({"type": "host-mute", "participant": pat.pid, "kind": "smell", "muted": True},
             "bad-message"),
            ({"type": "host-mute", "participant": pat.pid, "kind": "audio", "muted": "yes"},
             "bad-message"),
            ({"type": "lock", "locked": 1}, "bad-message"),
            ({"type": "lock"}, "bad-message"),
        ]:
            await host_request(host, msg, expect=code)
        for c in (host, pat, rel):
            await c.quiet()
        await chat_flows(host, pat)
        await host_request(host, {"type": "admit", "participant": rel.pid})
        assert await waiting_ids(host) == []
        await rel.expect("status", status="admitted")
        joined = await rel.expect("joined")
        assert not any(p["audioMutedByHost"] for p in joined["participants"])
        assert joined["consultation"]["locked"] is False


async def test_audit_one_record_per_action(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        H, P, R = (b.person(i)["id"] for i in (HOST, PATIENT, RELATIVE))
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await admitted(server, b, host, PATIENT)
        rel = await wait_in(server, b, RELATIVE)
        assert await waiting_ids(host) == [R]
        await host_request(host, {"type": "decline", "participant": R})
        await rel.expect_closed(1000)
        assert await waiting_ids(host) == []
        await host_request(host, {"type": "host-mute", "participant": P, "kind": "audio",
                                  "muted": True})
        await host.expect("mute-changed", byHost=True)
        await host_request(host, {"type": "lock", "locked": True})
        await host.expect("consultation-changed", locked=True)
        x = await connect(server)
        i = await join_token(x, b.token(RELATIVE))
        await x.expect_error("locked", i)
        await host_request(host, {"type": "lock", "locked": False})
        await host.expect("consultation-changed", locked=False)
        await host_request(host, {"type": "remove", "participant": R})
        i = await join_token(x, b.token(RELATIVE))
        await x.expect_error("participant-removed", i)
        await host_request(host, {"type": "readmit", "participant": R})
        bad = b.token(RELATIVE)
        i = await join_token(x, bad[:-4] + ("AAAA" if not bad.endswith("AAAA") else "BBBB"))
        await x.expect_error("token-signature", i)
        await pat.expect("muted-by-host")
        await pat.expect("mute-changed")
        await pat.expect("consultation-changed", locked=True)
        await pat.expect("consultation-changed", locked=False)
        i = await pat.request({"type": "leave"})
        await pat.expect("ok", id=i)
        await host.expect("participant-left", participant=P, reason="left")
        await host_request(host, {"type": "end"})
        await host.expect_closed(1000)

        got = [(r["event"], r["actor"], r["subject"], r["outcome"], r["detail"])
               for r in b.audit()]
        expected = [
            ("join-attempt", H, None, "ok", None),
            ("join-attempt", P, None, "ok", None),
            ("waiting", P, None, "ok", None),
            ("admit", H, P, "ok", None),
            ("join-attempt", R, None, "ok", None),
            ("waiting", R, None, "ok", None),
            ("decline", H, R, "ok", None),
            ("mute", H, P, "ok", "audio muted"),
            ("lock", H, None, "ok", None),
            ("join-attempt", R, None, "locked", None),
            ("unlock", H, None, "ok", None),
            ("remove", H, R, "ok", None),
            ("join-attempt", R, None, "participant-removed", None),
            ("readmit", H, R, "ok", None),
            ("leave", P, None, "ok", "left"),
            ("end", H, None, "ok", None),
        ]
        assert got == expected, "\n".join(map(str, got))
        everything = b.audit(everything=True)
        refused = [r for r in everything if r["outcome"] == "token-signature"]
        assert len(refused) == 1 and refused[0]["actor"] is None, refused
        assert refused[0]["consultation"] is None, "an unverified token names nothing"
        roles = {r["actor"]: r["actorRole"] for r in b.audit()}
        assert roles[H] == "host" and roles[P] == "patient", roles
        admit = [r for r in b.audit() if r["event"] == "admit"][0]
        assert admit["subjectRole"] == "patient" and admit["assurance"] == "bankid-se", admit
        assert b.verify() == len(everything), "the hash chain verifies"
        for r in everything:
            assert "Astrid" not in str(r) and bad not in str(r), "no names, no tokens"


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    if FAKE_MEDIA is None or not os.path.exists(FAKE_MEDIA):
        sys.exit("usage: test_consultation_host.py NARA STATE_DIR HELPER NARA_FAKE_MEDIA")
    run([test_host_mute, test_only_hosts, test_remove_and_readmit, test_lock, test_end,
         test_bad_requests_change_nothing, test_audit_one_record_per_action],
        sys.argv[1], sys.argv[2])
