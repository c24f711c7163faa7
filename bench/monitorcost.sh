#!/usr/bin/env bash
# The CPU cost of `fossamaint perf monitor --interval 1s` (issue 12: under
# 1 % of one core): runs it for SECONDS (default 120), reads utime+stime
# from /proc/PID/stat at the start and the end, prints the share of one
# core and writes it to bench/results/monitor-latest.txt.
# Usage: bash bench/monitorcost.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/fm" ./cmd/fossamaint
"$work/fm" perf monitor --interval 1s --out "$work/cost.jsonl" 2>/dev/null &
pid=$!
sleep 2 # past start-up (the binary's own loading is not the sampler's cost)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep "$secs"
t1=$(ticks)
kill -TERM "$pid"
wait "$pid" || true
lines=$(wc -l <"$work/cost.jsonl")
out=$(awk -v d="$((t1 - t0))" -v hz="$hz" -v s="$secs" -v n="$lines" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
	printf "perf monitor --interval 1s for %d s: %d CPU ticks (%.2f s), %.3f %% of one core; %d lines written; load %s\n", s, d, d/hz, 100*d/hz/s, n, load }')
echo "$out"
mkdir -p bench/results
{ date -u +%Y-%m-%dT%H:%M:%SZ; echo "$out"; } >bench/results/monitor-latest.txt
