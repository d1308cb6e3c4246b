"""test_limits.py - hostile and oversized input against the real nara.

Usage: test_limits.py NARA_BINARY STATE_DIR
After each bad message a healthy client in the same room must still get
chat: a bad message changes nothing else. Covers bad JSON and UTF-8,
unknown types, missing and wrongly typed fields, over-long names and chat,
deep nesting, oversized and fragmented messages (close 1009), the rate
limit (rate-limited, then 1008), the room and node limits, trickled ICE
candidates per connection and the hello deadline (close 1008).
"""
import asyncio
import json
import sys
import time

import websockets
from harness import SDP_OFFER, TIMEOUT, Client, Server, chat_flows, room_of, run, tls_context

from websockets.frames import OP_TEXT


async def bad_then_healthy(bad, healthy, payload, code, raw=False):
    """Send one bad message from `bad`; it gets `code`; the room still works."""
    await bad.send(payload if raw else json.dumps(payload))
    err = await bad.expect_error(code)
    assert err.get("message"), err
    await chat_flows(healthy, bad)


async def test_malformed(binary, state_dir):
    with Server(binary, state_dir) as server:
        bad, ok = await room_of(server, "bad", "Bad", "Ok")
        await bad_then_healthy(bad, ok, "{not json", "bad-json", raw=True)
        await bad_then_healthy(bad, ok, "[1, 2]", "bad-json", raw=True)
        await bad_then_healthy(bad, ok, '{"type":"chat","id":1,"id":2,"text":"x"}', "bad-json",
                               raw=True)
        await bad_then_healthy(bad, ok, b"\x00\x01binary", "bad-json", raw=True)
        # A text frame that is not UTF-8 (the client library would refuse to build one).
        await bad.ws.write_frame(True, OP_TEXT, b'{"type":"chat","text":"\xff\xfe"}')
        await bad.expect_error("bad-json")
        await chat_flows(ok, bad)
        deep = '{"type":"ping","id":1,"x":' + "[" * 50 + "]" * 50 + "}"
        await bad_then_healthy(bad, ok, deep, "bad-json", raw=True)
        await bad_then_healthy(bad, ok, {"id": 3}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": 5, "id": 3}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "dance", "id": 3}, "unknown-type")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": 3}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "text": "no id"}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": "3", "text": "x"}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": -3, "text": "x"}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": 3, "text": 42}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": 3, "text": ""}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": 3, "text": "a\u0007b"},
                               "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": 3, "text": "x" * 2001},
                               "bad-message")
        await bad_then_healthy(bad, ok, {"type": "chat", "id": 3, "text": "x\u0000y"},
                               "bad-message")
        await bad_then_healthy(bad, ok, {"type": "mute", "id": 3, "kind": "audio",
                                         "muted": "yes"}, "bad-message")
        await bad_then_healthy(bad, ok, {"type": "publish", "id": 3, "sdp": "v=0" + "x" * 70000},
                               "bad-message")
        # The longest allowed chat passes, with a multi-byte character at the end.
        await chat_flows(bad, ok, text="x" * 1999 + "ä")
        # Errors echo the id of a request they could read.
        await bad.send({"type": "chat", "id": 77, "text": ""})
        await bad.expect_error("bad-message", 77)
        await chat_flows(ok, bad)


async def test_names(binary, state_dir):
    with Server(binary, state_dir) as server:
        (ok,) = await room_of(server, "names", "Ok")
        x = await Client.connect(server)
        await x.hello()
        for room, name in (("names", "x" * 65), ("names", "   "), ("names", "a\u202eb"),
                           ("names", "tab\tname"), ("bad room", "X"), ("", "X"),
                           ("r" * 65, "X"), ("names/..", "X")):
            i = await x.request({"type": "join", "room": room, "name": name})
            await x.expect_error("bad-message", i)
        await chat_flows(ok)
        joined = await x.join("names", " " + "é" * 64 + " ")
        assert joined["you"]["name"] == "é" * 64
        await ok.expect("participant-joined")
        x.pid = joined["you"]["id"]
        await chat_flows(x, ok)


async def test_message_size(binary, state_dir):
    with Server(binary, state_dir) as server:
        bad, ok = await room_of(server, "size", "Bad", "Ok")
        # Fragments within the limit are reassembled.
        text = "fragmented " * 1000
        frame = json.dumps({"type": "chat", "id": 5, "text": text[:1990]})
        await bad.ws.send([frame[:7], frame[7:500], frame[500:]])
        await bad.expect("ok", id=5)
        await bad.expect("chat")
        await ok.expect("chat")
        # 300 KiB in one frame, then in fragments: both close with 1009.
        await bad.send(json.dumps({"type": "chat", "id": 6, "text": "x" * 300000}))
        await bad.expect_closed(1009)
        await ok.expect("participant-left", participant=bad.pid, reason="disconnected")
        (bad2,) = await room_of(server, "size", "Bad2")
        await ok.expect("participant-joined")
        chunk = "x" * 65536
        await bad2.ws.send(['{"type":"chat","id":7,"text":"'] + [chunk] * 5 + ['"}'])
        await bad2.expect_closed(1009)
        await ok.expect("participant-left", reason="disconnected")
        await chat_flows(ok)


async def test_rate_limit(binary, state_dir):
    with Server(binary, state_dir, "signaling.messages_per_second=5") as server:
        bad, ok = await room_of(server, "rate", "Bad", "Ok")
        await asyncio.sleep(1.0)  # refill what hello and join used
        for _ in range(15):
            await bad.request({"type": "ping"})
        pongs = 0
        while True:
            msg = await bad.recv()
            if msg["type"] == "pong":
                pongs += 1
                continue
            assert msg["type"] == "error" and msg["code"] == "rate-limited", msg
            break
        assert 9 <= pongs <= 11, f"burst of 10 expected, got {pongs}"
        await chat_flows(ok, bad)
        await asyncio.sleep(1.0)
        i = await bad.request({"type": "ping"})
        await bad.expect("pong", id=i)
        # Sustained abuse closes the socket with 1008; the room goes on.
        # Paced (100/s, over the limit of 5/s) and stopped once the server
        # closes: writing into a closed socket would reset it and lose the
        # close frame on the client side.
        for _ in range(300):
            if not bad.ws.open:
                break
            await bad.request({"type": "ping"})
            await asyncio.sleep(0.01)
        await bad.expect_closed(1008)
        await ok.expect("participant-left", participant=bad.pid, reason="disconnected")
        await chat_flows(ok)


async def test_room_limits(binary, state_dir):
    with Server(binary, state_dir, "signaling.max_participants=2",
                "signaling.max_rooms=2") as server:
        a, b = await room_of(server, "one", "A", "B")
        x = await Client.connect(server)
        await x.hello()
        i = await x.request({"type": "join", "room": "one", "name": "X"})
        await x.expect_error("room-full", i)
        await x.join("two", "X")
        y = await Client.connect(server)
        await y.hello()
        i = await y.request({"type": "join", "room": "three", "name": "Y"})
        await y.expect_error("too-many-rooms", i)
        await chat_flows(a, b)
    with Server(binary, state_dir, "rooms.open=false") as server:
        x = await Client.connect(server)
        await x.hello()
        i = await x.request({"type": "join", "room": "demo", "name": "X"})
        await x.expect_error("room-closed", i)


async def test_candidates(binary, state_dir):
    """Trickled candidates per peer connection are capped; nothing else changes."""
    with Server(binary, state_dir, "signaling.max_candidates=5") as server:
        bad, ok = await room_of(server, "cands", "Bad", "Ok")
        # Candidates need a connection to go to: Bad publishes, and Ok's
        # tracks make Nara offer Bad its subscribe connection.
        i = await bad.request({"type": "publish", "sdp": SDP_OFFER})
        await bad.expect("answer", id=i, pc="publish")
        for _ in range(2):
            await ok.expect("track-added", participant=bad.pid)
        await ok.expect("offer", pc="subscribe")
        i = await ok.request({"type": "publish", "sdp": SDP_OFFER})
        await ok.expect("answer", id=i, pc="publish")
        for _ in range(2):
            await bad.expect("track-added", participant=ok.pid)
        await bad.expect("offer", pc="subscribe")

        def candidate(pc, n):
            return {"type": "candidate", "pc": pc, "candidate": {
                "candidate": f"candidate:{n} 1 udp 2122260223 192.0.2.{n} 50000 typ host",
                "sdpMid": "0", "sdpMLineIndex": 0}}
        for n in range(5):
            await bad.request(candidate("publish", n + 1))
        await bad.quiet()
        i = await bad.request(candidate("publish", 6))
        await bad.expect_error("too-many-candidates", i)
        # End of candidates is not a candidate; the other connection has its own budget.
        await bad.request({"type": "candidate", "pc": "publish", "candidate": None})
        await bad.request({"type": "candidate", "pc": "publish", "candidate": {"candidate": ""}})
        for n in range(5):
            await bad.request(candidate("subscribe", n + 1))
        await bad.quiet()
        i = await bad.request(candidate("subscribe", 6))
        await bad.expect_error("too-many-candidates", i)
        await chat_flows(ok, bad)
        await chat_flows(bad, ok)


async def test_hello_timeout(binary, state_dir):
    """A WebSocket that never says hello is closed (1008); one that did stays."""
    with Server(binary, state_dir, "signaling.hello_timeout_secs=2") as server:
        ok, other = await room_of(server, "hello", "Ok", "Other")
        silent = await Client.connect(server)
        start = time.monotonic()
        await silent.expect_closed(1008, timeout=5)
        took = time.monotonic() - start
        assert 1.5 < took < 4, f"closed after {took:.1f} s, bound 2 s"
        await asyncio.sleep(1)
        await chat_flows(ok, other)
        assert server.health()["sessions"] == 2


async def test_keepalive(binary, state_dir):
    """A client that stops reading (no pong) is dropped; a live one stays.
    Dropped by the keepalive, it may still resume: it leaves after the
    grace window."""
    with Server(binary, state_dir, "server.ws_ping_secs=5",
                "server.ws_timeout_secs=10", "signaling.resume_grace_seconds=2") as server:
        live, dead = await room_of(server, "alive", "Live", "Dead")
        dead.ws.transport.pause_reading()
        await live.expect("participant-reconnecting", participant=dead.pid, timeout=20)
        await live.expect("participant-left", participant=dead.pid, reason="disconnected",
                          timeout=10)
        await chat_flows(live)


async def test_keepalive_client_pings(binary, state_dir):
    """Idle clients that ping on the server's own period (as Python's
    websockets does, every 20 s by default) get their pongs and stay past
    ws_timeout_secs. libwebsockets' own keepalive answered such a ping with
    its own ping's payload when both fell together, and the client hung up."""
    with Server(binary, state_dir, "server.ws_ping_secs=5",
                "server.ws_timeout_secs=10") as server:
        clients = []
        for name in ("A", "B", "C"):
            ws = await websockets.connect(server.ws_url, ssl=tls_context(), ping_interval=5,
                                          ping_timeout=5, open_timeout=TIMEOUT, close_timeout=2)
            c = Client(ws)
            await c.hello()
            joined = await c.join("pings", name)
            c.pid = joined["you"]["id"]
            for other in clients:
                await other.expect("participant-joined")
            clients.append(c)
        await asyncio.sleep(22)
        for c in clients:
            assert c.ws.open, f"{c.pid} closed {c.ws.close_code} {c.ws.close_reason}"
        await chat_flows(clients[0], *clients[1:])
        for c in clients:
            await c.close()


async def test_slow_reader(binary, state_dir):
    """A client that does not read is dropped when its queue overflows."""
    with Server(binary, state_dir, "signaling.max_queued_messages=16",
                "signaling.messages_per_second=100000") as server:
        fast, slow = await room_of(server, "slow", "Fast", "Slow")
        slow.ws.transport.pause_reading()
        text = "x" * 1999
        dropped = False
        # Batches of 4 (8 replies to `fast`, within its queue of 16); up to
        # 40 MB in all, far beyond what socket buffers hold for `slow`.
        for batch in range(5000):
            for n in range(4):
                await fast.send({"type": "chat", "id": batch * 4 + n, "text": text})
            # Read our own replies up to this batch's last ok, so only `slow` lags.
            while True:
                msg = await fast.recv()
                if msg.get("type") == "participant-left":
                    assert msg["participant"] == slow.pid and msg["reason"] == "disconnected"
                    dropped = True
                if msg.get("type") == "ok" and msg.get("id") == batch * 4 + 3:
                    break
            if dropped:
                break
        assert dropped, "the slow reader was never dropped"
        try:  # what is still on its way to `fast`
            while True:
                await fast.recv(0.5)
        except asyncio.TimeoutError:
            pass
        await chat_flows(fast)


if __name__ == "__main__":
    run([test_malformed, test_names, test_message_size, test_rate_limit, test_room_limits,
         test_candidates, test_hello_timeout, test_keepalive, test_keepalive_client_pings,
         test_slow_reader],
        sys.argv[1], sys.argv[2])
