package security

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ModeCheck names a path and the most permissive mode it may have.
type ModeCheck struct {
	Path string
	Max  os.FileMode
}

// ModeFinding is what AuditModes saw at one path.
type ModeFinding struct {
	Path string `json:"path"`
	// Mode holds the permission, setuid, setgid and sticky bits found.
	Mode  os.FileMode `json:"mode"`
	Max   os.FileMode `json:"max"`
	IsDir bool        `json:"is_dir,omitempty"`
	// UID is the owner, or -1 where the platform has none (Windows).
	UID     int  `json:"uid"`
	Missing bool `json:"missing,omitempty"`
	// TooPermissive: Mode has a bit that Max lacks (Excess).
	TooPermissive bool        `json:"too_permissive,omitempty"`
	Excess        os.FileMode `json:"excess,omitempty"`
	// Err is set when the path could not be examined (not for missing).
	Err     string `json:"error,omitempty"`
	Message string `json:"message"`
}

const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// AuditModes stats each path (following symlinks, since the target is
// what the service reads) and compares its mode with the allowed maximum.
// It never changes anything; the message says the chmod that would fix a
// finding.
func AuditModes(ctx context.Context, checks []ModeCheck) []ModeFinding {
	out := make([]ModeFinding, 0, len(checks))
	for _, c := range checks {
		f := ModeFinding{Path: c.Path, Max: c.Max & modeBits, UID: -1}
		if err := ctx.Err(); err != nil {
			f.Err = err.Error()
			f.Message = fmt.Sprintf("%s was not checked: %v", c.Path, err)
			out = append(out, f)
			continue
		}
		fi, err := os.Stat(c.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.Missing = true
			f.Message = fmt.Sprintf("%s does not exist", c.Path)
		case err != nil:
			f.Err = err.Error()
			f.Message = fmt.Sprintf("cannot check the mode of %s: %v", c.Path, err)
		default:
			f.evaluate(fi)
		}
		out = append(out, f)
	}
	return out
}

func (f *ModeFinding) evaluate(fi fs.FileInfo) {
	f.Mode = fi.Mode() & modeBits
	f.IsDir = fi.IsDir()
	f.UID = ownerUID(fi)
	f.Excess = f.Mode &^ f.Max
	f.TooPermissive = f.Excess != 0
	if !f.TooPermissive {
		f.Message = fmt.Sprintf("%s is mode %04o (allowed at most %04o)", f.Path, unixMode(f.Mode), unixMode(f.Max))
		return
	}
	f.Message = fmt.Sprintf("%s is mode %04o; allowed at most %04o (run: chmod %03o %s)",
		f.Path, unixMode(f.Mode), unixMode(f.Max), unixMode(f.Mode&^f.Excess), shellQuote(f.Path))
}

// unixMode renders Go's mode bits as the octal number chmod takes.
func unixMode(m os.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// shellQuote makes the suggested command safe to paste for any path.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
