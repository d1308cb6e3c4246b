"""test_turn.py - TURN credentials in joined, checked by a real coturn.

  python3 test_turn.py NARA STATE_DIR

- welcome never carries a credential (anyone may open a socket and say
  hello); joined does. Without turn.* keys joined's iceServers is empty.
- With turn.urls and turn.secret every joined session gets its own username
  "<expiry>:<tag>" (open rooms: expiry = now + turn.ttl_secs) and the
  password base64(HMAC-SHA1(secret, username)), recomputed here.
- Only one of the two keys: nara refuses to start (exit 2, keys named).
- When coturn is installed: coturn on 127.0.0.1 with the same secret, two
  aiortc participants that offer ONLY relay candidates (so every packet
  goes through coturn) see and hear each other; coturn's log shows their
  allocations. coturn comes from tools/packages-test.txt.

Every wait is bounded; coturn, nara and the peers are stopped on the way out.
"""
import asyncio
import base64
import hashlib
import hmac
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))

from harness import Client, Server, free_port, run  # noqa: E402

SECRET = "turn-secret-used-only-in-test-turn"
TTL = 600


def expected_password(username):
    mac = hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


async def ice_servers_of(server, room="turn-room", name="Astrid"):
    """hello (whose welcome must carry no credential), then join: joined's iceServers."""
    c = await Client.connect(server)
    try:
        await c.send({"type": "hello", "id": 1, "version": 1})
        welcome = await c.expect("welcome")
        assert "iceServers" not in welcome, f"a credential before join: {welcome}"
        await c.send({"type": "join", "id": 2, "room": room, "name": name})
        return (await c.expect("joined"))["iceServers"]
    finally:
        await c.close()


async def test_no_turn_by_default(binary, state_dir):
    with Server(binary, state_dir) as server:
        assert await ice_servers_of(server) == []


async def test_credentials(binary, state_dir):
    urls = "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:443?transport=tcp"
    with Server(binary, state_dir, f"turn.urls={urls}", f"turn.secret={SECRET}",
                f"turn.ttl_secs={TTL}") as server:
        # A socket that never joins gets nothing: hello alone, then a bad join.
        c = await Client.connect(server)
        try:
            await c.send({"type": "hello", "id": 1, "version": 1})
            welcome = await c.expect("welcome")
            assert "iceServers" not in welcome, welcome
            await c.send({"type": "join", "id": 2, "room": "no such/room", "name": "X"})
            await c.expect("error")
        finally:
            await c.close()
        before = int(time.time())
        first = await ice_servers_of(server)
        second = await ice_servers_of(server)
        after = int(time.time())
        for servers in (first, second):
            assert len(servers) == 1, servers
            s = servers[0]
            assert s["urls"] == urls.split(","), s
            expiry, tag = s["username"].split(":", 1)
            assert before + TTL <= int(expiry) <= after + TTL, (s, before, after)
            assert tag, s
            assert s["credential"] == expected_password(s["username"]), s
        assert first[0]["username"] != second[0]["username"], "two sessions, one username"
        print("hello without join: no credential; joined: one per session, "
              f"valid {TTL} s in an open room")


async def test_half_configured(binary, state_dir):
    for args in (["--set", "turn.urls=turn:t.example.org:3478"], ["--set", f"turn.secret={SECRET}"]):
        r = subprocess.run([binary, "--state-dir", state_dir, *args], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "turn.urls" in r.stderr and "turn.secret" in r.stderr, r.stderr
        assert SECRET not in r.stderr + r.stdout, "the secret was printed"


class Coturn:
    """coturn on 127.0.0.1 with the shared secret, relaying to loopback."""

    def __init__(self, state_dir):
        self.port = free_port()
        self.log_path = os.path.join(state_dir, "turnserver.log")
        relay = free_port()
        args = ["turnserver", "-n", "-v", "--listening-ip=127.0.0.1", f"--listening-port={self.port}",
                "--relay-ip=127.0.0.1", f"--min-port={relay}", f"--max-port={relay + 20}",
                "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=nara",
                "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--fingerprint",
                f"--log-file={self.log_path}", "--simple-log", "--no-stdout-log",
                f"--pidfile={os.path.join(state_dir, 'turnserver.pid')}",
                f"--userdb={os.path.join(state_dir, 'turndb')}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.log_has("listener opened") and not self.log_has("Total"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"coturn did not start; see {self.log_path}")
            time.sleep(0.1)

    def log_has(self, text):
        try:
            with open(self.log_path, errors="replace") as f:
                return text in f.read()
        except OSError:
            return False

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def relay_candidates_only():
    """aioice gathers host and relay candidates; keep only the relayed ones,
    as a browser with iceTransportPolicy "relay" would."""
    import aioice.ice

    gather = aioice.ice.Connection.gather_candidates

    async def gather_relay_only(self):
        await gather(self)
        self._local_candidates = [c for c in self._local_candidates if c.type == "relay"]

    aioice.ice.Connection.gather_candidates = gather_relay_only


async def test_media_through_coturn(binary, state_dir):
    assert shutil.which("turnserver"), "coturn is not installed (tools/packages-test.txt has it)"
    relay_candidates_only()
    from aiortc_peer import Peer

    turn = Coturn(state_dir)
    try:
        urls = f"turn:127.0.0.1:{turn.port}?transport=udp"
        with Server(binary, state_dir, f"turn.urls={urls}", f"turn.secret={SECRET}") as server:
            a = Peer(server.ws_url, "relayed", "Astrid", width=160, height=120, fps=15)
            b = Peer(server.ws_url, "relayed", "Erik", width=160, height=120, fps=15)
            try:
                await a.start()
                await b.start()
                for peer in (a, b):
                    sdp = peer.publish_pc.localDescription.sdp
                    kinds = {line.split()[7] for line in sdp.splitlines()
                             if line.startswith("a=candidate:")}
                    assert kinds == {"relay"}, f"{peer.you} offered {kinds}"
                await b.wait_frames(a.you, "video", 10, timeout=30)
                await b.wait_frames(a.you, "audio", 10, timeout=30)
                await a.wait_frames(b.you, "video", 10, timeout=30)
                print(f"relayed media: {a.frames} {b.frames}")
            finally:
                await a.close()
                await b.close()
        log = turn.log()
        allocations = log.count("ALLOCATE processed, success")
        assert allocations >= 4, f"{allocations} allocations in coturn's log (want 4: 2 peers x 2 pcs)"
        print(f"coturn: {allocations} successful allocations with nara's credentials")
    finally:
        turn.stop()


# --- the shipped coturn configuration refuses relays to private addresses ---

HARDENED_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docker",
                             "turnserver.conf")
MAGIC = 0x2112A442


def stun_message(method, attrs, key=None):
    """A STUN request (RFC 5389): attrs [(type, value)], MESSAGE-INTEGRITY
    over it when key is given."""
    body = b"".join(struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4) for t, v in attrs)
    txid = os.urandom(12)
    if key is None:
        return struct.pack("!HHI", method, len(body), MAGIC) + txid + body
    head = struct.pack("!HHI", method, len(body) + 24, MAGIC) + txid
    mac = hmac.new(key, head + body, hashlib.sha1).digest()
    return head + body + struct.pack("!HH", 0x0008, 20) + mac


def stun_parse(data):
    """(message type, {attr type: value}) of a STUN response."""
    mtype, length = struct.unpack("!HH", data[:4])
    attrs, i = {}, 20
    while i + 4 <= 20 + length:
        t, n = struct.unpack("!HH", data[i:i + 4])
        attrs.setdefault(t, data[i + 4:i + 4 + n])
        i += 4 + n + (-n % 4)
    return mtype, attrs


def stun_error(attrs):
    v = attrs.get(0x0009)
    return v[2] * 100 + v[3] if v else None


class TurnClient:
    """Just enough TURN over UDP: an authenticated Allocate, then
    CreatePermission for a peer address (RFC 5766 §9)."""

    def __init__(self, port, username, password):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(5)
        self.server = ("127.0.0.1", port)
        self.username, self.password = username.encode(), password.encode()
        self.realm = self.nonce = self.key = None

    def ask(self, method, attrs):
        auth = []
        if self.key:
            auth = [(0x0006, self.username), (0x0014, self.realm), (0x0015, self.nonce)]
        self.sock.sendto(stun_message(method, attrs + auth, self.key), self.server)
        return stun_parse(self.sock.recv(2048))

    def allocate(self, transport=17):
        attrs = [(0x0019, bytes([transport, 0, 0, 0]))]
        mtype, got = self.ask(0x0003, attrs)
        if mtype == 0x0113 and stun_error(got) == 401:
            self.realm, self.nonce = got[0x0014], got[0x0015]
            self.key = hashlib.md5(self.username + b":" + self.realm + b":" + self.password).digest()
            mtype, got = self.ask(0x0003, attrs)
        return "ok" if mtype == 0x0103 else stun_error(got)

    def permit(self, address):
        """CreatePermission for address: "ok" or the error code."""
        xport = 3478 ^ (MAGIC >> 16)
        xaddr = struct.unpack("!I", socket.inet_aton(address))[0] ^ MAGIC
        mtype, got = self.ask(0x0008, [(0x0012, struct.pack("!BBHI", 0, 1, xport, xaddr))])
        return "ok" if mtype == 0x0108 else stun_error(got)

    def close(self):
        self.sock.close()


async def test_hardened_coturn_refuses_private_peers(binary, state_dir):
    """coturn with docker/turnserver.conf as shipped (only addresses and the
    certificate changed for the test), and 127.0.0.1 allowed as Nara's media
    address would be: relays to every other private, loopback, link-local,
    CGNAT and metadata address are refused (403), and so is TCP relaying."""
    assert shutil.which("turnserver"), "coturn is not installed (tools/packages-test.txt has it)"
    port, relay = free_port(), free_port()
    log_path = os.path.join(state_dir, "turnserver-hardened.log")
    cert, key = os.path.join(state_dir, "turn-cert.pem"), os.path.join(state_dir, "turn-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=turn.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=30)
    proc = subprocess.Popen(
        ["turnserver", "-c", HARDENED_CONF, "--no-stdout-log",
         "--listening-ip=127.0.0.1", f"--listening-port={port}",
         f"--tls-listening-port={free_port()}", "--relay-ip=127.0.0.1", f"--min-port={relay}",
         f"--max-port={relay + 20}", f"--static-auth-secret={SECRET}", f"--cert={cert}",
         f"--pkey={key}", f"--log-file={log_path}", "--allow-loopback-peers",
         "--allowed-peer-ip=127.0.0.1", f"--pidfile={os.path.join(state_dir, 'turn-h.pid')}",
         f"--userdb={os.path.join(state_dir, 'turndb-h')}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = None
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with open(log_path, errors="replace") as f:
                    if "Total General servers" in f.read():
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "coturn did not start"
            time.sleep(0.1)
        username = f"{int(time.time()) + 600}:hardened"
        client = TurnClient(port, username, expected_password(username))
        assert client.allocate() == "ok", "no allocation with a valid credential"
        refused = {}
        for peer in ("10.1.2.3", "172.16.0.9", "192.168.1.1", "100.64.0.1", "169.254.169.254",
                     "127.0.0.2", "0.0.0.1", "224.0.0.1"):
            refused[peer] = client.permit(peer)
        allowed = client.permit("127.0.0.1")
        print(f"CreatePermission: {refused}; the allowed media address: {allowed}")
        assert all(code == 403 for code in refused.values()), refused
        assert allowed == "ok", allowed
        tcp = TurnClient(port, username, expected_password(username))
        try:
            tcp_result = tcp.allocate(transport=6)
        finally:
            tcp.close()
        print(f"Allocate with REQUESTED-TRANSPORT TCP: {tcp_result}")
        assert tcp_result != "ok", "TCP relaying is allowed"
    finally:
        if client:
            client.close()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    run([test_no_turn_by_default, test_credentials, test_half_configured,
         test_hardened_coturn_refuses_private_peers, test_media_through_coturn],
        sys.argv[1], sys.argv[2])
