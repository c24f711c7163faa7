#!/usr/bin/env bash
# Throughput and memory of `fossamaint logs analyze` and `security scan`
# on a generated FossaWork week, next to `cat` (the I/O baseline) and to
# upstream's approach (bench/upstream_analyzer.py). Issue 4 item 4 and
# issue 5 item 7; what is measured and why: bench/README.md.
#
#   bash bench/logs.sh [--quick] [--runs N]
#
# --quick    the 200 MiB week only (default: the 200 MiB and the 1 GiB week)
# --runs N   timed runs per measurement, median reported (default 3; cat
#            gets at least 10, it is over in a blink)
#
# BENCH_DIR (default ${TMPDIR:-/tmp}/fossamaint-bench-UID) caches the
# generated logs and the binaries under logs/, so reruns skip generating.
# FOSSAMAINT_BIN: measure that fossamaint binary instead of building one.
# The report goes to stdout and to bench/results/logs-latest.txt
# (logs-latest-quick.txt with --quick); progress goes to stderr.
set -euo pipefail
export LC_ALL=C
# The generated timestamps are naive local time: read them as UTC.
export TZ=UTC

QUICK=0 RUNS=3
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--runs=*) RUNS=${1#--runs=} ;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs wants a positive number, got $RUNS" >&2; exit 64; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T0=$EPOCHREALTIME
START=2025-01-13 DAYS=7 SEED=1
SINCE=${START}T00:00:00Z
UNTIL=$(date -u -d "$START + $DAYS days" +%Y-%m-%dT00:00:00Z)
SIZES=(200)
((QUICK)) || SIZES=(200 1024)

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- working directories ---------------------------------------------------

bench_dir
BIN=$BENCH_DIR/logs/bin DATA=$BENCH_DIR/logs/data
mkdir -p "$BIN" "$DATA"
WORK=$(mktemp -d "$BENCH_DIR/logs/run.XXXXXX")
LOG=$WORK/bench.log
REPORT=$WORK/report.txt

cleanup() {
	if [[ -s $LOG ]]; then cp "$LOG" "$BENCH_DIR/logs/last-run.log"; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -----------------------------------------------------------------

command -v go >/dev/null || die "go is needed to build fossamaint"
command -v python3 >/dev/null || die "python3 is needed for the upstream analyzer"
[[ -x /usr/bin/time ]] || apt_install time || die "/usr/bin/time is missing and could not be installed (apt-get install time)"
HAVE_HYPERFINE=0
if command -v hyperfine >/dev/null || apt_install hyperfine; then HAVE_HYPERFINE=1; fi

log "building genlogs into $BIN"
(cd "$ROOT" && go build -o "$BIN/genlogs" ./bench/genlogs) || die "building genlogs failed"
if [[ -n ${FOSSAMAINT_BIN:-} ]]; then
	FM=$(cd "$(dirname "$FOSSAMAINT_BIN")" && pwd)/$(basename "$FOSSAMAINT_BIN")
	[[ -x $FM ]] || die "FOSSAMAINT_BIN=$FOSSAMAINT_BIN is not an executable"
	log "using $FM (FOSSAMAINT_BIN)"
else
	log "building fossamaint into $BIN"
	(cd "$ROOT" && go build -o "$BIN/fossamaint" ./cmd/fossamaint) || die "building fossamaint failed"
	FM=$BIN/fossamaint
fi
PY=$ROOT/bench/upstream_analyzer.py
# No config: --logs-dir and the window are given, the zone is TZ's.
NOCONF=$WORK/no-config.yaml

# --- data ------------------------------------------------------------------

# ensure_week MIB: the cached generated week of that size. The name
# carries a hash of the generator, so changing it regenerates; truth.json
# is written last, so a directory without it is an interrupted generation.
ensure_week() {
	local size=$1 id dir
	id=$(cat "$ROOT"/bench/genlogs/*.go | sha256sum | cut -c1-10)
	dir=$DATA/week-${size}mib-s$SEED-$id
	if [[ ! -f $dir/truth.json ]]; then
		find "$DATA" -mindepth 1 -maxdepth 1 -name "week-${size}mib-*" -exec rm -rf {} +
		log "generating a ${size} MiB week (once; cached in $DATA)"
		"$BIN/genlogs" -dir "$dir" -size "$size" -seed "$SEED" -start "$START" -days "$DAYS" >&2 ||
			die "generating $dir failed"
	fi
	printf '%s\n' "$dir"
}

# --- measuring -------------------------------------------------------------

declare -A MED MIN MAX CPU RSS

# timeit KEY RUNS COMMAND: wall time of COMMAND (a bash string; output
# already redirected in it) over RUNS runs: median, min, max, and the mean
# CPU time (user + system) when hyperfine is there.
timeit() {
	local key=$1 runs=$2 cmd=$3
	printf '\n### %s\n# command: %s\n' "$key" "$cmd" >>"$LOG"
	if ((HAVE_HYPERFINE)); then
		hyperfine --shell bash --runs "$runs" --warmup 0 --style basic \
			--export-json "$WORK/hf.json" -n "$key" "$cmd" >>"$LOG" 2>&1 ||
			die "$key failed (see $BENCH_DIR/logs/last-run.log)"
		read -r "MED[$key]" "MIN[$key]" "MAX[$key]" "CPU[$key]" < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["median"], r["min"], r["max"], r["user"] + r["system"])' "$WORK/hf.json")
		return
	fi
	local times=() i start end
	for ((i = 0; i < runs; i++)); do
		start=$EPOCHREALTIME
		bash -c "$cmd" >>"$LOG" 2>&1 || die "$key failed (see $BENCH_DIR/logs/last-run.log)"
		end=$EPOCHREALTIME
		times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')")
	done
	mapfile -t times < <(printf '%s\n' "${times[@]}" | sort -g)
	MED[$key]=${times[$(((runs - 1) / 2))]}
	MIN[$key]=${times[0]} MAX[$key]=${times[runs - 1]} CPU[$key]=''
}

# peak KEY OKCODES OUT ARGV...: one more run under /usr/bin/time -v for
# the peak RSS (KiB), stdout to OUT (kept for the counts). The exit status
# must be one of OKCODES (security scan exits 1 on findings).
peak() {
	local key=$1 ok=$2 out=$3 rc=0
	shift 3
	/usr/bin/time -v -o "$WORK/$key.time" "$@" >"$out" 2>>"$LOG" || rc=$?
	[[ " $ok " == *" $rc "* ]] || die "$key exited $rc (see $BENCH_DIR/logs/last-run.log)"
	RSS[$key]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/$key.time")
	if [[ -z ${CPU[$key]:-} ]]; then
		CPU[$key]=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$WORK/$key.time")
	fi
}

# jget FILE KEY: a top-level value of a JSON file.
jget() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# describe KIND FILE: one line on what a run counted (KIND: truth,
# analyze, scan, python).
describe() {
	python3 - "$1" "$2" <<'PY'
import json, sys
kind, d = sys.argv[1], json.load(open(sys.argv[2]))
if kind == "truth":
    print(f"{d['lines']} lines, {d['entries']} entries, errors {d['errors']} (JSON {d['errors_json']}, "
          f"pipe {d['errors_pipe']}, other keys {d['errors_alt_json']}), failed logins {d['failed_logins']}, "
          f"attack requests {d['attack_requests']}, damaged lines {d['truncated_json_lines'] + d['garbage_lines']}")
elif kind == "analyze":
    print(f"{d['entries_in_window']} entries, {d['malformed_lines']} malformed lines, "
          f"{len(d['patterns'])} error patterns, errors_total {d['errors_total']}")
elif kind == "scan":
    print(f"{d['in_window']} entries, {d['malformed_lines']} malformed lines, failed_logins {d['failed_logins']} "
          f"from {d['failed_login_sources']} sources, brute force from {', '.join(b['ip'] for b in d['brute_force'])}, "
          f"distributed on {', '.join(x['user'] for x in d['distributed'])}, "
          f"{sum(x['count'] for x in d['signatures'])} attack signatures, "
          f"scanners {', '.join(x['scanner'] for x in d['scanners'])}")
else:
    print(f"{d['entries_in_window']} entries, {d['skipped_lines']} lines skipped (pipe-shaped, tracebacks, damaged), "
          f"errors_total {d['errors_total']} in {d['distinct_error_messages']} distinct raw messages")
PY
}

# --- one week --------------------------------------------------------------

bench_size() {
	local size=$1 dir bytes files cmd_files k runs_cat
	dir=$(ensure_week "$size")
	mapfile -t files < <(find "$dir" -type f -name '*.jsonl' | sort)
	bytes=$(jget "$dir/truth.json" bytes)
	cmd_files=${files[*]}
	log "${size} MiB: warming the page cache"
	cat "${files[@]}" >/dev/null

	runs_cat=$((RUNS > 10 ? RUNS : 10))
	log "${size} MiB: cat"
	timeit "$size.cat" "$runs_cat" "cat $cmd_files > /dev/null"
	peak "$size.cat" 0 /dev/null cat "${files[@]}"
	log "${size} MiB: fossamaint logs analyze"
	timeit "$size.analyze" "$RUNS" "$FM --config $NOCONF logs analyze --logs-dir $dir --since $SINCE --until $UNTIL --json > /dev/null"
	peak "$size.analyze" 0 "$WORK/$size.analyze.json" "$FM" --config "$NOCONF" logs analyze --logs-dir "$dir" --since "$SINCE" --until "$UNTIL" --json
	log "${size} MiB: fossamaint security scan"
	# Exit 1 means findings (the planted attacks); anything else fails.
	timeit "$size.scan" "$RUNS" "$FM --config $NOCONF security scan --logs-dir $dir --since $SINCE --until $UNTIL --json > /dev/null; [ \$? -le 1 ]"
	peak "$size.scan" "0 1" "$WORK/$size.scan.json" "$FM" --config "$NOCONF" security scan --logs-dir "$dir" --since "$SINCE" --until "$UNTIL" --json
	log "${size} MiB: upstream_analyzer.py"
	timeit "$size.python" "$RUNS" "python3 $PY $dir --since ${SINCE%Z} --until ${UNTIL%Z} > /dev/null"
	peak "$size.python" 0 "$WORK/$size.python.json" python3 "$PY" "$dir" --since "${SINCE%Z}" --until "${UNTIL%Z}"
	report_size "$size" "$dir" "$bytes" "${#files[@]}"
}

# row LABEL KEY BYTES ERRORS: one line of the table.
row() {
	local label=$1 key=$2 bytes=$3 errors=$4 cat=$5
	say "$(awk -v l="$label" -v med="${MED[$key]}" -v lo="${MIN[$key]}" -v hi="${MAX[$key]}" -v cpu="${CPU[$key]}" \
		-v b="$bytes" -v cat="${MED[$cat]}" -v rss="${RSS[$key]}" -v e="$errors" 'BEGIN {
		printf "  %-30s %7.2f %13s %7.2f %5.2f %9.1f %7.1f%% %8.1f %9s\n", l, med, sprintf("%.2f-%.2f", lo, hi),
			cpu, cpu / med, b / 1048576 / med, 100 * cat / med, rss / 1024, e }')"
}

report_size() {
	local size=$1 dir=$2 bytes=$3 nfiles=$4
	local an=$WORK/$size.analyze.json sc=$WORK/$size.scan.json py=$WORK/$size.python.json
	say ""
	say "$(awk -v b="$bytes" -v n="$nfiles" -v s="$size" 'BEGIN { printf "== %s MiB week: %d files, %.1f MiB (%d bytes)", s, n, b / 1048576, b }')"
	say "   truth:   $(describe truth "$dir/truth.json")"
	say ""
	say "  $(printf '%-30s %7s %13s %7s %5s %9s %8s %8s %9s' tool 'wall s' 'min-max s' 'CPU s' cores 'MiB/s' '% cat' 'RSS MiB' errors)"
	row "cat (I/O baseline)" "$size.cat" "$bytes" - "$size.cat"
	row "fossamaint logs analyze" "$size.analyze" "$bytes" "$(jget "$an" errors_total)" "$size.cat"
	row "fossamaint security scan" "$size.scan" "$bytes" - "$size.cat"
	row "upstream_analyzer.py" "$size.python" "$bytes" "$(jget "$py" errors_total)" "$size.cat"
	say ""
	say "   analyze: $(describe analyze "$an")"
	say "   scan:    $(describe scan "$sc")"
	say "   python:  $(describe python "$py")"
}

# --- run -------------------------------------------------------------------

say "fossamaint log benchmarks (bench/logs.sh$( ((QUICK)) && echo ' --quick'))"
say "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n ${FOSSAMAINT_BIN:-} ]]; then
	fm_id=$FM
else
	fm_id=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
fi
say "software: fossamaint $fm_id ($(go version | awk '{ print $3 }')), $(python3 --version), $(cat --version | head -1), timing: $( ((HAVE_HYPERFINE)) && hyperfine --version || echo 'bash EPOCHREALTIME'), RSS: /usr/bin/time -v"
say "window: --since $SINCE --until $UNTIL (TZ=UTC); wall = median of $RUNS runs (cat: $((RUNS > 10 ? RUNS : 10))), warm page cache"
say "CPU s = user + system (hyperfine mean); cores = CPU s / wall s; % cat = cat's wall / the tool's wall; RSS = peak of one more run"

for size in "${SIZES[@]}"; do
	bench_size "$size"
done

say ""
say "targets (issues 4 and 5): analyze >= 30 % of cat on 2 cores, analyze peak RSS <= 128 MiB at any size, scan of 1 GB in seconds"
# The wall ratio swings with the machine's other load; the CPU-time line
# is steadier: what analyze would reach with every core to itself.
for size in "${SIZES[@]}"; do
	say "$(awk -v s="$size" -v c="${MED[$size.cat]}" -v a="${MED[$size.analyze]}" -v r="${RSS[$size.analyze]}" -v sc="${MED[$size.scan]}" -v sr="${RSS[$size.scan]}" 'BEGIN {
		printf "  %5s MiB: analyze %.1f%% of cat (%s), RSS %.1f MiB (%s); scan %.1f s, RSS %.1f MiB\n", s, 100 * c / a,
			(100 * c / a >= 30 ? "met" : "MISSED"), r / 1024, (r / 1024 <= 128 ? "met" : "MISSED"), sc, sr / 1024 }')"
	say "$(awk -v cc="${CPU[$size.cat]}" -v ac="${CPU[$size.analyze]}" -v sc="${CPU[$size.scan]}" -v n="$(nproc)" 'BEGIN {
		printf "             by CPU time: cat %.2f s, analyze %.2f s, scan %.2f s; analyze on %d idle cores ~ %.1f%% of cat\n",
			cc, ac, sc, n, 100 * cc / (ac / n) }')"
done
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); total bench time $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }')"

mkdir -p "$ROOT/bench/results"
out=$ROOT/bench/results/logs-latest.txt
((QUICK)) && out=$ROOT/bench/results/logs-latest-quick.txt
cp "$REPORT" "$out"
log "report written to $out"
