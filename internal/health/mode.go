package health

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ModeResult is the outcome of CheckMode. Modes are Unix permission bits
// including setuid/setgid/sticky (0o7777), printable with %04o.
type ModeResult struct {
	Path   string
	Exists bool
	Actual os.FileMode
	Max    os.FileMode
	// Excess holds the bits set on the file that Max lacks.
	Excess        os.FileMode
	TooPermissive bool
}

// CheckMode compares path's mode with the most permissive mode allowed:
// any bit set that allowed lacks makes it too permissive. A missing file is a
// result with Exists false, not an error; other stat failures are errors.
// Symlinks are followed, since a link's own mode is meaningless on Linux.
func CheckMode(path string, allowed os.FileMode) (ModeResult, error) {
	res := ModeResult{Path: path, Max: allowed & 0o7777}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("checking mode of %s: %w", path, err)
	}
	res.Exists = true
	res.Actual = unixBits(fi.Mode())
	res.Excess = res.Actual &^ res.Max
	res.TooPermissive = res.Excess != 0
	return res, nil
}

// unixBits converts Go's mode flags back to the octal bits the config is
// written in, so a setuid bit compares against 04000.
func unixBits(m os.FileMode) os.FileMode {
	out := m.Perm()
	if m&os.ModeSetuid != 0 {
		out |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		out |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		out |= 0o1000
	}
	return out
}
