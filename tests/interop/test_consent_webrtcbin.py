"""test_consent_webrtcbin.py — a GStreamer webrtcbin publisher holds a call.

webrtcbin's ICE is libnice, whose default keepalives on the selected pair
are Binding indications: unsigned, so they cannot renew consent (RFC 7675),
and after its first checks such a client sends nothing ICE-lite can count
but its media. Nara must keep its consent on authenticated SRTP/SRTCP from
the selected address (media/lite.c), and full ICE must keep it with its
own consent checks (libnice answers them).

Anna publishes VP8 (videotestsrc, vp8enc deadline=1) and Opus from
webrtcbin, written from docs/protocol.md alone; Bo (aiortc) subscribes and
counts decoded frames. Both ICE modes run at once, one server each, for
HOLD seconds (four consent periods). Asserted: no error event to anybody
(no media-failed), Bo still decodes Anna's video and audio in the last
30 s, and Anna's connection is still up at the end.

Run: /usr/bin/python3 test_consent_webrtcbin.py path/to/nara state-dir
(skips, 77, without python3-gi, GStreamer's webrtcbin, libnice's
GStreamer plugin or python3-aiortc).
"""
import asyncio
import ctypes
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstWebRTC", "1.0")
    gi.require_version("GstSdp", "1.0")
    gi.require_version("Nice", "0.1")
    from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402
    import websockets  # noqa: E402
    from aiortc_peer import Peer  # noqa: E402
except (ImportError, ValueError) as e:
    print(f"skip: {e}")
    sys.exit(77)

gobject = ctypes.CDLL("libgobject-2.0.so.0")
gobject.g_object_ref.argtypes = [ctypes.c_void_p]
gobject.g_object_ref.restype = ctypes.c_void_p

HOLD = 120  # seconds: four times the 30 s consent lifetime
LAST = 30  # frames must still arrive in this last stretch

# The SSRCs are fixed in the caps so that webrtcbin's offer names them
# (a=ssrc): Nara routes a track by its signalled SSRC or by the mid header
# extension, and webrtcbin sends no mid unless asked to.
VIDEO = ("videotestsrc is-live=true pattern=ball "
         "! video/x-raw,width=320,height=240,framerate=15/1 "
         "! vp8enc deadline=1 target-bitrate=300000 keyframe-max-dist=30 "
         "! rtpvp8pay pt=96 mtu=1200 ssrc=1111 "
         "! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,"
         "ssrc=(uint)1111 "
         "! pub.")
AUDIO = ("audiotestsrc is-live=true wave=sine "
         "! audioconvert ! audioresample ! opusenc "
         "! rtpopuspay pt=111 ssrc=2222 "
         "! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,"
         "encoding-params=(string)2,ssrc=(uint)2222 "
         "! pub.")


def promise_reply(emit, *args):
    """Emit a webrtcbin action with a promise and wait for its reply (on an
    executor thread: webrtcbin answers from its own)."""
    promise = Gst.Promise.new()
    emit(*args, promise)
    promise.wait()
    return promise.get_reply()


class WebrtcbinPublisher:
    """One participant that publishes from webrtcbin and subscribes to nothing."""

    def __init__(self, url, room, name):
        self.url, self.room, self.name = url, room, name
        self.ws = None
        self.you = None
        self.errors = []  # error events (media-failed …) and failed requests
        self.messages = []
        self.next_id = 1
        self.pending = {}
        self.candidates = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.pipeline = Gst.parse_launch(
            f"webrtcbin name=pub bundle-policy=max-bundle {VIDEO} {AUDIO}")
        self.webrtc = self.pipeline.get_by_name("pub")
        ice = self.webrtc.get_property("ice-agent")
        # GStreamer 1.22's webrtcbin keeps its ICE object's reference
        # floating: PyGObject sinks it and would free the object with this
        # wrapper. One more reference stands for webrtcbin's.
        gobject.g_object_ref(hash(ice))
        ice.set_property("ice-tcp", False)
        # libnice leaves loopback out when it finds interfaces itself; the
        # test talks to nara on 127.0.0.1 only.
        agent = ice.get_property("agent")
        addr = Nice.Address()
        addr.set_from_string("127.0.0.1")
        agent.add_local_address(addr)
        self.webrtc.connect("on-ice-candidate", self._on_candidate)

    def _on_candidate(self, _element, mline, candidate):
        self.loop.call_soon_threadsafe(self.candidates.put_nowait, (mline, candidate))

    async def request(self, message, timeout=15):
        msg_id = self.next_id
        self.next_id += 1
        fut = self.loop.create_future()
        self.pending[msg_id] = fut
        await self.ws.send(json.dumps({**message, "id": msg_id}))
        try:
            reply = await asyncio.wait_for(fut, timeout)
        finally:
            self.pending.pop(msg_id, None)
        if reply.get("type") == "error":
            raise RuntimeError(f"{message['type']}: {reply}")
        return reply

    async def _read(self):
        try:
            async for data in self.ws:
                msg = json.loads(data)
                fut = self.pending.get(msg.get("id"))
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                elif msg.get("type") == "error":
                    self.errors.append(msg)
                else:
                    self.messages.append(msg)
        except websockets.ConnectionClosed:
            pass

    async def _trickle(self):
        while True:
            mline, candidate = await self.candidates.get()
            if " tcp " in candidate.lower():
                continue
            await self.ws.send(json.dumps({
                "type": "candidate", "pc": "publish",
                "candidate": {"candidate": candidate, "sdpMid": str(mline),
                              "sdpMLineIndex": mline}}))

    async def start(self):
        self.ws = await websockets.connect(self.url, ssl=harness.tls_context(), max_size=1 << 20)
        self.reader = asyncio.ensure_future(self._read())
        await self.request({"type": "hello", "version": 1})
        joined = await self.request({"type": "join", "room": self.room, "name": self.name})
        self.you = joined["you"]["id"]
        self.pipeline.set_state(Gst.State.PLAYING)
        for i in range(2):
            t = self.webrtc.emit("get-transceiver", i)
            t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        run = self.loop.run_in_executor
        reply = await run(None, promise_reply, self.webrtc.emit, "create-offer", None)
        offer = reply.get_value("offer")
        await run(None, promise_reply, self.webrtc.emit, "set-local-description", offer)
        answer = await self.request({"type": "publish", "sdp": offer.sdp.as_text()})
        self.trickler = asyncio.ensure_future(self._trickle())
        res, sdp = GstSdp.SDPMessage.new_from_text(answer["sdp"])
        assert res == GstSdp.SDPResult.OK, answer["sdp"]
        desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        await run(None, promise_reply, self.webrtc.emit, "set-remote-description", desc)

    def connection_state(self):
        return self.webrtc.get_property("connection-state")

    def bus_errors(self):
        bus = self.pipeline.get_bus()
        out = []
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is None:
                return out
            out.append(str(msg.parse_error()[0]))

    async def close(self):
        for task in (getattr(self, "trickler", None), getattr(self, "reader", None)):
            if task is not None:
                task.cancel()
        if self.ws is not None:
            await self.ws.close()
        self.pipeline.set_state(Gst.State.NULL)


class Call:
    """One server, Anna on webrtcbin publishing, Bo on aiortc watching."""

    def __init__(self, binary, state_dir, ice_lite):
        self.mode = "ICE-lite" if ice_lite else "full ICE"
        self.server = harness.Server(binary, state_dir, f"media.ice_lite={str(ice_lite).lower()}")
        self.anna = None
        self.bo = None

    async def start(self):
        self.bo = Peer(self.server.ws_url, "consent", "Bo", audio=False, video=False)
        await self.bo.start()
        self.anna = WebrtcbinPublisher(self.server.ws_url, "consent", "Anna")
        await self.anna.start()
        await self.bo.wait_frames(self.anna.you, "video", count=10, timeout=60)
        await self.bo.wait_frames(self.anna.you, "audio", count=10, timeout=30)
        print(f"{self.mode}: media flowing", flush=True)

    def counts(self):
        return (self.bo.frames_from(self.anna.you, "video"),
                self.bo.frames_from(self.anna.you, "audio"))

    def check(self, before):
        """Asserts at the end of the hold; before = counts() LAST s ago."""
        after = self.counts()
        print(f"{self.mode}: video {before[0]} -> {after[0]}, audio {before[1]} -> {after[1]} "
              f"frames in the last {LAST} s", flush=True)
        assert not self.anna.errors, f"{self.mode}: Anna got {self.anna.errors}"
        bo_errors = self.bo.errors + [m for m in self.bo.messages if m.get("type") == "error"]
        assert not bo_errors, f"{self.mode}: Bo got {bo_errors}"
        assert not self.bo.got("participant-left"), f"{self.mode}: Anna left"
        assert not self.anna.bus_errors(), f"{self.mode}: webrtcbin errors"
        assert after[0] > before[0] + 30, f"{self.mode}: video stopped (frames {before} -> {after})"
        assert after[1] > before[1] + 100, f"{self.mode}: audio stopped (frames {before} -> {after})"
        state = self.anna.connection_state()
        assert state == GstWebRTC.WebRTCPeerConnectionState.CONNECTED, \
            f"{self.mode}: Anna's connection is {state.value_nick}"
        assert self.anna.ws.open, f"{self.mode}: Anna's socket closed"
        # Bo's Receiver Reports answer Nara's Sender Reports: /metrics has
        # the round trip to subscribers from them.
        metrics = self.server.metrics()
        samples = metrics.get("nara_media_rtt_seconds_count", 0)
        print(f"{self.mode}: {samples:.0f} round-trip samples, mean "
              f"{1000 * metrics.get('nara_media_rtt_seconds_sum', 0) / max(samples, 1):.1f} ms; "
              f"lost upstream {metrics.get('nara_media_packets_lost_upstream_total', -1):.0f}, "
              f"downstream {metrics.get('nara_media_packets_lost_downstream_total', -1):.0f}",
              flush=True)
        assert samples > 0, f"{self.mode}: no round-trip samples in /metrics"

    async def close(self):
        for p in (self.anna, self.bo):
            if p is not None:
                await p.close()
        self.server.stop()


async def main(binary, state_dir):
    calls = [Call(binary, os.path.join(state_dir, "lite"), True),
             Call(binary, os.path.join(state_dir, "full"), False)]
    try:
        for call in calls:
            await call.start()
        start = time.monotonic()
        await asyncio.sleep(HOLD - LAST)
        before = [call.counts() for call in calls]
        await asyncio.sleep(start + HOLD - time.monotonic())
        for call, counts in zip(calls, before):
            call.check(counts)
    finally:
        for call in calls:
            await call.close()


if __name__ == "__main__":
    Gst.init(None)
    missing = [e for e in ("webrtcbin", "nicesrc", "vp8enc", "opusenc", "rtpvp8pay", "rtpopuspay",
                           "videotestsrc", "audiotestsrc")
               if Gst.ElementFactory.find(e) is None]
    if missing:
        print(f"skip: GStreamer elements missing: {', '.join(missing)}")
        sys.exit(77)
    glib_loop = GLib.MainLoop()
    threading.Thread(target=glib_loop.run, daemon=True).start()
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    finally:
        glib_loop.quit()
    print("ok")
