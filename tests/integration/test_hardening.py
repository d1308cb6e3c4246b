"""test_hardening.py - room caps, CSP origins, the metrics listener, lws' own answers.

Usage: test_hardening.py NARA_BINARY STATE_DIR
Open rooms have a cap of their own (signaling.max_open_rooms) below
signaling.max_rooms, so a consultation still gets a room when open rooms
are at theirs. server.csp_connect_src lands in the pages' connect-src and
a bad value stops the start. server.metrics_listen serves /metrics (and
/healthz, nothing else) over plain HTTP on its own address while the main
listener answers 404 for it. A too-long request line gets a 414 with the
security headers, and so does an answer libwebsockets writes itself (403
to an unknown method); a request line beyond lws' header buffer is cut
without an answer by lws 4.1 (docs/security.md).
"""
import asyncio
import socket
import subprocess
import sys
import urllib.error
import urllib.request

from harness import Client, Server, free_port, run, tls_context
from test_consultation_common import connect, join_token
from test_rest import api_key, booking, call, token_of

SECURITY_HEADERS = ("x-content-type-options: nosniff", "referrer-policy: no-referrer",
                    "content-security-policy: default-src 'self'", "x-frame-options: DENY",
                    "strict-transport-security: max-age=63072000")


def raw_request(server, request, timeout=3):
    """The raw answer to bytes sent on a fresh TLS connection (b"" if none)."""
    sock = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", server.port),
                                                              timeout=timeout))
    data = b""
    with sock:
        sock.sendall(request)
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionError, OSError):
            pass
    return data.decode(errors="replace")


def assert_security_headers(answer, what):
    lower = answer.lower()
    for h in SECURITY_HEADERS:
        assert h.lower() in lower, f"{what}: no {h!r} in {answer[:600]!r}"


async def test_open_room_cap(binary, state_dir):
    key = api_key(binary, state_dir)
    with Server(binary, state_dir, "rooms.open=true", "signaling.max_rooms=3",
                "signaling.max_open_rooms=2") as server:
        held = []
        for name in ("one", "two"):
            c = await Client.connect(server)
            await c.hello()
            await c.join(name, "Ann")
            held.append(c)
        c = await Client.connect(server)
        await c.hello()
        i = await c.request({"type": "join", "room": "three", "name": "Bo"})
        await c.expect_error("too-many-rooms", i)
        # A consultation still gets the room left.
        status, _, booked = call(server, "POST", "/api/v1/consultations", booking(), key)
        assert status == 201, booked
        host = await connect(server)
        i = await join_token(host, token_of(server, booked["participants"][0]["link"],
                                            booked["id"]))
        await host.expect("joined", id=i)
        # An open room freed is free again for open rooms.
        await held.pop().close()
        for _ in range(50):
            if server.health()["rooms"] == 2:
                break
            await asyncio.sleep(0.1)
        i = await c.request({"type": "join", "room": "three", "name": "Bo"})
        await c.expect("joined", id=i)
        for x in held + [c, host]:
            await x.close()


async def test_csp_connect_src(binary, state_dir):
    with Server(binary, state_dir, "server.csp_connect_src=wss://node2.example.org:8443, "
                "https://*.example.org") as server:
        _, headers, _ = server.get("/")
        csp = headers["content-security-policy"]
        assert "connect-src 'self' wss://node2.example.org:8443 https://*.example.org;" in csp, csp
        assert "script-src 'self';" in csp, csp
    for bad in ("*", "wss://a.example; script-src *", "'unsafe-inline'", "http://a.example"):
        p = subprocess.run([binary, "--state-dir", state_dir, "--set",
                            f"server.csp_connect_src={bad}", "--print-config"],
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 2 and "server.csp_connect_src" in p.stderr, (bad, p.stderr)


async def test_metrics_listener(binary, state_dir):
    port = free_port()
    with Server(binary, state_dir, f"server.metrics_listen=127.0.0.1:{port}") as server:
        status, _, _ = server.get("/metrics")
        assert status == 404, status
        assert server.get("/healthz")[0] == 200
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            assert r.status == 200 and b"nara_sessions " in r.read()
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            assert r.status == 200
        for path in ("/", "/api/v1/consultations", "/index.html", "/ws"):
            try:
                urllib.request.urlopen(base + path, timeout=5)
                raise AssertionError(f"{path} answered on the metrics listener")
            except urllib.error.HTTPError as e:
                assert e.code == 404, (path, e.code)


async def test_error_answers_carry_headers(binary, state_dir):
    with Server(binary, state_dir) as server:
        long_line = f"GET /{'a' * 1500} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        answer = raw_request(server, long_line.encode())
        assert answer.startswith("HTTP/1.1 414 "), answer[:100]
        assert_security_headers(answer, "414")
        # libwebsockets answers an unknown method itself, before our code.
        answer = raw_request(server, b"BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.startswith("HTTP/1.") and " 403 " in answer.split("\r\n")[0], answer[:100]
        assert_security_headers(answer, "lws' own 403")
        # Beyond the header buffer lws 4.1 hangs up without a word; a later
        # lws answers 414 itself, with the vhost's headers.
        huge = f"GET /{'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        answer = raw_request(server, huge)
        if answer:
            assert " 414 " in answer.split("\r\n")[0], answer[:100]
            assert_security_headers(answer, "lws' own 414")
        assert server.health()["status"] == "ok"


if __name__ == "__main__":
    run([test_open_room_cap, test_csp_connect_src, test_metrics_listener,
         test_error_answers_carry_headers], sys.argv[1], sys.argv[2])
