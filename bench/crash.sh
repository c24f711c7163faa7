#!/usr/bin/env bash
# The crash campaign (issue 9): kill -9 and Ctrl-C of the weekly run at every
# fault point and at random moments, each followed by `fossamaint recover`, on
# a demo installation with an outside writer. Prints the table on stdout and
# keeps it in bench/results/crash-latest.txt.
#
#   bash bench/crash.sh                      # 60 kills + 12 Ctrl-C, small demo (~8 min)
#   bash bench/crash.sh --trials 10 --interrupts 2
#   bash bench/crash.sh --size medium --keep --dir /tmp/crash
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
mkdir -p bench/results
out=bench/results/crash-latest.txt
{
	echo "# bash bench/crash.sh $*"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
	go run ./bench/crash "$@"
} | tee "$out.tmp"
status=${PIPESTATUS[0]}
mv "$out.tmp" "$out"
exit "$status"
