package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// Kind says which part of the layout a backup belongs to.
type Kind string

// Backup kinds. KindUnknown is anything in the backup tree that is not a
// recognisable database file: listed so the operator sees it, not dropped.
const (
	KindDaily       Kind = "daily"
	KindWeekly      Kind = "weekly"
	KindMaintenance Kind = "maintenance"
	KindUnknown     Kind = "unknown"
)

// TimeSource says where a backup's time came from.
type TimeSource string

// Time sources: the timestamp in the file or directory name, or, when the
// name has none, the file's modification time.
const (
	TimeFromName  TimeSource = "name"
	TimeFromMtime TimeSource = "mtime"
	// TimeFromManifest: a daily set's manifest gives the hour its
	// directory name lacks.
	TimeFromManifest TimeSource = "manifest"
)

// Layout is where each kind of backup lives (the upstream runbook layout:
// daily/YYYYMMDD/<db> plus an optional manifest, weekly/<name>_YYYYMMDD_HHMMSS.db,
// maintenance/<name>_YYYYMMDD_HHMMSS.db). An empty field is not listed.
type Layout struct {
	DailyDir       string
	WeeklyDir      string
	MaintenanceDir string
}

// Backup is one file (or, for a daily directory without a database, one
// directory) found in the layout.
type Backup struct {
	Path       string        `json:"path"`
	Kind       Kind          `json:"kind"`
	Time       time.Time     `json:"time"`
	TimeSource TimeSource    `json:"time_source"`
	Age        human.Seconds `json:"age_seconds"`
	Size       int64         `json:"size_bytes"`
	// HasManifest: a manifest sits in the same daily directory, or beside
	// a weekly or maintenance file under the same stem.
	HasManifest  bool   `json:"has_manifest"`
	ManifestPath string `json:"manifest_path,omitempty"`
	// Note explains anything odd: why the kind is unknown, why the time
	// comes from mtime.
	Note string `json:"note,omitempty"`
}

// Listing is the result of ListDetailed.
type Listing struct {
	Backups []Backup `json:"backups"`
	// Notes say which configured directories are absent or unset.
	Notes []string `json:"notes,omitempty"`
}

// stampedName matches "<anything>_YYYYMMDD_HHMMSS.<db ext>", the upstream
// weekly and pre-maintenance names, without tying us to "fossawork_v2".
var stampedName = regexp.MustCompile(`^.+_(\d{8}_\d{6})\.(?i:db|sqlite|sqlite3|dump)$`)

// List returns every backup in layout, newest first. Missing directories
// are not errors; ListDetailed also says which were missing.
func List(ctx context.Context, layout Layout, now time.Time) ([]Backup, error) {
	l, err := ListDetailed(ctx, layout, now)
	return l.Backups, err
}

// ListDetailed is List with notes about absent directories. Names are read
// as wall-clock times in now's location, the installation's local time.
func ListDetailed(ctx context.Context, layout Layout, now time.Time) (Listing, error) {
	l := Listing{Backups: []Backup{}}
	dirs := []struct {
		kind Kind
		dir  string
		list func(context.Context, string, *time.Location) ([]Backup, error)
	}{
		{KindDaily, layout.DailyDir, listDaily},
		{KindWeekly, layout.WeeklyDir, flatLister(KindWeekly)},
		{KindMaintenance, layout.MaintenanceDir, flatLister(KindMaintenance)},
	}
	for _, d := range dirs {
		if d.dir == "" {
			l.Notes = append(l.Notes, fmt.Sprintf("no %s backup directory configured", d.kind))
			continue
		}
		found, err := d.list(ctx, d.dir, now.Location())
		if errors.Is(err, fs.ErrNotExist) {
			l.Notes = append(l.Notes, fmt.Sprintf("%s backup directory %s does not exist", d.kind, d.dir))
			continue
		}
		if err != nil {
			return l, err
		}
		l.Backups = append(l.Backups, found...)
	}
	for i := range l.Backups {
		l.Backups[i].Age = human.Seconds(now.Sub(l.Backups[i].Time))
	}
	slices.SortStableFunc(l.Backups, func(a, b Backup) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return l, nil
}

// readDir lists dir, honouring ctx between directories.
func readDir(ctx context.Context, dir string) ([]fs.DirEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("listing backups in %s: %w", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing backups in %s: %w", dir, err)
	}
	return ents, nil
}

// listDaily reads daily/YYYYMMDD/ directories. Each database file inside
// is a daily backup dated by its directory.
func listDaily(ctx context.Context, dir string, loc *time.Location) ([]Backup, error) {
	ents, err := readDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	var out []Backup
	for _, e := range ents {
		path := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			out = append(out, fileEntry(path, KindDaily, loc, e))
			continue
		}
		if strings.HasPrefix(e.Name(), newSetPrefix) || strings.HasPrefix(e.Name(), oldSetPrefix) {
			b := fileEntry(path, KindUnknown, loc, e)
			b.Note = "working directory of an interrupted backup create: not a backup set"
			out = append(out, b)
			continue
		}
		set, err := listDailySet(ctx, path, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, set...)
	}
	return out, nil
}

func listDailySet(ctx context.Context, dir string, loc *time.Location) ([]Backup, error) {
	ents, err := readDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	day, dayErr := time.ParseInLocation("20060102", filepath.Base(dir), loc)
	manifest := setManifest(dir, ents)
	extras, created := setExtras(manifest)
	var out []Backup
	dbs := 0
	for _, e := range ents {
		path := filepath.Join(dir, e.Name())
		// A set's directories are copies of the data dir: part of the set.
		if path == manifest || extras[e.Name()] || (manifest != "" && e.IsDir()) {
			continue
		}
		b := fileEntry(path, KindDaily, loc, e)
		if b.Kind == KindDaily {
			dbs++
			b.HasManifest, b.ManifestPath = manifest != "", manifest
			switch {
			case dayErr == nil && manifestDatesSet(created, filepath.Base(dir), loc):
				// The manifest knows the hour; the name only the day.
				// Shown in loc, the installation's zone, like every time.
				b.Time, b.TimeSource, b.Note = created.In(loc), TimeFromManifest, ""
			case dayErr == nil:
				b.Time, b.TimeSource, b.Note = day, TimeFromName, ""
			case b.TimeSource == TimeFromMtime:
				b.Note = "daily directory name is not a YYYYMMDD date; time from mtime"
			}
		}
		out = append(out, b)
	}
	if dbs == 0 {
		b := fileEntry(dir, KindUnknown, loc, nil)
		b.Note = "daily backup directory holds no database file"
		out = append(out, b)
	}
	return out, nil
}

// manifestDatesSet: the manifest's creation time belongs to the set dated
// name. Create names the set by the date of its clock's zone and writes the
// same time with that zone's offset, which may not be loc (a UTC machine
// clock, an installation in another zone): the date in the written offset
// counts as well as the date in loc.
func manifestDatesSet(created time.Time, name string, loc *time.Location) bool {
	if created.IsZero() {
		return false
	}
	return created.Format("20060102") == name || created.In(loc).Format("20060102") == name
}

// setManifest picks a daily set's manifest: manifest.json (what
// fossamaint and the upstream script write) over any other manifest-like
// name, so a config file called settings.json is not mistaken for one.
func setManifest(dir string, ents []fs.DirEntry) string {
	var other string
	for _, e := range ents {
		switch {
		case e.IsDir() || !isManifest(e.Name()):
		case e.Name() == DailyManifestName:
			return filepath.Join(dir, e.Name())
		case other == "":
			other = filepath.Join(dir, e.Name())
		}
	}
	return other
}

// setExtras returns the top-level names a daily set's manifest lists as
// extra files (.env, config, data directory), so the listing shows the
// set's database rather than its parts. An unreadable manifest hides
// nothing: verification reports it.
func setExtras(manifest string) (map[string]bool, time.Time) {
	if manifest == "" {
		return nil, time.Time{}
	}
	m, err := ReadManifest(manifest)
	if err != nil {
		return nil, time.Time{}
	}
	names := map[string]bool{}
	for _, f := range m.Files {
		top, _, _ := strings.Cut(f.Name, "/")
		names[top] = true
	}
	created, _ := time.Parse(time.RFC3339, m.CreatedAt)
	return names, created
}

// flatLister reads a directory of stamped database files (weekly,
// maintenance), pairing each with a manifest of the same stem.
func flatLister(kind Kind) func(context.Context, string, *time.Location) ([]Backup, error) {
	return func(ctx context.Context, dir string, loc *time.Location) ([]Backup, error) {
		ents, err := readDir(ctx, dir)
		if err != nil {
			return nil, err
		}
		manifests := map[string]string{}
		for _, e := range ents {
			if !e.IsDir() && isManifest(e.Name()) {
				manifests[stem(e.Name())] = filepath.Join(dir, e.Name())
			}
		}
		used := map[string]bool{}
		var out []Backup
		for _, e := range ents {
			path := filepath.Join(dir, e.Name())
			b := fileEntry(path, kind, loc, e)
			if b.Kind == kind {
				if m, ok := manifests[stem(e.Name())]; ok {
					b.HasManifest, b.ManifestPath, used[m] = true, m, true
				}
			}
			out = append(out, b)
		}
		// A manifest whose database is gone is listed as unknown.
		return slices.DeleteFunc(out, func(b Backup) bool { return used[b.Path] }), nil
	}
}

// fileEntry describes path as a backup of kind if it looks like a database
// file, else as unknown. The time comes from a stamped name or from mtime.
func fileEntry(path string, kind Kind, loc *time.Location, e fs.DirEntry) Backup {
	b := Backup{Path: path, Kind: kind, TimeSource: TimeFromMtime}
	var fi fs.FileInfo
	var err error
	if e != nil {
		fi, err = e.Info()
	} else {
		fi, err = os.Stat(path)
	}
	if err == nil {
		b.Time = fi.ModTime().In(loc)
		if !fi.IsDir() {
			b.Size = fi.Size()
		}
	} else {
		b.Note = fmt.Sprintf("cannot stat: %v", err)
	}
	name := filepath.Base(path)
	switch {
	case kind == KindUnknown:
	case e != nil && e.IsDir(), !isDatabaseName(name):
		b.Kind = KindUnknown
		b.Note = "not a database backup file"
	default:
		if t, note := NameTime(name, loc); note != "" {
			b.Note = note
		} else {
			b.Time, b.TimeSource = t, TimeFromName
		}
	}
	return b
}

// NameTime reads the time from a stamped backup name
// ("<anything>_YYYYMMDD_HHMMSS.db") as wall-clock time in loc. Otherwise
// it returns a note saying why the time must come from mtime.
func NameTime(name string, loc *time.Location) (time.Time, string) {
	m := stampedName.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, "name carries no YYYYMMDD_HHMMSS timestamp; time from mtime"
	}
	t, err := time.ParseInLocation("20060102_150405", m[1], loc)
	if err != nil {
		return time.Time{}, fmt.Sprintf("timestamp %q in name is not a valid time; time from mtime", m[1])
	}
	return t, ""
}

func isDatabaseName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".db", ".sqlite", ".sqlite3", DumpExt:
		return true
	}
	return false
}

var manifestSuffixes = []string{".manifest.json", ".manifest", ".sha256", ".json"}

// isManifest accepts the names a manifest goes by: manifest*, or a
// database name with a manifest suffix.
func isManifest(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "manifest") {
		return true
	}
	for _, s := range manifestSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// stem strips manifest and database suffixes, so "x_20250111_020000.db"
// and "x_20250111_020000.db.sha256" (or ".manifest.json") pair up.
func stem(name string) string {
	lower := strings.ToLower(name)
	for _, s := range manifestSuffixes {
		if strings.HasSuffix(lower, s) {
			name = name[:len(name)-len(s)]
			break
		}
	}
	if isDatabaseName(name) {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	return name
}

// DailyFor returns the daily backup taken on day's calendar day, in day's
// location (the installation's zone), preferring the first in the list
// (List sorts newest first). A set dated by its manifest counts by the
// instant it was made, whatever date its directory carries; a set dated by
// its directory name by that date. A daily backup dated only by mtime never
// matches: it is not a set of the layout, and a copy or a touch moves an
// mtime, so it cannot stand in for today's backup.
func DailyFor(backups []Backup, day time.Time) (Backup, bool) {
	y, m, d := day.Date()
	for _, b := range backups {
		if b.Kind != KindDaily {
			continue
		}
		var by, bd int
		var bm time.Month
		switch b.TimeSource {
		case TimeFromManifest:
			by, bm, bd = b.Time.In(day.Location()).Date()
		case TimeFromName:
			// Midnight of the named date in the listing's zone: its date
			// is the name's, whichever zone day is in.
			by, bm, bd = b.Time.Date()
		default:
			continue
		}
		if by == y && bm == m && bd == d {
			return b, true
		}
	}
	return Backup{}, false
}
