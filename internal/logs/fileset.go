package logs

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/bmatcuk/doublestar/v4"
)

// DefaultInclude and DefaultExclude are the globs Discover uses when none
// are configured: upstream's daily files and any other `.log`, plain and
// compressed, but not the metrics samples (internal/perf reads those) or
// our own reports.
var (
	DefaultInclude = []string{"**/*.jsonl", "**/*.jsonl.gz", "**/*.log", "**/*.log.gz"}
	DefaultExclude = []string{"**/performance/**", "**/reports/**"}
)

// FileSet selects log files by globs relative to the logs directory, with
// `/` as the separator on every system and `**` for any number of
// directories (doublestar's syntax: `*`, `?`, `[a-z]`, `{a,b}`). A file is
// in the set when an include glob matches it and no exclude glob does; a
// directory an exclude glob matches is not walked at all.
type FileSet struct {
	include, exclude []string
}

// NewFileSet checks the globs. include must name at least one.
func NewFileSet(include, exclude []string) (*FileSet, error) {
	if len(include) == 0 {
		return nil, errors.New("no log file globs to include")
	}
	for _, g := range slices.Concat(include, exclude) {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("log file glob %q is malformed (an unclosed [ or {?)", g)
		}
	}
	return &FileSet{include: slices.Clone(include), exclude: slices.Clone(exclude)}, nil
}

// DefaultFileSet is the set of DefaultInclude without DefaultExclude.
func DefaultFileSet() *FileSet {
	return &FileSet{include: DefaultInclude, exclude: DefaultExclude}
}

// Includes reports whether the file at rel (relative to the logs
// directory, in the system's separators) is in the set.
func (s *FileSet) Includes(rel string) bool {
	rel = filepath.ToSlash(rel)
	return matchAny(s.include, rel) && !matchAny(s.exclude, rel)
}

// excludesDir reports whether the directory at rel is excluded whole.
func (s *FileSet) excludesDir(rel string) bool {
	return matchAny(s.exclude, filepath.ToSlash(rel))
}

func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		// The globs were validated, so matching cannot fail.
		if doublestar.MatchUnvalidated(g, rel) {
			return true
		}
	}
	return false
}
