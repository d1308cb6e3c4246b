"""garbage.py - SRTP, SRTCP and raw UDP garbage aimed at Nara's media port.

Used by test_faults.py's attacker process: packets that look like a
participant's media (its SSRC, payload type and a running sequence) but
whose contents are random, so SRTP authentication must refuse them, plus
datagrams that are not RTP at all. Nothing here asserts; it only sends.
"""
import asyncio
import random
import socket
import struct
import time


async def until(predicate, timeout, what):
    """Wait for predicate() to hold, at most timeout s (bounded poll)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        await asyncio.sleep(0.1)


def rtp_garbage(rng, ssrc, pt, seq):
    """One RTP packet whose header is plausible and whose insides are not:
    (kind, bytes). libsrtp must still be able to protect it, so the
    extension block and CSRC list fit in the packet; their contents need not."""
    kind = rng.choice(["payload", "extension", "csrc", "padding", "unknown-ssrc",
                       "unknown-pt", "everything"])
    version_flags = 0x80
    marker_pt = pt | (0x80 if rng.random() < 0.5 else 0)
    csrcs = b""
    ext = b""
    payload = rng.randbytes(rng.randint(0, 1200))
    if kind in ("unknown-ssrc", "everything"):
        ssrc = rng.getrandbits(32)
    if kind in ("unknown-pt", "everything"):
        marker_pt = rng.choice([0, 35, 72, 77, 127, 99, 100]) | (marker_pt & 0x80)
        if 72 <= (marker_pt & 0x7f) <= 76:
            marker_pt = 77  # not RTCP (RFC 5761 §4), else it would be protected as SRTCP
    if kind in ("csrc", "everything"):
        n = rng.randint(1, 15)
        version_flags |= n
        csrcs = b"".join(struct.pack("!I", rng.getrandbits(32)) for _ in range(n))
    if kind in ("extension", "everything"):
        version_flags |= 0x10
        profile = rng.choice([0xBEDE, 0x1000, 0x1001, 0x0000, 0xFFFF, rng.getrandbits(16)])
        words = rng.randint(0, 64)
        body = bytearray(rng.randbytes(words * 4))
        if profile == 0xBEDE and words and rng.random() < 0.5:
            # one-byte elements whose lengths overrun the block (RFC 8285 §4.2)
            body[0] = (rng.randint(1, 14) << 4) | 15
            body[-1] = 0xF0  # id 15: stop
        ext = struct.pack("!HH", profile, words) + bytes(body)
    if kind in ("padding", "everything"):
        version_flags |= 0x20
        payload = payload + bytes([rng.randint(0, 255)])  # count may exceed the payload
    header = struct.pack("!BBHII", version_flags, marker_pt, seq & 0xFFFF,
                         rng.getrandbits(32), ssrc)
    return kind, header + csrcs + ext + payload


def rtcp_garbage(rng, ssrc):
    """An RTCP packet (PT 192-223: protected as SRTCP) with a random body."""
    pt = rng.choice([200, 201, 202, 203, 204, 205, 206, 207, 192, 195])
    body = rng.randbytes(rng.randint(0, 300))
    length = rng.choice([len(body) // 4 + 1, rng.getrandbits(16)])
    return struct.pack("!BBHI", 0x80 | rng.randint(0, 31), pt, length, ssrc) + body


def udp_garbage(rng):
    """A datagram for the media port from an address nara does not know:
    random bytes, some shaped like STUN, DTLS or RTP (RFC 7983)."""
    first = rng.choice([0, 1, 3, 20, 22, 23, 63, 0x80, 0x90, 0xBF, 0xFF, rng.getrandbits(8)])
    return bytes([first]) + rng.randbytes(rng.randint(0, 1400))


def remote_port(peer):
    """The UDP port of nara's candidate in the publish answer."""
    for line in peer.publish_pc.remoteDescription.sdp.splitlines():
        if line.startswith("a=candidate:"):
            return int(line.split()[5])
    raise AssertionError("no candidate in the publish answer")


def local_media(peer):
    """(ssrc, pt) of the publisher's video sender, from its own offer."""
    sdp = peer.publish_pc.localDescription.sdp
    video = sdp[sdp.index("m=video"):]
    pt = int(video.splitlines()[0].split()[3])
    ssrc = int(next(line for line in video.splitlines()
                    if line.startswith("a=ssrc:")).split()[0].split(":")[1])
    return ssrc, pt


class SharedSequence:
    """Numbers the real video packets and the garbage on the same SSRC from
    one counter, by wrapping the DTLS transport's _send_rtp: libsrtp refuses
    to protect an index it has used, and aiortc's sender would stop on that.
    It stays for the connection's life: were the real stream to go back to
    its own numbers, they would be behind the garbage's, and replays."""

    def __init__(self, dtls, ssrc):
        self.dtls, self.ssrc, self.seq = dtls, ssrc, None
        self.orig = dtls._send_rtp
        dtls._send_rtp = self.send

    async def send(self, data):
        if len(data) >= 12 and not 192 <= data[1] <= 223 \
                and struct.unpack_from("!I", data, 8)[0] == self.ssrc:
            data = bytearray(data)
            if self.seq is None:  # go on from the real stream's number
                self.seq = struct.unpack_from("!H", data, 2)[0]
            struct.pack_into("!H", data, 2, self.seq)
            self.seq = (self.seq + 1) & 0xFFFF
            data = bytes(data)
        await self.orig(data)


async def send_garbage(peer, rate, secs, seed, udp_port=None, raw_share=0.0):
    """rate packets/s for secs: SRTP/SRTCP with garbage inside through the
    peer's publish connection, plus (udp_port) 5 % plain garbage datagrams
    from another socket, plus (raw_share) unprotected garbage sent along the
    peer's own ICE path (DTLS records, unauthenticated SRTP). Counts per kind."""
    rng = random.Random(seed)
    dtls = peer.publish_dtls()
    ssrc, pt = local_media(peer)
    shared = SharedSequence(dtls, ssrc)
    await until(lambda: shared.seq is not None, 5, "a real video packet")
    sock = None
    if udp_port:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
    counts = {}
    sent, start, seq = 0, time.monotonic(), rng.getrandbits(16)
    try:
        while time.monotonic() - start < secs:
            for _ in range(10):
                sent += 1
                seq += 1
                r = rng.random()
                if sock is not None and r < 0.05:
                    kind, data = "udp", udp_garbage(rng)
                    try:
                        sock.sendto(data, ("127.0.0.1", udp_port))
                    except OSError:
                        kind = "udp-refused"
                elif r < 0.05 + raw_share:
                    kind, data = "raw", udp_garbage(rng)
                    await dtls.transport._send(data)
                else:
                    if rng.random() < 0.1:
                        kind, data = "rtcp", rtcp_garbage(rng, ssrc)
                    else:
                        kind, data = rtp_garbage(rng, ssrc, pt, seq)
                    try:
                        await dtls._send_rtp(data)
                    except Exception:  # libsrtp refused to protect it: not sent
                        kind = "unprotectable"
                counts[kind] = counts.get(kind, 0) + 1
            await asyncio.sleep(max(0, start + sent / rate - time.monotonic()))
    finally:
        if sock is not None:
            sock.close()
    counts["total"] = sent
    counts["per_sec"] = round(sent / (time.monotonic() - start))
    return counts
