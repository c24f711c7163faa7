package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
)

// FilesManifestName is the manifest of a configuration snapshot.
const FilesManifestName = "files.json"

// FileSnapshot is a copy of an installation's configuration files (its
// .env and the application's config files) taken before a run changes
// anything, so that a rollback restores the configuration with the
// database, as the seed's emergency rollback asks.
type FileSnapshot struct {
	Version   int        `json:"version"`
	CreatedAt string     `json:"created_at"`
	Files     []SnapFile `json:"files"`
}

// SnapFile is one file of a snapshot.
type SnapFile struct {
	// Path is where the file lives in the installation; Name is its copy
	// in the snapshot directory.
	Path   string      `json:"path"`
	Name   string      `json:"name,omitempty"`
	Size   int64       `json:"size"`
	SHA256 string      `json:"sha256,omitempty"`
	Mode   fs.FileMode `json:"mode"`
	// UID and GID are the owner, where files have one: the application
	// must still read its .env after a rollback run as root.
	UID int `json:"uid,omitempty"`
	GID int `json:"gid,omitempty"`
	// Missing: the file did not exist when the snapshot was taken.
	Missing bool `json:"missing,omitempty"`
}

// SnapshotFiles copies files into dir (which must not exist yet) with a
// manifest, building it under a temporary name and renaming it into place:
// a snapshot is either whole or absent. Copies are 0600; the manifest
// keeps each original's mode.
func SnapshotFiles(ctx context.Context, dir string, files []string, now time.Time) (FileSnapshot, error) {
	snap := FileSnapshot{Version: 1, CreatedAt: now.Format(time.RFC3339)}
	if _, err := os.Lstat(dir); err == nil {
		return snap, fmt.Errorf("snapshotting configuration: %s already exists", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return snap, fmt.Errorf("snapshotting configuration: %w", err)
	}
	work, err := durable.MkdirTemp(filepath.Dir(dir), "config-snapshot")
	if err != nil {
		return snap, fmt.Errorf("snapshotting configuration: %w", err)
	}
	defer os.RemoveAll(work)
	for i, f := range files {
		sf := SnapFile{Path: f}
		fi, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			sf.Missing = true
		case err != nil:
			return snap, fmt.Errorf("snapshotting %s: %w", f, err)
		case !fi.Mode().IsRegular():
			return snap, fmt.Errorf("snapshotting %s: not a regular file", f)
		default:
			sf.Name = strconv.Itoa(i) + "-" + filepath.Base(f)
			sf.Mode = fi.Mode().Perm()
			sf.UID, sf.GID, _ = durable.FileOwner(fi)
			if sf.SHA256, sf.Size, err = copyFileHashed(ctx, f, filepath.Join(work, sf.Name)); err != nil {
				return snap, err
			}
		}
		snap.Files = append(snap.Files, sf)
	}
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return snap, err
	}
	if err := writeFileAtomic(filepath.Join(work, FilesManifestName), append(data, '\n')); err != nil {
		return snap, err
	}
	if err := durable.Rename(work, dir); err != nil {
		return snap, fmt.Errorf("snapshotting configuration: %w", err)
	}
	return snap, nil
}

// ReadFileSnapshot reads a snapshot's manifest.
func ReadFileSnapshot(dir string) (FileSnapshot, error) {
	var snap FileSnapshot
	data, err := os.ReadFile(filepath.Join(dir, FilesManifestName))
	if err != nil {
		return snap, fmt.Errorf("reading configuration snapshot: %w", err)
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		return snap, fmt.Errorf("reading configuration snapshot %s: %w", dir, err)
	}
	return snap, nil
}

// RestoreFiles puts back every file of the snapshot in dir whose content
// changed since: the current file is first kept in asideDir, then the copy
// is verified against the manifest and renamed over it. The mode is the
// recorded one, or the current one when that is stricter: a rollback
// never loosens a permission tightened since. It returns the files it put
// back (or, for a dry run, would).
func RestoreFiles(ctx context.Context, dir, asideDir string, now time.Time, dryRun bool) ([]string, error) {
	snap, err := ReadFileSnapshot(dir)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, f := range snap.Files {
		if f.Missing {
			continue
		}
		sum, _, err := hashFileSize(ctx, f.Path)
		if err == nil && sum == f.SHA256 {
			continue
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return changed, err
		}
		changed = append(changed, f.Path)
		if dryRun {
			continue
		}
		if err := restoreFile(ctx, filepath.Join(dir, f.Name), f, asideDir, now); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

func restoreFile(ctx context.Context, copyPath string, f SnapFile, asideDir string, now time.Time) error {
	sum, _, err := hashFileSize(ctx, copyPath)
	if err != nil {
		return err
	}
	if sum != f.SHA256 {
		return fmt.Errorf("%w: the snapshot's copy of %s no longer matches its manifest; not restored", ErrManifestMismatch, f.Path)
	}
	mode := f.Mode
	if fi, err := os.Stat(f.Path); err == nil {
		if err := os.MkdirAll(asideDir, 0o700); err != nil {
			return fmt.Errorf("restoring %s: %w", f.Path, err)
		}
		aside := filepath.Join(asideDir, filepath.Base(f.Path)+"_pre_rollback_"+now.Format("20060102_150405"))
		if _, _, err := copyFileHashed(ctx, f.Path, aside); err != nil {
			return fmt.Errorf("keeping %s aside: %w", f.Path, err)
		}
		mode &= fi.Mode().Perm()
	}
	tmp := durable.Path(filepath.Dir(f.Path), "config-restore")
	if _, _, err := copyFileHashed(ctx, copyPath, tmp); err != nil {
		return fmt.Errorf("restoring %s: %w", f.Path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restoring %s: %w", f.Path, err)
	}
	if err := chownLike(tmp, f); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restoring %s: %w: run fossamaint as root or as the owner of the file", f.Path, err)
	}
	// copyFileHashed synced the copy.
	if err := durable.Rename(tmp, f.Path); err != nil {
		os.Remove(tmp) // gone already if only the directory fsync failed
		return fmt.Errorf("restoring %s: %w", f.Path, err)
	}
	return nil
}

// chownLike gives path the snapshot's recorded owner when it differs from
// the one path has.
func chownLike(path string, f SnapFile) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	uid, gid, ok := durable.FileOwner(fi)
	if !ok || (uid == f.UID && gid == f.GID) {
		return nil
	}
	return os.Lchown(path, f.UID, f.GID)
}
