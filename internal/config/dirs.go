package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// dirKeys are the keys naming directories fossamaint reads or writes
// trees in. The update checks' venv and frontend dir are left out: a
// check that cannot run there is skipped with the reason, not a config
// error.
var dirKeys = []struct {
	key string
	get func(Config) string
}{
	{"root", func(c Config) string { return c.Root }},
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

// checkDirs reports each directory key whose path exists and is not a
// directory, or cannot be made one because a file is in the way, at the
// key's position in the file (path) when the file sets it. A path that
// does not exist yet is fine: it is created when needed.
func checkDirs(path string, cfg Config, body ast.Node) error {
	var errs []error
	for _, k := range dirKeys {
		v := k.get(cfg)
		if v == "" {
			continue
		}
		problem := dirProblem(cfg.Path(v))
		if problem == "" {
			continue
		}
		e := &Error{File: path, Msg: fmt.Sprintf("%s: %s (point it at a directory, or move the file away)", k.key, problem)}
		if tk := keyToken(body, strings.Split(k.key, ".")); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		} else {
			e.Msg = fmt.Sprintf("%s (default %s): %s (set %s to a directory, or move the file away)", k.key, v, problem, k.key)
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
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
