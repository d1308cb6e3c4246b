"""test_audit_key.py - the keyed, anchored audit chain and bounded refusal records.

Usage: test_audit_key.py NARA_BINARY STATE_DIR
With audit.hmac_key every record carries a MAC. Someone who can write the
database but has not the key deletes the newest record and lets nara
append new ones: the SHA-256 chain alone still verifies, the key does not,
and an anchor kept from `nara audit anchor` fails too. A flood of join
attempts with bad tokens from one address writes a bounded number of
records (one per address and minute, then one with the count), and every
attempt is still refused.
"""
import json
import os
import sqlite3
import sys
import time

from harness import Server, run
from test_consultation_common import connect, join_token
from test_rest import nara, rfc3339

KEY = "k1:" + "11" * 32
NEW_KEY = "k2:" + "22" * 32
FLOOD = 30


def book(binary, state_dir, *settings):
    args = [a for s in settings for a in ("--set", s)]
    nara(binary, state_dir, *args, "consultation", "create", "--title", "Check-up",
         "--start", rfc3339(-60), "--end", rfc3339(1800), "--participant", "Dr Berg:host")


def verify(binary, state_dir, *extra, key=None):
    args = ["--set", f"audit.hmac_key={key}"] if key else []
    return nara(binary, state_dir, *args, "audit", "verify", *extra, check=False)


async def test_rewrite_detected(binary, state_dir):
    book(binary, state_dir, f"audit.hmac_key={KEY}")
    book(binary, state_dir, f"audit.hmac_key={KEY}")
    code, out, _ = verify(binary, state_dir, key=KEY)
    assert code == 0 and "with a verified MAC" in out, out
    _, anchor, _ = nara(binary, state_dir, "audit", "anchor")
    anchor = anchor.strip()
    seq, head = anchor.split(":")
    assert int(seq) >= 2 and len(head) == 64, anchor
    code, out, _ = verify(binary, state_dir, "--anchor", anchor, key=KEY)
    assert code == 0 and "anchor holds" in out, out
    # Rotation: a new current key, the old one kept for what it signed.
    book(binary, state_dir, f"audit.hmac_key={KEY} {NEW_KEY}")
    code, out, _ = verify(binary, state_dir, key=f"{KEY} {NEW_KEY}")
    assert code == 0, out
    code, out, _ = verify(binary, state_dir, key=NEW_KEY)
    assert code == 1 and "key id" in out, out

    # Without the key: drop the newest record, move the head back, append.
    db = sqlite3.connect(os.path.join(state_dir, "nara.db"))
    last = db.execute("SELECT max(seq) FROM audit").fetchone()[0]
    db.execute("DELETE FROM audit WHERE seq = ?", (last,))
    prev = db.execute("SELECT seq, hash FROM audit WHERE seq = ?", (last - 1,)).fetchone()
    db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head_seq'", (prev[0],))
    db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head_hash'", (prev[1],))
    db.commit()
    db.close()
    book(binary, state_dir)
    code, out, _ = verify(binary, state_dir)
    assert code == 0, f"the plain chain cannot tell: {out}"
    code, out, _ = verify(binary, state_dir, key=f"{KEY} {NEW_KEY}")
    assert code == 1 and "MAC" in out, out
    # The anchor kept earlier names a record that is no longer what it was
    # (or, here, still is: it predates the rewrite), so take one from after.
    code, out, _ = verify(binary, state_dir, "--anchor", anchor)
    assert code == 0, out
    code, out, _ = verify(binary, state_dir, "--anchor", f"{last}:{'0' * 64}")
    assert code == 1 and "rewritten" in out, out
    code, out, _ = verify(binary, state_dir, "--anchor", "nonsense")
    assert code == 2, out


async def test_failed_join_flood_bounded(binary, state_dir):
    with Server(binary, state_dir, f"audit.hmac_key={KEY}") as server:
        c = await connect(server)
        for n in range(FLOOD):
            i = await join_token(c, f"not.a.token{n}")
            await c.expect_error("token-malformed", i)
        await c.close()
    _, out, _ = nara(binary, state_dir, "audit", "export")
    records = [json.loads(line) for line in out.splitlines()]
    refused = [r for r in records if r["event"] == "join-attempt"]
    # The first at once, the other 29 as one count when the minute closed
    # (at the latest when the server stopped); a minute boundary may add one.
    assert 2 <= len(refused) <= 4, refused
    assert all("127.0.0.1" in r["detail"] for r in refused), refused
    counted = [r for r in refused if "more in the minute" in r["detail"]]
    total = len(refused) - len(counted) + sum(int(r["detail"].split(": ")[1].split()[0])
                                              for r in counted)
    assert total == FLOOD, refused
    code, out, _ = verify(binary, state_dir, key=KEY)
    assert code == 0, out


if __name__ == "__main__":
    run([test_rewrite_detected, test_failed_join_flood_bounded], sys.argv[1], sys.argv[2])
