package schedule

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/durable"
)

// Change is what Install or Remove did (or, in a dry run, would do) to
// one file.
type Change struct {
	Path string `json:"path"`
	// Action is "write", "unchanged" or "remove".
	Action string `json:"action"`
}

// ErrNotOurs is returned when a unit file of ours would replace a file
// fossamaint did not write.
var ErrNotOurs = errors.New("not written by fossamaint")

// Install writes units into dir atomically (temp, fsync, rename, mode
// 0644), leaves alone those already identical, and removes the files of
// ours that the set no longer holds (the notice pair once window.notice is
// 0). It refuses, before writing anything, to replace a file that lacks
// our header. With dryRun it only reports.
func Install(dir string, units []Unit, dryRun bool) ([]Change, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("unit directory %s does not exist: give another with --unit-dir", dir)
	}
	var changes []Change
	for _, u := range units {
		p := filepath.Join(dir, u.Name)
		old, err := os.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{Path: p, Action: "write"})
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", p, err)
		case !strings.HasPrefix(string(old), Header):
			return nil, fmt.Errorf("%s exists and is %w (its first line is not %q): move it away, or choose another --unit-dir", p, ErrNotOurs, Header)
		case string(old) == u.Content:
			changes = append(changes, Change{Path: p, Action: "unchanged"})
		default:
			changes = append(changes, Change{Path: p, Action: "write"})
		}
	}
	stale, err := ours(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range stale {
		if !slices.ContainsFunc(units, func(u Unit) bool { return filepath.Join(dir, u.Name) == p }) {
			changes = append(changes, Change{Path: p, Action: "remove"})
		}
	}
	if dryRun {
		return changes, nil
	}
	return changes, apply(changes, units)
}

func apply(changes []Change, units []Unit) error {
	content := map[string]string{}
	for _, u := range units {
		content[u.Name] = u.Content
	}
	for _, c := range changes {
		var err error
		switch c.Action {
		case "write":
			err = durable.WriteFile(c.Path, []byte(content[filepath.Base(c.Path)]), 0o644, "unit")
		case "remove":
			err = os.Remove(c.Path)
			if err == nil {
				err = unlinkEnablement(c.Path)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Path, err)
		}
	}
	return nil
}

// Remove deletes the unit files of ours in dir, whatever their names:
// only those whose first line is Header. With dryRun it only reports.
func Remove(dir string, dryRun bool) ([]Change, error) {
	paths, err := ours(dir)
	if err != nil {
		return nil, err
	}
	var changes []Change
	for _, p := range paths {
		changes = append(changes, Change{Path: p, Action: "remove"})
	}
	if dryRun {
		return changes, nil
	}
	return changes, apply(changes, nil)
}

// ours lists the fossamaint-*.timer and .service files in dir that start
// with Header.
func ours(dir string) ([]string, error) {
	var out []string
	for _, pattern := range []string{"fossamaint-*.timer", "fossamaint-*.service"} {
		paths, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			ok, err := startsWithHeader(p)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func startsWithHeader(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", p, err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	return strings.HasPrefix(line, Header), nil
}

// unlinkEnablement removes the links `systemctl enable` made to the unit
// file path in its directory's *.wants/ and *.requires/ directories, which
// would dangle once the file is gone (and systemctl cannot disable a unit
// whose file is gone). Links to anything else are left alone.
func unlinkEnablement(path string) error {
	dir, name := filepath.Split(path)
	for _, pattern := range []string{"*.wants", "*.requires"} {
		links, err := filepath.Glob(filepath.Join(dir, pattern, name))
		if err != nil {
			return err
		}
		for _, l := range links {
			target, err := os.Readlink(l)
			if err != nil {
				continue // not a link: not ours to remove
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(l), target)
			}
			if filepath.Clean(target) == filepath.Clean(path) {
				if err := os.Remove(l); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
