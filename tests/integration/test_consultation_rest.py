"""test_consultation_rest.py - what the REST API and CLI change reaches live sessions.

Usage: test_consultation_rest.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
Consultations booked through the REST API and `nara consultation create`;
their links join signaling. Deleting a participant, changing the title or
auto-admit, and cancelling act on the people in the call and the waiting
room at once (nara_signaling_consultation_changed). `nara audit export`
reads the same records as the store.
"""
import json
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
    run([test_rest_changes_reach_the_call, test_cli_links_join], sys.argv[1], sys.argv[2])
