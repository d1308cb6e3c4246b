"""test_rest.py - the REST API v1, the consultation CLI and their store.

Usage: test_rest.py NARA_BINARY STATE_DIR
An API key from `nara apikey create`, then against the real server:
create/get/list/update/cancel, participants and links, every problem type
(bad JSON, unknown fields, validation, 413, 401, 405, 415, 404, bad query),
a restart that keeps consultations, links and the audit trail, and
`nara audit verify` before and after a row is changed with sqlite3.
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from harness import Client, Server, run, tls_context

TIMEOUT = 10


def nara(binary, state_dir, *args, check=True):
    """Runs a nara command on state_dir; returns (exit code, stdout, stderr)."""
    p = subprocess.run([binary, "--state-dir", state_dir, *args], capture_output=True, text=True,
                       timeout=20)
    if check:
        assert p.returncode == 0, f"nara {' '.join(args)}: {p.returncode}\n{p.stderr}"
    return p.returncode, p.stdout, p.stderr


def api_key(binary, state_dir):
    _, out, err = nara(binary, state_dir, "apikey", "create", "--label", "rest test", "--scope", "all")
    key = out.strip()
    assert key.startswith("nara_") and len(key) == 48, out
    assert "k-" in err and key not in err, err
    return key


def call(server, method, path, body=None, key=None, raw=None,
         content_type="application/json", headers=None):
    """(status, headers, parsed body or bytes). body: JSON; raw: bytes as they are."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(server.base + path, data=data, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    if data is not None and content_type:
        req.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT, context=tls_context()) as r:
            status, hdrs, payload = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, payload = e.code, e.headers, e.read()
    ctype = hdrs.get("Content-Type", "")
    if payload and ("json" in ctype and "ndjson" not in ctype):
        payload = json.loads(payload)
    return status, hdrs, payload


def problem(resp, status, slug):
    """resp is an RFC 9457 problem of this status and type."""
    code, headers, body = resp
    assert code == status, f"{code} != {status}: {body}"
    assert headers["Content-Type"] == "application/problem+json", headers["Content-Type"]
    assert body["type"] == f"urn:nara:problem:{slug}", body
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


def rfc3339(delta_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def booking(**override):
    body = {"title": "Follow-up, dermatology", "startsAt": rfc3339(-60), "endsAt": rfc3339(3600),
            "autoAdmit": ["staff"],
            "participants": [{"name": "Dr Berg", "role": "host", "assurance": "siths"},
                             {"name": "Astrid Andersson-Bergström", "role": "patient",
                              "assurance": "bankid-se"}]}
    body.update(override)
    return body


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def token_of(server, link, consultation_id):
    """The token in a join link, after checking the link's shape."""
    prefix = f"{server.base}/c/{consultation_id}#t="
    assert link.startswith(prefix), (link, prefix)
    return link[len(prefix):]


def verify_token(state_dir, token):
    """Checks the HS256 signature with the server's secret; returns the claims."""
    with open(os.path.join(state_dir, "token-secret"), "rb") as f:
        secret = f.read()
    header, payload, sig = token.split(".")
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(mac, b64url_decode(sig)), "bad signature"
    assert json.loads(b64url_decode(header)) == {"alg": "HS256", "typ": "JWT"}
    return json.loads(b64url_decode(payload))


def audit(server, key, consultation):
    status, headers, body = call(server, "GET", f"/api/v1/audit?consultation={consultation}",
                                 key=key)
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson", status
    return [json.loads(line) for line in body.decode().splitlines()]


async def test_crud(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        status, headers, c = call(server, "POST", "/api/v1/consultations", booking(), key)
        assert status == 201, c
        cid = c["id"]
        assert headers["Location"] == f"/api/v1/consultations/{cid}"
        assert headers["Cache-Control"] == "no-store"
        assert c["status"] == "scheduled" and c["locked"] is False
        assert c["autoAdmit"] == ["host", "staff"]
        assert [p["role"] for p in c["participants"]] == ["host", "patient"]
        host, patient = c["participants"]
        assert patient["name"] == "Astrid Andersson-Bergström"
        ends = datetime.datetime.strptime(c["endsAt"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        for p in (host, patient):
            claims = verify_token(state_dir, token_of(server, p["link"], cid))
            assert claims["iss"] == "nara" and claims["aud"] == "nara-join", claims
            # Identifiers only: the name and identity level stay on the server.
            assert (claims["cid"], claims["sub"], claims["role"]) == (cid, p["id"], p["role"])
            assert "name" not in claims and "acr" not in claims, claims
            assert claims["exp"] == int(ends.timestamp()) + 7200, claims
            assert p["linkExpiresAt"] == (ends + datetime.timedelta(hours=2)).strftime(
                "%Y-%m-%dT%H:%M:%SZ")

        # Reads never show links.
        status, _, got = call(server, "GET", f"/api/v1/consultations/{cid}", key=key)
        assert status == 200 and got["id"] == cid and got["title"] == c["title"]
        assert all("link" not in p for p in got["participants"]), got
        status, _, listed = call(server, "GET", "/api/v1/consultations?status=scheduled", key=key)
        assert status == 200 and [x["id"] for x in listed["consultations"]] == [cid]
        status, _, listed = call(server, "GET", "/api/v1/consultations?status=cancelled", key=key)
        assert status == 200 and listed["consultations"] == []

        status, _, got = call(server, "PATCH", f"/api/v1/consultations/{cid}",
                              {"title": "Follow-up", "endsAt": rfc3339(7200)}, key)
        assert status == 200 and got["title"] == "Follow-up", got
        status, _, same = call(server, "PATCH", f"/api/v1/consultations/{cid}", {}, key)
        assert status == 200 and same["title"] == "Follow-up"

        status, _, tolk = call(server, "POST", f"/api/v1/consultations/{cid}/participants",
                               {"name": "Tolk Ali", "role": "interpreter"}, key)
        assert status == 201 and tolk["assurance"] == "none", tolk
        claims = verify_token(state_dir, token_of(server, tolk["link"], cid))
        assert claims["sub"] == tolk["id"] and claims["role"] == "interpreter"
        status, _, _ = call(server, "DELETE",
                            f"/api/v1/consultations/{cid}/participants/{tolk['id']}", key=key)
        assert status == 204
        problem(call(server, "DELETE", f"/api/v1/consultations/{cid}/participants/{tolk['id']}",
                     key=key), 404, "not-found")

        # A new link for the patient: another token for the same person.
        status, _, again = call(server, "POST",
                                f"/api/v1/consultations/{cid}/participants/{patient['id']}/link",
                                key=key)
        assert status == 200 and again["link"] != patient["link"], again
        assert verify_token(state_dir, token_of(server, again["link"], cid))["sub"] == patient["id"]

        status, _, _ = call(server, "DELETE", f"/api/v1/consultations/{cid}", key=key)
        assert status == 204
        status, _, got = call(server, "GET", f"/api/v1/consultations/{cid}", key=key)
        assert got["status"] == "cancelled"
        problem(call(server, "PATCH", f"/api/v1/consultations/{cid}", {"title": "x"}, key),
                409, "conflict")
        problem(call(server, "POST", f"/api/v1/consultations/{cid}/participants",
                     {"name": "Late", "role": "relative"}, key), 409, "conflict")
        status, _, _ = call(server, "DELETE", f"/api/v1/consultations/{cid}", key=key)
        assert status == 204  # idempotent

        records = audit(server, key, cid)
        assert [r["event"] for r in records] == [
            "consultation-created", "consultation-updated", "participant-added",
            "participant-removed-by-api", "link-issued", "consultation-cancelled"], records
        assert all(r["actor"].startswith("api:k-") and r["outcome"] == "ok" for r in records)
        assert records[1]["detail"] == "title,endsAt"
        assert records[3]["subject"] == tolk["id"] and records[3]["subjectRole"] == "interpreter"
        text = json.dumps(records)
        assert "Astrid" not in text and "Follow-up" not in text and "nara_" not in text


async def test_problems(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        base = "/api/v1/consultations"
        # 401: none, unknown key, another scheme; a challenge each time.
        for hdrs, extra in (({}, None), ({"Authorization": "Bearer nara_" + "A" * 43},
                                         "invalid_token"),
                            ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_token")):
            resp = call(server, "GET", base, headers=hdrs)
            problem(resp, 401, "unauthorized")
            challenge = resp[1]["WWW-Authenticate"]
            assert challenge.startswith("Bearer"), challenge
            assert (extra in challenge) if extra else ("error" not in challenge), challenge
        problem(call(server, "GET", "/api/v1/nothing"), 401, "unauthorized")

        problem(call(server, "POST", base, raw=b'{"title": ', key=key), 400, "bad-json")
        problem(call(server, "POST", base, raw=b'[1, 2]', key=key), 400, "bad-json")
        problem(call(server, "POST", base, raw=b'{"title":"a","title":"b"}', key=key), 400,
                "bad-json")
        problem(call(server, "POST", base, raw=b"", key=key), 400, "bad-json")
        body = problem(call(server, "POST", base, booking(startAt=rfc3339(0), participants=[
            {"name": "A", "role": "host", "email": "a@example.org"}]), key), 400, "unknown-field")
        assert sorted(e["field"] for e in body["errors"]) == ["participants[0].email", "startAt"]
        body = problem(call(server, "POST", base, booking(
            title="", endsAt="tomorrow", autoAdmit=["staff", "king"],
            participants=[{"name": "A", "role": "nurse"}]), key), 400, "validation")
        assert sorted(e["field"] for e in body["errors"]) == [
            "autoAdmit[1]", "endsAt", "participants[0].role", "title"], body
        body = problem(call(server, "POST", base, booking(endsAt=rfc3339(-120)), key), 400,
                       "validation")
        assert [e["field"] for e in body["errors"]] == ["endsAt"]
        body = problem(call(server, "POST", base, booking(participants=[
            {"name": f"P{i}", "role": "relative"} for i in range(33)]), key), 400, "validation")
        assert [e["field"] for e in body["errors"]] == ["participants"]

        big = json.dumps(booking(title="x" * 70000)).encode()
        problem(call(server, "POST", base, raw=big, key=key), 413, "too-large")
        try:  # over a MiB: answered unread, then closed; the client may see the reset first
            code = call(server, "POST", base, raw=b" " * (2 << 20), key=key)[0]
            assert code == 413, code
        except (ConnectionError, urllib.error.URLError):
            pass

        problem(call(server, "POST", base, booking(), key, content_type="text/plain"), 415,
                "unsupported-media-type")
        problem(call(server, "POST", base, raw=b"title=x", key=key,
                     content_type="application/x-www-form-urlencoded"), 415,
                "unsupported-media-type")

        resp = call(server, "PUT", base, booking(), key)
        problem(resp, 405, "method-not-allowed")
        assert resp[1]["Allow"] == "GET, POST", resp[1]["Allow"]
        resp = call(server, "POST", f"{base}/c-whatever", booking(), key)
        problem(resp, 405, "method-not-allowed")
        assert resp[1]["Allow"] == "GET, PATCH, DELETE", resp[1]["Allow"]
        resp = call(server, "DELETE", "/api/v1/audit", key=key)
        problem(resp, 405, "method-not-allowed")
        assert resp[1]["Allow"] == "GET"

        problem(call(server, "GET", f"{base}/c-doesnotexist", key=key), 404, "not-found")
        problem(call(server, "GET", f"{base}/bad%20id", key=key), 404, "not-found")
        problem(call(server, "GET", "/api/v2/consultations", key=key), 404, "not-found")
        problem(call(server, "GET", f"{base}/", key=key), 404, "not-found")
        problem(call(server, "DELETE", f"{base}/c-nope/participants/p-nope", key=key), 404,
                "not-found")
        problem(call(server, "GET", f"{base}?status=maybe", key=key), 400, "bad-query")
        problem(call(server, "GET", f"{base}?limit=0", key=key), 400, "bad-query")
        problem(call(server, "GET", f"{base}?colour=red", key=key), 400, "bad-query")
        problem(call(server, "GET", "/api/v1/audit?since=-1", key=key), 400, "bad-query")
        # Still serving after all that.
        status, _, body = call(server, "GET", base, key=key)
        assert status == 200 and body == {"consultations": []}, body
        assert server.health()["status"] == "ok"


async def test_cli(binary, state_dir):
    code, out, err = nara(binary, state_dir, "consultation", "create", "--title", "Check-up",
                          "--start", rfc3339(-60), "--end", rfc3339(1800),
                          "--participant", "Dr Berg:host:siths",
                          "--participant", "Astrid:patient", "--auto-admit", "staff,interpreter")
    lines = out.splitlines()
    cid = lines[0]
    assert cid.startswith("c-") and len(lines) == 3, out
    people = [line.split("\t") for line in lines[1:]]
    assert [(p[1], p[2]) for p in people] == [("host", "Dr Berg"), ("patient", "Astrid")], people
    assert all(f"/c/{cid}#t=" in p[3] for p in people), people
    claims = verify_token(state_dir, people[0][3].split("#t=", 1)[1])
    assert "acr" not in claims and claims["sub"] == people[0][0]

    code, out, err = nara(binary, state_dir, "consultation", "create", "--title", "",
                          "--start", "soon", "--end", rfc3339(60), "--participant", "X:king",
                          check=False)
    assert code == 2 and "--title" in err and "--start" in err and "#1 role" in err, err
    code, _, err = nara(binary, state_dir, "consultation", "create", "--participant", "nocolon",
                        check=False)
    assert code == 2, err
    code, _, err = nara(binary, state_dir, "consultation", "frobnicate", check=False)
    assert code == 2 and "unknown command" in err, err

    _, out, _ = nara(binary, state_dir, "consultation", "list")
    row = out.splitlines()[0].split("\t")
    assert row[0] == cid and row[1] == "scheduled" and row[4] == "2" and row[5] == "Check-up", row
    _, out, _ = nara(binary, state_dir, "audit", "export", "--consultation", cid)
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["event"], r["actor"]) for r in records] == [("consultation-created", "cli")]
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        status, _, got = call(server, "GET", f"/api/v1/consultations/{cid}", key=key)
        assert status == 200 and got["autoAdmit"] == ["host", "staff", "interpreter"], got
        # /c/<id> is the web client's page, like /r/NAME.
        status, headers, _ = server.get(f"/c/{cid}")
        assert status in (200, 404), status  # 404 only when the build has no web/ directory
        if status == 200:
            assert headers["Content-Type"].startswith("text/html")
        assert server.get("/c/bad%20id")[0] == 404
        assert server.get("/c/")[0] == 404


async def test_restart_and_audit(binary, state_dir):
    key = api_key(binary, state_dir)
    server = Server(binary, state_dir)
    try:
        status, _, c = call(server, "POST", "/api/v1/consultations", booking(), key)
        assert status == 201
        cid, host = c["id"], c["participants"][0]
        token = token_of(server, host["link"], cid)
        status, _, _ = call(server, "PATCH", f"/api/v1/consultations/{cid}",
                            {"autoAdmit": ["patient"]}, key)
        assert status == 200
        before = audit(server, key, cid)
    finally:
        server.stop()

    secret_before = open(os.path.join(state_dir, "token-secret"), "rb").read()
    with Server(binary, state_dir) as server:
        assert open(os.path.join(state_dir, "token-secret"), "rb").read() == secret_before
        status, _, got = call(server, "GET", f"/api/v1/consultations/{cid}", key=key)
        assert status == 200 and got["autoAdmit"] == ["host", "patient"], got
        assert [p["id"] for p in got["participants"]] == [p["id"] for p in c["participants"]]
        claims = verify_token(state_dir, token)
        assert claims["cid"] == cid and claims["sub"] == host["id"]
        # The link from before the restart still lets its host in.
        client = await Client.connect(server)
        await client.hello()
        i = await client.request({"type": "join", "token": token})
        joined = await client.expect("joined", id=i)
        assert joined["you"]["id"] == host["id"], joined
        await client.close()
        after = audit(server, key, cid)
        assert after[:len(before)] == before, (before, after)
        assert [r["event"] for r in after[len(before):]][:1] == ["join-attempt"], after

    _, out, _ = nara(binary, state_dir, "audit", "verify")
    assert out.startswith("ok: ") and out.strip().endswith(" records"), out
    n = int(out.split()[1])
    assert n == len(after) + 1, out  # and the apikey-created record

    sqlite3 = shutil.which("sqlite3")
    if not sqlite3:
        raise AssertionError("sqlite3 CLI not installed (tools/packages-test.txt)")
    db = os.path.join(state_dir, "nara.db")
    seq = after[1]["seq"]
    # The store's trigger refuses updates; someone with the file drops it first.
    edit = subprocess.run([sqlite3, db, f"UPDATE audit SET detail = 'x' WHERE seq = {seq}"],
                          capture_output=True, text=True, timeout=10)
    assert edit.returncode != 0 and "append-only" in edit.stderr, edit
    subprocess.run([sqlite3, db, "DROP TRIGGER IF EXISTS audit_append_only; "
                    f"UPDATE audit SET detail = 'edited' WHERE seq = {seq}"],
                   check=True, timeout=10)
    code, out, err = nara(binary, state_dir, "audit", "verify", check=False)
    assert code == 1 and f"seq {seq}" in out + err, (code, out, err)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def es256_token(key, claims, kid="idp-1"):
    """A compact JWS signed ES256 (raw r||s, RFC 7518 §3.4) with key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    head = b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": kid}).encode())
    body = b64url(json.dumps(claims).encode())
    der = key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{head}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def hs256_token(secret, claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


async def test_idp_access_token(binary, state_dir):
    """A region's identity provider can call the API with its own access
    tokens; the server secret and join tokens cannot."""
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    jwks = json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "kid": "idp-1", "alg": "ES256",
                                 "use": "sig", "x": b64url(nums.x.to_bytes(32, "big")),
                                 "y": b64url(nums.y.to_bytes(32, "big"))}]})
    idp = "https://idp.region.example"
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    claims = {"iss": idp, "aud": "nara-api", "sub": "booking-system", "exp": now + 300,
              "azp": "booking", "scope": "openid consultations:write audit:read"}
    with Server(binary, state_dir, f"auth.jwks={jwks}", f"auth.idp_issuer={idp}",
                "auth.api_clients=booking") as server:
        status, _, c = call(server, "POST", "/api/v1/consultations", booking(),
                            es256_token(key, claims))
        assert status == 201, c
        records = audit(server, es256_token(key, claims), c["id"])
        assert records[0]["actor"] == "api:idp:booking-system", records[0]
        # Only consultations:write and audit:read: reading a consultation is refused.
        status, hdrs, _ = call(server, "GET", "/api/v1/consultations", key=es256_token(key, claims))
        assert status == 403 and "insufficient_scope" in hdrs["WWW-Authenticate"], status
        for bad in (dict(claims, aud="nara-join"), dict(claims, exp=now - 3600),
                    dict(claims, iss="https://elsewhere.example"),
                    dict(claims, aud=["nara-api", "nara-join"]), dict(claims, azp="webshop"),
                    dict(claims, scope="openid profile")):
            status, hdrs, _ = call(server, "POST", "/api/v1/consultations", booking(),
                                   key=es256_token(key, bad))
            assert status == 401 and "invalid_token" in hdrs["WWW-Authenticate"], (bad, status)
        # The server secret mints join links; it never opens the API.
        with open(os.path.join(state_dir, "token-secret"), "rb") as f:
            secret = f.read()
        forged = hs256_token(secret, dict(claims, iss="nara"))
        status, _, _ = call(server, "GET", "/api/v1/consultations", key=forged)
        assert status == 401, status


if __name__ == "__main__":
    run([test_crud, test_problems, test_cli, test_restart_and_audit, test_idp_access_token],
        sys.argv[1], sys.argv[2])
