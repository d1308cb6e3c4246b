"""test_consultation_interp.py - interpreters, signing and raised hands, against the real nara.

Usage: test_consultation_interp.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
Languages and signing booked through the REST API and `nara consultation
create` (bad ones refused), shown in the waiting list and the roster;
interpreters first on the waiting list; signing reaching media (nara built
with fake media logs every set_signing; the layer chooser's own rule is
tests/unit/media/test_layers.c); a host's set-signing; raise-hand and a
host lowering it, refused to others.
"""
import asyncio
import os
import sys

from harness import run, Server
from test_consultation_common import connect, join_token, skip_unless_consultations
from test_rest import api_key, audit, booking, call, nara, rfc3339, token_of

FAKE_MEDIA = sys.argv[4] if len(sys.argv) > 4 else None
PEOPLE = [
    {"name": "Dr Berg", "role": "host", "assurance": "siths", "languages": "sv"},
    {"name": "Åsa Öberg", "role": "patient", "languages": "sgn-SE", "signing": True},
    {"name": "محمد", "role": "relative", "languages": "ar"},
    {"name": "Søren Ærø", "role": "interpreter", "languages": "sv, sgn-SE", "signing": True},
    {"name": "ትግርኛ", "role": "interpreter", "languages": "sv,ti"},
]


async def book(server, key, participants=PEOPLE):
    status, _, body = call(server, "POST", "/api/v1/consultations",
                           booking(autoAdmit=[], participants=participants), key=key)
    assert status == 201, body
    for p in body["participants"]:
        p["token"] = token_of(server, p["link"], body["id"])
    return body


async def seek(c, type_, **fields):
    """The first message of type_ with fields; what comes before it stays
    queued, in order, for the next expect or seek."""
    skipped = []
    try:
        while True:
            msg = await c.recv()
            if msg.get("type") == type_ and all(msg.get(k) == v for k, v in fields.items()):
                return msg
            skipped.append(msg)
    finally:
        c.pending[:0] = skipped


async def ask(c, msg, expect="ok"):
    """Sends a request; finds its ok (or the error code given)."""
    i = await c.request(msg)
    if expect == "ok":
        await seek(c, "ok", id=i)
    else:
        await seek(c, "error", id=i, code=expect)


async def waits(server, person, lang):
    c = await connect(server)
    i = await c.request({"type": "join", "token": person["token"], "lang": lang})
    await c.expect("waiting", id=i)
    c.pid = person["id"]
    return c


def signing_lines(server, pid):
    with open(server.log.name) as f:
        return [line.split()[-1] for line in f if f"fake-media: {pid} signing" in line]


async def log_settles(server, pid, expected):
    for _ in range(50):
        if signing_lines(server, pid) == expected:
            return
        await asyncio.sleep(0.05)
    assert signing_lines(server, pid) == expected, signing_lines(server, pid)


async def test_booking_fields(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        body = await book(server, key)
        got = [(p["languages"], p["signing"]) for p in body["participants"]]
        assert got == [("sv", False), ("sgn-SE", True), ("ar", False), ("sv,sgn-SE", True),
                       ("sv,ti", False)], got
        status, _, again = call(server, "GET", f"/api/v1/consultations/{body['id']}", key=key)
        assert status == 200 and again["participants"][3]["languages"] == "sv,sgn-SE", again
        # Added later, without languages: null, not signing.
        status, _, p = call(server, "POST", f"/api/v1/consultations/{body['id']}/participants",
                            {"name": "Karin", "role": "staff"}, key=key)
        assert status == 201 and p["languages"] is None and p["signing"] is False, p
        for bad, field in (({"languages": "svenska"}, "languages"),
                           ({"languages": "sv,sv"}, "languages"),
                           ({"languages": ",".join(["sv"] + [f"x{i}{i}" for i in range(8)])},
                            "languages"),
                           ({"languages": ["sv"]}, "languages"),
                           ({"signing": "yes"}, "signing")):
            status, _, problem = call(server, "POST", "/api/v1/consultations", booking(
                participants=[{"name": "Dr Berg", "role": "host", **bad}]), key=key)
            assert status == 400, problem
            assert problem["errors"][0]["field"] == f"participants[0].{field}", problem
    # The CLI: the old syntax and the new words.
    _, out, _ = nara(binary, state_dir, "consultation", "create", "--title", "Tolkat besök",
                     "--start", rfc3339(-60), "--end", rfc3339(1800),
                     "--participant", "Dr Berg:host:siths",
                     "--participant", "Åsa Öberg:patient:bankid-se:lang=ar",
                     "--participant", "Søren Ærø:interpreter:lang=sv,sgn-SE:signing",
                     "--participant", "Bo:relative:urn:x:loa:signing")
    cid = out.splitlines()[0]
    code, _, err = nara(binary, state_dir, "consultation", "create", "--title", "X",
                        "--start", rfc3339(-60), "--end", rfc3339(1800),
                        "--participant", "A:host:lang=svenska", check=False)
    assert code == 2 and "#1 languages" in err, err
    with Server(binary, state_dir) as server:
        status, _, got = call(server, "GET", f"/api/v1/consultations/{cid}", key=key)
        assert status == 200, got
        people = [(p["name"], p["assurance"], p["languages"], p["signing"])
                  for p in got["participants"]]
        assert people == [("Dr Berg", "siths", None, False), ("Åsa Öberg", "bankid-se", "ar", False),
                          ("Søren Ærø", "none", "sv,sgn-SE", True),
                          ("Bo", "urn:x:loa", None, True)], people


async def test_interpreter_first_and_signing(binary, state_dir):
    key = api_key(FAKE_MEDIA, state_dir)
    with Server(FAKE_MEDIA, state_dir) as server:
        body = await book(server, key)
        host_p, pat_p, rel_p, int_p, int2_p = body["participants"]
        host = await connect(server)
        i = await join_token(host, host_p["token"])
        joined = await seek(host, "joined", id=i)
        assert joined["you"]["languages"] == ["sv"] and joined["you"]["signing"] is False, joined
        await seek(host, "waiting-list", waiting=[])
        pat = await waits(server, pat_p, "sv")
        await seek(host, "waiting-list")
        rel = await waits(server, rel_p, "ar")
        await seek(host, "waiting-list")
        intp = await waits(server, int_p, "sv")
        wl = await seek(host, "waiting-list")
        # The interpreter came last and is listed first; the others oldest first.
        assert [w["id"] for w in wl["waiting"]] == [int_p["id"], pat_p["id"], rel_p["id"]], wl
        first = wl["waiting"][0]
        assert (first["languages"], first["signing"], first["lang"]) == (["sv", "sgn-SE"], True,
                                                                          "sv"), first
        assert (wl["waiting"][1]["languages"], wl["waiting"][1]["signing"]) == (["sgn-SE"], True)
        # A prompt, not a block: the patient may be admitted first.
        await ask(host, {"type": "admit", "participant": pat.pid})
        await seek(host, "waiting-list")
        await seek(pat, "status", status="admitted")
        pj = await seek(pat, "joined")
        assert pj["you"]["signing"] is True and pj["you"]["handRaised"] is False, pj
        ev = await seek(host, "participant-joined")
        assert ev["participant"]["languages"] == ["sgn-SE"] and ev["participant"]["lang"] == "sv"
        await log_settles(server, pat.pid, ["on"])
        await ask(host, {"type": "admit", "participant": intp.pid})
        await seek(intp, "status", status="admitted")
        await seek(intp, "joined")
        await log_settles(server, intp.pid, ["on"])
        # Not signing when the booking says not: media is not told at all.
        await ask(host, {"type": "admit", "participant": rel.pid})
        await seek(rel, "status", status="admitted")
        await seek(rel, "joined")
        # A host marks the relative as signing, then not; others may not.
        for c, code in ((pat, "forbidden"), (intp, "forbidden")):
            await ask(c, {"type": "set-signing", "participant": rel.pid,
                                   "signing": True}, expect=code)
        await ask(host, {"type": "set-signing", "participant": "p-nobody",
                                  "signing": True}, expect="no-such-participant")
        await log_settles(server, rel.pid, [])
        await ask(host, {"type": "set-signing", "participant": rel.pid, "signing": True})
        for c in (host, pat, intp, rel):
            await seek(c, "signing-changed", participant=rel.pid, signing=True)
        await log_settles(server, rel.pid, ["on"])
        await ask(host, {"type": "set-signing", "participant": rel.pid, "signing": False})
        await seek(rel, "signing-changed", participant=rel.pid, signing=False)
        await log_settles(server, rel.pid, ["on", "off"])


async def test_raise_hand(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        body = await book(server, key)
        host_p, pat_p, rel_p = body["participants"][:3]
        host = await connect(server)
        await join_token(host, host_p["token"])
        host.pid = (await seek(host, "joined"))["you"]["id"]
        people = []
        for person in (pat_p, rel_p):
            c = await waits(server, person, "sv")
            await seek(host, "waiting-list")
            await ask(host, {"type": "admit", "participant": c.pid})
            await seek(host, "waiting-list")
            await seek(c, "status", status="admitted")
            await seek(c, "joined")
            await seek(host, "participant-joined")
            for other in people:
                await seek(other, "participant-joined")
            people.append(c)
        pat, rel = people
        await ask(pat, {"type": "raise-hand", "raised": True})
        for c in (host, pat, rel):
            ev = await seek(c, "hand-raised", participant=pat.pid, raised=True)
            assert "by" not in ev, ev
        # Said again: ok, nobody told (the next event anyone sees is rel's).
        await ask(pat, {"type": "raise-hand", "raised": True})
        await ask(rel, {"type": "raise-hand", "raised": True})
        ev = await seek(host, "hand-raised")
        assert (ev["participant"], ev["raised"]) == (rel.pid, True), ev
        # A non-host can neither lower nor raise someone else's hand.
        await ask(rel, {"type": "raise-hand", "raised": False, "participant": pat.pid},
                           expect="forbidden")
        await ask(host, {"type": "raise-hand", "raised": True, "participant": pat.pid},
                           expect="forbidden")
        await ask(host, {"type": "raise-hand", "raised": False, "participant": "p-x"},
                           expect="no-such-participant")
        await ask(host, {"type": "raise-hand"}, expect="bad-message")
        # The host lowers the patient's hand.
        await ask(host, {"type": "raise-hand", "raised": False, "participant": pat.pid})
        for c in (host, pat):
            await seek(c, "hand-raised", participant=pat.pid, raised=False, by=host.pid)
        # The relative leaves and comes back: their hand is down again.
        await rel.close()
        ev = await seek(host, "participant-left", participant=rel.pid)
        rel = await waits(server, rel_p, "ar")
        await seek(host, "waiting-list")
        await ask(host, {"type": "admit", "participant": rel.pid})
        await seek(rel, "status", status="admitted")
        j = await seek(rel, "joined")
        hands = {p["id"]: p["handRaised"] for p in j["participants"]}
        assert hands == {host.pid: False, pat.pid: False}, j
        assert j["you"]["handRaised"] is False, j
        await ask(pat, {"type": "raise-hand", "raised": True})
        await seek(rel, "hand-raised", participant=pat.pid, raised=True)
        # Audit: only the host's lowering is recorded (own hands are not).
        events = [r["event"] for r in audit(server, key, body["id"])]
        assert events.count("lower-hand") == 1, events


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    if FAKE_MEDIA is None or not os.path.exists(FAKE_MEDIA):
        sys.exit("usage: test_consultation_interp.py NARA STATE_DIR HELPER NARA_FAKE_MEDIA")
    run([test_booking_fields, test_interpreter_first_and_signing, test_raise_hand],
        sys.argv[1], sys.argv[2])
