package offsite

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/fossawork/fossamaint/internal/backup"
)

// EncryptedSuffix ends the key of every encrypted object.
const EncryptedSuffix = ".age"

// indexDir holds the remote manifests, one per backup, under the
// installation's root.
const indexDir = "index/"

// ID names one remote backup: "<kind>/<name>", the kind's directory and
// the daily set's YYYYMMDD directory or the weekly or pre-maintenance
// file's name ("daily/20261128", "weekly/fossawork_v2_full_20261121_020512.db").
// `backup list --offsite` shows it; restore --from-offsite takes it.
type ID string

// Kind is the backup kind the ID's first segment names.
func (id ID) Kind() backup.Kind {
	k, _, _ := strings.Cut(string(id), "/")
	return backup.Kind(k)
}

// Name is the ID's second segment: the set's or the file's name.
func (id ID) Name() string {
	_, n, _ := strings.Cut(string(id), "/")
	return n
}

// ParseID checks that s is "<daily|weekly|maintenance>/<name>" with a
// name that is one plain path segment, and returns it as an ID.
func ParseID(s string) (ID, error) {
	k, name, ok := strings.Cut(s, "/")
	if !ok {
		return "", fmt.Errorf("off-site backup %q: want <kind>/<name>, e.g. daily/20261128 (`fossamaint backup list --offsite` shows them)", s)
	}
	switch backup.Kind(k) {
	case backup.KindDaily, backup.KindWeekly, backup.KindMaintenance:
	default:
		return "", fmt.Errorf("off-site backup %q: kind %q is not daily, weekly or maintenance", s, k)
	}
	if !validSegment(name) {
		return "", fmt.Errorf("off-site backup %q: %q is not a plain file or directory name", s, name)
	}
	return ID(s), nil
}

// validSegment: one path segment of printable characters, not "." or
// "..", no slash or backslash, at most 200 bytes (S3 keys stop at 1024).
func validSegment(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 200 || strings.ContainsAny(s, `/\`) {
		return false
	}
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// IDOf is the remote name of a local backup: its kind's directory and the
// daily set's directory name or the file's name. ok is false for a backup
// that is not of a pushable kind or whose name cannot name an object.
func IDOf(b backup.Backup) (ID, bool) {
	var name string
	switch b.Kind {
	case backup.KindDaily:
		name = filepath.Base(filepath.Dir(b.Path))
	case backup.KindWeekly, backup.KindMaintenance:
		name = filepath.Base(b.Path)
	default:
		return "", false
	}
	id, err := ParseID(string(b.Kind) + "/" + name)
	return id, err == nil
}

// root is the installation's key prefix, ending in "/".
func (o Options) root() string {
	if o.Prefix == "" {
		return o.Installation + "/"
	}
	return o.Prefix + "/" + o.Installation + "/"
}

// indexKey is where the remote manifest of id lives.
func (o Options) indexKey(id ID) string { return o.root() + indexDir + string(id) + ".json" }

// idOfIndexKey reads the ID back from an index key; ok is false for a key
// that is not one.
func (o Options) idOfIndexKey(key string) (ID, bool) {
	rest, ok := strings.CutPrefix(key, o.root()+indexDir)
	if !ok {
		return "", false
	}
	rest, ok = strings.CutSuffix(rest, ".json")
	if !ok {
		return "", false
	}
	id, err := ParseID(rest)
	return id, err == nil
}

// objectKey is where the object named name (relative to its kind's
// directory: "20261128/fossawork_v2.db", "x_20261121_020512.db") lives.
func (o Options) objectKey(kind backup.Kind, name string, encrypted bool) string {
	k := o.root() + string(kind) + "/" + name
	if encrypted {
		k += EncryptedSuffix
	}
	return k
}

// objectName checks an object name of a remote manifest: slash-separated,
// relative, no "." or ".." segment, and for a daily set inside the set's
// directory, for a file backup the file or something beside it that starts
// with its name.
func objectName(id ID, name string) error {
	if name == "" || path.IsAbs(name) || strings.Contains(name, `\`) || path.Clean(name) != name {
		return fmt.Errorf("object name %q is not a clean relative path", name)
	}
	for seg := range strings.SplitSeq(name, "/") {
		if !validSegment(seg) {
			return fmt.Errorf("object name %q has an invalid segment %q", name, seg)
		}
	}
	if id.Kind() == backup.KindDaily {
		if !strings.HasPrefix(name, id.Name()+"/") {
			return fmt.Errorf("object name %q is outside daily set %s", name, id.Name())
		}
		return nil
	}
	if strings.Contains(name, "/") || !strings.HasPrefix(name, id.Name()) {
		return fmt.Errorf("object name %q does not belong to %s", name, id)
	}
	return nil
}

// ErrNotRemote is wrapped when a backup has no remote manifest.
var ErrNotRemote = errors.New("no such off-site backup")
