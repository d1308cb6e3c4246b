"""aiortc_peer.py — one Nara participant on aiortc, for tests that need media.

A Peer joins a room over the signaling protocol (docs/protocol.md, v1),
publishes a synthetic audio tone and a moving-bar video (sizes and rate
chosen by the caller: robustness tests run dozens of these on two cores),
answers the server's subscribe offers and decodes what it receives,
counting decoded frames per (publisher, kind). Everything runs in the
caller's asyncio loop; every wait is bounded.

Used by tests/interop/aiortc_client.py (a command-line participant for the
browser interop test) and by the robustness tests in tests/integration
(churn, dead peers, floods), which add this directory to sys.path.

Needs Debian's python3-aiortc (1.4) and python3-websockets: run it with
/usr/bin/python3. aiortc gives no trickle ICE: its candidates travel in the
SDP. aioice leaves out 127.0.0.1 when it gathers host addresses; the tests
run nara on loopback only, so host discovery is patched to use it.
"""

import asyncio
import fractions
import json
import math
import ssl
import time

import aioice.ice
import websockets
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from aiortc.sdp import SessionDescription, candidate_from_sdp
from av import AudioFrame, VideoFrame

try:
    import numpy
except ImportError:  # frames are still made, just plainer
    numpy = None

PROTOCOL_VERSION = 1


def loopback_only(use_ipv4, use_ipv6):
    return ["127.0.0.1"] if use_ipv4 else []


aioice.ice.get_host_addresses = loopback_only


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class MovingBarTrack(VideoStreamTrack):
    """A white bar sweeping over a dark background, paced at `fps`."""

    def __init__(self, width=320, height=240, fps=30):
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.n = 0
        self.start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.time()
        else:
            wait = self.start + self.n / self.fps - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        pts = int(self.n * 90000 / self.fps)
        x = (self.n * 4) % self.width
        self.n += 1
        if numpy is not None:
            img = numpy.full((self.height, self.width, 3), 40, dtype=numpy.uint8)
            img[:, x : x + 16] = 255
            frame = VideoFrame.from_ndarray(img, format="bgr24")
        else:
            frame = VideoFrame(width=self.width, height=self.height)
            for plane in frame.planes:
                plane.update(bytes([(x + 40) % 256]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


class SineTrack(AudioStreamTrack):
    """440 Hz tone, 48 kHz mono, 20 ms frames, paced in real time."""

    RATE = 48000
    SAMPLES = 960

    def __init__(self):
        super().__init__()
        self.timestamp = 0
        self.start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.time()
        else:
            self.timestamp += self.SAMPLES
            wait = self.start + self.timestamp / self.RATE - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        if numpy is not None:
            t = (numpy.arange(self.SAMPLES) + self.timestamp) / self.RATE
            pcm = (numpy.sin(2 * math.pi * 440 * t) * 8000).astype(numpy.int16)
            frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        else:
            frame = AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
        frame.pts = self.timestamp
        frame.sample_rate = self.RATE
        frame.time_base = fractions.Fraction(1, self.RATE)
        return frame


class Peer:
    """One participant: a signaling socket, a publish and a subscribe connection.

    frames[(publisher_id, kind)] counts decoded frames; messages keeps every
    server message that was not a reply (participant-joined/-left, chat,
    errors, ...); on_frame, when set, is called as on_frame(publisher, kind).
    """

    def __init__(self, url, room=None, name="aiortc", *, join=None, audio=True, video=True,
                 width=320, height=240, fps=30, subscribe=True):
        self.url = url
        self.join_message = join or {"type": "join", "room": room, "name": name}
        self.audio, self.video = audio, video
        self.width, self.height, self.fps = width, height, fps
        self.subscribe = subscribe
        self.ws = None
        self.you = None
        self.joined = None
        self.next_id = 1
        self.pending = {}
        self.names = {}
        self.frames = {}
        self.messages = []
        self.on_frame = None
        self.errors = []
        self._reader = None
        self._tasks = []
        self._subscribe_lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self.welcome = None
        self._make_connections([])

    def _make_connections(self, ice_servers):
        """Both peer connections, with joined's iceServers as a browser would."""
        servers = [RTCIceServer(urls=s.get("urls"), username=s.get("username"),
                                credential=s.get("credential")) for s in ice_servers]
        config = RTCConfiguration(iceServers=servers)  # never aiortc's public STUN default
        self.publish_pc = RTCPeerConnection(config)
        self.subscribe_pc = RTCPeerConnection(config)
        self.subscribe_pc.on("track", self._on_track)

    # --- signaling -------------------------------------------------------

    async def connect(self, timeout=15):
        ssl_arg = tls_context() if self.url.startswith("wss:") else None
        self.ws = await asyncio.wait_for(
            websockets.connect(self.url, ssl=ssl_arg, max_size=1 << 20), timeout)
        self._reader = asyncio.ensure_future(self._read())
        self.welcome = await self.request({"type": "hello", "version": PROTOCOL_VERSION}, timeout)

    async def request(self, message, timeout=15):
        """Send a request and return its reply; an error reply raises RuntimeError."""
        msg_id = self.next_id
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = fut
        await self.ws.send(json.dumps({**message, "id": msg_id}))
        try:
            reply = await asyncio.wait_for(fut, timeout)
        finally:
            self.pending.pop(msg_id, None)
        if reply.get("type") == "error":
            raise RuntimeError(f"{message['type']}: {reply.get('code')}: {reply.get('message')}")
        return reply

    async def _read(self):
        try:
            async for data in self.ws:
                try:
                    msg = json.loads(data)
                except ValueError:
                    continue
                # The TURN credential comes with joined (as a reply or after
                # admission), before the first offer is read: the unused
                # connections are remade with it here, in order.
                if msg.get("type") == "joined" and msg.get("iceServers"):
                    old = (self.publish_pc, self.subscribe_pc)
                    self._make_connections(msg["iceServers"])
                    for pc in old:
                        self._tasks.append(asyncio.ensure_future(pc.close()))
                fut = self.pending.get(msg.get("id"))
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                    continue
                await self._on_message(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("signaling socket closed"))
            self._signal()

    async def _on_message(self, msg):
        kind = msg.get("type")
        if kind == "offer" and msg.get("pc") == "subscribe":
            self._tasks.append(asyncio.ensure_future(self._answer(msg)))
            return
        if kind == "candidate":
            await self._on_candidate(msg)
            return
        if kind == "participant-joined":
            p = msg.get("participant", {})
            self.names[p.get("id")] = p.get("name")
        elif kind == "error":
            self.errors.append(msg)
        self.messages.append(msg)
        self._signal()

    async def _answer(self, msg):
        try:
            async with self._subscribe_lock:
                pc = self.subscribe_pc
                await pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                await self.ws.send(json.dumps({"type": "answer", "pc": "subscribe",
                                               "revision": msg.get("revision"),
                                               "sdp": pc.localDescription.sdp}))
        except Exception as e:  # reported, not raised: the reader must go on
            self.errors.append({"code": "subscribe-offer", "message": f"{type(e).__name__}: {e}"})
            self._signal()

    async def _on_candidate(self, msg):
        c = msg.get("candidate") or {}
        line = c.get("candidate") or ""
        pc = self.publish_pc if msg.get("pc") == "publish" else self.subscribe_pc
        if not line or pc.remoteDescription is None:
            return  # end of candidates, or nara's host candidates are in its SDP anyway
        if line.startswith("a="):
            line = line[2:]
        candidate = candidate_from_sdp(line.split(":", 1)[1])
        candidate.sdpMid = c.get("sdpMid")
        candidate.sdpMLineIndex = c.get("sdpMLineIndex")
        try:
            await pc.addIceCandidate(candidate)
        except Exception as e:  # a bad candidate is not fatal
            self.errors.append({"code": "candidate", "message": str(e)})

    # --- media -----------------------------------------------------------

    async def join(self, timeout=15):
        """hello + join (+ publish); returns the joined (or waiting) reply."""
        if self.ws is None:
            await self.connect(timeout)
        self.joined = await self.request(self.join_message, timeout)
        if self.joined.get("type") == "joined":
            self.you = self.joined["you"]["id"]
            for p in self.joined.get("participants", []):
                self.names[p.get("id")] = p.get("name")
        return self.joined

    async def publish(self, timeout=15):
        if self.audio:
            self.publish_pc.addTransceiver(SineTrack(), direction="sendonly")
        if self.video:
            self.publish_pc.addTransceiver(
                MovingBarTrack(self.width, self.height, self.fps), direction="sendonly")
        await self.publish_pc.setLocalDescription(await self.publish_pc.createOffer())
        answer = await self.request({"type": "publish", "sdp": self.publish_pc.localDescription.sdp},
                                    timeout)
        await self.publish_pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"],
                                                                         type="answer"))

    async def start(self, timeout=15):
        """Join and publish: the usual way in."""
        await self.join(timeout)
        if self.audio or self.video:
            await self.publish(timeout)
        return self

    def publisher_of(self, transceiver):
        """The publisher of a subscribed track: the msid stream id of its m-line."""
        desc = self.subscribe_pc.remoteDescription
        if desc is None or transceiver is None:
            return None
        for media in SessionDescription.parse(desc.sdp).media:
            if media.rtp.muxId == transceiver.mid and media.msid:
                return media.msid.split()[0]
        return None

    def _on_track(self, track):
        if self.subscribe:
            self._tasks.append(asyncio.ensure_future(self._consume(track)))

    async def _consume(self, track):
        key = None
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            if key is None:
                # Looked up at the first frame: "track" fires before the offer is applied.
                transceiver = next((t for t in self.subscribe_pc.getTransceivers()
                                    if t.receiver.track is track), None)
                publisher = self.publisher_of(transceiver)
                if publisher is None:
                    continue
                key = (publisher, track.kind)
            self.frames[key] = self.frames.get(key, 0) + 1
            if self.on_frame is not None:
                self.on_frame(*key)
            self._signal()

    def frames_from(self, publisher, kind="video"):
        return self.frames.get((publisher, kind), 0)

    def publish_dtls(self):
        """The publish connection's DTLS transport (for tests that send their own RTP)."""
        for t in self.publish_pc.getTransceivers():
            return t.sender.transport
        return None

    # --- waiting ---------------------------------------------------------

    def _signal(self):
        self._changed.set()

    async def wait_until(self, predicate, timeout, what="condition"):
        """Wait (bounded) until predicate() is true; raises TimeoutError naming `what`."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.join_message.get('name', 'peer')}: no {what} "
                                   f"within {timeout} s (errors: {self.errors[-3:]})")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
            except asyncio.TimeoutError:
                pass
        return True

    async def wait_frames(self, publisher, kind="video", count=5, timeout=20):
        return await self.wait_until(lambda: self.frames_from(publisher, kind) >= count, timeout,
                                     f"{count} {kind} frames from {publisher}")

    def got(self, kind, **fields):
        """Server messages of this type whose fields match."""
        return [m for m in self.messages
                if m.get("type") == kind and all(m.get(k) == v for k, v in fields.items())]

    # --- leaving ---------------------------------------------------------

    async def leave(self, timeout=5):
        """leave, then close both connections and the socket."""
        try:
            if self.ws is not None and self.you is not None:
                await self.request({"type": "leave"}, timeout)
        except (RuntimeError, ConnectionError, asyncio.TimeoutError,
                websockets.ConnectionClosed):
            pass
        await self.close()

    async def close(self):
        for task in self._tasks:
            task.cancel()
        await self.publish_pc.close()
        await self.subscribe_pc.close()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
