"""test_turn.py - TURN credentials in the welcome, checked by a real coturn.

  python3 test_turn.py NARA STATE_DIR

- Without turn.* keys the welcome's iceServers is empty.
- With turn.urls and turn.secret every session gets its own username
  "<expiry>:<tag>" (expiry = now + turn.ttl_secs) and the password
  base64(HMAC-SHA1(secret, username)), recomputed here.
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


async def welcome_of(server):
    c = await Client.connect(server)
    try:
        await c.send({"type": "hello", "id": 1, "version": 1})
        return await c.expect("welcome")
    finally:
        await c.close()


async def test_no_turn_by_default(binary, state_dir):
    with Server(binary, state_dir) as server:
        welcome = await welcome_of(server)
        assert welcome["iceServers"] == [], welcome


async def test_credentials(binary, state_dir):
    urls = "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349?transport=tcp"
    with Server(binary, state_dir, f"turn.urls={urls}", f"turn.secret={SECRET}",
                f"turn.ttl_secs={TTL}") as server:
        before = int(time.time())
        first = (await welcome_of(server))["iceServers"]
        second = (await welcome_of(server))["iceServers"]
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


if __name__ == "__main__":
    run([test_no_turn_by_default, test_credentials, test_half_configured,
         test_media_through_coturn], sys.argv[1], sys.argv[2])
