#!/usr/bin/python3
"""secrets_scan.py — after the whole test suite: nara's logs hold no secret.

tests/run calls this last, over every nara log the suite kept (integration
tests write state-*/nara-PORT.log; the browser tests write
BUILD/tests/e2e/logs/nara-PORT-TIME.log, as CTest sets NARA_LOG_DIR).
A log fails on:
  - a JWT (join links, IdP access tokens) or a REST API key ("nara_" + 43);
  - any ICE password (an SDP's ice-pwd line, or an icePwd field);
  - a resume secret (a "resume" or "secret" field of 43 base64url
    characters: joined, resumed, resume);
  - a TURN credential or secret (a "credential" field, turn.secret values
    the tests configure);
  - a chat text: every chat text the tests send (harvested from their
    sources: string values of a "text" key or a chat input's fill()), and
    any JSON "text" field;
  - a real-time text (rtt): every line the tests type live (an RTT_...
    constant, or what a test types with type() / keyboard.type()).
Prints one line per finding and a summary; exit 1 on any finding, 2 when
no log was found (the suite did not run, which is a failure too).

  tests/secrets_scan.py BUILD_DIR [BUILD_DIR ...]
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PATTERNS = {
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "API key": re.compile(r"\bnara_[A-Za-z0-9_-]{43}\b"),
    "ICE password": re.compile(r"ice-pwd|icePwd|ice_pwd", re.IGNORECASE),
    "TURN credential": re.compile(r'"credential"\s*:'),
    "resume secret": re.compile(r'"(?:resume|secret)"\s*:\s*"[A-Za-z0-9_-]{43}"'),
    "chat JSON": re.compile(r'"text"\s*:'),
    "bearer token": re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{16,}"),
}

TEXT_LITERAL = re.compile(r"""(?:["']text["']|\btext)\s*[:=]\s*(["'`])((?:(?!\1).){8,300})\1""")
FILL_LITERAL = re.compile(r"""\.fill\(\s*[^,]+,\s*(["'`])((?:(?!\1).){8,300})\1""")
RTT_LITERAL = re.compile(r"""\bRTT_[A-Z_]*\s*=\s*(["'`])((?:(?!\1).){8,300})\1""")
TYPE_LITERAL = re.compile(r"""\.type\(\s*(?:[^,()]+,\s*)?(["'`])((?:(?!\1).){8,300})\1""")
TURN_SECRET = re.compile(r"""turn\.secret=([^\s"'`,){]{8,})|\b[A-Z_]*SECRET[A-Z_]*\s*=\s*["']([^"']{8,})["']""")


def test_sources():
    for top in ("tests/integration", "tests/e2e", "tests/interop"):
        for dirpath, dirnames, files in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", "logs")]
            for f in files:
                if f.endswith((".py", ".mjs", ".js")):
                    yield os.path.join(dirpath, f)


def harvested_literals():
    """Chat texts and TURN secrets the tests use, minus strings nara itself prints."""
    texts = set()
    for path in test_sources():
        with open(path, encoding="utf-8", errors="replace") as f:
            source = f.read()
        for pattern in (TEXT_LITERAL, FILL_LITERAL, RTT_LITERAL, TYPE_LITERAL):
            texts.update(m.group(2) for m in pattern.finditer(source))
        texts.update(m.group(1) or m.group(2) for m in TURN_SECRET.finditer(source))
    # Escapes, templates and format fields do not reach a log verbatim: keep
    # the literal part before the first of them.
    texts = {re.split(r"\\|\$\{|\{", t)[0].strip() for t in texts}
    texts = {t for t in texts if len(t) >= 8}
    own = own_strings()
    return sorted(t for t in texts if t.strip() and t not in own)


def own_strings():
    """Everything nara's own sources say: a harvested text found there is not a secret."""
    chunks = []
    for top in ("server", "signaling", "media", "store", "auth"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                        chunks.append(fh.read())
    blob = "\n".join(chunks)

    class Own:
        def __contains__(self, text):
            return text in blob
    return Own()


def logs(build_dirs):
    for build in build_dirs:
        for dirpath, dirnames, files in os.walk(build):
            dirnames[:] = [d for d in dirnames if d != "CMakeFiles"]
            for f in files:
                if f.startswith("nara-") and f.endswith(".log"):
                    yield os.path.join(dirpath, f)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    literals = harvested_literals()
    files = list(logs(argv[1:]))
    if not files:
        print("secrets_scan: no nara logs found: did the suite run?")
        return 2
    findings = lines = 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                lines += 1
                hits = [name for name, p in PATTERNS.items() if p.search(line)]
                hits += [f"test literal {t[:20]!r}" for t in literals if t in line]
                for what in hits:
                    findings += 1
                    if findings <= 50:
                        print(f"secrets_scan: {what} in {os.path.relpath(path, ROOT)}:{n}")
    print(f"secrets_scan: {len(files)} logs, {lines} lines, {len(literals)} test literals "
          f"and {len(PATTERNS)} patterns: {findings} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
