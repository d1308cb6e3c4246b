#!/usr/bin/env bash
# bench-ab.sh — two builds of nara side by side: a change's "before" and
# "after". For each run both servers start pinned to the SAME core and one
# nara-load drives each AT THE SAME TIME from the other core, so the host's
# steal time, which moves every figure by ±20 % from one minute to the
# next, falls on both alike. Prints one line per run with both CPU µs per
# forwarded packet and their ratio (after / before), then the medians.
#
#   tests/load/bench-ab.sh --before DIR --after DIR [--scenario 1x10|mesh5x2]
#                          [--runs N] [--warmup S] [--duration S] [--out DIR]
#                          [--simulcast]
#
# DIR is a build directory (server/nara, tests/load/nara-load inside). Both
# loads use the "after" build's nara-load, so only the server differs.
# --simulcast: publishers send three rid layers (as in bench-vs-janus.sh).
# Settings as in bench-vs-janus.sh. Loopback only; every wait is bounded; a trap stops whatever was started.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
before= after= scenario=mesh5x2 runs=3 warmup=10 duration=30 out= sim=()
while [ $# -gt 0 ]; do
  case $1 in
  --before) before=$2; shift 2 ;;
  --after) after=$2; shift 2 ;;
  --scenario) scenario=$2; shift 2 ;;
  --runs) runs=$2; shift 2 ;;
  --warmup) warmup=$2; shift 2 ;;
  --duration) duration=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --simulcast) sim=(--simulcast); shift ;;
  *) echo "usage: $0 --before DIR --after DIR [--scenario 1x10|mesh5x2] [--runs N] [--warmup S] [--duration S] [--out DIR] [--simulcast]" >&2; exit 2 ;;
  esac
done
[ -n "$before" ] && [ -n "$after" ] || { echo "--before and --after are required" >&2; exit 2; }
load=$after/tests/load/nara-load
for f in "$before/server/nara" "$after/server/nara" "$load"; do
  [ -x "$f" ] || { echo "missing $f: build first" >&2; exit 2; }
done
case $scenario in
1x10) args=(--rooms 1 --publishers 1 --subscribers 10) ;;
mesh5x2) args=(--rooms 5 --publishers 2 --subscribers 0 --mesh) ;;
*) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
. "$here/bench-common.sh"
[ -n "$out" ] && mkdir -p "$out"

clip=$after/tests/load/clip.rtpclip
[ -f "$clip" ] || "$load" --make-clip "$clip"

start_nara() { # build, dir, port → pid in $started
  "${srv_cpu[@]}" "$1/server/nara" --listen "127.0.0.1:$3" --state-dir "$2" \
    --set media.ice_addresses=127.0.0.1 \
    --set signaling.max_connections_per_ip=0 --set log.level=warning >"$2.log" 2>&1 &
  started=$!
  pids+=("$started")
  for _ in $(seq 1 150); do
    grep -q listening "$2.log" 2>/dev/null && return 0
    kill -0 "$started" 2>/dev/null || break
    sleep 0.1
  done
  echo "nara ($1) did not start:" >&2
  tail -n 20 "$2.log" >&2
  exit 1
}

cpu_per_packet() { # json → figure or "-"
  python3 -c 'import json,sys
try: print("%.1f" % json.load(open(sys.argv[1]))["server_process"]["cpu_us_per_forwarded_packet"])
except Exception: print("-")' "$1"
}

echo "scenario $scenario, ${warmup} s warm-up, ${duration} s window, $runs run(s)"
echo "run  before_us  after_us  after/before"
results=()
for run in $(seq 1 "$runs"); do
  dir=$work/$run
  mkdir -p "$dir"
  pb=$(free_port) pa=$(free_port)
  start_nara "$before" "$dir/before" "$pb"
  nb=$started
  start_nara "$after" "$dir/after" "$pa"
  na=$started
  sleep 1
  common=(--server nara --clip "$clip" --warmup "$warmup" --duration "$duration" --setup-timeout 40 "${args[@]}" "${sim[@]}")
  limit=$((warmup + duration + 60))
  rc=0
  timeout "$limit" "${gen_cpu[@]}" "$load" --url "wss://127.0.0.1:$pb/ws" --server-pid "$nb" \
    --json "$dir/before.json" "${common[@]}" >/dev/null 2>"$dir/load-before.log" &
  lb=$!
  timeout "$limit" "${gen_cpu[@]}" "$load" --url "wss://127.0.0.1:$pa/ws" --server-pid "$na" \
    --json "$dir/after.json" "${common[@]}" >/dev/null 2>"$dir/load-after.log" &
  la=$!
  wait "$lb" || rc=1
  wait "$la" || rc=1
  cleanup
  [ $rc -eq 0 ] || tail -n 5 "$dir/load-before.log" "$dir/load-after.log" >&2
  b=$(cpu_per_packet "$dir/before.json") a=$(cpu_per_packet "$dir/after.json")
  ratio=$(python3 -c 'import sys
try: print(f"{float(sys.argv[2]) / float(sys.argv[1]):.2f}")
except Exception: print("-")' "$b" "$a")
  printf '%3d  %9s  %8s  %12s\n' "$run" "$b" "$a" "$ratio"
  results+=("$b $a")
  if [ -n "$out" ]; then
    cp "$dir/before.json" "$out/$scenario-$run-before.json" 2>/dev/null || true
    cp "$dir/after.json" "$out/$scenario-$run-after.json" 2>/dev/null || true
  fi
done
printf '%s\n' "${results[@]}" | python3 -c 'import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
rows = [(float(b), float(a)) for b, a in rows if b != "-" and a != "-"]
if rows:
    b = statistics.median(r[0] for r in rows)
    a = statistics.median(r[1] for r in rows)
    q = statistics.median(r[1] / r[0] for r in rows)
    print(f"median  {b:9.1f}  {a:8.1f}  {q:12.2f}")'
