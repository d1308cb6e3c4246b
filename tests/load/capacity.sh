#!/usr/bin/env bash
# capacity.sh — how many three-person consultations one core of this node
# holds: for each room count, nara alone on core 1 (one media worker),
# nara-load on core 0 playing N mesh rooms of three publishers (each sends
# VP8 + Opus and receives the other two), one JSON line per point.
#
#   tests/load/capacity.sh [--build DIR] [--rooms "1 10 50 100"] [--warmup S]
#                          [--duration S] [--bitrate BPS] [--out DIR]
#                          [--transport ice-lite|libnice|both|auto]
#                          [--retries N] [--perf] [--plot] [--simulcast]
#
# The clip is made once per bitrate (--bitrate, default 1.2 Mbit/s VP8 at
# 640x360 30 fps). --transport: ice-lite (one UDP socket per worker,
# media.ice_lite=true), libnice (full ICE, a socket per peer connection,
# media.ice_lite=false) or both; auto (the default) is both when
# `nara --help` lists media.ice_lite, else the server's only transport
# (named "default"). --perf takes a 10 s `perf record -g` of nara at the
# largest point of each transport, during an extra 12 s of warm-up, so the
# measurement window is not perturbed by it. A point is
# marked tool_saturated when nara-load used >= 90 % of its core or sent
# fewer packets than the clip asks for: that point measures the tool, not
# nara. Other processes on either core (a shared machine) are measured too;
# a point where they took more than 15 % of a core, or whose run failed, is
# run again up to --retries times (default 1) and the last attempt kept.
# Every wait is bounded; a trap stops whatever was started. Logs, reports
# and the points (points.jsonl) go to --out (default BUILD/capacity).
# --simulcast: every publisher sends its video as three rid layers (q, h, f;
# nara-load --simulcast) and each receiver gets one of them, the largest its
# downlink estimate takes; the expected rates follow from the layers sent
# and the one each subscription got. Its warm-up defaults to 30 s, not 10.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/../.." && pwd)/build
rooms_list="1 10 50 100" warmup= duration=20 bitrate=1200000 out= transport=auto
retries=1 do_perf=0 do_plot=0 sim=()
usage() {
  sed -n '7,10p' "$0" | sed 's/^#//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --rooms) rooms_list=$2; shift 2 ;;
  --warmup) warmup=$2; shift 2 ;;
  --duration) duration=$2; shift 2 ;;
  --bitrate) bitrate=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --transport) transport=$2; shift 2 ;;
  --retries) retries=$2; shift 2 ;;
  --perf) do_perf=1; shift ;;
  --plot) do_plot=1; shift ;;
  --simulcast) sim=(--simulcast); shift ;;
  *) usage ;;
  esac
done
# With simulcast each receiver's layer follows Nara's downlink estimate,
# which climbs from its start on the receivers' reports (8 % a second): at
# 1.2 Mbit/s a three-person room is on the top layers after about 20 s.
[ -n "$warmup" ] || { [ ${#sim[@]} -gt 0 ] && warmup=30 || warmup=10; }
nara=$build/server/nara
load=$build/tests/load/nara-load
for f in "$nara" "$load"; do
  [ -x "$f" ] || { echo "missing $f: build first (cmake --build $build --target nara nara-load)" >&2; exit 2; }
done
[ -n "$out" ] || out=$build/capacity
mkdir -p "$out"
out=$(cd "$out" && pwd)
points=$out/points.jsonl

has_lite=0 help=$("$nara" --help 2>&1 || true) # not piped: grep -q would SIGPIPE it
case $help in *media.ice_lite*) has_lite=1 ;; esac
case $transport in
auto) if [ $has_lite = 1 ]; then transports="ice-lite libnice"; else transports=default; fi ;;
both) transports="ice-lite libnice" ;;
ice-lite | libnice | default) transports=$transport ;;
*) usage ;;
esac
if [ $has_lite = 0 ] && [ "$transports" != default ]; then
  echo "this nara has no media.ice_lite key: use --transport default" >&2
  exit 2
fi

if [ "$(nproc)" -ge 2 ]; then
  srv_cpu=(taskset -c 1) gen_cpu=(taskset -c 0) srv_core=1
else
  echo "warning: one CPU only, nothing pinned; the tool and nara share it" >&2
  srv_cpu=() gen_cpu=() srv_core=0
fi

work=$(mktemp -d)
pids=()
stop_all() { # TERM, then KILL after 10 s; never waits without bound
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Busy ticks of one CPU (/proc/stat: user nice system irq softirq steal).
core_busy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
proc_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU ticks of this shell's waited-for children (bash `times`, second line),
# into variable $1. `times` runs in this shell: a subshell has no children yet.
children_ticks() {
  times >"$work/times"
  printf -v "$1" '%s' "$(tail -n 1 "$work/times" | awk -v hz="$(getconf CLK_TCK)" '{
    s = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
    printf "%d", s * hz }')"
}

clip=$out/clip-$bitrate.rtpclip
[ -f "$clip" ] || "$load" --make-clip "$clip" --clip-bitrate "$bitrate"
commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
largest=$(printf '%s\n' $rooms_list | sort -n | tail -n 1)
: >"$points"

# Up to 60 s for both cores to be below 15 % busy (a shared machine's
# builds and tests come and go); goes on regardless after that.
wait_quiet() {
  local a0 a1 b0 b1 i
  for i in $(seq 1 30); do
    a0=$(core_busy 0) b0=$(core_busy "$srv_core")
    sleep 2
    a1=$(core_busy 0) b1=$(core_busy "$srv_core")
    # ticks over 2 s: 15 % of a core is 0.3 s
    [ $((a1 - a0)) -le $(($(getconf CLK_TCK) * 3 / 10)) ] \
      && [ $((b1 - b0)) -le $(($(getconf CLK_TCK) * 3 / 10)) ] && return 0
    [ "$i" = 1 ] && echo "   waiting (up to 60 s) for the cores to be quiet" >&2
  done
  echo "   the cores stayed busy; measuring anyway" >&2
}

# One attempt at one point: its JSON line goes to $work/point.json. Returns
# 0 if the point is good, 3 if it should be run again, 1 if nara did not start.
run_point() { # rooms, transport, attempt
  local rooms=$1 tr=$2 attempt=$3 dir=$work/$1-$2-$3 port npid lpid rc=0 extra=() w=$warmup
  local busy0 busy1 gbusy0 gbusy1 nt0 nt1 lt0 lt1 t0 t1 perf_pid=
  mkdir -p "$dir"
  port=$(free_port)
  case $tr in
  ice-lite) extra=(--set media.ice_lite=true) ;;
  libnice) extra=(--set media.ice_lite=false) ;;
  esac
  "${srv_cpu[@]}" "$nara" --listen "127.0.0.1:$port" --state-dir "$dir/state" \
    --set media.workers=1 --set media.ice_addresses=127.0.0.1 --set signaling.max_connections_per_ip=0 --set log.level=warning \
    "${extra[@]}" >"$dir/nara.log" 2>&1 &
  npid=$!
  pids+=("$npid")
  for _ in $(seq 1 150); do
    grep -q listening "$dir/nara.log" && break
    kill -0 "$npid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q listening "$dir/nara.log"; then
    echo "nara did not start ($tr); its log:" >&2
    tail -n 20 "$dir/nara.log" >&2
    stop_all
    return 1
  fi
  sleep 1 # idle before the idle RSS sample
  wait_quiet
  local perf_here=0
  [ "$do_perf" = 1 ] && [ "$rooms" = "$largest" ] && perf_here=1
  [ $perf_here = 1 ] && w=$((warmup + 12))
  local setup=$((30 + rooms)) # 300 participants were live in ~3 s here; plenty of slack
  [ $setup -gt 600 ] && setup=600
  local limit=$((setup + w + duration + 60))
  echo "== $rooms rooms x 3 ($tr): set-up <= ${setup}s, warm-up ${w}s, window ${duration}s" >&2
  busy0=$(core_busy "$srv_core") gbusy0=$(core_busy 0) nt0=$(proc_ticks "$npid")
  children_ticks lt0
  t0=$(date +%s.%N)
  timeout "$limit" "${gen_cpu[@]}" "$load" --url "wss://127.0.0.1:$port/ws" --clip "$clip" \
    --server-pid "$npid" --rooms "$rooms" --publishers 3 --subscribers 0 --mesh \
    --warmup "$w" --duration "$duration" --setup-timeout "$setup" \
    --room-prefix "cap$rooms" --json "$dir/report.json" --verbose "${sim[@]}" \
    >/dev/null 2>"$dir/load.log" &
  lpid=$!
  pids+=("$lpid")
  if [ $perf_here = 1 ]; then
    # Profile during the extra warm-up: all participants live, window not started.
    for _ in $(seq 1 $((setup * 10))); do
      grep -q 'warming up' "$dir/load.log" && break
      kill -0 "$lpid" 2>/dev/null || break
      sleep 0.1
    done
    if grep -q 'warming up' "$dir/load.log"; then
      sleep 1
      perf record -q -g -F 999 -p "$npid" -o "$out/perf-$rooms-$tr.data" -- sleep 10 \
        >"$dir/perf.log" 2>&1 &
      perf_pid=$!
    fi
  fi
  wait "$lpid" || rc=$?
  busy1=$(core_busy "$srv_core") gbusy1=$(core_busy 0) nt1=$(proc_ticks "$npid")
  children_ticks lt1
  t1=$(date +%s.%N)
  [ -n "$perf_pid" ] && { wait "$perf_pid" || true; }
  pids=("$npid")
  stop_all
  cp "$dir/load.log" "$out/load-$rooms-$tr.log"
  cp "$dir/nara.log" "$out/nara-$rooms-$tr.log"
  if [ $rc -ne 0 ]; then
    echo "   nara-load exited $rc:" >&2
    grep -v '^\[' "$dir/load.log" | tail -n 5 >&2 || true
  fi
  cp "$dir/report.json" "$out/report-$rooms-$tr.json" 2>/dev/null || true
  # Others on each core over the whole run: what is neither nara nor the tool.
  local others others_gen prc=0 hz
  hz=$(getconf CLK_TCK)
  others=$(awk -v b0="$busy0" -v b1="$busy1" -v n0="$nt0" -v n1="$nt1" -v t0="$t0" -v t1="$t1" \
    -v hz="$hz" \
    'BEGIN { d = t1 - t0; if (d <= 0) d = 1; o = 100 * (b1 - b0 - (n1 - n0)) / hz / d; if (o < 0) o = 0; printf "%.1f", o }')
  others_gen=$(awk -v b0="$gbusy0" -v b1="$gbusy1" -v n0="$lt0" -v n1="$lt1" -v t0="$t0" -v t1="$t1" \
    -v hz="$hz" \
    'BEGIN { d = t1 - t0; if (d <= 0) d = 1; o = 100 * (b1 - b0 - (n1 - n0)) / hz / d; if (o < 0) o = 0; printf "%.1f", o }')
  python3 - "$dir/report.json" "$clip" "$rooms" "$tr" "$rc" "$others" "$others_gen" "$commit" \
    "$bitrate" "$attempt" "${#sim[@]}" >"$work/point.json" <<'EOF' || prc=$?
import json, struct, sys
path, clip, rooms, tr, rc, others, others_gen, commit, bitrate, attempt, simulcast = sys.argv[1:]
rooms, simulcast = int(rooms), simulcast != "0"
data = open(clip, "rb").read()
n, dur = struct.unpack_from("<IQ", data, 8)
video_bytes, off = 0, 20
# Packets per loop of each simulcast layer, as nara-load's load_clip_select
# thins them: whole frames, one in 4 (q) and 2 (h), and every keyframe.
EVERY = {"q": 4, "h": 2, "f": 1}
layer_pkts = dict.fromkeys(EVERY, 0)
audio_pkts, frame, frame_ts, keep = 0, 0, None, {}
while off < len(data):
    _, kind, flags, length = struct.unpack_from("<QBBH", data, off)
    if kind == 1:
        video_bytes += length
        ts = data[off + 12 + 4:off + 12 + 8]
        if ts != frame_ts:
            keep = {rid: bool(flags & 1) or frame % e == 0 for rid, e in EVERY.items()}
            frame, frame_ts = frame + 1, ts
        for rid in EVERY:
            layer_pkts[rid] += keep[rid]
    else:
        audio_pkts += 1
    off += 12 + length
clip_pps = n / (dur / 1e6)
audio_pps = audio_pkts / (dur / 1e6)
layer_pps = {rid: k / (dur / 1e6) for rid, k in layer_pkts.items()}
try:
    r = json.load(open(path))
except (OSError, ValueError) as e:
    r = {"error": f"no report ({e})"}
def get(*keys):
    v = r
    for k in keys:
        v = v.get(k) if isinstance(v, dict) else None
    return v
pubs = rooms * 3
w = r.get("window_s") or 0
sent_ps = r.get("sent_packets", 0) / w if w else 0
# Packets of layers Nara paused at the sender (send-layers) were not sent
# by design: they count as sent for the tool's own saturation check.
paused_ps = r.get("paused_packets", 0) / w if w else 0
if simulcast:
    # Every layer is sent (or paused by Nara); each subscription gets the audio and one layer
    # (the one it received most of) of each of the two others.
    exp_sent = pubs * (clip_pps + layer_pps["q"] + layer_pps["h"])
    exp_fwd = 0
    for s in r.get("subscriptions", []):
        if s["kind"] == "audio":
            exp_fwd += audio_pps
        else:
            by = s.get("layers") or {"f": 1}
            exp_fwd += layer_pps[max(by, key=lambda rid: by[rid])]
else:
    exp_sent = pubs * clip_pps
    exp_fwd = 2 * sent_ps  # mesh of three: each packet goes to two others
srv, tool = get("server_process") or {}, get("load_tool_process") or {}
tool_cpu = tool.get("cpu_percent_of_core")
nara_cpu = srv.get("cpu_percent_of_core")
fwd_ps = r.get("forwarded_per_s", 0)
p = {
    "rooms": rooms, "participants": pubs, "transport": tr, "commit": commit,
    "clip_target_bps": int(bitrate), "clip_video_kbps": round(video_bytes * 8 / (dur / 1e3), 1),
    "clip_pkt_per_s": round(clip_pps, 1),
    "peer_connections": r.get("peer_connections"), "window_s": w, "setup_s": r.get("setup_s"),
    "nara_cpu_pct": nara_cpu, "cpu_us_per_fwd_pkt": srv.get("cpu_us_per_forwarded_packet"),
    "rss_mib": srv["rss_kib"] / 1024 if "rss_kib" in srv else None,
    "rss_idle_mib": srv["rss_idle_kib"] / 1024 if "rss_idle_kib" in srv else None,
    "rss_per_pc_kib": srv.get("rss_per_pc_kib"), "threads": srv.get("threads"),
    "sent_per_s": sent_ps, "paused_per_s": paused_ps, "expected_sent_per_s": exp_sent,
    "forwarded_per_s": fwd_ps, "expected_forwarded_per_s": exp_fwd,
    "loss_pkts": get("loss", "packets"), "loss_pct": get("loss", "percent"),
    "latency_p50_ms": get("latency_ms", "p50"), "latency_p99_ms": get("latency_ms", "p99"),
    "tool_cpu_pct": tool_cpu, "others_on_nara_core_pct": float(others),
    "others_on_tool_core_pct": float(others_gen), "attempt": int(attempt),
    "exit_code": int(rc), "error": r.get("error"),
    "simulcast": simulcast,
}
if simulcast:
    p["forwarded_by_layer"] = (r.get("simulcast") or {}).get("forwarded_by_layer")
# The tool cannot keep pace: it used its whole core, or sent short of the clip.
p["tool_saturated"] = bool((tool_cpu or 0) >= 90 or (exp_sent and sent_ps + paused_ps < 0.97 * exp_sent))
p["nara_saturated"] = bool((nara_cpu or 0) >= 90 or (exp_fwd and fwd_ps < 0.97 * exp_fwd))
print(json.dumps(p))
sys.stderr.write(
    f"   nara {nara_cpu or 0:.1f} % of a core, {p['cpu_us_per_fwd_pkt'] or 0:.1f} us/fwd pkt, "
    f"RSS {p['rss_mib'] or 0:.1f} MiB, loss {p['loss_pct'] or 0:.2f} %, "
    f"p99 {p['latency_p99_ms'] or 0:.2f} ms; tool {tool_cpu or 0:.1f} %, "
    f"sent {sent_ps:.0f} (+{paused_ps:.0f} paused)/{exp_sent:.0f} pkt/s{' TOOL SATURATED' if p['tool_saturated'] else ''}"
    f"; others on the cores {float(others):.0f} % / {float(others_gen):.0f} %"
    f"{'; ' + p['error'] if p['error'] else ''}\n")
sys.exit(3 if p["error"] or p["exit_code"] or max(float(others), float(others_gen)) > 15 else 0)
EOF
  if [ -f "$out/perf-$rooms-$tr.data" ]; then
    # Self time by DSO, the top symbols, and kernel time by syscall (inclusive).
    local pd=$out/perf-$rooms-$tr.data ps=$out/perf-$rooms-$tr.txt
    {
      echo "## self time by DSO"
      perf report -i "$pd" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 12 || true
      echo "## top symbols (self)"
      perf report -i "$pd" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 30 || true
      echo "## kernel, inclusive"
      perf report -i "$pd" --children --sort sym --stdio -g none 2>/dev/null \
        | grep -E '\[k\] (__sys_sendmsg|__sys_recvmsg|__x64_sys_sendmmsg|__x64_sys_recvmmsg|__x64_sys_poll|__x64_sys_epoll_wait|__dev_queue_xmit|handle_softirqs|__schedule)( |$)' || true
    } >"$ps"
    echo "   perf: $ps" >&2
  fi
  return $prc
}

status=0
for tr in $transports; do
  for n in $rooms_list; do
    prc=0
    for attempt in $(seq 1 $((retries + 1))); do
      prc=0
      run_point "$n" "$tr" "$attempt" || prc=$?
      [ $prc = 3 ] || break
      [ "$attempt" -le "$retries" ] && echo "   again: failed, or the machine was busy" >&2
    done
    [ -f "$work/point.json" ] && cat "$work/point.json" >>"$points"
    rm -f "$work/point.json"
    [ $prc = 0 ] || status=1
  done
done
echo "points: $points" >&2
if [ "$do_plot" = 1 ]; then
  # Debian's matplotlib lives with the system python3.
  py=python3
  python3 -c 'import matplotlib' 2>/dev/null || py=/usr/bin/python3
  "$py" "$here/plot_capacity.py" "$points" "$here/../../docs/capacity.png" || status=1
fi
exit $status
