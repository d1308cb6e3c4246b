"""test_cluster.py - many nodes on one Redis and one store (docs/design.md,
"Many nodes"; docs/protocol.md, "Many nodes: redirect").

Usage: [tests/pg/with-postgres.sh] test_cluster.py NARA STATE_DIR (skips,
77, without redis-server or python3-aiortc). Under with-postgres.sh (as
CTest runs it) the nodes share a PostgreSQL store, else one SQLite file.

redis-server on a unix socket and three nara nodes on loopback, each with
its own state dir, sharing the store and the join-link secret. A
consultation is booked through node 1's REST API; the host joins through
node 2, the patient and a relative through node 3 (aiortc, video only):
they are redirected to the one node that runs it, the host admits the
others, and everyone decodes everyone. The owner is killed with -9: every
participant comes back by itself (its resume is refused or redirected,
then it joins with its link and goes straight into the call, not to the
waiting room) on another node, and the time from the kill until every
participant decodes every other again is printed. Then that node is
drained with SIGTERM (a deadline of a few seconds): /readyz says 503 at
once, the call goes on until the deadline, then it moves to the last node
and nobody is dropped: everyone is back in the call and decoding, and the
drained node exits 0. Then Redis goes away under a node with a call and
comes back (test_registry_outage).
"""
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

import harness  # noqa: E402
from test_rest import api_key, booking, call, token_of  # noqa: E402

try:
    import aiortc_peer  # noqa: F401,E402
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)
if shutil.which("redis-server") is None:
    print("skip: no redis-server")
    sys.exit(77)

from cluster_harness import ClusterPeer, Redis, kill9, owner_url, stop_quietly  # noqa: E402

MEDIA = dict(width=160, height=120, fps=10, audio=False, video=True)
DRAIN_SECS = 4


def share_store(first_dir, node_dir):
    """node_dir's nara uses the shared store: PostgreSQL when the test runs
    under tests/pg/with-postgres.sh (harness.use_postgresql put it in the
    environment of every nara), else node 1's SQLite file (one machine)."""
    if not os.environ.get("NARA_STORE_BACKEND") and node_dir != first_dir:
        os.symlink(os.path.join(first_dir, "nara.db"), os.path.join(node_dir, "nara.db"))


async def decoding(peers, count, timeout):
    """Every peer decodes count more video frames from every other one."""
    start = {(p, q.you): p.frames_from(q.you) for p in peers for q in peers if q is not p}
    await asyncio.gather(*(p.wait_frames(q.you, count=start[(p, q.you)] + count, timeout=timeout)
                           for p in peers for q in peers if q is not p))


async def come_back(old, timeout=60):
    """What a client does when its node goes away: a new socket and peer
    connections, resume (refused or redirected), then a join with the
    link; an admitted participant goes straight into the call."""
    fresh = ClusterPeer(old.entries, old.token, old.label, **MEDIA)
    fresh.entries = [old.url] + [u for u in old.entries if u != old.url]
    deadline = time.monotonic() + timeout
    reply = await fresh.ask({"type": "resume", "secret": old.secret}, deadline)
    if reply.get("type") != "resumed":
        assert "resume-expired" in reply.get("message", ""), (old.label, reply)
        await fresh._drop_socket()
        reply = await fresh.ask(fresh.join_message, deadline)
        assert reply.get("type") == "joined", f"{old.label} not back in the call: {reply}"
        fresh.joined, fresh.you, fresh.secret = reply, reply["you"]["id"], reply.get("resume")
        await fresh.publish()
    fresh.redirects += old.redirects
    return fresh


async def wait_closed(peers, timeout):
    deadline = time.monotonic() + timeout
    while not all(p.closed() for p in peers):
        assert time.monotonic() < deadline, "sockets not closed by the drain"
        await asyncio.sleep(0.1)


async def test_failover_and_drain(binary, test_dir):
    redis = Redis(test_dir)
    dirs = [os.path.join(test_dir, f"node{i}") for i in (1, 2, 3)]
    nodes, peers = {}, []
    try:
        # Node 1's state dir first: its store, API key and link secret are
        # everyone's.
        key = api_key(binary, dirs[0])
        for d in dirs[1:]:
            os.makedirs(d)
            shutil.copy(os.path.join(dirs[0], "token-secret"), d)
            share_store(dirs[0], d)
        for i, d in enumerate(dirs, 1):
            nodes[f"n{i}"] = harness.Server(
                binary, d, f"cluster.redis=unix:{redis.sock}", f"cluster.node_id=n{i}",
                f"server.drain_secs={DRAIN_SECS}", "server.drain_warning_secs=2",
                "signaling.resume_grace_seconds=10")
        n1, n2, n3 = nodes["n1"], nodes["n2"], nodes["n3"]
        # Ready once each node's record is in the registry.
        for n in nodes.values():
            deadline = time.monotonic() + 15
            while n.get("/readyz")[0] != 200:
                assert time.monotonic() < deadline, f"{n.ws_url}: /readyz not 200"
                await asyncio.sleep(0.1)

        status, _, body = call(n1, "POST", "/api/v1/consultations", booking(
            autoAdmit=[], participants=[{"name": "Dr Berg", "role": "host"},
                                        {"name": "Astrid", "role": "patient"},
                                        {"name": "Bo", "role": "relative"}]), key=key)
        assert status == 201, body
        cid = body["id"]
        tokens = {p["role"]: token_of(n1, p["link"], cid) for p in body["participants"]}
        ids = {p["role"]: p["id"] for p in body["participants"]}
        host = ClusterPeer([n2.ws_url, n3.ws_url, n1.ws_url], tokens["host"], "host", **MEDIA)
        patient = ClusterPeer([n3.ws_url, n2.ws_url, n1.ws_url], tokens["patient"], "patient",
                              **MEDIA)
        relative = ClusterPeer([n3.ws_url, n1.ws_url, n2.ws_url], tokens["relative"], "relative",
                               **MEDIA)
        peers = [host, patient, relative]

        # Everyone lands on the owner; the host admits the others there.
        assert (await host.enter())["type"] == "joined"
        await host.publish()
        for p in (patient, relative):
            assert (await p.enter())["type"] == "waiting", p.joined
            await host.request({"type": "admit", "participant": ids[p.label]})
            await p.in_call()
            await p.publish()
        owner = owner_url(redis, nodes, cid)
        assert owner is not None and all(p.url == owner for p in peers), \
            (owner, [p.url for p in peers])
        assert patient.redirects >= 1 and relative.redirects >= 1
        await decoding(peers, 5, 40)
        print(f"joined: 3 participants on {owner} "
              f"(redirects: {[p.redirects for p in peers]})")

        # Kill -9 the owner: everyone decodes again on another node.
        dead = next(n for n in nodes.values() if n.ws_url == owner)
        kill9(dead)
        t0 = time.monotonic()
        for p in peers:
            await p.close()
        peers = list(await asyncio.gather(*(come_back(p) for p in peers)))
        await decoding(peers, 3, 40)
        failover = time.monotonic() - t0
        new_owner = owner_url(redis, nodes, cid)
        assert new_owner not in (None, owner), new_owner
        assert all(p.url == new_owner for p in peers), [p.url for p in peers]
        assert not any(p.got("waiting") for p in peers)
        print(f"failover: {len(peers)} participants decoding again after {failover:.1f} s")

        # Drain the new owner: not ready at once, the call goes on to the
        # deadline, then moves to the last node without a drop.
        drained = next(n for n in nodes.values() if n.ws_url == new_owner)
        drained.proc.send_signal(signal.SIGTERM)
        t1 = time.monotonic()
        deadline = t1 + 5
        while drained.get("/readyz")[0] != 503:
            assert time.monotonic() < deadline, "/readyz not 503 while draining"
            await asyncio.sleep(0.05)
        await decoding(peers, 2, DRAIN_SECS + 5)  # still flowing while draining
        await wait_closed(peers, DRAIN_SECS + 15)
        for p in peers:
            await p.close()
        peers = list(await asyncio.gather(*(come_back(p) for p in peers)))
        await decoding(peers, 3, 40)
        moved = time.monotonic() - t1
        last = owner_url(redis, nodes, cid)
        assert last not in (None, owner, new_owner), last
        assert all(p.url == last for p in peers), [p.url for p in peers]
        assert not any(p.got("waiting") for p in peers)
        assert drained.proc.wait(timeout=15) == 0, "the drained node did not exit 0"
        drained.log.close()
        with open(drained.log.name) as f:
            text = f.read()
        for bad in ("CRITICAL", "LeakSanitizer", "AddressSanitizer", "runtime error"):
            assert bad not in text, f"{bad} in {drained.log.name}"
        print(f"drain: {len(peers)} participants moved to {last}, decoding again "
              f"{moved:.1f} s after SIGTERM (deadline {DRAIN_SECS} s)")
    finally:
        for p in peers:
            await p.close()
        for n in nodes.values():
            if n.proc.poll() is None:
                n.stop()
            else:
                stop_quietly(n)
        redis.stop()


async def test_registry_outage(binary, test_dir):
    """Redis goes away: /readyz 503 and nara_registry_up 0, the call on the
    node goes on, a consultation that would start gets
    cluster-unavailable; Redis back: ready again, by itself."""
    redis = Redis(test_dir)
    node_dir = os.path.join(test_dir, "node")
    key = api_key(binary, node_dir)
    node = harness.Server(binary, node_dir, f"cluster.redis=unix:{redis.sock}",
                          "cluster.node_id=solo")
    clients = []
    try:
        await until(lambda: node.get("/readyz")[0] == 200, 15, "/readyz 200")
        books = []
        for _ in range(2):
            status, _, body = call(node, "POST", "/api/v1/consultations", booking(), key=key)
            assert status == 201, body
            books.append(body)
        host_token = token_of(node, books[0]["participants"][0]["link"], books[0]["id"])
        host = await harness.Client.connect(node)
        clients.append(host)
        await host.hello()
        i = await host.request({"type": "join", "token": host_token})
        joined = await host.expect("joined", id=i)
        host.pid = joined["you"]["id"]
        await host.expect("waiting-list")
        assert node.metrics()["nara_owned_rooms"] == 1

        redis.stop(keep_socket_dir=True)
        await until(lambda: node.get("/readyz")[0] == 503, 15, "/readyz 503 without Redis")
        assert b"registry-unreachable" in node.get("/readyz")[2]
        assert node.metrics()["nara_registry_up"] == 0
        await harness.chat_flows(host)  # the call it has goes on
        other = await harness.Client.connect(node)
        clients.append(other)
        await other.hello()
        i = await other.request({"type": "join", "token": token_of(
            node, books[1]["participants"][0]["link"], books[1]["id"])})
        await other.expect_error("cluster-unavailable", i)

        redis = Redis(test_dir, sock=redis.sock)  # the same socket path
        await until(lambda: node.get("/readyz")[0] == 200, 20, "/readyz 200 with Redis back")
        assert node.metrics()["nara_registry_up"] == 1
        # The live room's lease is taken back at the next tick.
        await until(lambda: redis.command("GET", f"nara:owner:c:{books[0]['id']}") == "solo", 10,
                    "the lease taken back")
    finally:
        for c in clients:
            await c.close()
        node.stop()
        redis.stop()


async def test_socket_path_too_long(binary, test_dir):
    """A unix socket path that connect() would cut is refused at start-up
    with the setting named, not failed on later as an unreachable Redis."""
    path = "/" + "r" * 120 + "/redis.sock"
    p = subprocess.run([binary, "--listen", f"127.0.0.1:{harness.free_port()}",
                        "--state-dir", os.path.join(test_dir, "long"),
                        "--set", "media.ice_addresses=127.0.0.1",
                        "--set", f"cluster.redis=unix:{path}", "--set", "cluster.node_id=x"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "cluster.redis" in p.stderr and "shorter than" in p.stderr, \
        (p.returncode, p.stderr[-400:])


async def until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    # harness.run bounds a test at 60 s; three nodes, a failover and a
    # drain on a loaded machine need more, and every wait inside is bounded.
    os.makedirs(sys.argv[2], exist_ok=True)
    failed = 0
    for test in (test_failover_and_drain, test_registry_outage, test_socket_path_too_long):
        test_dir = harness.tempfile.mkdtemp(prefix=test.__name__ + "-", dir=sys.argv[2])
        try:
            if harness.use_postgresql(test.__name__):
                print(f"{test.__name__}: store in PostgreSQL")
            asyncio.run(asyncio.wait_for(test(sys.argv[1], test_dir), 300))
            print(f"ok - {test.__name__}")
        except Exception as e:
            failed += 1
            print(f"not ok - {test.__name__}: {type(e).__name__}: {e}")
            harness.traceback.print_exc()
    sys.exit(1 if failed else 0)
