#!/usr/bin/env python3
"""test_loss_aiortc.py - a lossy subscriber's NACKs get RTX answers.

Usage: test_loss_aiortc.py NARA STATE_DIR

Two aiortc participants (python3-aiortc, which sends generic NACKs and
takes RTX): Anna publishes video, Bo subscribes through a UDP proxy on
loopback that drops one RTP datagram in 12 (about 8 %, seeded, so every
run loses the same ones) on the way from nara to Bo. ICE, DTLS and RTCP
pass untouched. The offer's candidate is rewritten to the proxy's port, so
nara sees the proxy as Bo's address and its checks and replies go through
it.

Asserted: Bo decodes video all along; nara counts Bo's NACKs
(nara_media_nacks_received_total) and answers them from its ring
(nara_media_rtx_sent_total); and most packets the proxy dropped reached
Bo after all (aiortc forgets a missing sequence number when its RTX
arrives). Counts, never rates: the machine may be loaded. Exit 77 when
aiortc is missing.
"""
import asyncio
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402

try:
    from aiortc_peer import Peer  # noqa: E402
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)

DROP_EVERY = 12
WATCH_SECONDS = 8
MEDIA = dict(width=320, height=240, fps=15, audio=False, video=True)


def is_rtp(data):
    """RFC 7983 and RFC 5761: RTP, not RTCP (whose types are 192-223)."""
    return len(data) >= 12 and 128 <= data[0] <= 191 and not 192 <= data[1] <= 223


class LossyProxy:
    """Relays one client's datagrams to nara and nara's back, dropping every
    DROP_EVERY-th RTP datagram towards the client (seeded jitter around it)."""

    def __init__(self, loop):
        self.loop = loop
        self.client = None
        self.target = None
        self.dropped = 0
        self.passed = 0
        self.rng = random.Random(12)
        self.countdown = DROP_EVERY

    async def start(self):
        proxy = self

        class Front(asyncio.DatagramProtocol):
            def connection_made(self, transport):
                self.transport = transport

            def datagram_received(self, data, addr):
                proxy.client = addr
                if proxy.target:
                    proxy.back.transport.sendto(data, proxy.target)

        class Back(asyncio.DatagramProtocol):
            def connection_made(self, transport):
                self.transport = transport

            def datagram_received(self, data, addr):
                if proxy.client is None:
                    return
                if is_rtp(data):
                    proxy.countdown -= 1
                    if proxy.countdown <= 0:
                        proxy.countdown = DROP_EVERY + proxy.rng.randint(-3, 3)
                        proxy.dropped += 1
                        return
                    proxy.passed += 1
                proxy.front.transport.sendto(data, proxy.client)

        _, self.front = await self.loop.create_datagram_endpoint(Front, local_addr=("127.0.0.1", 0))
        _, self.back = await self.loop.create_datagram_endpoint(Back, local_addr=("127.0.0.1", 0))
        return self.front.transport.get_extra_info("sockname")[1]

    def close(self):
        self.front.transport.close()
        self.back.transport.close()


class ProxiedPeer(Peer):
    """A participant whose subscribe connection reaches nara through the proxy."""

    def __init__(self, *args, proxy, proxy_port, **kwargs):
        super().__init__(*args, **kwargs)
        self.proxy = proxy
        self.proxy_port = proxy_port

    async def _answer(self, msg):
        def swap(m):
            self.proxy.target = ("127.0.0.1", int(m.group(2)))
            return f"{m.group(1)}{self.proxy_port}{m.group(3)}"

        msg = dict(msg)
        msg["sdp"] = re.sub(r"(a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 )(\d+)( typ host)", swap,
                            msg["sdp"])
        await super()._answer(msg)


def metric(server, name):
    return int(server.metrics().get(name, 0))


async def test_nacks_answered(binary, state_dir):
    server = harness.Server(binary, state_dir, "media.ice_lite=true")
    loop = asyncio.get_running_loop()
    proxy = LossyProxy(loop)
    port = await proxy.start()
    anna = Peer(server.ws_url, "loss", "Anna", subscribe=False, **MEDIA)
    bo = ProxiedPeer(server.ws_url, "loss", "Bo", proxy=proxy, proxy_port=port, **MEDIA)
    try:
        await anna.start()
        await bo.start()
        await bo.wait_frames(anna.you, "video", count=5, timeout=30)
        assert "a=ssrc-group:FID" in bo.subscribe_pc.remoteDescription.sdp
        assert re.search(r"a=rtpmap:\d+ rtx/90000", bo.subscribe_pc.localDescription.sdp), \
            "aiortc did not accept rtx"

        start_frames = bo.frames_from(anna.you, "video")
        deadline = time.monotonic() + WATCH_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        frames = bo.frames_from(anna.you, "video") - start_frames
        # aiortc forgets a missing sequence number when its packet arrives,
        # RTX unwrapped included; what is still missing was not repaired.
        missing = sum(len(g.missing) for g in (
            getattr(r, "_RTCRtpReceiver__nack_generator", None)
            for r in bo.subscribe_pc.getReceivers()) if g is not None)
        nacks = metric(server, "nara_media_nacks_received_total")
        rtx = metric(server, "nara_media_rtx_sent_total")
        print(f"# proxy dropped {proxy.dropped}, passed {proxy.passed} RTP datagrams; "
              f"Bo decoded {frames} frames in {WATCH_SECONDS} s; nara got {nacks} NACKed "
              f"sequence numbers, sent {rtx} RTX; {missing} still missing at Bo")
        assert proxy.dropped >= 5, "the proxy dropped too little to test anything"
        assert nacks >= 1, "Bo's NACKs did not reach nara"
        assert rtx >= 1, "nara answered no NACK"
        assert frames > 0, "Bo's video stopped"
        assert missing < proxy.dropped // 2, "most dropped packets never reached Bo"
        assert not bo.errors, bo.errors
    finally:
        await bo.close()
        await anna.close()
        proxy.close()
        server.stop()


if __name__ == "__main__":
    harness.run([test_nacks_answered], sys.argv[1], sys.argv[2])
