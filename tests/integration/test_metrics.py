#!/usr/bin/env python3
"""test_metrics.py - GET /metrics: Prometheus text format 0.0.4, counts only.

Every sample has a HELP and a TYPE line before it, counters end in _total,
values are numbers, histograms are cumulative (join time counts each
join); each of Nara's threads has its CPU seconds; the security headers are there; session, room and
media object counts follow a join and a leave (media objects are freed on
their worker a moment after the leave, so that wait is bounded); the
process figures are plausible; no room or participant name appears.

Usage: test_metrics.py NARA_BINARY STATE_DIR
"""
import asyncio
import json
import os
import re
import sys
import time

import harness

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
REQUIRED = ("nara_sessions", "nara_rooms", "nara_media_rooms", "nara_media_peers",
            "nara_media_packets_forwarded_total", "nara_media_srtp_failures_total",
            "nara_process_open_fds", "nara_process_threads", "nara_process_resident_bytes",
            "nara_media_plis_sent_total", "nara_media_keyframe_requests_received_total",
            "nara_media_layer_switches_total", "nara_media_temporal_dropped_total",
            "nara_media_packets_lost_upstream_total",
            "nara_media_packets_lost_downstream_total", "nara_media_rtt_seconds_count")


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="[^"\\]*"\})? (\S+)$')


def parse_strictly(text):
    """{name or name{label}: value}, asserting the exposition format line by
    line: HELP and TYPE before a family's samples, counters end in _total,
    histograms have cumulative buckets ending in +Inf that equal _count."""
    values, helps, types = {}, set(), {}
    assert text.endswith("\n"), "the last line must end with a newline"
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, doc = line[7:].split(" ", 1)
            assert NAME.match(name) and doc, line
            helps.add(name)
        elif line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert kind in ("gauge", "counter", "histogram"), line
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            assert m, line
            name, label, value = m.group(1), m.group(2) or "", float(m.group(3))
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            if types.get(family) != "histogram":
                family = name
            assert family in helps and family in types, f"{name}: no HELP or TYPE before it"
            assert name + label not in values, f"{name}{label} twice"
            if types[family] == "counter":
                assert name.endswith("_total"), line
            elif types[family] == "histogram":
                assert name != family and (name.endswith("_bucket") == bool(label)), line
            else:
                assert not name.endswith("_total") and not label, line
            assert value >= 0, line
            if not label and not name.endswith("_sum"):
                assert value == int(value), line
            values[name + label] = value
    for family, kind in types.items():
        if kind == "histogram":
            buckets = [v for k, v in values.items() if k.startswith(family + "_bucket{")]
            assert buckets == sorted(buckets), f"{family}: buckets not cumulative"
            assert values[family + '_bucket{le="+Inf"}'] == values[family + "_count"], family
    return values


async def wait_metrics(server, what, predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        values = server.metrics()
        if predicate(values):
            return values
        if time.monotonic() > deadline:
            raise AssertionError(f"/metrics: {what} not reached within {timeout} s: {values}")
        await asyncio.sleep(0.05)


async def test_format_and_headers(binary, state_dir):
    with harness.Server(binary, state_dir) as server:
        status, headers, body = server.get("/metrics")
        assert status == 200, status
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        values = parse_strictly(body.decode())
        for name in REQUIRED:
            assert name in values, f"{name} missing"
        assert values["nara_sessions"] == values["nara_rooms"] == 0, values
        assert values["nara_media_rooms"] == values["nara_media_peers"] == 0, values
        assert values["nara_process_threads"] >= 1 + values["nara_media_workers"], values
        assert 3 <= values["nara_process_open_fds"] < 1000, values
        assert 1 << 20 < values["nara_process_resident_bytes"] < 1 << 32, values
        assert values["nara_draining"] == 0 and values["nara_join_seconds_count"] == 0, values
        for thread in ["control", "nara-store"] + [
                f"nara-media-{i}" for i in range(int(values["nara_media_workers"]))]:
            assert f'nara_thread_cpu_seconds_total{{thread="{thread}"}}' in values, thread
        # The operators' dashboard reads only metrics that exist.
        dashboard = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                                 "ops", "grafana-nara.json")
        with open(dashboard) as f:
            exprs = [t["expr"] for p in json.load(f)["panels"] for t in p["targets"]]
        names = {k.split("{")[0] for k in values}
        for name in set(re.findall(r"nara_[a-z_]+", " ".join(exprs))):
            assert name in names, f"the dashboard reads {name}, which /metrics lacks"


async def test_counts_follow_join_and_leave(binary, state_dir):
    with harness.Server(binary, state_dir) as server:
        a, b = await harness.room_of(server, "metrics-room-x", "Ada Secretname", "Bob")
        values = await wait_metrics(server, "2 sessions, 1 room, 4 peers",
                                    lambda v: v["nara_sessions"] == 2 and v["nara_rooms"] == 1
                                    and v["nara_media_rooms"] == 1
                                    and v["nara_media_peers"] == 4)
        body = server.get("/metrics")[2].decode()
        values = parse_strictly(body)
        assert values["nara_join_seconds_count"] == 2, values
        assert values['nara_join_seconds_bucket{le="30"}'] == 2, values
        for private in ("metrics-room-x", "Secretname", a.pid, "127.0.0.1"):
            assert private not in body, f"{private!r} in /metrics"
        await b.close()
        await a.expect("participant-left")
        await wait_metrics(server, "1 session, 2 peers",
                           lambda v: v["nara_sessions"] == 1 and v["nara_media_peers"] == 2)
        await a.close()
        values = await wait_metrics(server, "everything freed",
                                    lambda v: v["nara_sessions"] == v["nara_rooms"] == 0
                                    and v["nara_media_rooms"] == v["nara_media_peers"] == 0)
        assert values["nara_media_srtp_failures_total"] == 0, values
        status, _, _ = server.get("/metrics/")
        assert status == 404, f"/metrics/: {status}"


if __name__ == "__main__":
    harness.run([test_format_and_headers, test_counts_follow_join_and_leave],
                sys.argv[1], sys.argv[2])
