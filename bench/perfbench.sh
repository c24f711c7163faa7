#!/usr/bin/env bash
# `fossamaint perf bench` next to hey and vegeta on the same loopback
# servers (bench/perfserve). Issue 12 item 1; what is measured and why:
# bench/README.md, "HTTP benchmark: perfbench.sh".
#
#   bash bench/perfbench.sh [--step-seconds N]
#
# 1. Coordinated omission: 10 s against the stall server (5 ms answers,
#    every request stalled up to 500 ms in the last quarter of each 2 s
#    cycle). perf bench and vegeta at 50/s, hey closed loop (-c 1), all
#    three at once; p50 and p99 of each, and hey's p99 as a ratio of
#    perf bench's.
# 2. Overhead: rising rates against a trivial handler, --step-seconds
#    each (default 3); a rate is sustained when the achieved send rate is
#    within 2 % of it with no error. The highest sustained rate of each
#    tool, and perf bench's as a ratio of vegeta's.
#
# Needs hey and vegeta on PATH or in $(go env GOPATH)/bin:
#   GOFLAGS= go install github.com/rakyll/hey@latest
#   GOFLAGS= go install github.com/tsenart/vegeta/v12@v12.13.0
# The report goes to stdout and bench/results/perfbench-latest.txt.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

STEP=3
while (($#)); do
	case $1 in
	--step-seconds) STEP=${2:?--step-seconds needs a number}; shift ;;
	-h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done

PATH=$PATH:$(go env GOPATH)/bin
for t in hey vegeta jq; do command -v "$t" >/dev/null || die "$t is not installed (see --help)"; done
bench_dir
W=$BENCH_DIR/perf
mkdir -p "$W/inst" "$W/state"
LOG=$W/log.txt REPORT=bench/results/perfbench-latest.txt
: >"$LOG"
: >"$REPORT"
go build -o "$W/fossamaint" ./cmd/fossamaint
go build -o "$W/perfserve" ./bench/perfserve
cat >"$W/c.yaml" <<YAML
root: $W/inst
state_dir: $W/state
services:
  manager: none
health:
  endpoints: []
YAML

STALL=127.0.0.1:18081 TRIVIAL=127.0.0.1:18082
"$W/perfserve" -stall "$STALL" -trivial "$TRIVIAL" >"$W/serve.out" 2>>"$LOG" &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q ready "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$W/serve.out" || die "perfserve did not start (see $LOG)"

fb() { "$W/fossamaint" perf bench --config "$W/c.yaml" --json "$@" || true; }
ms() { awk '{printf "%.1f", $1 * 1000}'; }

say "# perf bench vs hey vs vegeta, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, go $(go env GOVERSION)"
say ""
say "## 1. Stall server, 10 s (open loop at 50/s; hey closed loop -c 1)"
fb --rate 50/s --duration 10s "http://$STALL/health" >"$W/fb-stall.json" &
A=$!
vegeta attack -rate 50/s -duration 10s -targets <(echo "GET http://$STALL/health") 2>>"$LOG" |
	vegeta report -type json >"$W/vg-stall.json" &
B=$!
hey -z 10s -c 1 "http://$STALL/health" >"$W/hey-stall.txt" 2>>"$LOG" &
C=$!
wait $A $B $C
fb_p50=$(jq '.latency_seconds.p50' "$W/fb-stall.json" | ms)
fb_p99=$(jq '.latency_seconds.p99' "$W/fb-stall.json" | ms)
vg_p50=$(jq '.latencies["50th"] / 1e9' "$W/vg-stall.json" | ms)
vg_p99=$(jq '.latencies["99th"] / 1e9' "$W/vg-stall.json" | ms)
hey_p50=$(awk '/ 50%+ in/ {print $3}' "$W/hey-stall.txt" | ms)
hey_p99=$(awk '/ 99%+ in/ {print $3}' "$W/hey-stall.txt" | ms)
hey_n=$(awk '/\[200\]/ {print $2}' "$W/hey-stall.txt")
say "tool        requests  p50 ms  p99 ms"
say "$(printf '%-10s  %8s  %6s  %6s' "perf bench" "$(jq .requests "$W/fb-stall.json")" "$fb_p50" "$fb_p99")"
say "$(printf '%-10s  %8s  %6s  %6s' vegeta "$(jq .requests "$W/vg-stall.json")" "$vg_p50" "$vg_p99")"
say "$(printf '%-10s  %8s  %6s  %6s' hey "$hey_n" "$hey_p50" "$hey_p99")"
say "hey's p99 is $(awk -v a="$hey_p99" -v b="$fb_p99" 'BEGIN {printf "%.3f", a / b}') x perf bench's (true open-loop p99 about 485 ms)"
say ""

say "## 2. Highest sustained rate, trivial handler, ${STEP} s per step (sustained: achieved within 2 %, no error)"
say "asked/s  perf-bench/s  errors  p99 ms  vegeta/s  errors  p99 ms"
best_fb=0 best_vg=0
for r in 1000 2000 4000 6000 8000 10000 12000 16000 20000; do
	fb --rate "$r/s" --duration "${STEP}s" "http://$TRIVIAL/" >"$W/fb.json"
	vegeta attack -rate "$r/s" -duration "${STEP}s" -targets <(echo "GET http://$TRIVIAL/") 2>>"$LOG" |
		vegeta report -type json >"$W/vg.json"
	fr=$(jq .rate "$W/fb.json") fe=$(jq .errors "$W/fb.json") fs=$(jq .rate_sustained "$W/fb.json")
	f99=$(jq .latency_seconds.p99 "$W/fb.json" | ms)
	vr=$(jq .rate "$W/vg.json") ve=$(jq '.requests - (.status_codes["200"] // 0)' "$W/vg.json")
	v99=$(jq '.latencies["99th"] / 1e9' "$W/vg.json" | ms)
	say "$(printf '%7s  %12.0f  %6s  %6s  %8.0f  %6s  %6s' "$r" "$fr" "$fe" "$f99" "$vr" "$ve" "$v99")"
	awk -v a="$fr" -v r="$r" 'BEGIN {exit !(a >= 0.98 * r)}' && ((fe == 0)) && [[ $fs == true ]] && best_fb=$r
	awk -v a="$vr" -v r="$r" 'BEGIN {exit !(a >= 0.98 * r)}' && ((ve == 0)) && best_vg=$r
done
say "highest sustained: perf bench $best_fb/s, vegeta $best_vg/s, ratio $(awk -v a="$best_fb" -v b="$best_vg" 'BEGIN {printf "%.2f", (b ? a / b : 0)}')"
