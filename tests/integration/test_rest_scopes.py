"""test_rest_scopes.py - who may call the REST API, and for what.

Usage: test_rest_scopes.py NARA_BINARY STATE_DIR
API keys with scopes, an expiry and a revocation (`nara apikey create
--scope --expires`, `list`, `revoke`) against the real server: a key opens
only its scopes (403 insufficient_scope otherwise), an expired or revoked
key is a 401, a key made before scopes existed keeps every scope after the
schema migration, and a flood of refused requests writes a bounded number
of audit records (one per source and minute), not one each.
"""
import json
import sqlite3
import sys
import time

from harness import Server, run
from test_rest import booking, call, nara, problem

FLOOD = 40


def make_key(binary, state_dir, *args):
    _, out, err = nara(binary, state_dir, "apikey", "create", "--label", "scoped test", *args)
    key = out.strip()
    assert key.startswith("nara_"), out
    key_id = err.split()[2]
    assert key_id.startswith("k-"), err
    return key, key_id


def audit_lines(binary, state_dir):
    _, out, _ = nara(binary, state_dir, "audit", "export")
    return [json.loads(line) for line in out.splitlines()]


def keys(binary, state_dir):
    _, out, _ = nara(binary, state_dir, "apikey", "list")
    return {f[0]: f for f in (line.split("\t") for line in out.splitlines())}


async def test_scopes(binary, state_dir):
    reader, reader_id = make_key(binary, state_dir, "--scope", "consultations:read")
    writer, _ = make_key(binary, state_dir, "--scope", "consultations:write",
                         "--scope", "consultations:read", "--expires", "30d")
    gone, gone_id = make_key(binary, state_dir, "--scope", "all")
    late, late_id = make_key(binary, state_dir, "--scope", "audit:read", "--expires", "1h")
    # Bad usage changes nothing.
    code, _, err = nara(binary, state_dir, "apikey", "create", "--label", "x", check=False)
    assert code == 2 and "--scope" in err, err
    code, _, err = nara(binary, state_dir, "apikey", "create", "--label", "x", "--scope",
                        "admin", check=False)
    assert code == 2 and "admin" in err, err
    code, _, err = nara(binary, state_dir, "apikey", "create", "--label", "x", "--scope",
                        "all", "--expires", "yesterday", check=False)
    assert code == 2, err
    nara(binary, state_dir, "apikey", "revoke", gone_id)
    code, _, err = nara(binary, state_dir, "apikey", "revoke", gone_id, check=False)
    assert code == 1 and "already" in err, err
    code, _, err = nara(binary, state_dir, "apikey", "revoke", "k-nosuchkey", check=False)
    assert code == 1, err
    # The expiry is in the past now, as if an hour had gone by.
    db = sqlite3.connect(f"{state_dir}/nara.db")
    db.execute("UPDATE api_keys SET expires_at = 1 WHERE id = ?", (late_id,))
    db.commit()
    db.close()
    listed = keys(binary, state_dir)
    assert listed[reader_id][1:4:2] == ["active", "consultations:read"], listed[reader_id]
    assert listed[gone_id][1] == "revoked" and listed[late_id][1] == "expired", listed
    assert all(reader not in "\t".join(f) for f in listed.values())

    with Server(binary, state_dir) as server:
        status, _, c = call(server, "POST", "/api/v1/consultations", booking(), writer)
        assert status == 201, c
        status, _, _ = call(server, "GET", f"/api/v1/consultations/{c['id']}", key=reader)
        assert status == 200
        resp = call(server, "POST", "/api/v1/consultations", booking(), reader)
        problem(resp, 403, "forbidden")
        assert 'scope="consultations:write"' in resp[1]["WWW-Authenticate"], resp[1]
        problem(call(server, "GET", "/api/v1/audit", key=writer), 403, "forbidden")
        for key in (gone, late):
            resp = call(server, "GET", "/api/v1/consultations", key=key)
            problem(resp, 401, "unauthorized")
            assert "invalid_token" in resp[1]["WWW-Authenticate"]
        # A flood from one address with a key that does not exist.
        for _ in range(FLOOD):
            problem(call(server, "GET", "/api/v1/consultations", key="nara_" + "A" * 43),
                    401, "unauthorized")
        deadline = time.monotonic() + 10
        while True:
            refused = [r for r in audit_lines(binary, state_dir) if r["event"] == "api-refused"]
            unknown = [r for r in refused if r["outcome"] == "apikey-unknown"]
            if unknown or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        # One per source and minute (two if the flood straddled a minute,
        # with the first minute's "N more" summary between them).
        firsts = [r for r in unknown if "more in the minute" not in r["detail"]]
        assert 1 <= len(firsts) <= 2 and len(unknown) - len(firsts) <= len(firsts) - 1, unknown
        assert "127.0.0.1" in unknown[0]["detail"], unknown[0]
        outcomes = {r["outcome"] for r in refused}
        assert {"apikey-revoked", "apikey-expired", "insufficient-scope"} <= outcomes, outcomes
        assert len(refused) < 10, refused


async def test_migrated_keys_keep_every_scope(binary, state_dir):
    """A key made before scopes existed (schema 1) could do everything."""
    key, key_id = make_key(binary, state_dir, "--scope", "consultations:read")
    db = sqlite3.connect(f"{state_dir}/nara.db")
    for column in ("scopes", "expires_at", "revoked_at"):
        db.execute(f"ALTER TABLE api_keys DROP COLUMN {column}")
    db.execute("ALTER TABLE audit DROP COLUMN mac")  # schema 3
    for column in ("languages", "signing"):  # schema 4
        db.execute(f"ALTER TABLE participants DROP COLUMN {column}")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    listed = keys(binary, state_dir)
    assert listed[key_id][1] == "active", listed
    assert listed[key_id][3] == ("consultations:read consultations:write audit:read"
                                 " consultations:erase"), listed[key_id]
    with Server(binary, state_dir) as server:
        status, _, _ = call(server, "GET", "/api/v1/audit", key=key)
        assert status == 200, status


if __name__ == "__main__":
    run([test_scopes, test_migrated_keys_keep_every_scope], sys.argv[1], sys.argv[2])
