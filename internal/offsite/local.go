package offsite

import (
	"fmt"
	"path"
	"path/filepath"

	"github.com/fossawork/fossamaint/internal/backup"
)

// localFile is one file of a local backup to push: where it is, its
// object name, and what its manifest says it holds (SHA256 empty: the
// manifest itself, which records nothing about itself).
type localFile struct {
	Name   string
	Path   string
	SHA256 string
	Size   int64
	Link   string
}

// localBackup is a verified local backup ready to push.
type localBackup struct {
	ID       ID
	Backup   backup.Backup
	Manifest backup.Manifest
	Files    []localFile
	// Database and ManifestName are the object names of the database
	// file and of its manifest.
	Database, ManifestName string
}

// Pushable returns the reason a listed backup is not pushed, or "" when
// it is: it must be a daily, weekly or pre-maintenance database with a
// manifest that records a passed check.
func pushable(b backup.Backup) (localBackup, string) {
	id, ok := IDOf(b)
	if !ok {
		return localBackup{}, "not a backup of a pushable kind, or its name cannot name an object"
	}
	if !b.HasManifest || b.ManifestPath == "" {
		return localBackup{}, "no manifest: not verified"
	}
	m, err := backup.ReadManifest(b.ManifestPath)
	if err != nil {
		return localBackup{}, fmt.Sprintf("unreadable manifest: %v", err)
	}
	if !m.CheckOK() {
		return localBackup{}, fmt.Sprintf("its manifest records no passed check (%q: %q)", m.Check, m.CheckResult)
	}
	if m.Database != "" && m.Database != filepath.Base(b.Path) {
		return localBackup{}, fmt.Sprintf("its manifest describes %s", m.Database)
	}
	lb := localBackup{ID: id, Backup: b, Manifest: m}
	lb.Files = lb.files()
	return lb, ""
}

// files lists the backup's files as objects: a daily set's database,
// manifest and extra files under the set's name; a weekly or
// pre-maintenance file and its manifest by their own names.
func (lb *localBackup) files() []localFile {
	b, m := lb.Backup, lb.Manifest
	dir := ""
	if lb.ID.Kind() == backup.KindDaily {
		dir = lb.ID.Name() + "/"
	}
	lb.Database = dir + filepath.Base(b.Path)
	// The manifest goes under the name fossamaint looks for beside a
	// database (backup.FindManifest), whatever it is called here, so a
	// download verifies and restores like a local backup.
	lb.ManifestName = lb.Database + backup.ManifestSuffix
	if lb.ID.Kind() == backup.KindDaily {
		lb.ManifestName = dir + backup.DailyManifestName
	}
	out := []localFile{
		{Name: lb.Database, Path: b.Path, SHA256: m.SHA256, Size: m.Size},
		{Name: lb.ManifestName, Path: b.ManifestPath},
	}
	if lb.ID.Kind() != backup.KindDaily {
		return out
	}
	setDir := filepath.Dir(b.ManifestPath)
	for _, f := range m.Files {
		out = append(out, localFile{Name: path.Clean(dir + f.Name), Path: filepath.Join(setDir, filepath.FromSlash(f.Name)),
			SHA256: f.SHA256, Size: f.Size, Link: f.Link})
	}
	return out
}
