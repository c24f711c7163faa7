#!/usr/bin/env bash
# PostgreSQL backup + restore test: fossamaint's against plain pg_dump + pg_restore.
#
#   bash bench/pg/run.sh                 # pgbench scale 20 (~300 MB), 3 pairs
#   bash bench/pg/run.sh --scale 40 --runs 5
#   bash bench/pg/run.sh --data fossawork --work-orders 100000
#                                        # FossaWork V2's schema and rows instead (the
#                                        # demo's generator: JSON, UUID keys, 18 indexes)
#   bash bench/pg/run.sh --plain-only    # only the pg_dump + pg_restore side
#   bash bench/pg/run.sh --keep          # then leave the server up and write the two
#                                        # commands to WORK/commands.sh, to time them with
#                                        # another tool (hyperfine, /usr/bin/time -v)
#
# One private server (initdb + pg_ctl in a temp dir, Unix socket only, run as
# the postgres user when this runs as root), one database built by
# `pgbench -i -s SCALE` (or bench/pg/genpg), and two commands timed in turn, A B A B ..., so the
# ratio of each pair is taken on the same machine state:
#   A  fossamaint backup create --kind weekly + fossamaint backup verify --full
#      (pg_dump -Fc from an exported snapshot with the row counts taken in it,
#      fsync, manifest; then sha256, pg_restore --list, a restore into a
#      scratch database with --single-transaction, the counts compared,
#      pg_amcheck on the copy, the scratch database dropped)
#   B  pg_dump -Fc to a file, then createdb + pg_restore --exit-on-error
#      --single-transaction into a scratch database, dropdb: the plain way,
#      which verifies nothing beyond pg_restore's exit code
# The report (stdout and bench/results/pg-latest.txt) gives each command's
# median, min and max wall seconds and the median of the pair ratios A/B.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/lib.sh"

SCALE=20 RUNS=3 PLAIN_ONLY=0 KEEP=0 DATA=pgbench WORK_ORDERS=100000
while (($#)); do
	case $1 in
	--scale) SCALE=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--data) DATA=$2; shift 2 ;;
	--work-orders) WORK_ORDERS=$2; shift 2 ;;
	--plain-only) PLAIN_ONLY=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[[ $SCALE =~ ^[0-9]+$ && $RUNS =~ ^[0-9]+$ && $WORK_ORDERS =~ ^[0-9]+$ ]] && ((SCALE > 0 && RUNS > 0 && WORK_ORDERS > 0)) ||
	die "--scale, --runs and --work-orders take positive integers"
[[ $DATA == pgbench || $DATA == fossawork ]] || die "--data is pgbench or fossawork"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/initdb ]] || apt_install postgresql || die "no PostgreSQL server: apt-get install -y postgresql"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# The server's user must enter the work dir: 0711, under a searchable TMPDIR.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fossamaint-pgbench-XXXXXX")
chmod 711 "$WORK"
LOG=$WORK/run.log REPORT=$WORK/report.txt
: >"$REPORT"
AS=()
if ((EUID == 0)); then
	id postgres >/dev/null 2>&1 || die "running as root needs a postgres user to run the server as"
	AS=(runuser -u postgres --)
fi
# The server's own directory: its data, socket and log, owned by its user.
PGDIR=$WORK/pg SOCK=$WORK/pg/sock DATA=$WORK/pg/data
mkdir -m 700 "$PGDIR" "$SOCK" "$DATA"
if ((EUID == 0)); then chown -R postgres: "$PGDIR"; fi
cleanup() {
	if ((KEEP)); then
		log "kept: $WORK (commands.sh); stop the server with: ${AS[*]} $PGBIN/pg_ctl stop -D $DATA && rm -rf $WORK"
		return
	fi
	"${AS[@]}" "$PGBIN/pg_ctl" stop -m fast -D "$DATA" >>"$LOG" 2>&1 || true
	cp "$LOG" "${TMPDIR:-/tmp}/fossamaint-pgbench-last-run.log" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

log "initdb + pg_ctl start in $WORK (log: ${TMPDIR:-/tmp}/fossamaint-pgbench-last-run.log)"
"${AS[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C >>"$LOG" 2>&1 || die "initdb failed"
printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" "$SOCK" >>"$DATA/postgresql.conf"
"${AS[@]}" "$PGBIN/pg_ctl" start -w -D "$DATA" -l "$PGDIR/server.log" >>"$LOG" 2>&1 || die "pg_ctl start failed: $(tail -5 "$PGDIR/server.log")"
export PGHOST=$SOCK PGUSER=postgres PGPORT=5432
URL="postgresql://postgres@/bench?host=$SOCK"

T0=$EPOCHREALTIME
"$PGBIN/createdb" bench
if [[ $DATA == pgbench ]]; then
	log "building the database: pgbench -i -s $SCALE"
	"$PGBIN/pgbench" -i -s "$SCALE" -q bench >>"$LOG" 2>&1 || die "pgbench -i failed"
	WHAT="pgbench -i -s $SCALE"
else
	log "building the database: FossaWork V2, $WORK_ORDERS work orders (bench/pg/genpg)"
	(cd "$ROOT" && go build -o "$WORK/genpg" ./bench/pg/genpg) || die "building bench/pg/genpg failed"
	"$WORK/genpg" -url "$URL" -work-orders "$WORK_ORDERS" >>"$LOG" 2>&1 || die "genpg failed (see the log)"
	WHAT="FossaWork V2 schema, $WORK_ORDERS work orders generated (bench/pg/genpg), the oldest 15 % deleted"
fi
"$PGBIN/psql" -q -d bench -c 'VACUUM ANALYZE' >>"$LOG" 2>&1
DBSIZE=$("$PGBIN/psql" -Atq -d bench -c "SELECT pg_database_size('bench')")
log "database: $(numfmt --to=iec "$DBSIZE") in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }')"

# B: the plain way. dropdb first, so a failed run does not leave it.
PLAIN="rm -f $WORK/plain.dump && $PGBIN/pg_dump -Fc -f $WORK/plain.dump -d bench \
 && $PGBIN/dropdb --if-exists scratch && $PGBIN/createdb scratch \
 && $PGBIN/pg_restore --exit-on-error --single-transaction --no-owner -d scratch $WORK/plain.dump \
 && $PGBIN/dropdb scratch"

OURS=""
if ((!PLAIN_ONLY)); then
	if [[ -n ${FOSSAMAINT_BIN:-} ]]; then
		FM=$FOSSAMAINT_BIN
	else
		log "building fossamaint"
		(cd "$ROOT" && go build -o "$WORK/fossamaint" ./cmd/fossamaint) || die "building fossamaint failed"
		FM=$WORK/fossamaint
	fi
	INST=$WORK/inst
	mkdir -p "$INST/backend" "$INST/state"
	cat >"$WORK/fossamaint.yaml" <<-YAML
		root: $INST
		state_dir: state
		database:
		  url: $URL
		services:
		  manager: none
		health:
		  benchmark:
		    enabled: false
	YAML
	"$FM" config validate --config "$WORK/fossamaint.yaml" >>"$LOG" 2>&1 || die "the bench config does not validate (see the log)"
	OURS="rm -rf $INST/backups/weekly && $FM backup create --kind weekly --config $WORK/fossamaint.yaml \
 && $FM backup verify --full --config $WORK/fossamaint.yaml"
fi

# run CMD: wall seconds of bash -c CMD (its output to the log).
run() {
	local start=$EPOCHREALTIME
	bash -c "$1" >>"$LOG" 2>&1 || die "failed: $1 (see the log)"
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s .. %s", lo, hi }'; }

A=() B=() R=()
for ((i = 1; i <= RUNS; i++)); do
	log "pair $i/$RUNS"
	b=$(run "$PLAIN")
	B+=("$b")
	if [[ -n $OURS ]]; then
		a=$(run "$OURS")
		A+=("$a")
		R+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
	fi
done

say "PostgreSQL backup + restore test, $(date -u +%Y-%m-%d), $(nproc) cores, $("$PGBIN/postgres" --version)"
say "database: $WHAT, $(numfmt --to=iec "$DBSIZE") (pg_database_size); dump $(numfmt --to=iec "$(stat -c %s "$WORK/plain.dump" 2>/dev/null || echo 0)")"
say "runs: $RUNS pairs, wall seconds, median (min .. max)"
say "B plain  pg_dump -Fc + createdb + pg_restore --single-transaction + dropdb: $(median "${B[@]}") s ($(spread "${B[@]}"))"
if [[ -n $OURS ]]; then
	say "A ours   fossamaint backup create + backup verify --full:            $(median "${A[@]}") s ($(spread "${A[@]}"))"
	say "ratio A/B (median of the pairs): $(median "${R[@]}") ($(spread "${R[@]}"))"
else
	say "A not run (--plain-only)"
fi
if ((KEEP)); then
	printf 'export PGHOST=%q PGUSER=postgres PGPORT=5432\nA=%q\nB=%q\n' "$SOCK" "$OURS" "$PLAIN" >"$WORK/commands.sh"
fi
mkdir -p "$ROOT/bench/results"
cp "$REPORT" "$ROOT/bench/results/pg-latest.txt"
