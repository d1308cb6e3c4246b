"""harness.py - start the real nara on 127.0.0.1 and talk protocol v1 to it.

Used by the integration test scripts: picks a free port, starts the
binary with a fresh state dir, waits for /healthz, and stops it with
SIGTERM (the exit code must be 0). Every wait is bounded. The TLS
certificate is the server's self-signed one, so verification is off.

With NARA_TEST_PG set (a libpq conninfo; tests/pg/with-postgres.sh sets
it), every test gets a fresh PostgreSQL schema and every nara it starts,
server or CLI, keeps its store there (store.backend by environment).
"""
import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

import websockets

SDP_OFFER = open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "sdp_offer.txt")).read().replace("\n", "\r\n")
TIMEOUT = 5.0


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, state_dir, *settings, tls=True):
        self.port = free_port()
        self.tls = tls
        self.state_dir = state_dir
        os.makedirs(state_dir, exist_ok=True)
        args = [binary, "--listen", f"127.0.0.1:{self.port}", "--state-dir", state_dir,
                "--set", "media.ice_addresses=127.0.0.1", "--set", f"server.tls={str(tls).lower()}",
                # SIGTERM stops at once (calls closed with 1012): tests stop
                # servers with clients still connected. test_drain.py drains.
                "--set", "server.drain_secs=0"]
        for s in settings:
            args += ["--set", s]
        self.log = open(os.path.join(state_dir, f"nara-{self.port}.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        scheme = "https" if tls else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.ws_url = f"{'wss' if tls else 'ws'}://127.0.0.1:{self.port}/ws"
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nara exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _, _ = self.get("/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("nara did not answer /healthz within 15 s")
            time.sleep(0.05)

    def get(self, path):
        """(status, headers, body) of a GET; errors are returned, not raised."""
        req = urllib.request.Request(self.base + path)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT,
                                        context=tls_context() if self.tls else None) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def health(self):
        return json.loads(self.get("/healthz")[2])

    def metrics(self):
        """GET /metrics as {name: value}; each sample line is `name value`
        (nara's metrics have no labels)."""
        status, _, body = self.get("/metrics")
        assert status == 200, f"/metrics: {status}"
        values = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.split(" ")
                values[name] = float(value)
        return values

    def stop(self):
        """SIGTERM; the server must exit 0 within 10 s."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("nara did not exit within 10 s of SIGTERM")
        self.log.close()
        assert code == 0, f"nara exited with {code} after SIGTERM; see {self.log.name}"
        with open(self.log.name) as f:
            text = f.read()
        for bad in ("CRITICAL", "LeakSanitizer", "AddressSanitizer", "runtime error"):
            assert bad not in text, f"{bad} in {self.log.name}"


class Client:
    """One WebSocket session. expect() skips trickle candidates (media sends
    them whenever it likes) and fails on anything else unexpected."""

    SKIP = {"candidate"}

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 100
        self.pending = []

    @classmethod
    async def connect(cls, server, subprotocol=True):
        ws = await websockets.connect(
            server.ws_url, ssl=tls_context() if server.tls else None,
            subprotocols=["nara.v1"] if subprotocol else None,
            max_size=2**22, open_timeout=TIMEOUT, close_timeout=2)
        return cls(ws)

    async def send(self, msg):
        await self.ws.send(msg if isinstance(msg, (str, bytes)) else json.dumps(msg))

    async def request(self, msg):
        self.next_id += 1
        msg = dict(msg, id=self.next_id)
        await self.send(msg)
        return self.next_id

    async def recv(self, timeout=TIMEOUT):
        if self.pending:
            return self.pending.pop(0)
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(self, type_, timeout=TIMEOUT, **fields):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {type_} within {timeout} s")
            msg = await self.recv(left)
            if msg.get("type") in self.SKIP and type_ not in self.SKIP:
                continue
            assert msg.get("type") == type_, f"expected {type_} {fields}, got {msg}"
            for k, v in fields.items():
                assert msg.get(k) == v, f"{type_}: {k}={msg.get(k)!r}, expected {v!r} in {msg}"
            return msg

    async def expect_error(self, code, id_=None):
        msg = await self.expect("error", code=code)
        if id_ is not None:
            assert msg.get("id") == id_, f"error id {msg.get('id')} != {id_}: {msg}"
        return msg

    async def quiet(self, seconds=0.3):
        """Nothing but candidates arrives for a while."""
        try:
            while True:
                msg = await self.recv(seconds)
                assert msg.get("type") in self.SKIP, f"unexpected {msg}"
        except asyncio.TimeoutError:
            pass

    async def hello(self):
        i = await self.request({"type": "hello", "version": 1})
        return await self.expect("welcome", id=i, version=1)

    async def join(self, room, name):
        i = await self.request({"type": "join", "room": room, "name": name})
        return await self.expect("joined", id=i, room=room)

    async def expect_closed(self, code, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                await asyncio.wait_for(self.ws.recv(), deadline - time.monotonic())
        except websockets.ConnectionClosed as e:
            assert e.code == code, f"closed with {e.code}, expected {code}"
            return
        raise AssertionError(f"not closed within {timeout} s")

    async def close(self):
        await self.ws.close()


async def room_of(server, room, *names):
    """Clients who said hello and joined room, each seeing the next join."""
    clients = []
    for name in names:
        c = await Client.connect(server)
        await c.hello()
        joined = await c.join(room, name)
        c.pid = joined["you"]["id"]
        for other in clients:
            await other.expect("participant-joined")
        clients.append(c)
    return clients


async def chat_flows(sender, *receivers, text="still here"):
    """sender chats; it and every receiver get it: the room is healthy."""
    i = await sender.request({"type": "chat", "text": text})
    await sender.expect("ok", id=i)
    for c in (sender,) + receivers:
        msg = await c.expect("chat", text=text)
        assert msg["from"]["id"] == sender.pid


def use_postgresql(name):
    """With NARA_TEST_PG: a fresh schema called name, and the environment
    that makes nara keep its store there. Returns the conninfo, or None."""
    base = os.environ.get("NARA_TEST_PG")
    if not base:
        return None
    psql = os.path.join(os.environ.get("NARA_TEST_PG_BIN", "/usr/bin"), "psql")
    schema = "i_" + "".join(c if c.isalnum() else "_" for c in name.lower())
    subprocess.run([psql, "-qX", "-v", "ON_ERROR_STOP=1", "-d", base, "-c",
                    f"SET client_min_messages = warning; DROP SCHEMA IF EXISTS {schema} CASCADE;"
                    f" CREATE SCHEMA {schema}"], check=True, timeout=30)
    conninfo = f"{base} options='-csearch_path={schema}'"
    os.environ["NARA_STORE_BACKEND"] = "postgresql"
    os.environ["NARA_STORE_POSTGRESQL"] = conninfo
    return conninfo


def run(tests, binary, state_dir):
    """Runs each async test(binary, dir) with a 60 s bound, each in a fresh
    directory under state_dir (and a fresh schema, with NARA_TEST_PG)."""
    failed = 0
    os.makedirs(state_dir, exist_ok=True)
    for test in tests:
        test_dir = tempfile.mkdtemp(prefix=test.__name__ + "-", dir=state_dir)
        try:
            use_postgresql(test.__name__)
            asyncio.run(asyncio.wait_for(test(binary, test_dir), 60))
            print(f"ok - {test.__name__}")
        except Exception as e:  # report every test, then fail
            failed += 1
            print(f"not ok - {test.__name__}: {type(e).__name__}: {e}")
            traceback.print_exc()
    sys.exit(1 if failed else 0)


def _server_enter(self):
    return self


def _server_exit(self, exc_type, exc, tb):
    try:
        self.stop()
    except Exception:
        if exc_type is None:
            raise
    return False


Server.__enter__ = _server_enter
Server.__exit__ = _server_exit
