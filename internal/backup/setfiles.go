package backup

import (
	"github.com/fossawork/fossamaint/internal/durable"

	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// copyExtras copies the env file, the config file and the data directory
// into dst as a plain tree (restorable with cp), every file 0600 and every
// directory 0700, and returns their manifest entries. reserved are names
// dst already uses. Missing sources are notes; the live database and its
// sidecars are skipped when they sit inside the data directory, because
// copying them would be the torn copy the online backup exists to avoid.
func copyExtras(ctx context.Context, o CreateOptions, dst string, reserved []string) ([]ManifestFile, []string, error) {
	var files []ManifestFile
	var notes []string
	used := slices.Clone(reserved)
	claim := func(src string) (string, error) {
		name := filepath.Base(src)
		if slices.Contains(used, name) {
			return "", fmt.Errorf("%s would be stored as %s, which the set already uses", src, name)
		}
		used = append(used, name)
		return name, nil
	}
	for _, src := range []struct{ what, path string }{{"env file", o.EnvFile}, {"config file", o.ConfigFile}} {
		if src.path == "" {
			continue
		}
		fi, err := os.Stat(src.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			notes = append(notes, fmt.Sprintf("%s %s does not exist: not in the backup set", src.what, src.path))
			continue
		case err != nil:
			return files, notes, fmt.Errorf("reading %s: %w", src.what, err)
		case !fi.Mode().IsRegular():
			return files, notes, fmt.Errorf("%s %s is not a regular file", src.what, src.path)
		}
		name, err := claim(src.path)
		if err != nil {
			return files, notes, err
		}
		f, err := copyOne(ctx, src.path, filepath.Join(dst, name), name, fi)
		if err != nil {
			return files, notes, err
		}
		files = append(files, f)
	}
	if o.DataDir == "" {
		return files, notes, nil
	}
	fi, err := os.Stat(o.DataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return files, append(notes, fmt.Sprintf("data directory %s does not exist: not in the backup set", o.DataDir)), nil
	case err != nil:
		return files, notes, fmt.Errorf("reading data directory: %w", err)
	case !fi.IsDir():
		return files, notes, fmt.Errorf("data directory %s is not a directory", o.DataDir)
	}
	name, err := claim(o.DataDir)
	if err != nil {
		return files, notes, err
	}
	tree, treeNotes, err := copyTree(ctx, o, filepath.Join(dst, name), name)
	return append(files, tree...), append(notes, treeNotes...), err
}

func copyOne(ctx context.Context, src, dst, name string, fi fs.FileInfo) (ManifestFile, error) {
	sum, n, err := copyFileHashed(ctx, src, dst)
	if err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Name: name, Size: n, SHA256: sum, Mode: fmt.Sprintf("%04o", fi.Mode().Perm())}, nil
}

// copyTree copies the data directory into dst, recording entries under
// prefix. Symlinks are recreated, not followed; sockets and devices are
// skipped with a note.
func copyTree(ctx context.Context, o CreateOptions, dst, prefix string) ([]ManifestFile, []string, error) {
	tc := &treeCopier{ctx: ctx, src: o.DataDir, dst: dst, prefix: prefix, skip: skipSet(o)}
	if err := filepath.WalkDir(o.DataDir, tc.visit); err != nil {
		return tc.files, tc.notes, err
	}
	for _, d := range slices.Backward(tc.dirs) {
		if err := durable.SyncDir(d); err != nil {
			return tc.files, tc.notes, err
		}
	}
	return tc.files, tc.notes, nil
}

type treeCopier struct {
	ctx              context.Context
	src, dst, prefix string
	skip             map[string]bool
	files            []ManifestFile
	notes            []string
	dirs             []string // created, to fsync once filled
}

func (tc *treeCopier) visit(path string, d fs.DirEntry, err error) error {
	if err != nil {
		return fmt.Errorf("copying data directory: %w", err)
	}
	if err := tc.ctx.Err(); err != nil {
		return err
	}
	if abs, _ := filepath.Abs(path); tc.skip[abs] {
		tc.notes = append(tc.notes, fmt.Sprintf("%s skipped: the database and the backups are not copied as files", path))
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	}
	rel, err := filepath.Rel(tc.src, path)
	if err != nil {
		return err
	}
	target := filepath.Join(tc.dst, rel)
	name := filepath.ToSlash(filepath.Join(tc.prefix, rel))
	fi, err := d.Info()
	if err != nil {
		return fmt.Errorf("copying data directory: %w", err)
	}
	switch {
	case d.IsDir():
		tc.dirs = append(tc.dirs, target)
		if err := os.Mkdir(target, 0o700); err != nil {
			return fmt.Errorf("copying data directory: %w", err)
		}
	case d.Type()&fs.ModeSymlink != 0:
		link, err := os.Readlink(path)
		if err == nil {
			err = os.Symlink(link, target)
		}
		if err != nil {
			return fmt.Errorf("copying symlink %s: %w", path, err)
		}
		tc.files = append(tc.files, ManifestFile{Name: name, Mode: fmt.Sprintf("%04o", fi.Mode().Perm()), Link: link})
	case d.Type().IsRegular():
		f, err := copyOne(tc.ctx, path, target, name, fi)
		if err != nil {
			return err
		}
		tc.files = append(tc.files, f)
	default:
		tc.notes = append(tc.notes, fmt.Sprintf("%s skipped: not a regular file, directory or symlink", path))
	}
	return nil
}

// skipSet holds the absolute paths copyTree must not copy: the live
// database with its sidecars, and the backup directories themselves.
func skipSet(o CreateOptions) map[string]bool {
	skip := map[string]bool{}
	add := func(p string) {
		if p == "" {
			return
		}
		if abs, err := filepath.Abs(p); err == nil {
			skip[abs] = true
		}
	}
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		add(o.DBPath + s)
	}
	add(o.Layout.DailyDir)
	add(o.Layout.WeeklyDir)
	add(o.Layout.MaintenanceDir)
	return skip
}
