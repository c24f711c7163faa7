package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// dirKeys are the keys naming directories fossamaint reads or writes
// trees in. The update checks' venv and frontend dir are left out: a
// check that cannot run there is skipped with the reason, not a config
// error.
var dirKeys = []struct {
	key string
	get func(Config) string
}{
	{"state_dir", func(c Config) string { return c.StateDir }},
	{"reports_dir", func(c Config) string { return c.ReportsDir }},
	{"logs.dir", func(c Config) string { return c.Logs.Dir }},
	{"logs.errors_dir", func(c Config) string { return c.Logs.ErrorsDir }},
	{"logs.archive_dir", func(c Config) string { return c.Logs.ArchiveDir }},
	{"backups.dir", func(c Config) string { return c.Backups.Dir }},
	{"backups.daily_dir", func(c Config) string { return c.Backups.DailyDir }},
	{"backups.weekly_dir", func(c Config) string { return c.Backups.WeeklyDir }},
	{"backups.maintenance_dir", func(c Config) string { return c.Backups.MaintenanceDir }},
	{"backups.pre_recovery_dir", func(c Config) string { return c.Backups.PreRecoveryDir }},
}

// checkPaths checks the paths the config names against the filesystem.
// root must be a directory: when it is not, that is the one problem
// reported (every other path is under it, and a run against it would
// only report their absence). Each directory key must name a directory or
// a path where one can be made (one that does not exist yet is made when
// needed). With required, the paths an installation already has must
// exist too (requiredPaths). Keys that failed to decode are left alone.
func checkPaths(file string, cfg Config, d decoded, required bool) []*Error {
	if isFailed("root", d.failed) {
		return nil
	}
	if problem := rootProblem(cfg.Root); problem != "" {
		e := d.tree.errorAt(file, "root", problem+": point root: at the FossaWork installation directory")
		if e.Line == 0 {
			e.Msg = fmt.Sprintf("root: %s (the default): set root: in %s to the FossaWork installation directory", problem, file)
		}
		return []*Error{e}
	}
	var errs []*Error
	for _, k := range dirKeys {
		v := k.get(cfg)
		if v == "" || isFailed(k.key, d.failed) {
			continue
		}
		problem := dirProblem(cfg.Path(v))
		if problem == "" {
			continue
		}
		if _, set := d.tree.locate(k.key); set {
			errs = append(errs, d.tree.errorAt(file, k.key, problem+" (point it at a directory, or move the file away)"))
		} else {
			errs = append(errs, d.tree.errorAt(file, k.key, fmt.Sprintf("%s (the default %s; set %s to a directory, or move the file away)", problem, v, k.key)))
		}
	}
	if required {
		for _, k := range requiredPaths {
			if isFailed(k.key, d.failed) {
				continue
			}
			if problem := k.check(cfg); problem != "" {
				errs = append(errs, d.tree.errorAt(file, k.key, problem))
			}
		}
	}
	return errs
}

// requiredPaths are what `config validate` (Check) requires besides root:
// what the application itself makes, so that its absence means the
// config points at the wrong place. The rest is either made by
// fossamaint when first needed (state_dir, reports_dir, the backup tree,
// logs.archive_dir) or an input whose absence a run reports (logs.dir
// and its files, the database file itself, the .env file, backups.data_dir,
// the update checks' venv and frontend dir, certificates, host logs).
var requiredPaths = []struct {
	key   string
	check func(Config) string
}{
	{"database.path", func(c Config) string {
		p := c.Path(c.Database.Path)
		if p == "" || strings.Contains(p, "://") {
			return ""
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p + " is a directory, not the database file"
		}
		dir := filepath.Dir(p)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Sprintf("the database's directory %s does not exist: point database.path at the application's database file", dir)
		}
		return ""
	}},
}

// rootProblem says why root cannot be the installation directory, or "".
func rootProblem(root string) string {
	st, err := os.Stat(root)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return root + " not found"
	case err != nil:
		return fmt.Sprintf("%s cannot be read (%v)", root, err)
	case !st.IsDir():
		return root + " is a file, not a directory"
	}
	return ""
}

// dirProblem says why p cannot be used as a directory, or "".
func dirProblem(p string) string {
	st, err := os.Stat(p)
	if err == nil {
		if st.IsDir() {
			return ""
		}
		return p + " is a file, not a directory"
	}
	for dir := filepath.Dir(p); ; dir = filepath.Dir(dir) {
		if st, err := os.Stat(dir); err == nil {
			if st.IsDir() {
				return "" // missing, or unreadable to us: the command that needs it says so
			}
			return fmt.Sprintf("%s cannot be created: %s is a file", p, dir)
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}
