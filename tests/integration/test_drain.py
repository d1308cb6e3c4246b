#!/usr/bin/env python3
"""test_drain.py - SIGTERM takes the node out of service without dropping a call.

Usage: test_drain.py NARA_BINARY STATE_DIR
- test_deadline: after SIGTERM /readyz answers 503 while /healthz stays
  200; a join that would start a new room gets `draining`, a join into a
  live room still works and the call goes on (chat); everyone in the call
  is told the deadline (`draining`), and at the deadline their sockets
  close with 1012 (service restart); a session that only said hello does
  not hold the exit; the process exits 0.
- test_empty_exit: with a long deadline, the process exits 0 as soon as
  the last participant leaves.
- test_second_sigterm: a second SIGTERM stops at once (exit 0), calls or not.
"""
import asyncio
import signal
import sys
import time

from harness import TIMEOUT, Client, Server, chat_flows, room_of, run


async def until(predicate, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout} s")
        await asyncio.sleep(0.05)


def noting_draining(client):
    """The client keeps each `draining` aside whenever it comes (the warning
    may arrive amid other messages on a loaded machine) and skips it in
    expect(); drainings() waits for one."""
    client.SKIP = {"candidate", "draining"}
    client.seen_draining = []
    recv = client.recv

    async def noting_recv(timeout=TIMEOUT):
        msg = await recv(timeout)
        if msg.get("type") == "draining":
            client.seen_draining.append(msg)
        return msg

    client.recv = noting_recv
    return client


async def draining_told(client, timeout):
    deadline = time.monotonic() + timeout
    while not client.seen_draining:
        left = deadline - time.monotonic()
        assert left > 0, "no draining message"
        try:
            msg = await client.recv(left)
        except asyncio.TimeoutError:
            continue
        assert msg.get("type") in client.SKIP, f"unexpected {msg}"
    return client.seen_draining[0]


async def exited(server, timeout):
    await until(lambda: server.proc.poll() is not None, timeout, "exit")
    assert server.proc.returncode == 0, f"exit code {server.proc.returncode}"


async def test_deadline(binary, state_dir):
    with Server(binary, state_dir, "rooms.open=true", "server.drain_secs=8",
                "server.drain_warning_secs=6") as server:
        assert server.get("/readyz")[0] == 200
        a, b = map(noting_draining, await room_of(server, "ward", "Astrid", "Bo"))
        idle = await Client.connect(server)
        await idle.hello()

        server.proc.send_signal(signal.SIGTERM)
        await until(lambda: server.get("/readyz")[0] == 503, what="/readyz 503")
        status, _, body = server.get("/readyz")
        assert b'"draining"' in body, body
        assert server.get("/healthz")[0] == 200

        late = noting_draining(await Client.connect(server))
        await late.hello()
        i = await late.request({"type": "join", "room": "elsewhere", "name": "Cai"})
        msg = await late.expect_error("draining", i)
        assert "restart" in msg["message"], msg
        joined = await late.join("ward", "Cai")
        late.pid = joined["you"]["id"]
        for c in (a, b):
            await c.expect("participant-joined")
        await chat_flows(a, b, late, text="still in the call while draining")

        for c in (a, b, late):
            msg = await draining_told(c, timeout=8)
            assert 0 <= msg["seconds"] <= 8 and msg["deadline"].endswith("Z"), msg
        for c in (a, b, late):
            await c.expect_closed(1012, timeout=10)
        await exited(server, 5)


async def test_empty_exit(binary, state_dir):
    with Server(binary, state_dir, "rooms.open=true", "server.drain_secs=600") as server:
        a, b = await room_of(server, "ward", "Astrid", "Bo")
        server.proc.send_signal(signal.SIGTERM)
        await until(lambda: server.get("/readyz")[0] == 503, what="/readyz 503")
        await chat_flows(a, b, text="the call goes on")
        assert server.proc.poll() is None, "exited with a call still live"
        for c in (a, b):
            await c.request({"type": "leave"})
        await exited(server, 5)


async def test_second_sigterm(binary, state_dir):
    with Server(binary, state_dir, "rooms.open=true", "server.drain_secs=600") as server:
        a, b = await room_of(server, "ward", "Astrid", "Bo")
        server.proc.send_signal(signal.SIGTERM)
        await until(lambda: server.get("/readyz")[0] == 503, what="/readyz 503")
        await asyncio.sleep(0.5)
        assert server.proc.poll() is None, "exited with a call still live"
        server.proc.send_signal(signal.SIGTERM)
        await exited(server, 5)


if __name__ == "__main__":
    run([test_deadline, test_empty_exit, test_second_sigterm], sys.argv[1], sys.argv[2])
