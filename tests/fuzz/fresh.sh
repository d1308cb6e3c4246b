#!/bin/sh
# fresh.sh — one short fuzzing run for CTest: BINARY SECONDS [DIRS] -- [OPTIONS].
# Copies the seed directories (corpus, fixed crashes) into a temp directory
# and fuzzes that for SECONDS, so the inputs libFuzzer adds never land in the
# source tree. Exit status is libFuzzer's: non-zero on a crash, leak,
# timeout or sanitizer report.
set -eu
bin=$1 secs=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  cp -R "$1"/. "$work"/
  shift
done
[ $# -gt 0 ] && shift
"$bin" -max_total_time="$secs" -print_final_stats=1 "$@" "$work"
