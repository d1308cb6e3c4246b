"""test_erasure.py - erasure on request and after retention leaves no trace.

Usage: test_erasure.py NARA_BINARY STATE_DIR
A consultation with a distinctive title and names is erased three ways:
`nara consultation erase ID`, `DELETE /api/v1/consultations/ID?erase=true`
(refused without the consultations:erase scope) and by retention at start
(consultations.retention_days). After each, `strings` on the database file
and its write-ahead log finds neither the title nor a name, the erasure is
an audit record, and the audit chain still verifies.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

from harness import Server, run
from test_rest import call, nara, problem, rfc3339
from test_rest_scopes import make_key

TITLE = "Follow-up diabetes Zqxjv"
NAMES = ("Ingrid Zetterqvist-Wyk", "Dr Quentin Yblomqvist")


def visible_text(state_dir):
    """What `strings` finds in nara.db and nara.db-wal."""
    out = ""
    for name in ("nara.db", "nara.db-wal"):
        path = os.path.join(state_dir, name)
        if not os.path.exists(path):
            continue
        if shutil.which("strings"):
            out += subprocess.run(["strings", "-a", "-n", "6", path], capture_output=True,
                                  text=True, timeout=30, check=True).stdout
        else:
            with open(path, "rb") as f:
                out += f.read().decode("latin-1")
    return out


def assert_no_trace(state_dir):
    text = visible_text(state_dir)
    for secret in (TITLE, *NAMES, "Zqxjv", "Zetterqvist", "Yblomqvist"):
        assert secret not in text, f"{secret!r} is still in the database files"


def book_cli(binary, state_dir, start=-60, end=1800):
    _, out, _ = nara(binary, state_dir, "consultation", "create", "--title", TITLE,
                     "--start", rfc3339(start), "--end", rfc3339(end),
                     "--participant", f"{NAMES[1]}:host:siths",
                     "--participant", f"{NAMES[0]}:patient:bankid-se")
    return out.splitlines()[0]


def audit_events(binary, state_dir, cid):
    _, out, _ = nara(binary, state_dir, "audit", "export", "--consultation", cid)
    return [json.loads(line) for line in out.splitlines()]


def verify_chain(binary, state_dir):
    code, out, _ = nara(binary, state_dir, "audit", "verify", check=False)
    assert code == 0 and out.startswith("ok"), out


async def test_cli_erase(binary, state_dir):
    cid = book_cli(binary, state_dir)
    assert TITLE in visible_text(state_dir) and NAMES[0] in visible_text(state_dir)
    nara(binary, state_dir, "consultation", "erase", cid)
    assert_no_trace(state_dir)
    erased = [r for r in audit_events(binary, state_dir, cid) if r["event"] == "consultation-erased"]
    assert len(erased) == 1 and erased[0]["actor"] == "cli", erased
    code, _, err = nara(binary, state_dir, "consultation", "erase", cid, check=False)
    assert code == 1 and "no consultation" in err, err
    verify_chain(binary, state_dir)


async def test_rest_erase(binary, state_dir):
    writer, _ = make_key(binary, state_dir, "--scope", "consultations:write",
                         "--scope", "consultations:read")
    eraser, eraser_id = make_key(binary, state_dir, "--scope", "consultations:write",
                                 "--scope", "consultations:erase")
    with Server(binary, state_dir) as server:
        body = {"title": TITLE, "startsAt": rfc3339(-60), "endsAt": rfc3339(1800),
                "participants": [{"name": NAMES[1], "role": "host", "assurance": "siths"},
                                 {"name": NAMES[0], "role": "patient"}]}
        status, _, c = call(server, "POST", "/api/v1/consultations", body, writer)
        assert status == 201, c
        path = f"/api/v1/consultations/{c['id']}?erase=true"
        problem(call(server, "DELETE", path, key=writer), 403, "forbidden")
        problem(call(server, "DELETE", f"/api/v1/consultations/{c['id']}?erase=yes",
                     key=eraser), 400, "bad-query")
        status, _, _ = call(server, "DELETE", path, key=eraser)
        assert status == 204, status
        problem(call(server, "GET", f"/api/v1/consultations/{c['id']}", key=writer), 404,
                "not-found")
        problem(call(server, "DELETE", path, key=eraser), 404, "not-found")
        assert_no_trace(state_dir)
    erased = [r for r in audit_events(binary, state_dir, c["id"])
              if r["event"] == "consultation-erased"]
    assert [r["actor"] for r in erased] == [f"api:{eraser_id}"], erased
    verify_chain(binary, state_dir)


async def test_retention(binary, state_dir):
    old = book_cli(binary, state_dir)
    kept = book_cli(binary, state_dir, start=3600, end=7200)
    # As if it had ended three days ago (secure_delete here too, so this
    # update leaves no stale copy of the row behind).
    db = sqlite3.connect(os.path.join(state_dir, "nara.db"))
    db.execute("PRAGMA secure_delete = ON")
    day = 86400
    db.execute("UPDATE consultations SET status = 'ended', ends_at = ends_at - ?,"
               " updated_at = updated_at - ? WHERE id = ?", (3 * day, 3 * day, old))
    db.commit()
    db.close()
    with Server(binary, state_dir, "consultations.retention_days=2"):
        deadline = time.monotonic() + 20
        while True:
            _, out, _ = nara(binary, state_dir, "consultation", "list")
            if old not in out or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert old not in out and kept in out, out
    erased = [r for r in audit_events(binary, state_dir, old)
              if r["event"] == "consultation-erased"]
    assert [(r["actor"], r["detail"]) for r in erased] == [("system", "retention")], erased
    # The one still to come is kept; erase it so the files hold no name at all.
    nara(binary, state_dir, "consultation", "erase", kept)
    assert_no_trace(state_dir)
    verify_chain(binary, state_dir)


if __name__ == "__main__":
    run([test_cli_erase, test_rest_erase, test_retention], sys.argv[1], sys.argv[2])
