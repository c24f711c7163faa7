package backup

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fossawork/fossamaint/internal/durable"
)

// ManifestVersion is the version fossamaint writes. The sandbox (and the
// upstream daily script it imitates) writes version 1 with a smaller field
// set; ReadManifest accepts both.
const ManifestVersion = 2

// Check names as they appear in a manifest.
const (
	CheckQuick = "quick_check"
	CheckFull  = "integrity_check"
)

// DailyManifestName is the manifest of a daily set, inside its directory.
const DailyManifestName = "manifest.json"

// ManifestSuffix follows a weekly or maintenance database's own name.
const ManifestSuffix = ".manifest.json"

// ErrManifestMismatch is wrapped when a file does not match its manifest.
var ErrManifestMismatch = errors.New("backup does not match its manifest")

// Manifest describes one backup database (and, for a daily set, the extra
// files beside it) as it was when it was written and verified.
type Manifest struct {
	Version int `json:"version"`
	// Source is the database the backup was taken from.
	Source string `json:"source"`
	// CreatedAt is RFC 3339. Version 1 manifests carry a local time
	// without an offset; it is kept as written.
	CreatedAt string   `json:"created_at"`
	Kind      string   `json:"kind"`
	Tags      []string `json:"tags,omitempty"`
	// Database is the backup file's base name; empty means "the database
	// this manifest sits beside".
	Database      string `json:"database,omitempty"`
	Method        string `json:"method,omitempty"`
	SQLiteVersion string `json:"sqlite_version,omitempty"`
	PageSize      int64  `json:"page_size"`
	PageCount     int64  `json:"page_count"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	// Check is CheckQuick or CheckFull; CheckResult is "ok" or SQLite's
	// messages joined by newlines.
	Check       string `json:"check"`
	CheckResult string `json:"check_result"`
	ToolVersion string `json:"tool_version,omitempty"`
	// Tables holds row counts when the writer recorded them (version 1,
	// and every PostgreSQL dump: counted in the dump's snapshot).
	Tables map[string]int64 `json:"tables,omitempty"`
	// Engine is EnginePostgres for a pg_dump, empty for SQLite.
	Engine string `json:"engine,omitempty"`
	// ServerVersion and DumpVersion are the PostgreSQL server's and
	// pg_dump's; TOC counts the dump's table-of-contents entries by type.
	ServerVersion string         `json:"server_version,omitempty"`
	DumpVersion   string         `json:"dump_version,omitempty"`
	TOC           map[string]int `json:"toc,omitempty"`
	Files         []ManifestFile `json:"files,omitempty"`
}

// ManifestFile is one extra file of a daily set: .env, the config file,
// each file of the data directory. Name is slash-separated and relative
// to the set's directory; Mode is the source's permission bits in octal
// ("0640"), since the copy itself is always 0600.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	Mode   string `json:"mode"`
	// Link is a symlink's target; such an entry has no content.
	Link string `json:"link,omitempty"`
}

// manifestV1 holds the version-1 names that differ from ours.
type manifestV1 struct {
	Type           string `json:"type"`
	IntegrityCheck string `json:"integrity_check"`
}

// UnmarshalJSON reads both fossamaint's manifests and version 1 ("type",
// "integrity_check").
func (m *Manifest) UnmarshalJSON(data []byte) error {
	type plain Manifest
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var v1 manifestV1
	if err := json.Unmarshal(data, &v1); err != nil {
		return err
	}
	if p.Kind == "" {
		p.Kind = v1.Type
	}
	if p.Check == "" && v1.IntegrityCheck != "" {
		p.Check, p.CheckResult = CheckFull, v1.IntegrityCheck
	}
	*m = Manifest(p)
	return nil
}

// CheckOK says whether the manifest records a passed check.
func (m Manifest) CheckOK() bool { return m.Check != "" && m.CheckResult == "ok" }

// ParseManifest decodes and validates a manifest; name is for messages.
func ParseManifest(name string, data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("malformed manifest %s: %w", name, err)
	}
	if err := m.validate(); err != nil {
		return m, fmt.Errorf("malformed manifest %s: %w", name, err)
	}
	return m, nil
}

func (m Manifest) validate() error {
	if !isSHA256(m.SHA256) {
		return fmt.Errorf("sha256 %q is not 64 hexadecimal digits", m.SHA256)
	}
	if m.Size < 0 || m.PageSize < 0 || m.PageCount < 0 {
		return errors.New("negative size, page size or page count")
	}
	if m.Database != "" && (m.Database != filepath.Base(m.Database) || m.Database == "." || m.Database == "..") {
		return fmt.Errorf("database %q is not a plain file name", m.Database)
	}
	for _, f := range m.Files {
		if !localName(f.Name) {
			return fmt.Errorf("file name %q is not a relative path inside the set", f.Name)
		}
		if f.Link == "" && !isSHA256(f.SHA256) {
			return fmt.Errorf("file %s: sha256 %q is not 64 hexadecimal digits", f.Name, f.SHA256)
		}
	}
	return nil
}

// localName rejects absolute paths and ".." so a manifest cannot point a
// verification or restore outside its set.
func localName(name string) bool {
	return name != "" && !strings.Contains(name, `\`) && filepath.IsLocal(filepath.FromSlash(name))
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// ReadManifest reads and validates the manifest at path.
func ReadManifest(path string) (Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Manifest{}, fmt.Errorf("reading manifest %s: %w", path, err)
	}
	return ParseManifest(path, data)
}

// WriteManifest writes m to path atomically with mode 0600: a temp file in
// the same directory, fsynced, renamed, directory fsynced.
func WriteManifest(path string, m Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest %s: %w", path, err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// ManifestPathFor is where fossamaint writes the manifest of a weekly or
// maintenance backup file.
func ManifestPathFor(dbPath string) string { return dbPath + ManifestSuffix }

// FindManifest looks for the manifest describing dbPath: "<db>.manifest.json"
// beside it, else a manifest.json in its directory (a daily set) that names
// this file or no file. It returns "" when there is none.
func FindManifest(dbPath string) (string, error) {
	own := ManifestPathFor(dbPath)
	if _, err := os.Stat(own); err == nil {
		return own, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("looking for manifest %s: %w", own, err)
	}
	set := filepath.Join(filepath.Dir(dbPath), DailyManifestName)
	if _, err := os.Stat(set); errors.Is(err, os.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("looking for manifest %s: %w", set, err)
	}
	return set, nil
}

// VerifyAgainstManifest hashes dbPath and compares size and sha256 with m.
// A mismatch wraps ErrManifestMismatch; other errors mean the file could
// not be read.
func VerifyAgainstManifest(ctx context.Context, dbPath string, m Manifest) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("manifest for %s: %w", dbPath, err)
	}
	if m.Database != "" && m.Database != filepath.Base(dbPath) {
		return fmt.Errorf("%w: manifest describes %s, not %s", ErrManifestMismatch, m.Database, dbPath)
	}
	sum, size, err := hashFileSize(ctx, dbPath)
	if err != nil {
		return err
	}
	return compareManifest(dbPath, m, sum, size)
}

func compareManifest(path string, m Manifest, sum string, size int64) error {
	if m.Size != size {
		return fmt.Errorf("%w: %s is %d bytes, manifest says %d", ErrManifestMismatch, path, size, m.Size)
	}
	if !strings.EqualFold(m.SHA256, sum) {
		return fmt.Errorf("%w: %s has sha256 %s, manifest says %s", ErrManifestMismatch, path, sum, m.SHA256)
	}
	return nil
}

// VerifyFiles checks the extra files of a daily set in dir against m:
// each regular file's size and sha256, each symlink's target.
func VerifyFiles(ctx context.Context, dir string, m Manifest) error {
	var errs []error
	for _, f := range m.Files {
		if !localName(f.Name) {
			errs = append(errs, fmt.Errorf("manifest file name %q is outside the set", f.Name))
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if f.Link != "" {
			target, err := os.Readlink(p)
			if err != nil || target != f.Link {
				errs = append(errs, fmt.Errorf("%w: symlink %s: want target %s (%v)", ErrManifestMismatch, p, f.Link, err))
			}
			continue
		}
		sum, size, err := hashFileSize(ctx, p)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrManifestMismatch, err))
			continue
		}
		if err := compareManifest(p, Manifest{Size: f.Size, SHA256: f.SHA256}, sum, size); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes a manifest (0600) atomically.
func writeFileAtomic(path string, data []byte) error {
	return durable.WriteFile(path, data, 0o600, "manifest")
}
