# bench-common.sh — sourced by the side-by-side benches (bench-vs-janus.sh,
# bench-ab.sh): CPU pinning, a work directory, and the processes they start,
# all stopped by a trap on exit. Sets srv_cpu, gen_cpu, work, pids.

# Servers on core 1, load generators on core 0 (one core each way on 2 vCPUs).
if [ "$(nproc)" -ge 2 ]; then
  srv_cpu=(taskset -c 1) gen_cpu=(taskset -c 0)
else
  echo "warning: one CPU only, nothing pinned" >&2
  srv_cpu=() gen_cpu=()
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
