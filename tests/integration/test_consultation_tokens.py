"""test_consultation_tokens.py - join tokens under attack, against the real nara.

Usage: test_consultation_tokens.py NARA STATE_DIR CONSULTATION_HELPER NARA_FAKE_MEDIA
Every way a token can be wrong (format, size, algorithm, signature, time,
issuer, audience, claims) and every way it can disagree with the store
(consultation missing, cancelled, ended; participant missing, of another
role) reaches the client as its own error code, on one session that then
still joins with a good token; each attempt is one audit record.
"""
import base64
import json
import os
import subprocess
import sys
import time

from harness import Server, chat_flows, run
from test_consultation_common import (Booking, b64url, connect, enter, join_token, sign,
                                      skip_unless_consultations, wait_in, waiting_ids)

HELPER = sys.argv[3] if len(sys.argv) > 3 else None
PEOPLE = ("host:Dr Lind:siths", "patient:Astrid:bankid-se", "relative:Bo:none")
HOST, PATIENT, RELATIVE = range(3)


def tampered(token):
    """The same token with one payload claim changed: the signature no longer fits."""
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "host"
    return ".".join([header, b64url(json.dumps(claims).encode()), sig])


async def test_token_attacks(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        now = int(time.time())
        good = b.token(PATIENT)
        unsigned = ".".join(good.split(".")[:2]) + "."
        cases = [
            ("not a token", "token-malformed"),
            ("a.b", "token-malformed"),
            ("a.b.c.d", "token-malformed"),
            ("!!!.???.***", "token-malformed"),
            ("x" * 9000, "token-too-large"),
            (b64url(b'{"alg":"none"}') + "." + good.split(".")[1] + ".", "token-algorithm"),
            (sign(b.secret, b.claims(PATIENT), {"alg": "HS512"}), "token-algorithm"),
            (sign(b.secret, b.claims(PATIENT), {"alg": "RS256", "kid": "k1"}), "token-algorithm"),
            (unsigned, "token-signature"),
            (tampered(good), "token-signature"),
            (sign(b"another secret, 32 bytes long....", b.claims(PATIENT)), "token-signature"),
            (b.token(PATIENT, exp=now - 120), "token-expired"),
            (b.token(PATIENT, nbf=now + 600), "token-not-yet-valid"),
            (b.token(PATIENT, iss="someone-else"), "token-issuer"),
            (b.token(PATIENT, aud="another-service"), "token-audience"),
            (b.token(PATIENT, sub=None), "token-claims"),
            (b.token(PATIENT, cid=None), "token-claims"),
            (b.token(PATIENT, role="surgeon"), "token-claims"),
            (b.token(PATIENT, name="   "), "token-claims"),
            (b.token(PATIENT, cid="c-doesnotexist"), "consultation-not-found"),
            (b.token(PATIENT, sub="p-stranger"), "participant-not-found"),
            (b.token(PATIENT, role="host"), "role-mismatch"),
        ]
        x = await connect(server)
        for token, code in cases:
            i = await join_token(x, token)
            err = await x.expect_error(code, i)
            assert token[:20] not in err["message"] or len(token) < 20, "no token echoed"
        # Wrong types never reach the verifier.
        for msg in ({"type": "join", "token": 5}, {"type": "join", "token": None},
                    {"type": "join", "token": good, "name": "Mallory"}):
            i = await x.request(msg)
            await x.expect_error("bad-message", i)
        # The session is still usable.
        i = await join_token(x, good)
        await x.expect("waiting", id=i)
        x.pid = b.person(PATIENT)["id"]

        records = b.audit(everything=True)
        attempts = [r for r in records if r["event"] == "join-attempt"]
        # Tokens that do not verify are summarised per address and minute:
        # the first of each outcome as it came, repeats as one count later.
        def firsts(xs):
            return [x for i, x in enumerate(xs) if x not in xs[:i]]
        got = [r["outcome"] for r in attempts if "more in the minute" not in (r["detail"] or "")]
        assert firsts(got) == firsts([c for _, c in cases] + ["ok"]), attempts
        assert sum(1 for r in records if r["event"] == "waiting") == 1
        # A token that failed verification is evidence of nothing: no actor, no
        # consultation on record. A verified one names who tried.
        for r in attempts:
            if r["outcome"].startswith("token-") and r["outcome"] != "token-claims":
                assert r["actor"] is None and r["consultation"] is None, r
            elif not r["outcome"].startswith("token-"):
                assert r["actor"] is not None, r
        for r in records:
            assert good not in json.dumps(r)
        host = await enter(server, b, HOST, waiting_list=[x.pid])
        await chat_flows(host)


async def test_store_refusals(binary, state_dir):
    with Server(binary, state_dir) as server:
        b = Booking(HELPER, server, *PEOPLE)
        host = await enter(server, b, HOST, waiting_list=[])
        pat = await wait_in(server, b, PATIENT)
        assert await waiting_ids(host) == [pat.pid]
        # A participant deleted behind the server's back (the REST API would
        # tell signaling; here the store alone refuses the next join).
        b.delete(RELATIVE)
        x = await connect(server)
        i = await join_token(x, b.token(RELATIVE))
        await x.expect_error("participant-not-found", i)

        cancelled = Booking(HELPER, server, *PEOPLE)
        cancelled.set_status("cancelled")
        i = await join_token(x, cancelled.token(HOST))
        await x.expect_error("consultation-cancelled", i)
        ended = Booking(HELPER, server, *PEOPLE)
        ended.set_status("ended")
        i = await join_token(x, ended.token(HOST))
        await x.expect_error("consultation-ended", i)
        # A token for another consultation's participant does not open this one.
        other = Booking(HELPER, server, *PEOPLE)
        i = await join_token(x, b.token(HOST, sub=other.person(HOST)["id"]))
        await x.expect_error("participant-not-found", i)
        await host.quiet()
        await pat.quiet()


def rsa_key(state_dir):
    """(PEM path, JWKS JSON) of a fresh RSA key, made with the openssl CLI."""
    os.makedirs(state_dir, exist_ok=True)
    pem = os.path.join(state_dir, "idp.pem")
    subprocess.run(["openssl", "genrsa", "-out", pem, "2048"], check=True, capture_output=True)
    out = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-modulus"], check=True,
                         capture_output=True, text=True).stdout
    n = bytes.fromhex(out.strip().split("=", 1)[1])
    jwks = {"keys": [{"kty": "RSA", "kid": "idp-1", "alg": "RS256", "use": "sig",
                      "n": b64url(n), "e": "AQAB"}]}
    return pem, json.dumps(jwks)


def sign_rs256(pem, claims, header):
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", pem], input=signing_input.encode(),
                         check=True, capture_output=True).stdout
    return signing_input + "." + b64url(sig)


async def test_identity_provider_keys(binary, state_dir):
    """A region's IdP signs links with RS256; each key allows exactly its algorithm."""
    pem, jwks = rsa_key(state_dir + "-key")
    with Server(binary, state_dir, "auth.jwks=" + jwks) as server:
        b = Booking(HELPER, server, *PEOPLE)
        rs = {"alg": "RS256", "typ": "JWT", "kid": "idp-1"}
        with open(pem, "rb") as f:
            pem_bytes = f.read()
        x = await connect(server)
        for token, code in [
            (sign_rs256(pem, b.claims(PATIENT), dict(rs, kid="idp-2")), "token-unknown-key"),
            (sign_rs256(pem, b.claims(PATIENT), dict(rs, alg="ES256")), "token-algorithm"),
            (sign_rs256(pem, b.claims(PATIENT), dict(rs, alg="PS256")), "token-algorithm"),
            # The key-confusion attack: HS256 "signed" with the public key material.
            (sign(pem_bytes, b.claims(PATIENT), {"alg": "HS256", "kid": "idp-1"}),
             "token-signature"),
            (sign_rs256(pem, b.claims(PATIENT), rs)[:-8] + "AAAAAAAA", "token-signature"),
            (sign_rs256(pem, b.claims(PATIENT, exp=int(time.time()) - 600), rs), "token-expired"),
        ]:
            i = await join_token(x, token)
            await x.expect_error(code, i)
        i = await join_token(x, sign_rs256(pem, b.claims(PATIENT), rs))
        await x.expect("waiting", id=i)
        # Nara's own HS256 links keep working beside the IdP's.
        host = await enter(server, b, HOST, waiting_list=[b.person(PATIENT)["id"]])
        await host.quiet()


if __name__ == "__main__":
    skip_unless_consultations(sys.argv[1], sys.argv[2])
    run([test_token_attacks, test_store_refusals, test_identity_provider_keys], sys.argv[1],
        sys.argv[2])
