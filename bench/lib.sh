# Helpers shared by bench/db.sh and bench/logs.sh (sourced, not run).
# They write to $LOG and $REPORT, which each script sets before use.

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# say LINE: a line of the report, on stdout and in $REPORT.
say() { printf '%s\n' "$*" | tee -a "$REPORT"; }

# apt_install PKG: the Debian package, as root or through passwordless sudo.
apt_install() {
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null && sudo -n true 2>/dev/null || return 1
		sudo=(sudo -n)
	fi
	command -v apt-get >/dev/null || return 1
	log "installing $1 with apt-get"
	"${sudo[@]}" apt-get install -y -q "$1" >>"$LOG" 2>&1 ||
		{ "${sudo[@]}" apt-get update -q >>"$LOG" 2>&1 && "${sudo[@]}" apt-get install -y -q "$1" >>"$LOG" 2>&1; }
}

# bench_dir sets BENCH_DIR (default ${TMPDIR:-/tmp}/fossamaint-bench-UID):
# a directory of the user's own, not a symlink, absolute, and with no
# character that would need quoting in the command strings hyperfine runs
# or in sqlite3 dot-commands.
bench_dir() {
	BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/fossamaint-bench-$(id -u)}
	if [[ ! -e $BENCH_DIR ]]; then
		mkdir -m 700 -p "$BENCH_DIR"
	fi
	[[ -d $BENCH_DIR && ! -L $BENCH_DIR && -O $BENCH_DIR ]] ||
		die "$BENCH_DIR must be a directory owned by you (not a symlink)"
	BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
	[[ $BENCH_DIR =~ ^[A-Za-z0-9_./+-]+$ ]] || die "BENCH_DIR $BENCH_DIR: use a path without spaces or quotes"
}
