"""test_consultation_common.py - shared by the test_consultation_*.py scripts.

Not a test itself. Books a consultation straight into the store file the
running nara uses (through the test-only consultation-helper, which calls
store.h), signs join tokens with the server's HS256 secret (good ones and
deliberately broken ones), joins with them, and reads the audit log back.
Usage of every script: SCRIPT NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
import sys
import uuid

from harness import Client, Server

# Where nara keeps its store and its HS256 secret inside --state-dir.
STORE_FILE = "nara.db"
SECRET_FILE = "token-secret"
SKIP = 77  # CTest SKIP_RETURN_CODE


def skip_unless_consultations(binary, state_dir):
    """Exits with SKIP when this nara keeps no store and secret in its state
    dir (a build from before consultations were wired into the server)."""
    probe = os.path.join(state_dir, "probe")
    with Server(binary, probe):
        wired = all(os.path.exists(os.path.join(probe, f)) for f in (STORE_FILE, SECRET_FILE))
    if not wired:
        print(f"skip - {binary} makes no {STORE_FILE} and {SECRET_FILE} in its state dir")
        sys.exit(SKIP)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(secret, claims, header=None):
    """A compact JWS over claims, HS256 with secret unless header says otherwise."""
    header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def server_secret(server):
    """The HS256 secret nara made in its state dir at first start."""
    path = os.path.join(server.state_dir, SECRET_FILE)
    deadline = time.monotonic() + 5
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(path, "rb") as f:
        return f.read()


class Booking:
    """One consultation in the server's store. people: "role:Name[:acr]" strings."""

    def __init__(self, helper, server, *people, title="Follow-up", auto_admit="-", locked=False):
        self.helper = helper
        self.db = os.path.join(server.state_dir, STORE_FILE)
        self.secret = server_secret(server)
        out = self.run("create", title, auto_admit, "1" if locked else "0", *people)
        data = json.loads(out)
        self.id = data["id"]
        self.title = title
        self.people = data["participants"]

    def run(self, command, *args):
        return subprocess.run([self.helper, command, self.db, *args], check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def person(self, index):
        return self.people[index]

    def claims(self, index, **override):
        p = self.people[index]
        now = int(time.time())
        claims = {"iss": "nara", "aud": "nara-join", "cid": self.id, "sub": p["id"],
                  "role": p["role"], "name": p["name"], "acr": p.get("assurance") or "none",
                  "iat": now, "nbf": now - 5, "exp": now + 3600, "jti": str(uuid.uuid4())}
        for k, v in override.items():
            if v is None:
                claims.pop(k, None)
            else:
                claims[k] = v
        return claims

    def token(self, index, **override):
        return sign(self.secret, self.claims(index, **override))

    def set_status(self, status):
        self.run("status", self.id, status)

    def delete(self, index):
        self.run("delete", self.id, self.people[index]["id"])

    def audit(self, everything=False):
        """The audit records (dicts), oldest first: this consultation's, or all."""
        out = self.run("audit", *([] if everything else [self.id]))
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def verify(self):
        return int(self.run("verify").strip())


async def connect(server):
    c = await Client.connect(server)
    await c.hello()
    return c


async def join_token(client, token):
    """Sends join with token; returns the request id."""
    return await client.request({"type": "join", "token": token})


async def enter(server, booking, index, waiting_list=None):
    """A new session joins as people[index] and is admitted at once. If its
    role sees the waiting list, that first list must be waiting_list (ids)."""
    c = await connect(server)
    i = await join_token(c, booking.token(index))
    joined = await c.expect("joined", id=i)
    c.pid = joined["you"]["id"]
    assert c.pid == booking.person(index)["id"], joined
    assert joined["consultation"] == {"id": booking.id, "title": booking.title,
                                      "locked": joined["consultation"]["locked"]}, joined
    if waiting_list is not None:
        wl = await c.expect("waiting-list")
        assert [w["id"] for w in wl["waiting"]] == waiting_list, wl
    c.joined = joined
    return c


async def wait_in(server, booking, index):
    """A new session joins as people[index] and lands in the waiting room."""
    c = await connect(server)
    i = await join_token(c, booking.token(index))
    w = await c.expect("waiting", id=i)
    p = booking.person(index)
    assert w["you"] == {"id": p["id"], "name": p["name"], "role": p["role"],
                        "assurance": p.get("assurance") or "none"}, w
    assert w["consultation"] == {"id": booking.id, "title": booking.title}, w
    c.pid = p["id"]
    return c


async def waiting_ids(client):
    msg = await client.expect("waiting-list")
    return [w["id"] for w in msg["waiting"]]


async def host_request(client, msg, expect="ok"):
    """Sends a host request; expects ok (or the error code given)."""
    i = await client.request(msg)
    if expect == "ok":
        await client.expect("ok", id=i)
    else:
        await client.expect_error(expect, i)
    return i
