#!/usr/bin/env python3
"""config_sample.py NARA SAMPLE — nara.conf.sample against the built nara.

Every key of the sample is in `nara --print-config` and every printed key is
in the sample, under the same section with the same default. The sample
sets nothing (each key is commented out), so it documents defaults only.
rooms.open is the one default that depends on how nara starts: false when
it reads a config file (the sample's value), true without one (a trial
start); both are checked. NARA_* variables are dropped so the environment
cannot change what is printed. Starts no server.
"""
import os
import re
import subprocess
import sys

KEY = re.compile(r"^(#?)([a-z_]+) = ?(.*)$")
SECTION = re.compile(r"^\[([a-z_]+)\]$")
# key: value without a config file, where it differs from the sample's
WITHOUT_FILE = {"rooms.open": "true"}


def parse(text, where):
    """{section.key: (commented, value)} of a config file's text."""
    keys, section = {}, None
    for n, line in enumerate(text.splitlines(), 1):
        m = SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        m = KEY.match(line)
        if not m:
            continue
        if section is None:
            sys.exit(f"{where}:{n}: key outside a section: {line}")
        name = f"{section}.{m.group(2)}"
        if name in keys:
            sys.exit(f"{where}:{n}: {name} appears twice")
        keys[name] = (m.group(1) == "#", m.group(3).strip())
    return keys


def print_config(nara, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARA_")}
    out = subprocess.run([nara, *args, "--print-config"], env=env, check=True,
                         capture_output=True, text=True, timeout=60)
    return out.stdout


def main():
    nara, sample_path = sys.argv[1], sys.argv[2]
    with open(sample_path, encoding="utf-8") as f:
        sample = parse(f.read(), "nara.conf.sample")
    errors = []
    set_in_sample = [k for k, (commented, _) in sample.items() if not commented]
    if set_in_sample:
        errors.append(f"the sample sets keys instead of documenting them: {set_in_sample}")
    if not sample:
        errors.append("the sample has no keys")

    runs = [("--config nara.conf.sample", parse(print_config(nara, "--config", sample_path),
                                                "print-config with the sample"), {}),
            ("no config file", parse(print_config(nara), "print-config"), WITHOUT_FILE)]
    for how, printed, exceptions in runs:
        for k in sorted(sample.keys() - printed.keys()):
            errors.append(f"{k} is in the sample but not printed by nara ({how})")
        for k in sorted(printed.keys() - sample.keys()):
            errors.append(f"{k} is printed by nara ({how}) but not in the sample")
        for k in sorted(sample.keys() & printed.keys()):
            want = exceptions.get(k, sample[k][1])
            if printed[k][1] != want:
                errors.append(f"{k}: nara ({how}) prints {printed[k][1]!r}, "
                              f"expected {want!r} (sample: {sample[k][1]!r})")
    for e in errors:
        print("config_sample:", e)
    if errors:
        sys.exit(1)
    print(f"config_sample: {len(sample)} keys agree")


if __name__ == "__main__":
    main()
