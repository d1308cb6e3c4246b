"""test_http.py - the nara binary's HTTP side and lifecycle.

Usage: test_http.py NARA_BINARY STATE_DIR
Static files with their MIME types and security headers, /r/NAME,
/healthz, no directory listing or path traversal, plain HTTP mode, the
self-signed certificate being reused, config errors (exit 2) and SIGTERM
(exit 0).
"""
import json
import os
import ssl
import subprocess
import sys
import urllib.request

from harness import Client, Server, chat_flows, room_of, run, tls_context

CSP = ("default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


def make_web_dir(state_dir):
    web = os.path.join(state_dir, "web")
    os.makedirs(os.path.join(web, "js"), exist_ok=True)
    os.makedirs(os.path.join(web, "css"), exist_ok=True)
    with open(os.path.join(web, "index.html"), "w") as f:
        f.write("<!doctype html><title>nara test</title>")
    with open(os.path.join(web, "js", "app.js"), "w") as f:
        f.write("export const x = 1;\n")
    with open(os.path.join(web, "css", "app.css"), "w") as f:
        f.write("body{}\n")
    with open(os.path.join(state_dir, "secret.txt"), "w") as f:
        f.write("outside the web dir\n")
    return web


async def test_static_files(binary, state_dir):
    web = make_web_dir(state_dir)
    with Server(binary, state_dir, f"server.web_dir={web}") as server:
        for path in ("/", "/r/demo", "/r/Room_1-2"):
            status, headers, body = server.get(path)
            assert status == 200 and b"nara test" in body, (path, status)
            assert headers["Content-Type"].startswith("text/html")
            assert headers["Content-Security-Policy"] == CSP
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"
            assert headers["Permissions-Policy"] == \
                "camera=(self), microphone=(self), display-capture=(self)"
            assert "max-age=" in headers["Strict-Transport-Security"]
        status, headers, body = server.get("/js/app.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert headers["X-Content-Type-Options"] == "nosniff"
        status, headers, _ = server.get("/css/app.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        for path in ("/js/", "/js", "/nope.js", "/r/bad%20name", "/r/", "/r/a/b",
                     "/../secret.txt", "/%2e%2e/secret.txt", "/js/..%2f..%2fsecret.txt",
                     "/.hidden", "/index.html/x", "/ws"):
            status, headers, body = server.get(path)
            assert status == 404, (path, status)
            assert b"outside the web dir" not in body
            # Errors carry the same security headers as pages.
            assert headers["Content-Security-Policy"] == CSP, (path, headers)
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Frame-Options"] == "DENY"
            assert "max-age=" in headers["Strict-Transport-Security"]
        status, headers, body = server.get("/healthz")
        assert status == 200 and headers["Content-Type"] == "application/json"
        health = json.loads(body)
        assert health["status"] == "ok" and health["version"]
        assert health["sessions"] == 0 and health["rooms"] == 0
        req = urllib.request.Request(server.base + "/healthz", data=b"x", method="POST")
        try:
            urllib.request.urlopen(req, timeout=5, context=tls_context())
            raise AssertionError("POST accepted")
        except urllib.error.HTTPError as e:
            assert e.code in (405, 404), e.code
            assert e.headers["Content-Security-Policy"] == CSP, e.headers
            assert e.headers["X-Content-Type-Options"] == "nosniff"


async def test_plain_http_and_ws(binary, state_dir):
    with Server(binary, state_dir, tls=False) as server:
        status, headers, _ = server.get("/healthz")
        assert status == 200 and "Strict-Transport-Security" not in headers
        a, b = await room_of(server, "plain", "A", "B")
        await chat_flows(a, b)
        assert server.health()["sessions"] == 2


async def test_certificate_reused(binary, state_dir):
    cert_dir = os.path.join(state_dir, "certs")
    fingerprints = []
    for _ in range(2):
        with Server(binary, cert_dir) as server:
            with open(os.path.join(cert_dir, "cert.pem")) as f:
                fingerprints.append(f.read())
            der = ssl.get_server_certificate(("127.0.0.1", server.port))
            assert der.strip() == fingerprints[-1].strip()
    assert fingerprints[0] == fingerprints[1], "the self-signed certificate is reused"
    mode = os.stat(os.path.join(cert_dir, "key.pem")).st_mode & 0o777
    assert mode == 0o600, oct(mode)


async def test_config_errors(binary, state_dir):
    bad_file = os.path.join(state_dir, "bad.conf")
    with open(bad_file, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:1\n[nonsense]\nkey = 1\n")
    cases = [
        ["--set", "server.tls=maybe"],
        ["--set", "no.such=1"],
        ["--set", "novalue"],
        ["--listen", "127.0.0.1"],
        ["--listen", "127.0.0.1:70000"],
        ["--set", "media.port_min=40000"],
        ["--set", "signaling.max_participants=0"],
        ["--config", bad_file],
        ["--config", os.path.join(state_dir, "missing.conf")],
        ["--bogus-option"],
    ]
    for args in cases:
        p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=10)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stderr.strip(), (args, "no message")
    env = dict(os.environ, NARA_SERVER_TLS="sometimes")
    p = subprocess.run([binary, "--print-config"], capture_output=True, text=True, timeout=10,
                       env=env)
    assert p.returncode == 2 and "NARA_SERVER_TLS" in p.stderr, p.stderr
    # Precedence: command line > environment > file > default.
    good_file = os.path.join(state_dir, "good.conf")
    with open(good_file, "w") as f:
        f.write("[signaling]\nmax_rooms = 7\nmax_participants = 5\nmax_name_chars = 9\n")
    env = dict(os.environ, NARA_SIGNALING_MAX_PARTICIPANTS="6", NARA_SIGNALING_MAX_ROOMS="8")
    p = subprocess.run([binary, "--config", good_file, "--set", "signaling.max_rooms=9",
                        "--print-config"], capture_output=True, text=True, timeout=10, env=env)
    assert p.returncode == 0, p.stderr
    assert "\nmax_rooms = 9\n" in p.stdout
    assert "\nmax_participants = 6\n" in p.stdout
    assert "\nmax_name_chars = 9\n" in p.stdout
    for flag in ("--help", "--version"):
        p = subprocess.run([binary, flag], capture_output=True, text=True, timeout=10)
        assert p.returncode == 0 and p.stdout, flag
    assert "media.ice_addresses" in subprocess.run(
        [binary, "--help"], capture_output=True, text=True, timeout=10).stdout


async def test_sigterm(binary, state_dir):
    server = Server(binary, state_dir)
    with open(server.log.name) as f:
        first = f.read()
    assert f"listening on https://" in first and "/r/demo" in first, first
    c = await Client.connect(server)
    await c.hello()
    server.stop()  # exit code 0 is asserted


if __name__ == "__main__":
    run([test_static_files, test_plain_http_and_ws, test_certificate_reused, test_config_errors,
         test_sigterm], sys.argv[1], sys.argv[2])
