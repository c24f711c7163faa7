package security

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/fossawork/fossamaint/internal/finding"
)

// PermRule is a path, the most permissive mode it may have and optionally
// the user that must own it. A Recursive directory holds every file below
// it to FilesMax (Max when zero) and every subdirectory to Max, as the
// backups tree needs: 0700 directories of 0600 files.
type PermRule struct {
	Path      string
	Max       os.FileMode
	Owner     string // user name or numeric uid; empty: any owner
	Recursive bool
	FilesMax  os.FileMode
}

// Kinds of path a PermFinding describes.
const (
	PermKindFile    = "file"
	PermKindDir     = "dir"
	PermKindSymlink = "symlink"
	PermKindOther   = "other" // FIFO, socket or device: reported, never fixed
)

// PermFinding is what CheckPerms saw at one path. Modes hold the
// permission, setuid, setgid and sticky bits; JSON writes them in octal.
type PermFinding struct {
	Path string `json:"path"`
	// Rule is the configured path this one was checked under.
	Rule string      `json:"rule"`
	Kind string      `json:"kind,omitempty"`
	Mode os.FileMode `json:"-"`
	Max  os.FileMode `json:"-"`
	// Excess is Mode's bits that Max lacks: what a fix removes.
	Excess os.FileMode `json:"-"`
	// UID is the owner, -1 where unknown (Windows, missing); JSON leaves
	// an unknown uid out.
	UID int `json:"-"`
	// Owner is the configured owner and WantUID its uid (-1: any); JSON
	// leaves want_uid out when no owner is configured.
	Owner      string `json:"owner,omitempty"`
	WantUID    int    `json:"-"`
	WrongOwner bool   `json:"wrong_owner,omitempty"`
	// Problems name the excess bits ("world-readable", "group-writable")
	// and other faults ("symlink", "owner").
	Problems []string `json:"problems"`
	Missing  bool     `json:"missing,omitempty"`
	// LinkTarget is set for a symlink: modes are never changed through it.
	LinkTarget string `json:"link_target,omitempty"`
	// FilesChecked counts the files below a Recursive rule's directory.
	FilesChecked int              `json:"files_checked,omitempty"`
	Err          string           `json:"error,omitempty"`
	OK           bool             `json:"ok"`
	Severity     finding.Severity `json:"severity"`
	Message      string           `json:"message"`
	// Recommendation is empty when there is nothing to do.
	Recommendation string `json:"recommendation,omitempty"`
}

// MarshalJSON writes the modes as chmod's octal ("0640").
func (f PermFinding) MarshalJSON() ([]byte, error) {
	type plain PermFinding
	return json.Marshal(struct {
		plain
		UID     *int   `json:"uid,omitempty"`
		WantUID *int   `json:"want_uid,omitempty"`
		Mode    string `json:"mode,omitempty"`
		Max     string `json:"max"`
		Excess  string `json:"excess,omitempty"`
	}{plain(f), knownID(f.UID), knownID(f.WantUID), octalOrEmpty(f.Mode, f.Kind != ""), fmt.Sprintf("%04o", unixMode(f.Max)), octalOrEmpty(f.Excess, f.Excess != 0)})
}

// knownID is a uid for JSON: nil (left out) when it is -1, unknown or
// not configured.
func knownID(id int) *int {
	if id < 0 {
		return nil
	}
	return &id
}

func octalOrEmpty(m os.FileMode, show bool) string {
	if !show {
		return ""
	}
	return fmt.Sprintf("%04o", unixMode(m))
}

// CheckPerms examines each rule's path without following a symlink (a link
// is reported with its target's mode) and, for Recursive directories,
// everything below. Each rule's own path gets a finding, OK or not; paths
// below it only when something is wrong. It never changes anything.
func CheckPerms(ctx context.Context, rules []PermRule) []PermFinding {
	var out []PermFinding
	for _, r := range rules {
		out = append(out, checkRule(ctx, r)...)
	}
	return out
}

func checkRule(ctx context.Context, r PermRule) []PermFinding {
	r.Max &= modeBits
	if r.FilesMax == 0 {
		r.FilesMax = r.Max
	}
	r.FilesMax &= modeBits
	root := PermFinding{Path: r.Path, Rule: r.Path, Max: r.Max, UID: -1, Owner: r.Owner, WantUID: -1, Problems: []string{}}
	uid, err := lookupOwner(r.Owner)
	root.WantUID = uid
	switch {
	case ctx.Err() != nil:
		root.fail(ctx.Err(), "was not checked")
		return []PermFinding{root}
	case err != nil:
		root.fail(err, "cannot check the owner")
		return []PermFinding{root}
	}
	fi, err := os.Lstat(r.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		root.Missing, root.OK, root.Severity = true, true, finding.Info
		root.Message = fmt.Sprintf("%s does not exist", r.Path)
		return []PermFinding{root}
	case err != nil:
		root.fail(err, "cannot check the mode")
		return []PermFinding{root}
	case fi.Mode()&fs.ModeSymlink != 0:
		root.symlink()
		return []PermFinding{root}
	}
	root.evaluate(fi)
	if !r.Recursive || !fi.IsDir() {
		return []PermFinding{root}
	}
	below := walkBelow(ctx, r, uid, &root.FilesChecked)
	return append([]PermFinding{root}, below...)
}

// walkBelow checks everything under a Recursive rule's directory. WalkDir
// does not follow symlinks, so a link inside cannot lead the check (or a
// later fix) out of the tree.
func walkBelow(ctx context.Context, r PermRule, wantUID int, files *int) []PermFinding {
	var out []PermFinding
	err := filepath.WalkDir(r.Path, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := PermFinding{Path: path, Rule: r.Path, Max: r.FilesMax, UID: -1, Owner: r.Owner, WantUID: wantUID, Problems: []string{}}
		if err != nil {
			f.fail(err, "cannot check")
			out = append(out, f)
			return nil
		}
		if path == r.Path {
			return nil
		}
		if d.IsDir() {
			f.Max = r.Max
		}
		fi, err := d.Info()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil // removed since the directory was read
		case err != nil:
			f.fail(err, "cannot check the mode")
		case fi.Mode()&fs.ModeSymlink != 0:
			f.symlink()
		default:
			if fi.Mode().IsRegular() {
				*files++
			}
			f.evaluate(fi)
		}
		if !f.OK {
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		f := PermFinding{Path: r.Path, Rule: r.Path, Max: r.Max, UID: -1, WantUID: -1, Problems: []string{}}
		f.fail(err, "was not checked to the end")
		out = append(out, f)
	}
	return out
}

func (f *PermFinding) fail(err error, what string) {
	f.Err, f.Severity = err.Error(), finding.Warning
	f.Message = fmt.Sprintf("%s %s: %v", f.Path, what, err)
	f.Recommendation = "Run the check as a user that can read the path."
}

// evaluate judges a path that is not a symlink.
func (f *PermFinding) evaluate(fi fs.FileInfo) {
	f.Kind = kindOf(fi)
	f.Mode = fi.Mode() & modeBits
	f.UID = ownerUID(fi)
	f.Excess = f.Mode &^ f.Max
	f.Problems = append(f.Problems, permProblems(f.Excess)...)
	if f.WantUID >= 0 && f.UID >= 0 && f.UID != f.WantUID {
		f.WrongOwner = true
		f.Problems = append(f.Problems, "owner")
	}
	f.OK = f.Excess == 0 && !f.WrongOwner && f.Kind != PermKindOther
	f.Severity = finding.Info
	var msg strings.Builder
	fmt.Fprintf(&msg, "%s is mode %04o", f.Path, unixMode(f.Mode))
	if f.Excess != 0 {
		fmt.Fprintf(&msg, ", allowed at most %04o: %s", unixMode(f.Max), strings.Join(permProblems(f.Excess), ", "))
		f.Severity = finding.Warning
		if f.Mode&0o002 != 0 {
			f.Severity = finding.Critical // anyone on the host can replace it
		}
	} else {
		fmt.Fprintf(&msg, " (allowed at most %04o)", unixMode(f.Max))
	}
	if f.WrongOwner {
		fmt.Fprintf(&msg, "; owned by uid %d, not %s", f.UID, f.Owner)
		f.Severity = finding.Worst(f.Severity, finding.Warning)
	}
	if f.Kind == PermKindOther {
		msg.WriteString("; not a regular file or directory")
		f.Severity = finding.Worst(f.Severity, finding.Warning)
	}
	f.Message = msg.String()
	f.Recommendation = f.recommend()
}

func (f *PermFinding) recommend() string {
	var steps []string
	if f.Excess != 0 {
		steps = append(steps, fmt.Sprintf("chmod %04o %s", unixMode(f.Mode&^f.Excess), shellQuote(f.Path)))
	}
	if f.WrongOwner {
		steps = append(steps, fmt.Sprintf("chown %s %s", shellQuote(f.Owner), shellQuote(f.Path)))
	}
	if f.Kind == PermKindOther {
		steps = append(steps, "check why it is there and remove it if it does not belong")
	}
	if len(steps) == 0 {
		return ""
	}
	return "Run: " + strings.Join(steps, "; ") + " (or fossamaint security perms --fix)."
}

// symlink reports a link with its target's mode: the service reads the
// target, but fixes never go through a link.
func (f *PermFinding) symlink() {
	f.Kind = PermKindSymlink
	f.LinkTarget, _ = os.Readlink(f.Path)
	f.Problems = append(f.Problems, "symlink")
	fi, err := os.Stat(f.Path)
	if err != nil {
		f.Severity = finding.Warning
		f.Message = fmt.Sprintf("%s is a symlink to %s, which cannot be examined: %v", f.Path, f.LinkTarget, err)
		f.Recommendation = "Point the link at the real file or remove it."
		return
	}
	f.Mode = fi.Mode() & modeBits
	f.UID = ownerUID(fi)
	f.Excess = f.Mode &^ f.Max
	f.Problems = append(f.Problems, permProblems(f.Excess)...)
	f.Severity, f.OK = finding.Info, f.Excess == 0
	f.Message = fmt.Sprintf("%s is a symlink to %s, mode %04o (allowed at most %04o)", f.Path, f.LinkTarget, unixMode(f.Mode), unixMode(f.Max))
	if f.Excess != 0 {
		f.Severity = finding.Warning
		f.Message += ": " + strings.Join(permProblems(f.Excess), ", ")
		target := f.LinkTarget
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(f.Path), target)
		}
		f.Recommendation = fmt.Sprintf("Check the link, then fix its target: chmod %04o %s.", unixMode(f.Mode&^f.Excess), shellQuote(target))
	}
	f.Message += "; modes are not changed through links"
}

func kindOf(fi fs.FileInfo) string {
	switch {
	case fi.Mode().IsRegular():
		return PermKindFile
	case fi.IsDir():
		return PermKindDir
	}
	return PermKindOther
}

// permBits name each bit, most serious first.
var permBits = []struct {
	bit  os.FileMode
	name string
}{
	{0o002, "world-writable"}, {0o004, "world-readable"}, {0o001, "world-executable"},
	{0o020, "group-writable"}, {0o040, "group-readable"}, {0o010, "group-executable"},
	{0o200, "owner-writable"}, {0o400, "owner-readable"}, {0o100, "owner-executable"},
	{fs.ModeSetuid, "setuid"}, {fs.ModeSetgid, "setgid"}, {fs.ModeSticky, "sticky"},
}

func permProblems(excess os.FileMode) []string {
	var out []string
	for _, b := range permBits {
		if excess&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	return out
}

// lookupOwner resolves a user name or numeric uid; "" is -1 (any owner).
func lookupOwner(owner string) (int, error) {
	if owner == "" {
		return -1, nil
	}
	if uid, err := strconv.Atoi(owner); err == nil && uid >= 0 {
		return uid, nil
	}
	u, err := user.Lookup(owner)
	if err != nil {
		return -1, fmt.Errorf("owner %q: %w", owner, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return -1, fmt.Errorf("owner %q has no numeric uid (%s)", owner, u.Uid)
	}
	return uid, nil
}

// FixPerms removes the excess mode bits of each fixable finding (mode &
// max: never adding a bit) and, when running as root, gives it its
// configured owner. Symlinks, missing paths, errors and special files are
// skipped with a line saying so. With dryRun nothing changes and the lines
// say what would. It goes on past a failure and returns all of them.
func FixPerms(ctx context.Context, findings []PermFinding, dryRun bool) ([]string, error) {
	var actions []string
	var errs []error
	root := os.Geteuid() == 0
	for _, f := range findings {
		if err := ctx.Err(); err != nil {
			return actions, errors.Join(append(errs, err)...)
		}
		if f.Excess == 0 && !f.WrongOwner {
			continue
		}
		switch {
		case f.Kind == PermKindSymlink:
			actions = append(actions, fmt.Sprintf("skip %s: a symlink (to %s); fix the target itself", f.Path, f.LinkTarget))
			continue
		case f.Kind != PermKindFile && f.Kind != PermKindDir:
			actions = append(actions, fmt.Sprintf("skip %s: not a regular file or directory", f.Path))
			continue
		case f.WrongOwner && !root:
			actions = append(actions, fmt.Sprintf("skip chown %s %s: changing owners needs root", f.Owner, f.Path))
			f.WrongOwner = false
		}
		done, err := fixOne(f, dryRun)
		actions = append(actions, done...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return actions, errors.Join(errs...)
}

// fixOne changes one path through a descriptor opened on it, after
// checking it is still the file that was examined: a path swapped for a
// symlink in between is refused, not followed.
func fixOne(f PermFinding, dryRun bool) ([]string, error) {
	before, err := os.Lstat(f.Path)
	if err != nil {
		return nil, fmt.Errorf("fixing %s: %w", f.Path, err)
	}
	if before.Mode()&fs.ModeSymlink != 0 || kindOf(before) != f.Kind {
		return nil, fmt.Errorf("fixing %s: it is no longer the %s that was checked; not changed", f.Path, f.Kind)
	}
	cur := before.Mode() & modeBits
	want := cur & (f.Max & modeBits)
	var actions []string
	chown := f.WrongOwner && f.WantUID >= 0 && ownerUID(before) != f.WantUID
	if chown {
		actions = append(actions, fmt.Sprintf("chown %s %s (was uid %d)", f.Owner, f.Path, ownerUID(before)))
	}
	if want != cur {
		actions = append(actions, fmt.Sprintf("chmod %04o %s (was %04o: removed %s)", unixMode(want), f.Path, unixMode(cur), strings.Join(permProblems(cur&^want), ", ")))
	}
	if dryRun || len(actions) == 0 {
		for i := range actions {
			actions[i] = "would " + actions[i]
		}
		return actions, nil
	}
	// O_NONBLOCK: should the path have become a FIFO, opening must not hang.
	h, err := os.OpenFile(f.Path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrPermission) && !chown {
		if err := chmodByName(f.Path, before, want); err != nil {
			return nil, err
		}
		return actions, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fixing %s: %w", f.Path, err)
	}
	defer h.Close()
	now, err := h.Stat()
	if err != nil || !os.SameFile(before, now) {
		return nil, fmt.Errorf("fixing %s: it changed while being fixed; not changed", f.Path)
	}
	if chown {
		if err := h.Chown(f.WantUID, -1); err != nil {
			return nil, fmt.Errorf("changing the owner of %s: %w", f.Path, err)
		}
	}
	// Chmod also after a chown alone: chown clears setuid and setgid, and
	// the mode left must be the one reported.
	if err := h.Chmod(want); err != nil {
		if want != cur {
			actions = actions[:len(actions)-1]
		}
		return actions, fmt.Errorf("changing the mode of %s: %w", f.Path, err)
	}
	return actions, nil
}

// chmodByName fixes a file its owner cannot open (mode 0200, say). The
// path is checked again just before: the window for swapping in a symlink
// is that of one syscall, in a directory the owner controls.
func chmodByName(path string, before fs.FileInfo, want os.FileMode) error {
	again, err := os.Lstat(path)
	if err != nil || again.Mode()&fs.ModeSymlink != 0 || !os.SameFile(before, again) {
		return fmt.Errorf("fixing %s: it changed while being fixed; not changed", path)
	}
	if err := os.Chmod(path, want); err != nil {
		return fmt.Errorf("changing the mode of %s: %w", path, err)
	}
	return nil
}
