#!/bin/sh
# smoke.sh NARA NARA_LOAD CLIP WORKDIR — the load tool against the real nara
# for ~10 s: 1 room, 1 publisher, 2 subscribers, on 127.0.0.1 only. Passes
# if the run completes, packets were forwarded and none were lost. Then a
# short run with --simulcast on the same server: every layer is sent and
# each subscriber gets the video one layer at a time (no view sent: the
# largest its downlink estimate takes), never several at once. It makes
# no timing assertion (CI machines vary); the figures are printed.
set -eu
nara=$1 load=$2 clip=$3 work=$4

rm -rf "$work" && mkdir -p "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; true; }
trap cleanup EXIT INT TERM

"$nara" --listen "127.0.0.1:$port" --state-dir "$work/state" \
  --set media.ice_addresses=127.0.0.1 --set log.level=warning >"$work/nara.log" 2>&1 &
pid=$!
i=0
until grep -q listening "$work/nara.log"; do
  i=$((i + 1))
  if [ $i -gt 150 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "nara did not start:" >&2; cat "$work/nara.log" >&2; exit 1
  fi
  sleep 0.1
done

run() { # name, nara-load options...
  name=$1
  shift
  timeout 60 "$load" --url "wss://127.0.0.1:$port/ws" --clip "$clip" --server-pid "$pid" \
    --rooms 1 --publishers 1 --subscribers 2 --setup-timeout 20 --room-prefix "$name" \
    --json "$work/$name.json" "$@" >/dev/null
  python3 - "$work/$name.json" "$name" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ok = "error" not in r and r["forwarded_packets"] > 0 and r["loss"]["packets"] == 0
if "simulcast" in r:
    # Every layer was sent, and each subscription got one at a time: Nara
    # may still step between layers in so short a window (at a keyframe),
    # but never sends more than the largest layer has (with a frame or two
    # of slack for the switch), which two layers at once would.
    sent = {p.get("rid"): p["sent"] for p in r["publishers"] if p["kind"] == "video"}
    ok = ok and all(sent.get(rid, 0) > 0 for rid in "qhf")
    for s in r["subscriptions"]:
        if s["kind"] == "video":
            ok = ok and 0 < s["received"] <= max(sent.values()) * 1.1 + 10
print(sys.argv[2] + ":", "ok" if ok else "FAILED", "- forwarded", r["forwarded_packets"],
      "lost", r["loss"]["packets"], "layers", r.get("simulcast"), "error", r.get("error"))
sys.exit(0 if ok else 1)
EOF
}

run load-smoke --warmup 2 --duration 8
run load-smoke-simulcast --simulcast --warmup 1 --duration 1
