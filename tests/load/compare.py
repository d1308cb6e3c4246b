#!/usr/bin/env python3
"""compare.py NAME NARA.json JANUS.json - the two nara-load reports of one
scenario side by side, with Nara/Janus ratios (below 1: Nara uses less).
compare.py --floor FLOOR.txt NARA.json JANUS.json - the same run's floor
forwarder (nara-floor's line) against both.
Used by bench-vs-janus.sh; reads what nara-load and nara-floor write."""
import json
import re
import sys


def get(report, *path):
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


ROWS = [
    ("CPU µs per forwarded packet", ("server_process", "cpu_us_per_forwarded_packet"), 1),
    ("CPU % of one core", ("server_process", "cpu_percent_of_core"), 1),
    ("forwarded packets/s", ("forwarded_per_s",), 0),
    ("RSS MiB", ("server_process", "rss_kib"), 1 / 1024),
    ("RSS idle MiB", ("server_process", "rss_idle_kib"), 1 / 1024),
    ("RSS per peer connection KiB", ("server_process", "rss_per_pc_kib"), 1),
    ("threads", ("server_process", "threads"), 0),
    ("added latency p50 ms", ("latency_ms", "p50"), 2),
    ("added latency p99 ms", ("latency_ms", "p99"), 2),
    ("join → first RTP p50 ms", ("join", "first_rtp_ms", "p50"), 0),
    ("join → first RTP max ms", ("join", "first_rtp_ms", "max"), 0),
    ("join → first keyframe p50 ms", ("join", "first_keyframe_ms", "p50"), 0),
    ("packets publishers sent", ("sent_packets",), 0),
    ("lost packets", ("loss", "packets"), 0),
    ("jitter mean ms", ("jitter_ms", "mean"), 2),
    ("peer connections", ("peer_connections",), 0),
    ("load generator CPU %", ("load_tool_process", "cpu_percent_of_core"), 1),
]


def fmt(value, digits):
    if value is None:
        return "-"
    if isinstance(digits, float):  # a scale factor
        return f"{value * digits:.1f}"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def floor(floor_path, nara_path, janus_path):
    try:
        with open(floor_path) as f:
            text = f.read()
        us = float(re.search(r"floor forwarder: ([0-9.]+) µs", text).group(1))
    except (OSError, AttributeError) as e:
        print(f"   floor: ERROR no figure ({e})")
        return
    path = ("server_process", "cpu_us_per_forwarded_packet")
    figures = []
    for p in (nara_path, janus_path):
        try:
            with open(p) as f:
                figures.append(get(json.load(f), *path))
        except (OSError, ValueError):
            figures.append(None)
    nara, janus = figures
    line = text.strip().splitlines()[-1]
    if "crypt" in floor_path:
        line = line.replace("floor forwarder:", "floor forwarder with GCM:")
    print(f"   {line}")
    if nara and janus:
        print(f"   floor/Janus {us / janus:.2f}, Nara/floor {nara / us:.2f}, "
              f"Nara above the floor {nara - us:.1f} µs, Janus above it {janus - us:.1f} µs")


def main():
    if sys.argv[1] == "--floor":
        floor(*sys.argv[2:5])
        return
    name, nara_path, janus_path = sys.argv[1:4]
    reports = []
    for path in (nara_path, janus_path):
        try:
            with open(path) as f:
                reports.append(json.load(f))
        except (OSError, ValueError) as e:
            reports.append({"error": f"no report ({e})"})
    nara, janus = reports
    print(f"\n== {name}: window {fmt(nara.get('window_s'), 1)} s (nara), "
          f"{fmt(janus.get('window_s'), 1)} s (janus), SRTP offered: {nara.get('srtp', 'gcm')}")
    for who, r in (("nara", nara), ("janus", janus)):
        if "error" in r:
            print(f"   {who}: ERROR {r['error']}")
        if "simulcast" in r:
            by = r["simulcast"]["forwarded_by_layer"]
            print(f"   {who} simulcast: video forwarded by layer q {by['q']}, h {by['h']}, "
                  f"f {by['f']} pkt; {r['simulcast']['mixed_subscriptions']} subscriptions "
                  "got more than one layer")
    print(f"| {'metric':<30} | {'Nara':>10} | {'Janus':>10} | {'Nara/Janus':>10} |")
    print(f"|{'-' * 32}|{'-' * 12}|{'-' * 12}|{'-' * 12}|")
    for label, path, digits in ROWS:
        a, b = get(nara, *path), get(janus, *path)
        ratio = f"{a / b:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"
        print(f"| {label:<30} | {fmt(a, digits):>10} | {fmt(b, digits):>10} | {ratio:>10} |")


if __name__ == "__main__":
    main()
