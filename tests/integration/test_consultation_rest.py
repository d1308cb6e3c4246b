"""test_consultation_rest.py - what the REST API and CLI change reaches live sessions.

Usage: test_consultation_rest.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
Consultations booked through the REST API and `nara consultation create`;
their links join signaling. Deleting a participant, changing the title or
auto-admit, and cancelling act on the people in the call and the waiting
room at once (nara_signaling_consultation_changed). `nara audit export`
reads the same records as the store.
"""
import json
import os
import subprocess
import sys

from harness import Server, chat_flows, run
from test_consultation_common import connect, host_request, join_token, skip_unless_consultations
from test_rest import api_key, booking, call, nara, rfc3339, token_of


def people(body):
    return {p["role"]: p for p in body["participants"]}


async def book(server, key, **override):
    status, _, body = call(server, "POST", "/api/v1/consultations", booking(**override), key=key)
    assert status == 201, body
    for p in body["participants"]:
        p["token"] = token_of(server, p["link"], body["id"])
    return body


async def admitted_patient(server, host, patient):
    pat = await connect(server)
    i = await join_token(pat, patient["token"])
    await pat.expect("waiting", id=i)
    await host.expect("waiting-list")
    await host_request(host, {"type": "admit", "participant": patient["id"]})
    await host.expect("waiting-list", waiting=[])
    await pat.expect("status", status="admitted")
    await pat.expect("joined")
    await host.expect("participant-joined")
    pat.pid = patient["id"]
    return pat


async def host_in(server, host_person):
    host = await connect(server)
    i = await join_token(host, host_person["token"])
    joined = await host.expect("joined", id=i)
    host.pid = joined["you"]["id"]
    await host.expect("waiting-list")
    return host


async def test_rest_changes_reach_the_call(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        body = await book(server, key, autoAdmit=[], participants=[
            {"name": "Dr Berg", "role": "host", "assurance": "siths"},
            {"name": "Astrid", "role": "patient", "assurance": "bankid-se"},
            {"name": "Bo", "role": "relative"},
            {"name": "Karin", "role": "staff", "assurance": "siths"}])
        cid, who = body["id"], people(body)
        host = await host_in(server, who["host"])
        pat = await admitted_patient(server, host, who["patient"])
        rel = await connect(server)
        i = await join_token(rel, who["relative"]["token"])
        await rel.expect("waiting", id=i)
        await host.expect("waiting-list")

        # A new title is announced; a new auto-admit set applies to later joins.
        status, _, _ = call(server, "PATCH", f"/api/v1/consultations/{cid}",
                            {"title": "Dermatology", "autoAdmit": ["staff"]}, key=key)
        assert status == 200
        for c in (host, pat):
            await c.expect("consultation-changed", title="Dermatology", locked=False)
        staff = await connect(server)
        i = await join_token(staff, who["staff"]["token"])
        joined = await staff.expect("joined", id=i)
        assert joined["consultation"]["title"] == "Dermatology"
        await staff.expect("waiting-list")
        for c in (host, pat):
            await c.expect("participant-joined")
        await rel.quiet()

        # Deleted through the API: out of the call (or the waiting room) at once.
        status, _, _ = call(server, "DELETE",
                            f"/api/v1/consultations/{cid}/participants/{pat.pid}", key=key)
        assert status == 204
        await pat.expect("status", status="removed")
        await pat.expect_closed(1000)
        for c in (host, staff):
            await c.expect("participant-left", participant=pat.pid, reason="removed")
        status, _, _ = call(server, "DELETE",
                            f"/api/v1/consultations/{cid}/participants/{who['relative']['id']}",
                            key=key)
        assert status == 204
        await rel.expect("status", status="removed")
        await rel.expect_closed(1000)
        for c in (host, staff):
            await c.expect("waiting-list", waiting=[])
        x = await connect(server)
        i = await join_token(x, who["patient"]["token"])
        await x.expect_error("participant-not-found", i)
        await chat_flows(host, staff)

        # Cancelled: everyone ended, every link refused.
        status, _, _ = call(server, "DELETE", f"/api/v1/consultations/{cid}", key=key)
        assert status == 204
        for c in (host, staff):
            await c.expect("status", status="ended")
            await c.expect_closed(1000)
        i = await join_token(x, who["host"]["token"])
        await x.expect_error("consultation-cancelled", i)

        # The CLI reads the same audit records signaling wrote.
        _, out, _ = nara(binary, state_dir, "audit", "export", "--consultation", cid)
        events = [json.loads(line)["event"] for line in out.splitlines()]
        assert events == ["consultation-created", "join-attempt", "join-attempt", "waiting",
                          "admit", "join-attempt", "waiting", "consultation-updated",
                          "join-attempt", "participant-removed-by-api",
                          "participant-removed-by-api", "join-attempt",
                          "consultation-cancelled", "join-attempt"], events


NAMES = {"host": "Søren Ærø", "patient": "Åsa Öberg", "relative": "محمد", "interpreter": "ትግርኛ"}


def nara_in(locale, binary, state_dir, *args):
    """nara under LANG/LC_ALL=locale: texts are UTF-8 whatever it says."""
    env = dict(os.environ, LANG=locale, LC_ALL=locale)
    p = subprocess.run([binary, "--state-dir", state_dir, *args], capture_output=True,
                       env=env, timeout=20)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


async def test_names_in_any_script(binary, state_dir):
    """Names and titles in any script through the CLI (LANG=C or C.UTF-8),
    REST and signaling; the audit export stays UTF-8 JSON."""
    ids = []
    for locale in ("C", "C.UTF-8"):
        code, out, err = nara_in(locale, binary, state_dir, "consultation", "create",
                                 "--title", "Uppföljning – متابعة", "--start", rfc3339(-60),
                                 "--end", rfc3339(1800),
                                 *[a for role, name in NAMES.items()
                                   for a in ("--participant", f"{name}:{role}")])
        assert code == 0, (locale, err)
        lines = out.splitlines()
        ids.append(lines[0])
        assert {line.split("\t")[1]: line.split("\t")[2] for line in lines[1:]} == NAMES, out
    code, out, err = nara_in("C", binary, state_dir, "consultation", "list")
    assert code == 0 and out.count("Uppföljning – متابعة") == 2, (out, err)
    # Bytes that are not UTF-8 are refused with the option's name.
    p = subprocess.run([binary, "--state-dir", state_dir, "consultation", "create", "--title",
                        b"Uppf\xf6ljning", "--start", rfc3339(-60), "--end", rfc3339(1800),
                        "--participant", "A:host"], capture_output=True, timeout=20)
    assert p.returncode == 2 and b"--title is not valid UTF-8" in p.stderr, p.stderr
    # The same names through REST, and a bidi override refused there too.
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        body = await book(server, key, title="Kontrol – ክትትል", participants=[
            {"name": name, "role": role} for role, name in NAMES.items()])
        assert {p["role"]: p["name"] for p in body["participants"]} == NAMES
        status, _, problem = call(server, "POST", "/api/v1/consultations", booking(
            participants=[{"name": "Dr \u202eevil", "role": "host"}]), key=key)
        assert status == 400 and problem["errors"][0]["field"] == "participants[0].name", problem
        who = people(body)
        host = await host_in(server, who["host"])
        pat = await connect(server)
        i = await join_token(pat, who["patient"]["token"])
        waiting = await pat.expect("waiting", id=i)
        assert waiting["you"]["name"] == "Åsa Öberg"
        listed = await host.expect("waiting-list")
        assert [w["name"] for w in listed["waiting"]] == ["Åsa Öberg"]
        rel = await connect(server)
        i = await join_token(rel, who["relative"]["token"])
        await rel.expect("waiting", id=i)
        await host.expect("waiting-list")
        await host_request(host, {"type": "admit-all"})
        for c in (pat, rel):
            await c.expect("status", status="admitted")
            joined = await c.expect("joined")
            c.pid = joined["you"]["id"]
        names, emptied = set(), False
        while len(names) < 2 or not emptied:
            ev = await host.recv()
            if ev["type"] == "participant-joined":
                names.add(ev["participant"]["name"])
            elif ev["type"] == "waiting-list":
                emptied = ev["waiting"] == []
            else:
                assert ev["type"] == "candidate", ev
        assert names == {"Åsa Öberg", "محمد"}
        host.pid = who["host"]["id"]
        await rel.request({"type": "chat", "text": "شكرا"})
        for c in (host, pat, rel):
            while (ev := await c.recv())["type"] != "chat":
                assert ev["type"] in ("participant-joined", "candidate", "ok"), ev
            assert ev["from"] == {"id": rel.pid, "name": "محمد"} and ev["text"] == "شكرا", ev
    for cid in ids + [body["id"]]:
        code, out, err = nara_in("C", binary, state_dir, "audit", "export", "--consultation", cid)
        assert code == 0, err
        assert all(json.loads(line)["consultation"] == cid for line in out.splitlines())


async def test_cli_links_join(binary, state_dir):
    _, out, _ = nara(binary, state_dir, "consultation", "create", "--title", "Check-up",
                     "--start", rfc3339(-60), "--end", rfc3339(1800),
                     "--participant", "Dr Berg:host:siths", "--participant", "Astrid:patient")
    lines = out.splitlines()
    host_link, pat_link = (line.split("\t")[3] for line in lines[1:])
    with Server(binary, state_dir) as server:
        host = await connect(server)
        i = await join_token(host, host_link.split("#t=", 1)[1])
        joined = await host.expect("joined", id=i)
        assert joined["consultation"]["title"] == "Check-up"
        # The link names nobody: name and identity level come from the store.
        assert "Berg" not in host_link and "siths" not in host_link
        assert (joined["you"]["name"], joined["you"]["assurance"]) == ("Dr Berg", "siths"), joined
        await host.expect("waiting-list", waiting=[])
        pat = await connect(server)
        i = await join_token(pat, pat_link.split("#t=", 1)[1])
        waiting = await pat.expect("waiting", id=i)
        assert waiting["you"]["assurance"] in (None, "none"), waiting
        listed = await host.expect("waiting-list")
        assert [w["name"] for w in listed["waiting"]] == ["Astrid"]


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    run([test_rest_changes_reach_the_call, test_cli_links_join, test_names_in_any_script],
        sys.argv[1], sys.argv[2])
