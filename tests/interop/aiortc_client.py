#!/usr/bin/python3
"""aiortc_client.py — a non-browser participant for interoperability tests.

Joins a Nara room over the signaling protocol (docs/protocol.md, v1),
publishes a synthetic video track (a moving bar) and audio track (a sine
tone), answers the server's subscribe offers and reports on stdout, one
JSON object per line:

  {"event": "joined", "you": "p2", "participants": [...]}
  {"event": "received", "participant": "p1", "name": "Astrid", "kind": "video", "frames": 10}
  {"event": "error", "code": "bad-sdp", "message": "..."}
  {"event": "done", "reason": "duration"}

"received" is printed once per remote track, when it has decoded at least
--frames frames. The client runs until --duration seconds have passed, the
socket closes, or it gets SIGTERM/SIGINT. Certificates are not verified
(nara makes its own self-signed one for tests).

Needs Debian's python3-aiortc (1.4) and python3-websockets: run it with
/usr/bin/python3. aiortc gives no trickle ICE: its candidates travel in the
SDP. aioice leaves out 127.0.0.1 when it gathers host addresses; the tests
run nara on loopback only, so host discovery is patched to use it.
"""

import argparse
import asyncio
import fractions
import json
import math
import signal
import ssl
import sys
import time

import aioice.ice
import websockets
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from aiortc.sdp import SessionDescription, candidate_from_sdp
from av import AudioFrame, VideoFrame

try:
    import numpy
except ImportError:  # frames are still made, just plainer
    numpy = None

PROTOCOL_VERSION = 1


def emit(**fields):
    print(json.dumps(fields), flush=True)


def loopback_only(use_ipv4, use_ipv6):
    return ["127.0.0.1"] if use_ipv4 else []


aioice.ice.get_host_addresses = loopback_only


class MovingBarTrack(VideoStreamTrack):
    """320x240 at 30 fps: a white bar sweeping over a dark background."""

    WIDTH, HEIGHT = 320, 240

    def __init__(self):
        super().__init__()
        self.n = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        x = (self.n * 4) % self.WIDTH
        self.n += 1
        if numpy is not None:
            img = numpy.full((self.HEIGHT, self.WIDTH, 3), 40, dtype=numpy.uint8)
            img[:, x : x + 16] = 255
            frame = VideoFrame.from_ndarray(img, format="bgr24")
        else:
            frame = VideoFrame(width=self.WIDTH, height=self.HEIGHT)
            for plane in frame.planes:
                plane.update(bytes([(x + 40) % 256]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = time_base
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


class Client:
    def __init__(self, args):
        self.args = args
        self.ws = None
        self.next_id = 1
        self.pending = {}
        self.names = {}
        self.subscribe_lock = asyncio.Lock()
        config = RTCConfiguration(iceServers=[])  # never aiortc's public STUN default
        self.publish_pc = RTCPeerConnection(config)
        self.subscribe_pc = RTCPeerConnection(config)
        self.subscribe_pc.on("track", self.on_track)
        self.consumers = []

    async def request(self, message, timeout=15):
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

    async def reader(self):
        async for data in self.ws:
            try:
                msg = json.loads(data)
            except ValueError:
                continue
            fut = self.pending.get(msg.get("id"))
            if fut is not None and not fut.done():
                fut.set_result(msg)
                continue
            kind = msg.get("type")
            if kind == "offer" and msg.get("pc") == "subscribe":
                asyncio.ensure_future(self.on_offer(msg))
            elif kind == "candidate":
                await self.on_candidate(msg)
            elif kind == "participant-joined":
                p = msg.get("participant", {})
                self.names[p.get("id")] = p.get("name")
            elif kind == "error":
                emit(event="error", code=msg.get("code"), message=msg.get("message"))

    async def on_offer(self, msg):
        try:
            await self.answer_offer(msg)
        except Exception as e:
            emit(event="error", code="subscribe-offer", message=f"{type(e).__name__}: {e}")

    async def answer_offer(self, msg):
        async with self.subscribe_lock:
            pc = self.subscribe_pc
            await pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            await self.ws.send(
                json.dumps(
                    {
                        "type": "answer",
                        "pc": "subscribe",
                        "revision": msg.get("revision"),
                        "sdp": pc.localDescription.sdp,
                    }
                )
            )

    async def on_candidate(self, msg):
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
        except Exception as e:  # a bad candidate is not fatal to the test
            emit(event="warning", message=f"addIceCandidate: {e}")

    def participant_of(self, transceiver):
        """The publisher of a subscribed track: the msid stream id of its m-line."""
        desc = self.subscribe_pc.remoteDescription
        if desc is None:
            return None
        for media in SessionDescription.parse(desc.sdp).media:
            if media.rtp.muxId == transceiver.mid and media.msid:
                return media.msid.split()[0]
        return None

    def on_track(self, track):
        self.consumers.append(asyncio.ensure_future(self.consume(track)))

    async def consume(self, track):
        frames = 0
        reported = False
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            frames += 1
            if not reported and frames >= self.args.frames:
                reported = True
                # Looked up now: "track" fires before the offer is fully applied.
                transceiver = next(
                    (t for t in self.subscribe_pc.getTransceivers() if t.receiver.track is track),
                    None,
                )
                participant = self.participant_of(transceiver) if transceiver else None
                emit(
                    event="received",
                    participant=participant,
                    name=self.names.get(participant),
                    kind=track.kind,
                    frames=frames,
                )

    async def run(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ssl_arg = ctx if self.args.url.startswith("wss:") else None
        async with websockets.connect(self.args.url, ssl=ssl_arg, max_size=1 << 20) as ws:
            self.ws = ws
            reader = asyncio.ensure_future(self.reader())
            try:
                await self.request({"type": "hello", "version": PROTOCOL_VERSION})
                joined = await self.request(
                    {"type": "join", "room": self.args.room, "name": self.args.name}
                )
                for p in joined.get("participants", []):
                    self.names[p.get("id")] = p.get("name")
                emit(event="joined", you=joined["you"]["id"], participants=joined.get("participants"))

                self.publish_pc.addTransceiver(SineTrack(), direction="sendonly")
                self.publish_pc.addTransceiver(MovingBarTrack(), direction="sendonly")
                await self.publish_pc.setLocalDescription(await self.publish_pc.createOffer())
                answer = await self.request(
                    {"type": "publish", "sdp": self.publish_pc.localDescription.sdp}
                )
                await self.publish_pc.setRemoteDescription(
                    RTCSessionDescription(sdp=answer["sdp"], type="answer")
                )
                emit(event="published")
                await reader  # until the socket closes
                emit(event="done", reason="socket closed")
            finally:
                reader.cancel()

    async def close(self):
        for task in self.consumers:
            task.cancel()
        await self.publish_pc.close()
        await self.subscribe_pc.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="signaling URL, wss://HOST:PORT/ws")
    parser.add_argument("--room", required=True)
    parser.add_argument("--name", default="aiortc")
    parser.add_argument("--frames", type=int, default=10, help="frames per track before reporting")
    parser.add_argument("--duration", type=float, default=60, help="seconds before giving up")
    args = parser.parse_args()

    client = Client(args)
    loop = asyncio.get_running_loop()
    main_task = asyncio.ensure_future(client.run())
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main_task.cancel)
    status = 0
    try:
        await asyncio.wait_for(main_task, args.duration)
    except asyncio.TimeoutError:
        emit(event="done", reason="duration")
    except asyncio.CancelledError:
        emit(event="done", reason="signal")
    except Exception as e:
        emit(event="error", code="client", message=f"{type(e).__name__}: {e}")
        status = 1
    finally:
        await client.close()
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
