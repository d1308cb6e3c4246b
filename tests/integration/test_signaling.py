"""test_signaling.py - protocol v1 exchanges against the real nara.

Usage: test_signaling.py NARA_BINARY STATE_DIR
Three clients hello, join, chat, mute and leave; media messages go through
the real media module (publish answer, track-added, subscribe offer,
bad and stale answers, an answer refusing a codec). Every server is stopped with SIGTERM (exit 0).
"""
import asyncio
import sys

from harness import SDP_OFFER, Client, Server, chat_flows, room_of, run


async def test_three_clients_chat(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b, c = await room_of(server, "demo", "Astrid", "Bo", "Cecilia")
        assert server.health()["sessions"] == 3 and server.health()["rooms"] == 1
        await chat_flows(a, b, c, text="Hej! Can you hear me?\nsecond line")
        await chat_flows(c, a, b, text="ä ö ü 👩‍⚕️")
        for x in (a, b, c):
            await x.quiet()


async def test_joined_lists_others(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b = await room_of(server, "list", "  Astrid  ", "Bo")
        c = await Client.connect(server, subprotocol=False)
        await c.hello()
        joined = await c.join("list", "Cecilia")
        others = joined["participants"]
        assert [p["name"] for p in others] == ["Astrid", "Bo"], others
        assert all(p["tracks"] == [] and p["audioMuted"] is False for p in others)
        assert joined["you"]["name"] == "Cecilia"
        ids = {a.pid, b.pid, joined["you"]["id"]}
        assert len(ids) == 3, "participant ids are unique"
        for x in (a, b):
            ev = await x.expect("participant-joined")
            assert ev["participant"]["name"] == "Cecilia"


async def test_mute(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b = await room_of(server, "mute", "A", "B")
        i = await a.request({"type": "mute", "kind": "audio", "muted": True})
        await a.expect("ok", id=i)
        for x in (a, b):
            await x.expect("mute-changed", participant=a.pid, kind="audio", muted=True)
        c = await Client.connect(server)
        await c.hello()
        joined = await c.join("mute", "C")
        assert joined["participants"][0]["audioMuted"] is True
        assert joined["participants"][0]["videoMuted"] is False
        await a.expect("participant-joined")
        await b.expect("participant-joined")
        i = await a.request({"type": "mute", "kind": "smell", "muted": True})
        await a.expect_error("bad-message", i)
        await chat_flows(b, a)


async def test_leave_and_disconnect(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b, c = await room_of(server, "bye", "A", "B", "C")
        i = await a.request({"type": "leave"})
        await a.expect("ok", id=i)
        await a.expect_closed(1000)
        for x in (b, c):
            await x.expect("participant-left", participant=a.pid, reason="left")
        await b.close()
        await c.expect("participant-left", participant=b.pid, reason="disconnected")
        await chat_flows(c)
        await c.close()
        for _ in range(50):
            if server.health()["rooms"] == 0:
                break
            await asyncio.sleep(0.1)
        assert server.health() ["rooms"] == 0, "an empty room is freed"


async def test_order_rules(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b = await room_of(server, "order", "A", "B")
        x = await Client.connect(server)
        i = await x.request({"type": "join", "room": "order", "name": "X"})
        await x.expect_error("not-hello", i)
        i = await x.request({"type": "chat", "text": "hi"})
        await x.expect_error("not-hello", i)
        await x.hello()
        i = await x.request({"type": "hello", "version": 1})
        await x.expect_error("bad-message", i)
        i = await x.request({"type": "chat", "text": "hi"})
        await x.expect_error("not-joined", i)
        i = await x.request({"type": "publish", "sdp": SDP_OFFER})
        await x.expect_error("not-joined", i)
        i = await x.request({"type": "ping"})
        await x.expect("pong", id=i)
        await x.join("order", "X")
        i = await x.request({"type": "join", "room": "order", "name": "X"})
        await x.expect_error("already-joined", i)
        await a.expect("participant-joined")
        await b.expect("participant-joined")
        await chat_flows(a, b, x)


async def test_bad_version(binary, state_dir):
    with Server(binary, state_dir) as server:
        x = await Client.connect(server)
        i = await x.request({"type": "hello", "version": 0})
        await x.expect_error("bad-version", i)
        await x.expect_closed(1008)


async def test_publish_and_subscribe(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b = await room_of(server, "media", "A", "B")
        i = await a.request({"type": "publish", "sdp": SDP_OFFER})
        ans = await a.expect("answer", id=i, pc="publish")
        assert ans["sdp"].startswith("v=0")
        added = [await b.expect("track-added", participant=a.pid) for _ in range(2)]
        kinds = sorted(ev["track"]["kind"] for ev in added)
        assert kinds == ["audio", "video"], kinds
        offer = await b.expect("offer", pc="subscribe")
        assert offer["revision"] == 1 and "m=audio" in offer["sdp"]
        # A wrong revision is stale; an unusable SDP is bad-sdp; both change nothing.
        i = await b.request({"type": "answer", "pc": "subscribe", "revision": 7, "sdp": "v=0\r\n"})
        await b.expect_error("stale-answer", i)
        i = await b.request({"type": "answer", "pc": "subscribe", "revision": 1,
                             "sdp": "this is not SDP"})
        await b.expect_error("bad-sdp", i)
        await chat_flows(a, b)
        i = await a.request({"type": "publish", "sdp": "garbage"})
        await a.expect_error("bad-sdp", i)
        i = await a.request({"type": "answer", "pc": "publish", "sdp": "v=0\r\n"})
        await a.expect_error("bad-message", i)
        await chat_flows(b, a)
        # A newcomer gets the published tracks in joined and in its first offer.
        c = await Client.connect(server)
        await c.hello()
        joined = await c.join("media", "C")
        pa = [p for p in joined["participants"] if p["id"] == a.pid][0]
        assert len(pa["tracks"]) == 2
        offer = await c.expect("offer", pc="subscribe", revision=1)
        assert f"{a.pid} " in offer["sdp"], "msid names the publisher"
        await a.expect("participant-joined")
        await b.expect("participant-joined")
        # The publisher leaves: others see its tracks go.
        await a.close()
        for x in (b, c):
            await x.expect("track-removed", participant=a.pid)
            await x.expect("track-removed", participant=a.pid)
            await x.expect("participant-left", participant=a.pid, reason="disconnected")
        await chat_flows(b, c)


FINGERPRINT = ":".join(["AB"] * 32)


def subscribe_answer(offer_sdp, refuse_video):
    """An answer to Nara's subscribe offer: audio taken, video refused with
    port 0, as a browser that cannot decode the video's codec answers."""
    lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    media, bundle = [], []
    for section in offer_sdp.split("\r\nm=")[1:]:
        head = section.split("\r\n")[0]
        kind, fmt = head.split(" ")[0], head.split(" ")[3]
        mid = [x for x in section.split("\r\n") if x.startswith("a=mid:")][0][6:]
        rtpmap = [x for x in section.split("\r\n") if x.startswith(f"a=rtpmap:{fmt} ")][0]
        if kind == "video" and refuse_video:
            media += [f"m=video 0 UDP/TLS/RTP/SAVPF {fmt}", "c=IN IP4 0.0.0.0", f"a=mid:{mid}"]
            continue
        bundle.append(mid)
        media += [f"m={kind} 9 UDP/TLS/RTP/SAVPF {fmt}", "c=IN IP4 0.0.0.0",
                  "a=ice-ufrag:wxyz", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
                  f"a=fingerprint:sha-256 {FINGERPRINT}", "a=setup:active", f"a=mid:{mid}",
                  "a=recvonly", "a=rtcp-mux", rtpmap]
    lines.append("a=group:BUNDLE " + " ".join(bundle))
    return "\r\n".join(lines + media) + "\r\n"


async def test_codec_unplayable(binary, state_dir):
    """A publisher listing H.264 first gets H.264 (its preference); a
    subscriber whose answer refuses it is told, and the call goes on."""
    h264 = SDP_OFFER.replace("a=rtpmap:96 VP8/90000",
                             "a=rtpmap:96 H264/90000\r\na=fmtp:96 level-asymmetry-allowed=1;"
                             "packetization-mode=1;profile-level-id=42e01f")
    with Server(binary, state_dir) as server:
        a, b = await room_of(server, "codecs", "A", "B")
        i = await a.request({"type": "publish", "sdp": h264})
        ans = await a.expect("answer", id=i, pc="publish")
        assert "a=rtpmap:96 H264/90000" in ans["sdp"], ans["sdp"]
        added = [await b.expect("track-added", participant=a.pid) for _ in range(2)]
        video = [ev["track"]["id"] for ev in added if ev["track"]["kind"] == "video"][0]
        offer = await b.expect("offer", pc="subscribe")
        assert "H264/90000" in offer["sdp"] and "VP8" not in offer["sdp"], offer["sdp"]
        await b.send({"type": "answer", "pc": "subscribe", "revision": offer["revision"],
                      "sdp": subscribe_answer(offer["sdp"], refuse_video=True)})
        msg = await b.expect("track-unplayable", track=video)
        assert msg["codec"] == "H264" and msg["reason"] == "codec", msg
        # Nothing else failed: no error, the call goes on.
        await chat_flows(a, b)
        await chat_flows(b, a)
        # C publishes VP8 as 96 too: in B's one BUNDLE group 96 can mean one
        # codec only (RFC 8843), so C's video is offered under another number.
        c = await Client.connect(server)
        await c.hello()
        c.pid = (await c.join("codecs", "C"))["you"]["id"]
        await a.expect("participant-joined")
        await b.expect("participant-joined")
        await c.request({"type": "publish", "sdp": SDP_OFFER})
        while (await c.recv())["type"] != "answer":
            pass  # A's tracks and their subscribe offer came first
        for _ in range(2):
            await b.expect("track-added", participant=c.pid)
        offer = await b.expect("offer", pc="subscribe")
        rtpmaps = [x for x in offer["sdp"].split("\r\n") if x.startswith("a=rtpmap:")]
        h264 = [x.split()[0][9:] for x in rtpmaps if x.endswith(" H264/90000")]
        vp8 = [x.split()[0][9:] for x in rtpmaps if x.endswith(" VP8/90000")]
        assert len(h264) == 1 and len(vp8) == 1 and h264 != vp8, rtpmaps
        assert h264 == ["96"], "the slot offered before keeps its number"


def candidate(pc, n, transport="udp"):
    return {"type": "candidate", "pc": pc, "candidate": {
        "candidate": f"candidate:{n} 1 {transport} 2122260223 192.0.2.{n} 50000 typ host"
                     + (" tcptype active" if transport == "tcp" else ""),
        "sdpMid": "0", "sdpMLineIndex": 0}}


async def test_candidates(binary, state_dir):
    with Server(binary, state_dir, "signaling.max_candidates=2") as server:
        a, b = await room_of(server, "cand", "A", "B")
        # Before publish (and before Nara's first subscribe offer) there is
        # no connection to trickle into: refused, not dropped unseen.
        i = await a.request(candidate("publish", 1))
        await a.expect_error("no-peer-connection", i)
        i = await a.request({"type": "candidate", "pc": "publish", "candidate": None})
        await a.expect_error("no-peer-connection", i)
        i = await a.request(candidate("subscribe", 1))
        await a.expect_error("no-peer-connection", i)
        i = await a.request({"type": "publish", "sdp": SDP_OFFER})
        await a.expect("answer", id=i, pc="publish")
        # The candidate object is checked field by field: bad-candidate,
        # a bare string where the object belongs included.
        for bad in ({"candidate": 5}, {"sdpMid": "0"}, {"candidate": "", "sdpMid": 5},
                    {"candidate": "", "sdpMLineIndex": "0"}, {"candidate": "hello world"},
                    "candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host"):
            i = await a.request({"type": "candidate", "pc": "publish", "candidate": bad})
            await a.expect_error("bad-candidate", i)
        i = await a.request({"type": "candidate", "pc": "sideways", "candidate": None})
        await a.expect_error("bad-message", i)
        # TCP candidates (browsers trickle them routinely) are accepted and
        # ignored: no error, and they do not use up the connection's two.
        for n in range(3):
            await a.request(candidate("publish", n + 1, "tcp"))
        await a.request(candidate("publish", 1))
        await a.request(candidate("publish", 2))
        await a.quiet()
        i = await a.request(candidate("publish", 3))
        await a.expect_error("too-many-candidates", i)
        await a.send({"type": "candidate", "pc": "publish", "candidate": None})
        # B's subscribe connection exists once Nara offered it A's tracks.
        for _ in range(2):
            await b.expect("track-added", participant=a.pid)
        await b.expect("offer", pc="subscribe")
        await b.send({"type": "candidate", "pc": "subscribe",
                      "candidate": {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0}})
        await b.quiet()
        await chat_flows(b, a)


NAMES = ["Åsa Öberg", "Søren Ærø", "محمد", "ትግርኛ"]
LANGS = ["sv", "da", "ar", "ti-ER"]
RTT_TEXT = "Jag har ont i huvudet sedan igår"  # tests/secrets_scan.py looks for it in logs


async def drain_rtt(client):
    """How many rtt messages arrive before a second without any."""
    got = 0
    try:
        while True:
            ev = await client.recv(1.0)
            assert ev["type"] in ("rtt", "candidate"), ev
            got += ev["type"] == "rtt"
    except asyncio.TimeoutError:
        return got


async def test_names_languages_and_rtt(binary, state_dir):
    """Names in any script and each person's language reach the others;
    real-time text is relayed to the others only, in order, bounded, and
    leaves no trace in the log."""
    server = Server(binary, state_dir)
    try:
        clients = []
        for name, lang in zip(NAMES, LANGS):
            c = await Client.connect(server)
            await c.hello()
            i = await c.request({"type": "join", "room": "names", "name": name, "lang": lang})
            joined = await c.expect("joined", id=i)
            assert joined["you"]["name"] == name
            assert [(p["name"], p["lang"]) for p in joined["participants"]] == \
                [(p.name, p.lang) for p in clients]
            c.pid, c.name, c.lang = joined["you"]["id"], name, lang
            for other in clients:
                ev = await other.expect("participant-joined")
                assert (ev["participant"]["name"], ev["participant"]["lang"]) == (name, lang)
            clients.append(c)
        a, b, c, d = clients
        i = await c.request({"type": "chat", "text": "مرحبا، هل تسمعني؟"})
        await c.expect("ok", id=i)
        for o in clients:
            msg = await o.expect("chat", text="مرحبا، هل تسمعني؟")
            assert msg["from"] == {"id": c.pid, "name": "محمد"}

        # Bad names and tags are refused, nothing else changes.
        x = await Client.connect(server)
        await x.hello()
        for bad in ({"name": "evil\u202egnp.exe"}, {"name": "\u2067محمد\u2069"},
                    {"name": "Bo", "lang": "sv_SE"}, {"name": "Bo", "lang": "x" * 40},
                    {"name": "Bo", "lang": 7}):
            i = await x.request({"type": "join", "room": "names", **bad})
            await x.expect_error("bad-message", i)
        joined = await x.join("names", "Bo")
        assert joined["you"].get("lang", "absent") in (None, "absent")
        ev = await a.expect("participant-joined")
        assert ev["participant"]["lang"] is None
        for o in (b, c, d):
            await o.expect("participant-joined")

        # Real-time text: each update to the others, none to the sender, no reply.
        words = RTT_TEXT.split(" ")
        for seq in range(len(words)):
            await d.send({"type": "rtt", "text": " ".join(words[:seq + 1]), "seq": seq})
        await d.send({"type": "rtt", "text": RTT_TEXT, "seq": len(words), "final": True})
        for o in (a, b, c, x):
            for seq in range(len(words) + 1):
                ev = await o.expect("rtt", seq=seq)
                assert ev["from"] == {"id": d.pid, "name": "ትግርኛ"}
                assert ev["text"] == " ".join(words[:seq + 1])
                assert ev["final"] is (seq == len(words))
        await d.quiet()
        await d.send({"type": "rtt", "text": "", "seq": 99})  # all erased: fine
        for o in (a, b, c, x):
            await o.expect("rtt", seq=99, text="")
        for bad in ({"text": "a\nb", "seq": 1}, {"text": "é" * 501, "seq": 1},
                    {"text": "a"}, {"text": "a", "seq": -1}, {"text": 5, "seq": 1}):
            i = await d.request({"type": "rtt", **bad})
            await d.expect_error("bad-message", i)
        # A flood is cut to 10 a second; the rest of that second is dropped.
        for seq in range(60):
            await x.send({"type": "rtt", "text": "x" * (seq % 7), "seq": 100 + seq})
        await x.expect_error("rate-limited")
        for o in (a, b, c, d):
            got = await drain_rtt(o)
            assert 10 <= got < 60, got
        await chat_flows(a, b, c, d, x)
    finally:
        server.stop()
    with open(server.log.name, encoding="utf-8") as f:
        log = f.read()
    for secret in (RTT_TEXT, "huvudet", "igår"):
        assert secret not in log, f"rtt text in {server.log.name}"


async def test_sigterm_with_clients(binary, state_dir):
    server = Server(binary, state_dir)
    try:
        a, b = await room_of(server, "term", "A", "B")
        i = await a.request({"type": "publish", "sdp": SDP_OFFER})
        await a.expect("answer", id=i)
    finally:
        server.stop()


async def test_precheck_and_quality(binary, state_dir):
    with Server(binary, state_dir) as server:
        a, b = await room_of(server, "status", "A", "B")
        i = await a.request({"type": "precheck", "camera": "ok", "microphone": "denied",
                             "network": "audio-only"})
        await a.expect("ok", id=i)
        ev = await b.expect("participant-status", participant=a.pid)
        assert ev["precheck"] == {"camera": "ok", "microphone": "denied", "network": "audio-only"}
        assert "quality" not in ev, ev
        i = await a.request({"type": "quality", "level": "poor"})
        await a.expect("ok", id=i)
        ev = await b.expect("participant-status", participant=a.pid, quality="poor")
        assert ev["precheck"]["network"] == "audio-only", ev
        # The same level again tells nobody; bad words change nothing.
        i = await a.request({"type": "quality", "level": "poor"})
        await a.expect("ok", id=i)
        i = await a.request({"type": "quality", "level": "splendid"})
        await a.expect_error("bad-message", i)
        i = await a.request({"type": "precheck", "camera": "ok"})
        await a.expect_error("bad-message", i)
        await b.quiet()
        # The roster carries it for whoever comes next.
        c = await Client.connect(server)
        await c.hello()
        joined = await c.join("status", "C")
        them = {p["id"]: p for p in joined["participants"]}
        assert them[a.pid]["quality"] == "poor" and them[a.pid]["precheck"]["microphone"] == "denied"
        assert "quality" not in them[b.pid] and "precheck" not in them[b.pid], them[b.pid]
        for x in (a, b):
            await x.expect("participant-joined")
        await chat_flows(b, a, c)


if __name__ == "__main__":
    run([test_three_clients_chat, test_joined_lists_others, test_mute, test_leave_and_disconnect,
         test_order_rules, test_bad_version, test_publish_and_subscribe, test_candidates,
         test_names_languages_and_rtt, test_sigterm_with_clients, test_precheck_and_quality,
         test_codec_unplayable],
        sys.argv[1], sys.argv[2])
