#!/usr/bin/env bash
# bench-vs-janus.sh — Nara and Janus 1.1.2 (Debian's janus package) side by
# side: for each scenario, start both servers pinned to the SAME core, run
# one nara-load against each AT THE SAME TIME (both pinned to another core),
# stop everything and print both reports and their ratios.
#
#   tests/load/bench-vs-janus.sh [--build DIR] [--scenario 1x10|mesh5x2|all]
#                                [--srtp gcm|aes-cm] [--warmup S] [--duration S]
#                                [--out DIR] [--floor] [--busy-receivers]
#                                [--simulcast]
#
# --srtp: what the load tool's DTLS offers, and so what both servers use:
# gcm (default: GCM first, then AES-CM, as Chromium offers; both servers
# prefer GCM) or aes-cm (AES_CM_128_HMAC_SHA1_80 only, a browser that
# offers no GCM).
#
# --floor: also run two nara-floor forwarders (tests/load/floor.c) on the
# same core, each with its own generator, at the same time: the least a
# forwarder can do here (recvmmsg, copy, sendmmsg with GSO; no ICE, DTLS or
# RTP), once as is and once with the AES-128-GCM passes SRTP needs
# (--crypt), so the servers' figures can be read against what the kernel,
# and the kernel plus the cipher, cost.
#
# --busy-receivers: every generator polls without sleeping (nara-load
# --busy-poll). On loopback the kernel charges the wake-up of a sleeping
# receiver to the sender; receivers on other machines cost a server no
# such thing. Both figures are worth knowing; this one is the server's own.
#
# --simulcast: every publisher sends its video as three rid layers (q, h, f;
# nara-load --simulcast, docs/performance.md "Simulcast in the load tool"),
# to both servers. Each subscriber gets one layer: Nara the largest its
# downlink estimate takes, Janus its default (the top one).
#
# Loopback only. Nara's ICE is on 127.0.0.1. Janus skips loopback
# interfaces when it gathers candidates (its ice.c), so it gets the machine's
# own IPv4 address through ice_enforce_list, and its load generator uses that
# address too; packets to a local address never leave the kernel's loopback
# path either. Every wait is bounded; a trap stops whatever was started.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/../.." && pwd)/build
scenarios=all srtp=gcm warmup=10 duration=30 out= floor= busy=() sim=()
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --scenario) scenarios=$2; shift 2 ;;
  --srtp) srtp=$2; shift 2 ;;
  --warmup) warmup=$2; shift 2 ;;
  --duration) duration=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --floor) floor=1; shift ;;
  --busy-receivers) busy=(--busy-poll); shift ;;
  --simulcast) sim=(--simulcast); shift ;;
  *) echo "usage: $0 [--build DIR] [--scenario 1x10|mesh5x2|all] [--srtp gcm|aes-cm] [--warmup S] [--duration S] [--out DIR] [--floor] [--busy-receivers] [--simulcast]" >&2; exit 2 ;;
  esac
done
[ "$scenarios" = all ] && scenarios="1x10 mesh5x2"
nara=$build/server/nara
load=$build/tests/load/nara-load
for f in "$nara" "$load"; do
  [ -x "$f" ] || { echo "missing $f: build first (cmake --build $build)" >&2; exit 2; }
done
command -v janus >/dev/null || { echo "janus is not installed (apt-get install janus)" >&2; exit 2; }
janus_lib=$(dirname "$(dpkg -L janus | grep '/plugins/libjanus_videoroom.so$')")/..
janus_lib=$(cd "$janus_lib" && pwd)

. "$here/bench-common.sh"
local_ip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n1)
[ -n "$local_ip" ] || { echo "no global IPv4 address for Janus' ICE" >&2; exit 2; }
[ -n "$out" ] && mkdir -p "$out"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # log file, test command, pid, what
  for _ in $(seq 1 150); do
    eval "$2" && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  echo "$4 did not start; its log:" >&2
  tail -n 30 "$1" >&2
  exit 1
}

# A Janus with only the websockets transport and the videoroom plugin.
janus_config() { # dir, ws port
  local dir=$1 disable_p disable_t
  mkdir -p "$dir"
  disable_p=$(cd "$janus_lib/plugins" && ls libjanus_*.so | grep -v '^libjanus_videoroom.so$' | paste -sd,)
  disable_t=$(cd "$janus_lib/transports" && ls libjanus_*.so | grep -v '^libjanus_websockets.so$' | paste -sd,)
  cat >"$dir/janus.jcfg" <<EOF
general: {
	configs_folder = "$dir"
	plugins_folder = "$janus_lib/plugins"
	transports_folder = "$janus_lib/transports"
	events_folder = "$janus_lib/events"
	loggers_folder = "$janus_lib/loggers"
	debug_level = 3
	interface = "$local_ip"
}
plugins: { disable = "$disable_p" }
transports: { disable = "$disable_t" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
media: { }
nat: {
	ice_enforce_list = "$local_ip"
	ignore_mdns = true
}
EOF
  cat >"$dir/janus.transport.websockets.jcfg" <<EOF
general: {
	json = "plain"
	ws = true
	ws_port = $2
	ws_ip = "127.0.0.1"
	wss = false
}
admin: { admin_ws = false admin_wss = false }
EOF
  echo 'general: { }' >"$dir/janus.plugin.videoroom.jcfg"
}

clip=$build/tests/load/clip.rtpclip
[ -f "$clip" ] || "$load" --make-clip "$clip"

run_scenario() { # name
  local name=$1 args dir=$work/$1 nport jport npid jpid lnara ljanus rc=0 lfloor=()
  local -A fport fpid
  case $name in
  1x10) args=(--rooms 1 --publishers 1 --subscribers 10) ;;
  mesh5x2) args=(--rooms 5 --publishers 2 --subscribers 0 --mesh) ;;
  *) echo "unknown scenario $name" >&2; exit 2 ;;
  esac
  mkdir -p "$dir"
  nport=$(free_port)
  jport=$(free_port)
  janus_config "$dir/janus" "$jport"

  "${srv_cpu[@]}" "$nara" --listen "127.0.0.1:$nport" --state-dir "$dir/nara" \
    --set media.ice_addresses=127.0.0.1 --set signaling.max_connections_per_ip=0 --set log.level=warning >"$dir/nara.log" 2>&1 &
  npid=$!
  pids+=("$npid")
  "${srv_cpu[@]}" janus -F "$dir/janus" -C "$dir/janus/janus.jcfg" -o >"$dir/janus.log" 2>&1 &
  jpid=$!
  pids+=("$jpid")
  wait_for "$dir/nara.log" "grep -q listening '$dir/nara.log'" "$npid" nara
  wait_for "$dir/janus.log" "port_open $jport" "$jpid" janus
  if [ -n "$floor" ]; then
    for f in floor crypt; do
      fport[$f]=$(free_port)
      "${srv_cpu[@]}" "$build/tests/load/nara-floor" forward --port "${fport[$f]}" \
        $([ $f = crypt ] && echo --crypt) 2>"$dir/$f.log" &
      fpid[$f]=$!
      pids+=("${fpid[$f]}")
      wait_for "$dir/$f.log" "grep -q forwarding '$dir/$f.log'" "${fpid[$f]}" nara-floor
    done
  fi
  sleep 1 # both idle before the idle RSS sample

  local common=(--clip "$clip" --srtp "$srtp" --warmup "$warmup" --duration "$duration" --setup-timeout 40 "${args[@]}" "${busy[@]}" "${sim[@]}")
  local limit=$((warmup + duration + 60))
  timeout "$limit" "${gen_cpu[@]}" "$load" --server nara --url "wss://127.0.0.1:$nport/ws" \
    --server-pid "$npid" --json "$dir/nara.json" "${common[@]}" >/dev/null 2>"$dir/load-nara.log" &
  lnara=$!
  timeout "$limit" "${gen_cpu[@]}" "$load" --server janus --url "ws://127.0.0.1:$jport/" \
    --ice-address "$local_ip" --server-pid "$jpid" --json "$dir/janus.json" "${common[@]}" \
    >/dev/null 2>"$dir/load-janus.log" &
  ljanus=$!
  if [ -n "$floor" ]; then
    # Their generators join at once; the load tools spend a few seconds on
    # set-up, so they start their windows that much later to overlap theirs.
    for f in floor crypt; do
      timeout "$limit" "${gen_cpu[@]}" "$build/tests/load/nara-floor" generate \
        --port "${fport[$f]}" --clip "$clip" --server-pid "${fpid[$f]}" \
        --warmup $((warmup + 3)) --duration "$duration" "${args[@]}" "${busy[@]}" >"$dir/$f.txt" 2>&1 &
      lfloor+=($!)
    done
  fi
  wait "$lnara" || rc=1
  wait "$ljanus" || rc=1
  for p in "${lfloor[@]}"; do wait "$p" || rc=1; done
  cleanup
  if [ $rc -ne 0 ]; then
    echo "$name: a load run failed:" >&2
    tail -n 5 "$dir/load-nara.log" "$dir/load-janus.log" >&2
  fi
  python3 "$here/compare.py" "$name" "$dir/nara.json" "$dir/janus.json"
  if [ -n "$floor" ]; then
    python3 "$here/compare.py" --floor "$dir/floor.txt" "$dir/nara.json" "$dir/janus.json"
    python3 "$here/compare.py" --floor "$dir/crypt.txt" "$dir/nara.json" "$dir/janus.json"
  fi
  [ -n "$out" ] && cp "$dir/nara.json" "$out/$name-nara.json" && cp "$dir/janus.json" "$out/$name-janus.json"
  return $rc
}

status=0
for s in $scenarios; do
  run_scenario "$s" || status=1
done
exit $status
