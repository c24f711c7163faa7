package updates

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/fossawork/fossamaint/internal/durable"
)

// Running pip and npm as the owner of the tree they change.
//
// fossamaint runs as root under systemd. pip in the application's
// virtualenv and npm in its frontend, run as root, would leave root-owned
// files in the venv, node_modules and the tool's cache (the application
// user's next install then fails on them), and would run what a package's
// install step runs (an npm lifecycle script, an sdist's build) as root,
// unattended, at night. So when fossamaint's effective uid is 0 and the
// tree is owned by another user, an ExecRunner made by AsOwnerOf runs the
// commands as that user, as `runuser -u` would: the user's uid, primary
// gid and supplementary groups (os/user), HOME and the tools' caches
// (PIP_CACHE_DIR, npm_config_cache) in the user's home. When fossamaint is
// not root, or the tree is root's, nothing changes.
//
// A user without a usable home (none in the user database, or one that is
// not a directory it owns, like nobody's /nonexistent) gets a private one:
// os.TempDir()/fossamaint-home-UID, mode 0700, owned by the user. It is
// the same directory for every command of the run, so that npm's cache
// still holds the old tarballs when an undo needs them.

// Owner is the user a command runs as.
type Owner struct {
	UID, GID uint32
	// Groups are the supplementary groups of the user; none for a uid
	// that is not in the user database.
	Groups []uint32
	// Name is the user's name, "" for a uid not in the user database.
	Name string
	// Home is the user's home directory as the user database says, ""
	// when unknown. It may not exist (nobody's /nonexistent).
	Home string
}

func (o Owner) String() string {
	if o.Name == "" {
		return "uid " + strconv.FormatUint(uint64(o.UID), 10)
	}
	return "uid " + strconv.FormatUint(uint64(o.UID), 10) + " (" + o.Name + ")"
}

// AsOwnerOf returns r running each command as the owner of path (the
// virtualenv, the frontend directory) when fossamaint runs as root and
// path is another user's; a Runner that cannot (a test's fake) is
// returned as it is. Whose path is, is read at each command: a path that
// is not there yet is the check's business, not the constructor's.
func AsOwnerOf(r Runner, path string) Runner {
	if o, ok := r.(interface{ asOwnerOf(string) Runner }); ok {
		return o.asOwnerOf(path)
	}
	return r
}

func (r ExecRunner) asOwnerOf(path string) Runner {
	r.RunAsOwnerOf = path
	return r
}

func (e envRunner) asOwnerOf(path string) Runner {
	return envRunner{AsOwnerOf(e.r, path), e.env}
}

// runsAs is the user r's commands run as: nil for fossamaint's own.
func runsAs(r Runner) (*Owner, error) {
	if o, ok := r.(interface{ runsAs() (*Owner, error) }); ok {
		return o.runsAs()
	}
	return nil, nil
}

func (e envRunner) runsAs() (*Owner, error) { return runsAs(e.r) }

// runsAs resolves RunAsOwnerOf: nil when fossamaint is not root, the
// path is root's, or no path is set. A path whose owner cannot be read is
// an error: the command would otherwise run as root.
func (r ExecRunner) runsAs() (*Owner, error) {
	if r.RunAsOwnerOf == "" || os.Geteuid() != 0 {
		return nil, nil
	}
	o, err := OwnerOf(r.RunAsOwnerOf)
	if err != nil {
		return nil, fmt.Errorf("%w; the command is not run as root instead", err)
	}
	if o.UID == 0 {
		return nil, nil
	}
	return &o, nil
}

// env is what a command run as o finds in its environment beyond
// fossamaint's (without the XDG directories, which are root's): its home
// and the tools' caches there.
func (o Owner) env(home string) []string {
	env := []string{"HOME=" + home, "PIP_CACHE_DIR=" + filepath.Join(home, ".cache", "pip"), "npm_config_cache=" + filepath.Join(home, ".npm")}
	if o.Name != "" {
		env = append(env, "USER="+o.Name, "LOGNAME="+o.Name)
	}
	return env
}

// homeDir is the directory the owner's commands use as HOME: the user's
// own when it is a directory the user owns, else the private one.
func (o Owner) homeDir() (string, error) {
	if o.Home != "" && filepath.IsAbs(o.Home) {
		if st, err := os.Stat(o.Home); err == nil && st.IsDir() && fileUID(st) == int64(o.UID) {
			return o.Home, nil
		}
	}
	return o.privateDir(filepath.Join(os.TempDir(), "fossamaint-home-"+strconv.FormatUint(uint64(o.UID), 10)))
}

// privateDir makes dir (0700, owned by o) or accepts it when it already
// is exactly that: a directory someone else made there (a symbolic link,
// another owner, wider modes) is an error, never used.
func (o Owner) privateDir(dir string) (string, error) {
	err := os.Mkdir(dir, 0o700)
	switch {
	case err == nil:
		if err := os.Chown(dir, int(o.UID), int(o.GID)); err != nil {
			_ = os.Remove(dir)
			return "", fmt.Errorf("making a home for %s: %w", o, err)
		}
	case !errors.Is(err, os.ErrExist):
		return "", fmt.Errorf("making a home for %s, who has none: %w (set TMPDIR to a writable directory)", o, err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("making a home for %s: %w", o, err)
	}
	if !st.IsDir() || fileUID(st) != int64(o.UID) || st.Mode().Perm() != 0o700 {
		return "", fmt.Errorf("%s, the home of %s (who has none of its own), is not a 0700 directory of that user (%s): remove it, or give the user a home", dir, o, st.Mode())
	}
	if err := o.canReach(dir, 0o7); err != nil {
		return "", fmt.Errorf("the home of %s: %w (set TMPDIR to a directory every user may traverse)", o, err)
	}
	return dir, nil
}

// copyForOwner copies the file src, which fossamaint keeps private
// (0600), to a new 0600 file owned by o in a new private directory: what
// a command run as o reads (pip install -r). done removes both.
func copyForOwner(o Owner, src string) (copied string, done func(), err error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", nil, err
	}
	// durable's temp name: the sweep of a later run removes a copy a
	// crash left behind.
	dir, err := durable.MkdirTemp(os.TempDir(), "owner") // 0700
	if err != nil {
		return "", nil, fmt.Errorf("copying %s for %s: %w (set TMPDIR to a writable directory)", src, o, err)
	}
	done = func() { _ = os.RemoveAll(dir) }
	copied = filepath.Join(dir, filepath.Base(src))
	err = os.WriteFile(copied, data, 0o600)
	for _, p := range []string{copied, dir} {
		if err == nil {
			err = os.Chown(p, int(o.UID), int(o.GID))
		}
	}
	if err == nil {
		err = o.canReach(copied, 0o4)
	}
	if err != nil {
		done()
		return "", nil, fmt.Errorf("copying %s for %s, who runs the command, to read: %w", src, o, err)
	}
	return copied, done, nil
}

// permissionHint explains a command that could not start as o, because o
// cannot reach its directory or program.
func permissionHint(o *Owner, err error) error {
	if o == nil || !errors.Is(err, os.ErrPermission) {
		return err
	}
	return fmt.Errorf("%w (it runs as %s, the owner of the files it changes: that user must be able to reach its directory and program)", err, o)
}
