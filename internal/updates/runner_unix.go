//go:build unix

package updates

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/fossawork/fossamaint/internal/durable"
)

// OwnerOf is the user who owns path (following symbolic links), with the
// primary group, supplementary groups and home the user database gives
// that uid, as su and runuser use them. A uid that is not in the user
// database keeps the file's group, no supplementary groups and no home.
func OwnerOf(path string) (Owner, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Owner{}, fmt.Errorf("finding the owner of %s: %w", path, err)
	}
	uid, gid, ok := durable.FileOwner(st)
	if !ok {
		return Owner{}, fmt.Errorf("finding the owner of %s: no owner in its file information", path)
	}
	o := Owner{UID: uint32(uid), GID: uint32(gid)}
	u, err := user.LookupId(strconv.FormatUint(uint64(o.UID), 10))
	var unknownUID user.UnknownUserIdError
	switch {
	case errors.As(err, &unknownUID):
		return o, nil
	case err != nil:
		return o, fmt.Errorf("looking up %s, the owner of %s: %w", o, path, err)
	}
	o.Name, o.Home = u.Username, u.HomeDir
	if gid, err := strconv.ParseUint(u.Gid, 10, 32); err == nil {
		o.GID = uint32(gid)
	}
	ids, err := u.GroupIds()
	if err != nil {
		return o, fmt.Errorf("listing the groups of %s, the owner of %s: %w", o, path, err)
	}
	for _, id := range ids {
		if gid, err := strconv.ParseUint(id, 10, 32); err == nil {
			o.Groups = append(o.Groups, uint32(gid))
		}
	}
	return o, nil
}

// asOwner makes cmd run as o: its credentials, HOME and caches (in
// front of env, which wins), and its directory, the home when it has
// none.
func (o *Owner) asOwner(cmd *exec.Cmd, env []string) error {
	home, err := o.homeDir()
	if err != nil {
		return err
	}
	inherited := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "XDG_") })
	cmd.Env = append(append(inherited, o.env(home)...), env...)
	if cmd.Dir == "" {
		cmd.Dir = home
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: o.UID, Gid: o.GID, Groups: slices.Clone(o.Groups)}}
	return nil
}

// fileUID is the owner of the file st describes (none matches no uid).
func fileUID(st fs.FileInfo) int64 {
	if uid, _, ok := durable.FileOwner(st); ok {
		return int64(uid)
	}
	return -1
}

// keepOwner gives path the owner and group of was (the file it
// replaced, or its directory) when fossamaint is root: a file fossamaint
// writes into the application's tree stays the application's.
func keepOwner(path string, was fs.FileInfo) error {
	uid, gid, ok := durable.FileOwner(was)
	if !ok || os.Geteuid() != 0 {
		return nil
	}
	return os.Lchown(path, uid, gid)
}

// canReach says whether o may reach path, by the mode bits (ACLs are not
// read): search (x) on every directory above it, and want (4 read, 2
// write, 1 search or execute, or'ed) on path itself.
func (o Owner) canReach(path string, want fs.FileMode) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		if err := o.allowed(dir, 0o1); err != nil {
			return err
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	return o.allowed(real, want)
}

// allowed checks one file's mode bits for o.
func (o Owner) allowed(path string, want fs.FileMode) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	uid, gid, ok := durable.FileOwner(st)
	if !ok {
		return nil
	}
	perm := st.Mode().Perm()
	switch {
	case uint32(uid) == o.UID:
		perm >>= 6
	case uint32(gid) == o.GID || slices.Contains(o.Groups, uint32(gid)):
		perm >>= 3
	}
	if perm&want != want {
		return fmt.Errorf("%s may not reach %s (mode %s, owner uid %d, group %d)", o, path, st.Mode(), uid, gid)
	}
	return nil
}
