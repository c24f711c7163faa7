package durable

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Prefix begins the name of every temporary file or directory fossamaint
// creates. The leading dot keeps it out of plain listings and globs.
const Prefix = ".fossamaint-tmp-"

// Name returns a fresh temporary name (not a path) for purpose, owned by
// this process. purpose says what the file is for ("vacuum", "restore",
// "report"); it must not contain a path separator.
func Name(purpose string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return Prefix + strconv.Itoa(os.Getpid()) + "-" + clean(purpose) + "-" + hex.EncodeToString(b[:])
}

// clean keeps a purpose from breaking the name's shape.
func clean(purpose string) string {
	if purpose == "" {
		return "tmp"
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == os.PathSeparator {
			return '_'
		}
		return r
	}, purpose)
}

// Path returns a fresh temporary path in dir for purpose. Nothing is
// created: use it for targets a library insists on creating itself
// (SQLite's VACUUM INTO, the online backup API).
func Path(dir, purpose string) string { return filepath.Join(dir, Name(purpose)) }

// CreateTemp creates a new file in dir, mode 0600, under a temporary name
// no other process can predict (O_EXCL), and opens it for writing.
func CreateTemp(dir, purpose string) (*os.File, error) {
	for range 10 {
		f, err := os.OpenFile(Path(dir, purpose), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("creating a temporary file in %s: %w", dir, err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("creating a temporary file in %s: too many name collisions", dir)
}

// MkdirTemp creates a new private (0700) directory in dir under a
// temporary name and returns its path.
func MkdirTemp(dir, purpose string) (string, error) {
	for range 10 {
		p := Path(dir, purpose)
		err := os.Mkdir(p, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("creating a temporary directory in %s: %w", dir, err)
		}
		return p, nil
	}
	return "", fmt.Errorf("creating a temporary directory in %s: too many name collisions", dir)
}

// Owner parses a temporary name: the pid of the process that made it and
// its purpose. ok is false for any other name.
func Owner(name string) (pid int, purpose string, ok bool) {
	rest, found := strings.CutPrefix(filepath.Base(name), Prefix)
	if !found {
		return 0, "", false
	}
	p, rest, found := strings.Cut(rest, "-")
	if !found {
		return 0, "", false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return 0, "", false
	}
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 {
		return 0, "", false
	}
	return pid, rest[:i], true
}

// IsTemp reports whether name (a path or a base name) is one of ours.
func IsTemp(name string) bool {
	_, _, ok := Owner(name)
	return ok
}
