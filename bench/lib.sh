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
