"""test_sandbox.py - the server confined to its state directory (server.sandbox).

Usage: test_sandbox.py NARA_BINARY STATE_DIR SANDBOX_PROBE
With server.sandbox=on nara says at start what it applied, every one of
its threads carries no_new_privs (so each started after the sandbox, and
Landlock binds it too), and it works: two people in a room exchange an
offer and an answer, a consultation is booked over REST, joined with its
link, and the audit log has both. The probe (sandbox_probe.c, preloaded
into this nara only) tries to create files once start-up is over: in the
state directory it can, anywhere else it gets EACCES, from the main
thread and from a new one. A file under the state directory's parent is
still absent afterwards. Skipped when the kernel has no Landlock.
"""
import ctypes
import json
import os
import sys

from harness import SDP_OFFER, Client, Server, room_of, run
from test_rest import api_key, booking, call, nara, token_of

SKIP = 77
PROBE = sys.argv[3] if len(sys.argv) > 3 else None


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
    return max(abi, 0)


def log_text(server):
    with open(server.log.name) as f:
        return f.read()


def thread_flags(pid):
    """NoNewPrivs of every thread of pid."""
    flags = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith("NoNewPrivs:"):
                    flags.append(line.split()[1])
    return flags


async def test_confined_server_works(binary, state_dir):
    state = os.path.join(state_dir, "state")
    outside = os.path.join(state_dir, "outside.txt")
    key = api_key(binary, state)  # a command: not confined, writes the store
    os.environ["NARA_PROBE_INSIDE"] = os.path.join(state, "probe.txt")
    os.environ["NARA_PROBE_OUTSIDE"] = outside
    os.environ["LD_PRELOAD"] = PROBE
    # A sanitizer build wants its runtime first; the probe comes before it.
    asan = os.environ.get("ASAN_OPTIONS")
    os.environ["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
    try:
        server = Server(binary, state, "server.sandbox=on", "rooms.open=true")
    finally:
        for var in ("NARA_PROBE_INSIDE", "NARA_PROBE_OUTSIDE", "LD_PRELOAD"):
            del os.environ[var]
        if asan is None:
            del os.environ["ASAN_OPTIONS"]
        else:
            os.environ["ASAN_OPTIONS"] = asan
    with server:
        text = log_text(server)
        assert f"sandbox: Landlock ABI {landlock_abi()}: read-write {state}" in text, text
        assert "no exec" in text or "sanitizer build" in text, text
        flags = thread_flags(server.proc.pid)
        assert len(flags) >= 3 and set(flags) == {"1"}, flags  # main, workers, store

        # A call's signaling.
        a, b = await room_of(server, "sandboxed", "Ann", "Bo")
        i = await a.request({"type": "publish", "sdp": SDP_OFFER})
        answer = await a.expect("answer", id=i, pc="publish")
        assert answer["sdp"].startswith("v=0"), answer
        for _ in range(2):
            await b.expect("track-added", participant=a.pid)
        await b.expect("offer", pc="subscribe")
        await a.close()
        await b.close()

        # REST, a join with its link, and the audit log in the store.
        status, _, c = call(server, "POST", "/api/v1/consultations", booking(), key)
        assert status == 201, c
        token = token_of(server, c["participants"][0]["link"], c["id"])
        host = await Client.connect(server)
        await host.hello()
        i = await host.request({"type": "join", "token": token})
        await host.expect("joined", id=i)
        await host.close()
        status, _, body = call(server, "GET", f"/api/v1/audit?consultation={c['id']}", key=key)
        events = [json.loads(line)["event"] for line in body.decode().splitlines()]
        assert status == 200 and "consultation-created" in events and "leave" in events, events

        # The probe ran once start-up was over.
        text = log_text(server)
        assert "sandbox-probe: inside=ok outside=EACCES thread-outside=EACCES" in text, text
    assert os.path.exists(os.path.join(state, "probe.txt"))
    assert not os.path.exists(outside) and not os.path.exists(outside + ".thread")
    _, out, _ = nara(binary, state, "audit", "verify")
    assert "records" in out, out


async def test_refused_values(binary, state_dir):
    code, _, err = nara(binary, state_dir, "--set", "server.sandbox=maybe", "--print-config",
                        check=False)
    assert code == 2 and "server.sandbox" in err, err


if __name__ == "__main__":
    if landlock_abi() < 1 or not PROBE:
        print("skip - the kernel offers no Landlock")
        sys.exit(SKIP)
    run([test_confined_server_works, test_refused_values], sys.argv[1], sys.argv[2])
