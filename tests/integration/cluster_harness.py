"""cluster_harness.py - Redis for several nara nodes on loopback, and an
aiortc participant that follows `redirect` (docs/protocol.md, "Many
nodes: redirect"). Used by test_cluster.py; not a test itself.

Redis listens on a unix socket only (no TCP port, nothing saved), in a
short directory of its own under the temporary directory: a socket path
must fit in 108 bytes, and a build tree's test directory can be longer; PostgreSQL comes from tests/pg/with-postgres.sh. Every
process started here is stopped by stop(); every wait is bounded.
"""
import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time

import websockets


try:
    from aiortc_peer import Peer
except ImportError:  # the caller skips
    Peer = object


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} within {timeout} s")
        time.sleep(0.05)


class Redis:
    """redis-server on a unix socket only: no TCP, no persistence; its log
    in DIRECTORY. Give sock to start again on a stopped one's socket."""

    def __init__(self, directory, sock=None):
        self.dir = directory
        self.sock_dir = os.path.dirname(sock) if sock else tempfile.mkdtemp(prefix="nara-redis-")
        self.sock = sock or os.path.join(self.sock_dir, "redis.sock")
        self.log = open(os.path.join(directory, "redis.log"), "a")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", directory],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.proc.poll() is not None or self._pings(), 10, "redis-server")
        if self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited; see {self.log.name}")

    def _pings(self):
        try:
            return self.command("PING") == "PONG"
        except OSError:
            return False

    def command(self, *args):
        """One command in RESP; a bulk/simple string, int, None or list back."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(self.sock)
            out = f"*{len(args)}\r\n" + "".join(f"${len(str(a).encode())}\r\n{a}\r\n" for a in args)
            s.sendall(out.encode())
            f = s.makefile("rb")
            return self._read(f)

    def _read(self, f):
        line = f.readline().rstrip(b"\r\n").decode()
        kind, rest = line[0], line[1:]
        if kind == "+":
            return rest
        if kind == "-":
            raise RuntimeError(rest)
        if kind == ":":
            return int(rest)
        if kind == "$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data.decode()
        if kind == "*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise RuntimeError(f"RESP: {line!r}")

    def stop(self, keep_socket_dir=False):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        if not keep_socket_dir:
            shutil.rmtree(self.sock_dir, ignore_errors=True)


class ClusterPeer(Peer):
    """A participant joining with its link through `entries` (its own entry
    node first, then the others, as a load balancer would): it follows
    `redirect` (at most 3 in a row), and goes back to the entries when the
    node it was sent to cannot be reached."""

    MAX_REDIRECTS = 3

    def __init__(self, entries, token, name, **media):
        super().__init__(entries[0], name=name, join={"type": "join", "token": token}, **media)
        self.label = name
        self.entries = entries
        self.token = token
        self.redirects = 0
        self.secret = None

    async def _drop_socket(self):
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def ask(self, message, deadline):
        """Sends message (join or resume) where it belongs: returns the
        reply that is not a redirect (joined, waiting, resumed, or an
        error as a dict), following redirects and falling back to entries."""
        url, redirects, tried = self.entries[0], 0, 0
        while time.monotonic() < deadline:
            self.url = url
            try:
                await self.connect(timeout=5)
                reply = await self.request(message, timeout=10)
            except RuntimeError as e:  # an error reply
                return {"type": "error", "message": str(e)}
            except (OSError, ConnectionError, asyncio.TimeoutError,
                    websockets.InvalidHandshake, websockets.ConnectionClosed):
                # Unreachable: back to an entry (the next one, as a
                # balancer skips a dead node), after a short pause.
                await self._drop_socket()
                tried += 1
                url, redirects = self.entries[tried % len(self.entries)], 0
                await asyncio.sleep(0.3)
                continue
            if reply.get("type") != "redirect":
                return reply
            assert reply.get("reason") == "owner", reply
            self.redirects += 1
            redirects += 1
            await self._drop_socket()
            if redirects > self.MAX_REDIRECTS:
                url, redirects = self.entries[0], 0
                await asyncio.sleep(0.3)
            else:
                url = reply["url"]
        raise TimeoutError(f"{self.label}: no answer but redirects")

    async def enter(self, timeout=30):
        """Joins through the entries; returns joined or waiting."""
        reply = await self.ask(self.join_message, time.monotonic() + timeout)
        assert reply.get("type") in ("joined", "waiting"), (self.label, reply)
        self.joined = reply
        if reply["type"] == "joined":
            self.you = reply["you"]["id"]
            self.secret = reply.get("resume")
        return reply

    async def in_call(self, timeout=30):
        """After waiting: the unsolicited joined of an admission."""
        await self.wait_until(lambda: self.got("joined"), timeout, "admission")
        joined = self.got("joined")[-1]
        self.joined = joined
        self.you = joined["you"]["id"]
        self.secret = joined.get("resume")

    def closed(self):
        return self.ws is None or self._reader is None or self._reader.done()


def owner_url(redis, nodes, consultation_id):
    """The ws URL of the node holding the consultation's lease, or None."""
    owner = redis.command("GET", f"nara:owner:c:{consultation_id}")
    return nodes[owner].ws_url if owner in nodes else None


def kill9(server):
    server.proc.kill()
    server.proc.wait()
    server.log.close()


def stop_quietly(server):
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()
    if not server.log.closed:
        server.log.close()
