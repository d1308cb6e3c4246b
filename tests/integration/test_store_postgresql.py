"""test_store_postgresql.py - nara with its store in PostgreSQL.

Usage: tests/pg/with-postgres.sh test_store_postgresql.py NARA STATE_DIR
(the wrapper starts a throwaway server and sets NARA_TEST_PG; the harness
then points every nara, server and CLI, at a fresh schema in it). A
consultation booked through the REST API is joined and changed, the CLI
reads the audit records signaling wrote and `nara audit verify` accepts
the chain; two nodes on one database book at once and leave one chain
that verifies; a dropped database connection is remade (and /readyz is
ready again) without restarting nara.
"""
import json
import os
import subprocess
import sys
import threading
import time

from harness import Server, run
from test_consultation_rest import test_rest_changes_reach_the_call
from test_rest import api_key, booking, call, nara, problem

PER_NODE = 8


def verify(binary, state_dir):
    code, out, _ = nara(binary, state_dir, "audit", "verify", check=False)
    assert code == 0 and out.startswith("ok"), out
    return out


def psql(sql):
    bindir = os.environ.get("NARA_TEST_PG_BIN", "/usr/bin")
    return subprocess.run([os.path.join(bindir, "psql"), "-qAtX", "-v", "ON_ERROR_STOP=1",
                           "-d", os.environ["NARA_STORE_POSTGRESQL"], "-c", sql],
                          check=True, capture_output=True, text=True, timeout=30).stdout


async def test_rest_join_and_verify(binary, state_dir):
    await test_rest_changes_reach_the_call(binary, state_dir)
    verify(binary, state_dir)
    # Nothing went to a SQLite file: the rows are in PostgreSQL.
    assert not os.path.exists(os.path.join(state_dir, "nara.db"))
    assert int(psql("SELECT count(*) FROM audit")) > 10


async def test_two_nodes_one_chain(binary, state_dir):
    key = api_key(binary, state_dir)  # one database: both nodes know the key
    a_dir, b_dir = os.path.join(state_dir, "a"), os.path.join(state_dir, "b")
    errors = []

    def book_many(server):
        try:
            for _ in range(PER_NODE):
                status, _, body = call(server, "POST", "/api/v1/consultations", booking(), key)
                assert status == 201, body
        except Exception as e:  # reported by the main thread
            errors.append(e)

    with Server(binary, a_dir) as a, Server(binary, b_dir) as b:
        threads = [threading.Thread(target=book_many, args=(s,)) for s in (a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        # What one node wrote, the other reads.
        status, _, listed = call(b, "GET", "/api/v1/consultations?limit=100", key=key)
        assert status == 200 and len(listed["consultations"]) == 4 * PER_NODE, listed
    out = verify(binary, state_dir)
    _, lines, _ = nara(binary, state_dir, "audit", "export")
    created = [r for r in map(json.loads, lines.splitlines())
               if r["event"] == "consultation-created"]
    assert len(created) == 4 * PER_NODE, len(created)
    print(f"  two nodes: {out.strip()}")


async def test_reconnect(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir) as server:
        status, _, _ = call(server, "GET", "/api/v1/consultations", key=key)
        assert status == 200
        # The database ends nara's session (a restart, a failover).
        psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
             " WHERE application_name = 'nara'")
        # The call that finds the connection broken may fail; nara stays up,
        # reconnects, and is ready and answering again.
        call(server, "GET", "/api/v1/consultations", key=key)
        deadline = time.monotonic() + 15
        while True:
            status, _, _ = server.get("/readyz")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200, status
        status, _, body = call(server, "POST", "/api/v1/consultations", booking(), key)
        assert status == 201, body
        problem(call(server, "GET", "/api/v1/consultations/c-nosuchone", key=key), 404,
                "not-found")
    verify(binary, state_dir)


if __name__ == "__main__":
    if not os.environ.get("NARA_TEST_PG"):
        print("skip - run through tests/pg/with-postgres.sh (NARA_TEST_PG unset)")
        sys.exit(77)
    run([test_rest_join_and_verify, test_two_nodes_one_chain, test_reconnect],
        sys.argv[1], sys.argv[2])
