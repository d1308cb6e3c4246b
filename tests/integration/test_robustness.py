"""test_robustness.py - the listener's gates and secrets, against the real nara.

Usage: test_robustness.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
Covers the WebSocket Origin check (403 before the upgrade), the cap on
sockets per client address (429, freed when sockets close), the TLS
versions and cipher suites offered, that permessage-deflate is never
negotiated, the HTTP security headers of the pages, and that a debug-level log of a whole session holds no token, API
key, chat text or ice-pwd. Each refusal leaves a healthy room chatting.
docs/robustness.md lists what these show, with measured results.
"""
import asyncio
import json
import os
import re
import socket
import ssl
import subprocess
import sys

import secrets

import websockets

from harness import SDP_OFFER, Client, Server, chat_flows, room_of, run, tls_context, TIMEOUT
from test_consultation_common import connect, host_request, join_token
from test_rest import api_key, booking, call, token_of


def upgrade_status(server, origin=None, host=None):
    """Status line of a hand-made WebSocket upgrade (raw, so that the Origin
    and Host headers are exactly what a browser would send)."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    sock = tls_context().wrap_socket(raw) if server.tls else raw
    with sock:
        lines = [f"GET /ws HTTP/1.1", f"Host: {host or f'127.0.0.1:{server.port}'}",
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
        if origin is not None:
            lines.append(f"Origin: {origin}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ")[1]) if data.startswith(b"HTTP/") else None


async def connect_from(server, local_ip="127.0.0.1", origin=None):
    """A WebSocket from local_ip (any 127/8 address reaches the loopback)."""
    ws = await websockets.connect(
        server.ws_url, ssl=tls_context() if server.tls else None, origin=origin,
        open_timeout=TIMEOUT, close_timeout=2, local_addr=(local_ip, 0))
    return Client(ws)


async def test_origin(binary, state_dir):
    with Server(binary, state_dir) as server:
        ok, other = await room_of(server, "healthy", "Ok", "Other")
        own = f"https://127.0.0.1:{server.port}"
        # Browsers (Chromium sends the page's origin): same origin passes,
        # case of the host aside; any other site, "null" and junk get 403.
        assert upgrade_status(server, own) == 101
        assert upgrade_status(server, own.upper().replace("HTTPS", "https")) == 101
        for bad in ("https://evil.example", f"https://127.0.0.1:{server.port + 1}",
                    f"http://127.0.0.1:{server.port}.evil.example", "null",
                    f"https://user@127.0.0.1:{server.port}", "https://" + "x" * 300):
            status = upgrade_status(server, bad)
            assert status == 403, f"Origin {bad[:40]!r}: {status}, expected 403"
        # The scheme counts too: a plain-HTTP page of the same name is not ours.
        assert upgrade_status(server, f"http://127.0.0.1:{server.port}") == 403
        # A forged Host does not help a foreign page: it must equal the Origin.
        assert upgrade_status(server, "https://evil.example", host="other.example") == 403
        # Non-browsers send no Origin (python websockets, aiortc, the load tool).
        assert upgrade_status(server, None) == 101
        c = await Client.connect(server)
        await c.hello()
        await chat_flows(ok, other)
        health = server.health()
        assert health["sessions"] == 3, health  # no session for the refused ones
    with Server(binary, state_dir, "server.allowed_origins=https://video.example.org, "
                "https://app.example.org/") as server:
        assert upgrade_status(server, "https://video.example.org") == 101
        assert upgrade_status(server, "https://app.example.org") == 101
        assert upgrade_status(server, f"https://127.0.0.1:{server.port}") == 101
        assert upgrade_status(server, "https://evil.example") == 403
        assert upgrade_status(server, "http://video.example.org") == 403
        # The websockets client raises on 403 as a browser would fail.
        try:
            await connect_from(server, origin="https://evil.example")
            raise AssertionError("a foreign origin was upgraded")
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 403
        c = await connect_from(server, origin="https://video.example.org")
        await c.hello()
    with Server(binary, state_dir, "server.allowed_origins=*") as server:
        assert upgrade_status(server, "https://evil.example") == 101


async def test_connections_per_ip(binary, state_dir):
    with Server(binary, state_dir, "signaling.max_connections_per_ip=20") as server:
        # The healthy room comes from another loopback address: its own budget.
        healthy = []
        for name in ("Ok", "Other"):
            c = await connect_from(server, "127.0.0.2")
            await c.hello()
            c.pid = (await c.join("healthy", name))["you"]["id"]
            healthy.append(c)
        await healthy[0].expect("participant-joined")
        opened, refused = [], 0
        for _ in range(25):
            try:
                opened.append(await connect_from(server, "127.0.0.1"))
            except websockets.InvalidStatusCode as e:
                assert e.status_code == 429, e
                refused += 1
        assert len(opened) == 20 and refused == 5, (len(opened), refused)
        assert server.health()["sessions"] == 22
        for c in opened:  # the accepted ones work
            await c.hello()
        await chat_flows(*healthy)
        # Closing sockets gives their slots back.
        for c in opened[:5]:
            await c.close()
        await asyncio.sleep(0.3)
        for _ in range(5):
            c = await connect_from(server, "127.0.0.1")
            await c.hello()
            opened.append(c)
        try:
            await connect_from(server, "127.0.0.1")
            raise AssertionError("a 21st socket was accepted")
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 429
        await chat_flows(*healthy)


def masked_frame(first_byte, payload):
    """A client frame (clients must mask, RFC 6455 5.3), payload under 126 bytes."""
    mask = secrets.token_bytes(4)
    return (bytes([first_byte, 0x80 | len(payload)]) + mask
            + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


async def test_no_compression(binary, state_dir):
    """permessage-deflate (RFC 7692) is never negotiated, so no message can
    inflate beyond the bytes that arrived (no decompression bomb); a
    compressed frame (RSV1) on the socket is a protocol error."""
    with Server(binary, state_dir) as server:
        ok, other = await room_of(server, "healthy", "Ok", "Other")
        # The websockets client offers permessage-deflate by default.
        c = await Client.connect(server)
        assert not c.ws.extensions, c.ws.extensions
        await c.hello()
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        with tls_context().wrap_socket(raw) as sock:
            sock.sendall(("GET /ws HTTP/1.1\r\n"
                          f"Host: 127.0.0.1:{server.port}\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits,"
                          " x-webkit-deflate-frame\r\n\r\n").encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                assert chunk, data
                data += chunk
            head, rest = data.split(b"\r\n\r\n", 1)
            assert head.startswith(b"HTTP/1.1 101"), head
            assert b"sec-websocket-extensions" not in head.lower(), head
            # FIN + RSV1 + text: "compressed", which was not negotiated.
            sock.sendall(masked_frame(0xC1, b'{"type":"hello","version":1}'))
            try:
                while len(rest) < 4:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    rest += chunk
            except (ConnectionError, ssl.SSLError):
                pass
            # A close frame with 1002 (protocol error).
            assert rest[:1] == b"\x88" and rest[2:4] == b"\x03\xea", rest[:8]
        await chat_flows(ok, other)


def handshake(server, min_version=None, max_version=None, ciphers=None):
    """(version, cipher) the server agrees to, or None when it refuses.
    The client side allows everything (SECLEVEL 0) so that what is refused
    is refused by the server."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers((ciphers or "ALL") + ":@SECLEVEL=0")
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    try:
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.port),
                                                      timeout=TIMEOUT)) as s:
            assert s.compression() is None
            return s.version(), s.cipher()[0]
    except ssl.SSLError:
        return None


INTERMEDIATE_TLS12 = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                      "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256",
                      "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"}


async def test_tls(binary, state_dir):
    with Server(binary, state_dir) as server:
        ok, other = await room_of(server, "healthy", "Ok", "Other")
        v = ssl.TLSVersion
        assert handshake(server)[0] == "TLSv1.3"
        assert handshake(server, max_version=v.TLSv1_2)[0] == "TLSv1.2"
        for old in (v.TLSv1, v.TLSv1_1):
            try:
                got = handshake(server, min_version=old, max_version=old)
            except ValueError:  # this Python cannot even offer it
                got = None
            assert got is None, f"{old} accepted: {got}"
        # Every 1.2 suite this client can offer, one at a time: the server
        # agrees only to intermediate ones, and refuses the rest (static
        # RSA, CBC, SHA-1 MACs, no forward secrecy).
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        offered = {c["name"] for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3"}
        for weak in ("AES128-SHA", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA",
                     "ECDHE-ECDSA-AES256-SHA384"):
            assert weak in offered, f"this client cannot offer {weak}"
        agreed = set()
        for name in offered:
            got = handshake(server, max_version=v.TLSv1_2, ciphers=name)
            if got:
                agreed.add(got[1])
        assert agreed and agreed <= INTERMEDIATE_TLS12, agreed - INTERMEDIATE_TLS12
        assert "ECDHE-ECDSA-CHACHA20-POLY1305" in agreed and \
            "ECDHE-ECDSA-AES128-GCM-SHA256" in agreed, agreed
        await chat_flows(ok, other)


async def test_security_headers(binary, state_dir):
    with Server(binary, state_dir) as server:
        for path in ("/", "/r/x", "/c/x"):
            status, headers, _ = server.get(path)
            assert status == 200, (path, status)
            csp = headers["content-security-policy"]
            for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                              "base-uri 'none'", "frame-ancestors 'none'"):
                assert directive in csp, (path, directive, csp)
            assert headers["strict-transport-security"] == "max-age=63072000", path
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] == "no-referrer", path
            assert "camera=(self)" in headers["permissions-policy"], path
            assert headers["x-frame-options"] == "DENY", path
            assert headers["cross-origin-opener-policy"] == "same-origin", path
        status, headers, _ = server.get("/healthz")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["strict-transport-security"] == "max-age=63072000"


def ice_pwds(sdp):
    return set(re.findall(r"a=ice-pwd:(\S+)", sdp))


async def test_secrets_not_logged(binary, state_dir):
    """A whole consultation with everything secret in it, at log level debug:
    the server's log (stdout and stderr) holds none of the secrets."""
    key = api_key(binary, state_dir)
    wrong_key = "nara_" + secrets.token_hex(21)[:43]
    secret_texts, pwds = set(), set()
    with Server(binary, state_dir, "log.level=debug") as server:
        status, _, body = call(server, "POST", "/api/v1/consultations", booking(), key=key)
        assert status == 201, body
        people = {p["role"]: p for p in body["participants"]}
        tokens = {role: token_of(server, p["link"], body["id"]) for role, p in people.items()}
        assert call(server, "GET", "/api/v1/consultations", key=wrong_key)[0] == 401
        assert call(server, "GET", f"/api/v1/consultations/{body['id']}", key=key)[0] == 200

        host = await connect(server)
        i = await join_token(host, tokens["host"])
        host.pid = (await host.expect("joined", id=i))["you"]["id"]
        await host.expect("waiting-list")
        # A tampered token (last signature character changed) is refused.
        bad = await connect(server)
        t = tokens["patient"]
        i = await join_token(bad, t[:-2] + ("AA" if not t.endswith("AA") else "BB"))
        await bad.expect_error("token-signature", i)
        pat = await connect(server)
        i = await join_token(pat, tokens["patient"])
        await pat.expect("waiting", id=i)
        await host.expect("waiting-list")
        await host_request(host, {"type": "admit", "participant": people["patient"]["id"]})
        await host.expect("waiting-list", waiting=[])
        await pat.expect("status", status="admitted")
        pat.pid = (await pat.expect("joined"))["you"]["id"]
        await host.expect("participant-joined")

        # Chat, a valid one and a refused (too long) one.
        text = "blood pressure 140/90 " + secrets.token_hex(8)
        secret_texts.add(text)
        await chat_flows(pat, host, text=text)
        long_text = "diagnosis " + secrets.token_hex(8) + " x" * 1500
        secret_texts.add(long_text.split(" x")[0])
        i = await pat.request({"type": "chat", "text": long_text})
        await pat.expect_error("bad-message", i)

        # Media: a fresh ice-pwd in the offer; the server's own in its SDPs.
        pwd = secrets.token_hex(12)
        pwds.add(pwd)
        offer = SDP_OFFER.replace("abcdefghijklmnopqrstuvwx", pwd)
        i = await host.request({"type": "publish", "sdp": offer})
        answer = await host.expect("answer", id=i, pc="publish")
        pwds |= ice_pwds(answer["sdp"])
        sub = await pat.recv()
        while sub.get("type") != "offer":
            sub = await pat.recv()
        pwds |= ice_pwds(sub["sdp"])
        i = await pat.request({"type": "publish", "sdp": offer.replace("a=sendonly",
                                                                       "a=sendrecv")})
        msg = await pat.recv()
        while msg.get("type") not in ("answer", "error"):
            msg = await pat.recv()
        pwds |= ice_pwds(msg.get("sdp", ""))
        for c in (host, pat):  # what media still sends (candidates, tracks)
            try:
                while True:
                    await c.recv(0.3)
            except asyncio.TimeoutError:
                pass
        await chat_flows(host, pat)
        for c in (host, pat, bad):
            await c.close()
        await asyncio.sleep(0.3)
    assert len(pwds) >= 2, pwds
    with open(server.log.name, errors="replace") as f:
        log = f.read()
    assert "debug" in log.lower() or len(log.splitlines()) > 20, "the log is not at debug level"
    found = []
    for name, value in ([("API key", key), ("wrong API key", wrong_key)]
                        + [(f"{role} token", t) for role, t in tokens.items()]
                        + [(f"{role} token signature", t.split(".")[2])
                           for role, t in tokens.items()]
                        + [("chat text", t) for t in secret_texts]
                        + [("ice-pwd", p) for p in pwds]):
        if value in log:
            line = next(line for line in log.splitlines() if value in line)
            found.append(f"{name} in: {line[:160]}")
    assert not found, "secrets in the log:\n" + "\n".join(found)
    print(f"# scanned {len(log.splitlines())} log lines for {2 + 2 * len(tokens)} "
          f"key/token values, {len(secret_texts)} chat texts and {len(pwds)} ice-pwds")


if __name__ == "__main__":
    run([test_origin, test_connections_per_ip, test_no_compression, test_tls,
         test_security_headers, test_secrets_not_logged], sys.argv[1], sys.argv[2])
