"""test_store_latency.py - signaling stays responsive while the store works.

Usage: test_store_latency.py NARA STATE_DIR
Every join with a bad token writes one audit record (synchronous=FULL, so
an fsync) before its error goes out. One session pings the server in a
loop (one ping in flight, every 20 ms) and its round trips are measured:

- quiet: nothing else happens;
- one socket: another socket sends 200 bad-token joins per second;
- 18 sockets: 18 sockets send 200 bad-token joins per second between them.

It asserts behaviour only: every bad join gets its token-* error with its
id, and the pinging session stays connected and gets every pong. The
round trips (median and p99, milliseconds) are printed, not asserted:
they are figures for docs/performance.md ("Store off the control thread").

test_clients_leave_early: while another process holds the database's
write lock, sessions send a join and close, HTTP clients send a booking
and hang up, all before the store can answer; a third session's ping is
answered meanwhile. Once the lock goes, every booking and every join
attempt is in the store with its record, the chain verifies, and (under
NARA_SANITIZE) nothing was used after it was freed.
"""
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

from harness import Client, Server, run

RATE = 200  # bad joins per second, all sockets together
SECONDS = 5
PING_EVERY = 0.02
N_EARLY = 20
BAD_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJub2JvZHkifQ.bm90LWEtc2lnbmF0dXJl"


async def pinger(client, stop, rtts):
    while not stop.is_set():
        start = time.perf_counter()
        i = await client.request({"type": "ping"})
        await client.expect("pong", id=i)
        rtts.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(PING_EVERY)


async def flood(client, rate, n):
    """Sends n bad joins at rate per second; returns once each has its error."""
    sent, answered = [], set()

    async def read():
        while len(answered) < n:
            msg = await client.recv(timeout=30)
            assert msg.get("type") == "error", msg
            assert msg.get("code", "").startswith("token-"), msg
            answered.add(msg.get("id"))

    reader = asyncio.create_task(read())
    start = time.monotonic()
    for k in range(n):
        delay = start + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(await client.request({"type": "join", "token": BAD_TOKEN}))
    await asyncio.wait_for(reader, 60)
    assert answered == set(sent), f"{len(set(sent) - answered)} joins unanswered"


def figures(name, rtts):
    rtts = sorted(rtts)
    p99 = rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]
    print(f"# {name}: ping round trip median {statistics.median(rtts):.2f} ms,"
          f" p99 {p99:.2f} ms ({len(rtts)} pings)", flush=True)


async def measure(server, name, n_sockets):
    watcher = await Client.connect(server)
    await watcher.hello()
    floods = []
    for _ in range(n_sockets):
        c = await Client.connect(server)
        await c.hello()
        floods.append(c)
    stop, rtts = asyncio.Event(), []
    ping = asyncio.create_task(pinger(watcher, stop, rtts))
    if floods:
        per_socket = RATE * SECONDS // n_sockets
        await asyncio.gather(*(flood(c, RATE / n_sockets, per_socket) for c in floods))
    else:
        await asyncio.sleep(SECONDS)
    stop.set()
    await asyncio.wait_for(ping, 30)
    # Still there, still answered.
    i = await watcher.request({"type": "ping"})
    await watcher.expect("pong", id=i)
    for c in floods + [watcher]:
        await c.close()
    figures(name, rtts)


async def test_ping_during_bad_joins(binary, state_dir):
    # Raised limits: the flood is the store's load, not the rate limiter's
    # (nor the outgoing queue's: a server stalled by fsyncs answers a burst
    # of joins at once, more than the default queue holds).
    with Server(binary, state_dir, "signaling.messages_per_second=1000",
                "signaling.max_connections_per_ip=40", "signaling.max_queued_messages=4096",
                tls=False) as server:
        await measure(server, "quiet", 0)
        await measure(server, "one socket, 200 bad joins/s", 1)
        await measure(server, "18 sockets, 200 bad joins/s in all", 18)
        assert server.get("/healthz")[0] == 200


async def test_clients_leave_early(binary, state_dir):
    p = subprocess.run([binary, "--state-dir", state_dir, "apikey", "create", "--label", "t",
                        "--scope", "all"],
                       capture_output=True, text=True, timeout=20, check=True)
    key = p.stdout.strip().encode()
    body = json.dumps({"title": "Early", "startsAt": "2030-01-01T10:00:00Z",
                       "endsAt": "2030-01-01T10:30:00Z",
                       "participants": [{"name": "Dr A", "role": "host"}]}).encode()
    post = (b"POST /api/v1/consultations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
            + b"\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)
    with Server(binary, state_dir, "signaling.max_connections_per_ip=40", tls=False) as server:
        watcher = await Client.connect(server)
        await watcher.hello()
        sessions = []
        for _ in range(N_EARLY):
            c = await Client.connect(server)
            await c.hello()
            sessions.append(c)
        sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=5)
                   for _ in range(N_EARLY)]
        # Another process holds the write lock (as a CLI may): the server's
        # writes wait on the store's thread (busy timeout 2 s), not here.
        db = sqlite3.connect(os.path.join(state_dir, "nara.db"), isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            # Bookings first: their key lookups (reads) pass, then their
            # writes queue up behind the lock, and the joins' records after.
            for s in sockets:
                s.sendall(post)
            await asyncio.sleep(0.2)
            for c in sessions:
                await c.request({"type": "join", "token": BAD_TOKEN})
            await asyncio.sleep(0.1)
            for c in sessions:
                await c.close()
            for s in sockets:
                s.close()
            # Signaling is not waiting for the store.
            i = await watcher.request({"type": "ping"})
            await watcher.expect("pong", id=i)
        finally:
            db.execute("ROLLBACK")
            db.close()
        await asyncio.sleep(0.5)
        i = await watcher.request({"type": "ping"})
        await watcher.expect("pong", id=i)
        await watcher.close()
    # Every change made for a client who left is there, with its record.
    p = subprocess.run([binary, "--state-dir", state_dir, "audit", "export"],
                       capture_output=True, text=True, timeout=20, check=True)
    records = [json.loads(line) for line in p.stdout.splitlines()]
    events = [r["event"] for r in records]
    # Bad tokens from one address are summarised per minute: the first as
    # it came, the rest as one record with their count; all are accounted.
    joins = [r for r in records if r["event"] == "join-attempt"]
    accounted = sum(int(r["detail"].split(": ")[1].split()[0])
                    if "more in the minute" in (r["detail"] or "") else 1 for r in joins)
    assert accounted == N_EARLY and len(joins) <= 4, joins
    p = subprocess.run([binary, "--state-dir", state_dir, "consultation", "list"],
                       capture_output=True, text=True, timeout=20, check=True)
    booked = p.stdout.count("Early")
    assert booked == N_EARLY and events.count("consultation-created") == N_EARLY, (booked, events)
    p = subprocess.run([binary, "--state-dir", state_dir, "audit", "verify"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0 and p.stdout.startswith("ok: "), p.stdout + p.stderr


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    run([test_ping_during_bad_joins, test_clients_leave_early], os.path.abspath(sys.argv[1]),
        sys.argv[2])
