package pgdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Tools are the PostgreSQL client programs of one version.
type Tools struct {
	// Dir holds them.
	Dir string
	// Major and Version are what pg_dump --version printed (15, "15.18").
	Major   int
	Version string
}

// Path is the program name in Dir.
func (t Tools) Path(name string) string { return filepath.Join(t.Dir, name) }

// ErrNoTools is wrapped when no usable PostgreSQL programs are installed.
var ErrNoTools = errors.New("PostgreSQL programs not found")

// libDirs is where Debian and Ubuntu install each major version.
var libDirs = "/usr/lib/postgresql/*/bin"

// versionRE reads "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// majorDirRE reads the major version of a /usr/lib/postgresql/15/bin.
var majorDirRE = regexp.MustCompile(`/(\d+)/bin$`)

// FindTools returns the client programs to use against a server of major
// version serverMajor (0: any): those in binDir when it is set, else the
// newest of PATH's and /usr/lib/postgresql/*/bin. Programs older than the
// server are refused, as pg_dump itself would refuse them.
func FindTools(ctx context.Context, binDir string, serverMajor int) (Tools, error) {
	var dirs []string
	if binDir != "" {
		dirs = []string{binDir}
	} else {
		dirs = candidateDirs("pg_dump")
	}
	var found []Tools
	var tried []string
	for _, d := range dirs {
		t, err := toolsIn(ctx, d)
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		found = append(found, t)
	}
	if len(found) == 0 {
		where := "PATH and " + libDirs
		if binDir != "" {
			where = binDir + " (database.postgres.bin_dir)"
		}
		msg := fmt.Sprintf("no pg_dump, pg_restore and pg_amcheck in %s", where)
		if len(tried) > 0 {
			msg += " (" + strings.Join(tried, "; ") + ")"
		}
		return Tools{}, fmt.Errorf("%w: %s: install the PostgreSQL client (Debian: postgresql-client) or set database.postgres.bin_dir", ErrNoTools, msg)
	}
	slices.SortStableFunc(found, func(a, b Tools) int { return b.Major - a.Major })
	best := found[0]
	if serverMajor > 0 && best.Major < serverMajor {
		return Tools{}, fmt.Errorf("%w: pg_dump %s in %s is older than the server (%d): a dump it made might not restore; install postgresql-client-%d or set database.postgres.bin_dir",
			ErrNoTools, best.Version, best.Dir, serverMajor, serverMajor)
	}
	return best, nil
}

// candidateDirs are the directories that may hold prog: PATH's (with
// symbolic links resolved, so /usr/local/bin/pg_ctl -> .../15/bin counts
// as 15's) and each /usr/lib/postgresql/*/bin, without repeats.
func candidateDirs(prog string) []string {
	var dirs []string
	add := func(d string) {
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if p, err := exec.LookPath(prog); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		add(filepath.Dir(p))
	}
	lib, _ := filepath.Glob(libDirs)
	slices.Sort(lib)
	for _, d := range lib {
		add(d)
	}
	return dirs
}

// toolsIn reads the version of the programs in dir; all three must be
// there.
func toolsIn(ctx context.Context, dir string) (Tools, error) {
	for _, p := range []string{"pg_dump", "pg_restore", "pg_amcheck"} {
		if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.IsDir() {
			return Tools{}, fmt.Errorf("%s: no %s", dir, p)
		}
	}
	out, err := exec.CommandContext(ctx, filepath.Join(dir, "pg_dump"), "--version").Output()
	if err != nil {
		return Tools{}, fmt.Errorf("%s/pg_dump --version: %w", dir, err)
	}
	major, version, ok := parseVersion(string(out))
	if !ok {
		return Tools{}, fmt.Errorf("%s/pg_dump --version printed %q", dir, strings.TrimSpace(string(out)))
	}
	return Tools{Dir: dir, Major: major, Version: version}, nil
}

// parseVersion reads a program's --version line.
func parseVersion(s string) (major int, version string, ok bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return 0, "", false
	}
	major, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	version = m[1]
	if m[2] != "" {
		version += "." + m[2]
	}
	return major, version, true
}

// ServerBin is the directory of the server programs (initdb, pg_ctl,
// postgres) of the newest version installed, for StartCluster.
func ServerBin() (string, error) {
	var best string
	bestMajor := -1
	for _, d := range candidateDirs("pg_ctl") {
		ok := true
		for _, p := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(d, p)); err != nil {
				ok = false
			}
		}
		if !ok {
			continue
		}
		major := -1
		if m := majorDirRE.FindStringSubmatch(d); m != nil {
			major, _ = strconv.Atoi(m[1])
		}
		if major > bestMajor || best == "" {
			best, bestMajor = d, major
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: no initdb, pg_ctl and postgres on PATH or in %s: install PostgreSQL (Debian: apt-get install postgresql)", ErrNoTools, libDirs)
	}
	return best, nil
}
