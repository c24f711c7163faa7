#!/usr/bin/env bash
# Benchmarks of fossamaint's database work against the sqlite3 CLI and cp
# (issue 3, item 11). What is measured and why: bench/README.md.
#
#   bash bench/db.sh [--quick] [--runs N] [--no-medium-demo] [--downtime-only]
#
# --quick           only the ~100 MiB database and the small demo
# --downtime-only   only the demo downtime (small and medium, quiet and writing)
# --runs N          timed runs per measurement, median reported (default 3)
# --no-medium-demo  skip the ~2 min medium demo in a full run
#
# BENCH_DIR (default ${TMPDIR:-/tmp}/fossamaint-bench-UID) caches the
# generated databases and the binaries, so reruns skip the generation.
# FOSSAMAINT_BIN: measure that fossamaint binary instead of building one.
# The report goes to stdout and to bench/results/db-latest.txt
# (latest-quick.txt with --quick, downtime-latest.txt with --downtime-only);
# progress goes to stderr.
set -euo pipefail
export LC_ALL=C

QUICK=0 RUNS=3 MEDIUM_DEMO=1 DOWNTIME_ONLY=0
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--runs=*) RUNS=${1#--runs=} ;;
	--no-medium-demo) MEDIUM_DEMO=0 ;;
	--downtime-only) DOWNTIME_ONLY=1 ;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs wants a positive number, got $RUNS" >&2; exit 64; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T0=$EPOCHREALTIME

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- working directories ---------------------------------------------------

bench_dir
BIN=$BENCH_DIR/bin DBS=$BENCH_DIR/db
mkdir -p "$BIN" "$DBS"
WORK=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
LOG=$WORK/bench.log
REPORT=$WORK/report.txt
HOLD_PID='' HOLD_FD=''

# start_holder DB: a process that commits ~4 MiB into DB's -wal and keeps
# the database open, as the running application does, so nothing measured
# checkpoints that -wal away.
start_holder() {
	local db=$1 out=$WORK/hold.out i
	exec {HOLD_FD}> >(exec "$BIN/gendb" hold -db "$db" -wal-mib 4 >"$out" 2>&1)
	HOLD_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "$out" 2>/dev/null && { log "  $(cat "$out")"; return; }
		kill -0 "$HOLD_PID" 2>/dev/null || die "the WAL holder exited: $(cat "$out")"
		sleep 0.1
	done
	die "the WAL holder did not get ready in 60 s"
}

stop_holder() {
	[[ -n $HOLD_FD ]] && exec {HOLD_FD}>&-
	HOLD_FD=''
	if [[ -n $HOLD_PID ]]; then
		local i
		for ((i = 0; i < 50; i++)); do kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
		kill "$HOLD_PID" 2>/dev/null || true
		HOLD_PID=''
	fi
}

cleanup() {
	stop_holder
	if [[ -s $LOG ]]; then cp "$LOG" "$BENCH_DIR/last-run.log"; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -----------------------------------------------------------------

command -v go >/dev/null || die "go is needed to build fossamaint"
command -v sqlite3 >/dev/null || apt_install sqlite3 || die "sqlite3 is missing and could not be installed (apt-get install sqlite3)"
HAVE_HYPERFINE=0
if command -v hyperfine >/dev/null || apt_install hyperfine; then HAVE_HYPERFINE=1; fi

log "building gendb and vacswap into $BIN"
(cd "$ROOT" && go build -o "$BIN/gendb" ./bench/gendb && go build -o "$BIN/vacswap" ./bench/vacswap) ||
	die "build failed"
if [[ -n ${FOSSAMAINT_BIN:-} ]]; then
	FM=$(cd "$(dirname "$FOSSAMAINT_BIN")" && pwd)/$(basename "$FOSSAMAINT_BIN")
	[[ -x $FM ]] || die "FOSSAMAINT_BIN=$FOSSAMAINT_BIN is not an executable"
	log "using $FM (FOSSAMAINT_BIN)"
else
	log "building fossamaint into $BIN"
	(cd "$ROOT" && go build -o "$BIN/fossamaint" ./cmd/fossamaint) || die "building fossamaint failed"
	FM=$BIN/fossamaint
fi

# --- measuring -------------------------------------------------------------

declare -A MED MIN MAX

# measure KEY PREPARE COMMAND: times COMMAND (a bash string) $RUNS times,
# running PREPARE untimed before each run, and records median, min, max.
measure() {
	local key=$1 prep=$2 cmd=$3
	log "  $key"
	printf '\n### %s\n# prepare: %s\n# command: %s\n' "$key" "$prep" "$cmd" >>"$LOG"
	if ((HAVE_HYPERFINE)); then
		hyperfine --shell bash --runs "$RUNS" --warmup 0 --style basic --prepare "$prep" \
			--export-csv "$WORK/hf.csv" -n "$key" "$cmd" >>"$LOG" 2>&1 ||
			die "$key failed (see $BENCH_DIR/last-run.log)"
		# command,mean,stddev,median,user,system,min,max
		IFS=, read -r _ _ _ "MED[$key]" _ _ "MIN[$key]" "MAX[$key]" < <(sed -n 2p "$WORK/hf.csv")
		return
	fi
	local times=() i start end
	for ((i = 0; i < RUNS; i++)); do
		bash -c "$prep" >>"$LOG" 2>&1 || die "preparing $key failed"
		start=$EPOCHREALTIME
		bash -c "$cmd" >>"$LOG" 2>&1 || die "$key failed (see $BENCH_DIR/last-run.log)"
		end=$EPOCHREALTIME
		times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')")
	done
	MED[$key]=$(median "${times[@]}")
	MIN[$key]=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
	MAX[$key]=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) printf "%.6f", v[(NR + 1) / 2]; else printf "%.6f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# row LABEL KEY [GROUP_REF_KEY]: one table line; ratios against sqlite3
# .backup of the same size and against the group's reference.
row() {
	local label=$1 key=$2 ref=${3:-}
	local vs_group=''
	if [[ -n $ref ]]; then vs_group=$(ratio "${MED[$key]}" "${MED[$ref]}"); fi
	say "$(printf '  %-54s %8.2f %8.2f %8.2f %8s %8s' "$label" "${MED[$key]}" "${MIN[$key]}" "${MAX[$key]}" \
		"$(ratio "${MED[$key]}" "${MED[$SIZE.sqlite_backup]}")" "$vs_group")"
}

# --- databases -------------------------------------------------------------

# ensure_db MIB: path of the cached generated database of that size. The
# name carries a hash of the generator, so changing it regenerates.
ensure_db() {
	local size=$1 id path
	id=$(cat "$ROOT"/bench/gendb/*.go | sha256sum | cut -c1-10)
	path=$DBS/fossawork-${size}mib-$id.db
	if [[ ! -f $path ]]; then
		find "$DBS" -maxdepth 1 -name "fossawork-${size}mib-*.db" -delete
		log "generating a ${size} MiB database (once; cached in $DBS)"
		"$BIN/gendb" create -out "$path" -mib "$size" >&2 || die "generating $path failed"
	fi
	printf '%s\n' "$path"
}

sql1() { sqlite3 "$1" "$2"; }

# --- one database size -----------------------------------------------------

bench_size() {
	SIZE=$1
	local base dir live o
	base=$(ensure_db "$SIZE")
	dir=$WORK/$SIZE
	mkdir -p "$dir/out"
	live=$dir/live.db o=$dir/out
	log "${SIZE} MiB: copying the database and starting the WAL holder"
	cp "$base" "$live"
	start_holder "$live"

	local wal pages free psize wos
	wal=$(stat -c %s "$live-wal")
	read -r pages free psize wos < <(sqlite3 -separator ' ' "$live" \
		"SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_size FROM pragma_page_size), (SELECT count(*) FROM work_orders)")

	log "${SIZE} MiB: warming up (reading the files once, one untimed sqlite3 .backup and fossamaint db backup)"
	cat "$live" "$live-wal" >/dev/null
	sqlite3 "$live" ".backup $o/warm.db" && rm -f "$o/warm.db"
	local split
	split=$("$FM" db backup --db "$live" --out "$o/warm.db" --json |
		awk -F'[:,]' '/"backup_duration_ns"/ { b = $2 } /"verify_duration_ns"/ { v = $2 } END { printf "%.2f s copying, %.2f s verifying", b / 1e9, v / 1e9 }')
	rm -f "$o/warm.db" "$o/warm.db.manifest.json"

	log "${SIZE} MiB: backups"
	local L=$live O=$o
	measure "$SIZE.sqlite_backup" "rm -f $O/sqlite3.db" "sqlite3 $L \".backup $O/sqlite3.db\""
	measure "$SIZE.cp" "rm -f $O/cp.db" "cp $L $O/cp.db"
	measure "$SIZE.fm_quick" "rm -f $O/fm.db $O/fm.db.manifest.json" "$FM db backup --db $L --out $O/fm.db"
	measure "$SIZE.fm_full" "rm -f $O/fmfull.db $O/fmfull.db.manifest.json" "$FM db backup --db $L --out $O/fmfull.db --verify full"

	log "${SIZE} MiB: integrity checks"
	measure "$SIZE.ic_untuned" "true" "sqlite3 $L 'PRAGMA integrity_check'"
	measure "$SIZE.ic_tuned" "true" "sqlite3 $L 'PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536; PRAGMA integrity_check;'"
	measure "$SIZE.fm_check" "true" "$FM db check --db $L --full"

	local n_live n_sqlite n_fm n_cp
	n_live=$(sql1 "$live" "SELECT count(*) FROM work_orders")
	n_sqlite=$(sql1 "$o/sqlite3.db" "SELECT count(*) FROM work_orders")
	n_fm=$(sql1 "$o/fm.db" "SELECT count(*) FROM work_orders")
	n_cp=$(sql1 "$o/cp.db" "SELECT count(*) FROM work_orders")
	stop_holder
	rm -rf "$dir"

	log "${SIZE} MiB: compaction (each run on a fresh copy of the fragmented file)"
	local V=$WORK/vac B=$base
	local prep="rm -rf $V && mkdir $V && cp $B $V/w.db"
	measure "$SIZE.vacuum" "$prep" "sqlite3 $V/w.db VACUUM"
	measure "$SIZE.vacuum_into" "$prep" "cd $V && sqlite3 w.db \"VACUUM INTO 'w.new'\" && mv -f w.new w.db"
	measure "$SIZE.vacswap" "$prep" "$BIN/vacswap -db $V/w.db -aside-dir $V/aside"
	local compacted
	compacted=$(stat -c %s "$WORK/vac/w.db")
	local basesize
	basesize=$(stat -c %s "$base")
	rm -rf "$WORK/vac"
	report_size
}

# report_size prints one size's table; it reads bench_size's locals
# (bash scoping is dynamic).
report_size() {
	local goal
	goal=$(awk -v a="${MED[$SIZE.fm_quick]}" -v b="${MED[$SIZE.sqlite_backup]}" 'BEGIN { print (a <= 2 * b) ? "met" : "NOT met" }')
	say ""
	say "== ${SIZE} MiB class: $(mib $((pages * psize))), $wos work orders (+ 2-4 dispensers each), freelist $(awk -v f="$free" -v p="$pages" 'BEGIN { printf "%.1f", 100 * f / p }')%, page size $psize"
	say "   -wal: $(mib "$wal") committed but not checkpointed, the file held open by a writer process"
	say "$(printf '  %-54s %8s %8s %8s %8s %8s' "" "median s" "min s" "max s" "x.backup" "x group")"
	say "  backups (reference: sqlite3 .backup)"
	row "sqlite3 .backup (verifies nothing)" "$SIZE.sqlite_backup"
	row "cp (NOT a valid backup of a live WAL database)" "$SIZE.cp"
	row "fossamaint db backup (quick_check, sha256, manifest)" "$SIZE.fm_quick"
	row "fossamaint db backup --verify full" "$SIZE.fm_full"
	say "  compaction, offline (reference: VACUUM in place; on a checkpointed copy, $(mib "$basesize") -> $(mib "$compacted"))"
	row "sqlite3 VACUUM in place" "$SIZE.vacuum" "$SIZE.vacuum"
	row "sqlite3 VACUUM INTO + mv" "$SIZE.vacuum_into" "$SIZE.vacuum"
	row "fossamaint VacuumInto + InstallFile (keeps original)" "$SIZE.vacswap" "$SIZE.vacuum"
	say "  integrity_check of the live file (reference: untuned sqlite3)"
	row "sqlite3 PRAGMA integrity_check (untuned)" "$SIZE.ic_untuned" "$SIZE.ic_untuned"
	row "sqlite3, mmap_size 1 GiB + cache_size 64 MiB" "$SIZE.ic_tuned" "$SIZE.ic_untuned"
	row "fossamaint db check --full (same tuning, Go SQLite)" "$SIZE.fm_check" "$SIZE.ic_untuned"
	say "  goal: db backup + quick verify <= 2 x sqlite3 .backup: $(ratio "${MED[$SIZE.fm_quick]}" "${MED[$SIZE.sqlite_backup]}") x, $goal"
	say "  fossamaint's own split (warm-up run, --json): $split"
	say "  work orders seen: live file (with its -wal) $n_live, sqlite3 .backup $n_sqlite, fossamaint $n_fm, cp $n_cp$( ((n_cp < n_live)) && printf ' (cp lost %d committed work orders: the -wal was not copied)' $((n_live - n_cp)))"
}

# --- weekly database phase downtime ------------------------------------------

# bench_demo SIZE N MODE: runs the demo N times and reports downtime_seconds
# (service stop to healthy again) from each run's JSON report, and which way
# the VACUUM went. MODE quiet: the backend's own writer is off (nothing
# commits during the maintenance); writing: it commits a work order every
# 200 ms, as an installation whose automation runs at night.
bench_demo() {
	local size=$1 n=$2 mode=$3 i d json rc times=() paths=() dbsize='' flag=()
	[[ $mode == quiet ]] && flag=(--quiet-backend)
	for ((i = 1; i <= n; i++)); do
		log "demo $size ($mode backend), run $i of $n"
		d=$WORK/demo-$size-$i json=$WORK/demo-$size-$i.json
		rc=0
		"$FM" demo --dir "$d" --size "$size" "${flag[@]}" --json >"$json" 2>>"$LOG" || rc=$?
		((rc <= 1)) || die "demo $size exited $rc (see $BENCH_DIR/last-run.log)"
		read -r t path db < <(python3 - "$json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
opt = next(s for p in run["phases"] if p["name"] == "database" for s in p["steps"] if s["name"] == "optimize")
m = opt.get("metrics") or {}
online = m.get("vacuum_online", {}).get("value")
path = {1: "online-copy", 0: "copy-redone-stopped"}.get(online, "vacuum-stopped" if "reclaimed_bytes" in m else "no-vacuum")
print(run.get("downtime_seconds", 0), path, int(m.get("size_before_bytes", {}).get("value", 0)))
PY
		)
		[[ -n $t ]] || die "demo $size: no downtime_seconds in its report"
		times+=("$t") paths+=("$path") dbsize=$db
		rm -rf "$d" "$json"
	done
	local med
	med=$(median "${times[@]}")
	say "$(printf '  %-7s %-8s %s run(s): median %.2f s (runs: %s); database %s; VACUUM: %s; goal <= 2 s: %s' \
		"$size" "$mode" "$n" "$med" "$(printf '%.2f ' "${times[@]}" | sed 's/ $//')" \
		"$(mib "$dbsize")" "$(printf '%s ' "${paths[@]}" | sed 's/ $//')" "$(awk -v t="$med" 'BEGIN { print (t <= 2) ? "met" : "not met" }')")"
}

# --- main ----------------------------------------------------------------------

if [[ -n ${FOSSAMAINT_BIN:-} ]]; then
	fm_id="$FM ($("$FM" --version 2>/dev/null | head -1))"
else
	fm_id="built from $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo 'an unknown revision')"
	[[ -n $(cd "$ROOT" && git status --porcelain 2>/dev/null) ]] && fm_id="$fm_id with uncommitted changes"
fi
say "fossamaint database benchmarks ($( ((QUICK)) && echo quick || echo full) run), $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr), $(df -PT "$BENCH_DIR" | awk 'NR == 2 { print $2 }') under $BENCH_DIR"
say "software: fossamaint $fm_id ($(go version | awk '{ print $3 }')), sqlite3 CLI $(sqlite3 --version | awk '{ print $1 }'), timing: $( ((HAVE_HYPERFINE)) && hyperfine --version || echo 'bash EPOCHREALTIME')"
say "method: median of $RUNS runs each; no cache drop (needs root, and a live database is cached anyway):"
say "        the files are read once, and one sqlite3 .backup and one fossamaint db backup run untimed, before timing;"
say "        figures are warm-cache"
say "        (every backup tool here fsyncs its output except cp). A shared machine: compare ratios within one run."

sizes=(100)
((QUICK)) || sizes+=(1024)
((DOWNTIME_ONLY)) && sizes=()
for s in "${sizes[@]}"; do bench_size "$s"; done

say ""
say "== weekly database phase downtime (fossamaint demo: real backend via the exec service manager; stop -> healthy)"
say "   quiet: nothing commits during the maintenance; writing: the backend commits every 200 ms."
say "   VACUUM online-copy: VACUUM INTO ran before the stop and data_version proved it current (only the swap in the downtime);"
say "   copy-redone-stopped: a commit landed during the online copy, so it was made again with the service stopped."
bench_demo small "$RUNS" quiet
bench_demo small "$RUNS" writing
if ((!QUICK && MEDIUM_DEMO)); then
	bench_demo medium 1 quiet
	bench_demo medium 1 writing
fi

say ""
say "total bench time $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }') (database generation included when not cached)"

mkdir -p "$ROOT/bench/results"
out=$ROOT/bench/results/db-latest.txt
((QUICK)) && out=$ROOT/bench/results/latest-quick.txt
((DOWNTIME_ONLY)) && out=$ROOT/bench/results/downtime-latest.txt
cp "$REPORT" "$out"
log "report written to $out"
