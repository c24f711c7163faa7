package weekly

import (
	"fmt"
	"os"
	"time"
)

// servedState is the live database as the optimize step left it once the
// application was started again: window.overrun: rollback restores
// point B only while it is unchanged, since any write the application
// made after that is not in point B and would be lost.
type servedState struct {
	// at is when the application was started on the new file (zero: the
	// optimize step did not restart it).
	at    time.Time
	files map[string]fileStamp
}

// fileStamp is what a write changes about a file: its size and mtime.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// stampDB records the database file and its -wal, as they are now. A
// commit in WAL mode appends to the -wal (its size grows) and a
// checkpoint writes the database file; a reader only opens (or creates,
// empty) the -wal, so the -wal's mtime and its absence are not counted.
func stampDB(path string, at time.Time) servedState {
	s := servedState{at: at, files: map[string]fileStamp{}}
	if fi, err := os.Stat(path); err == nil {
		s.files[path] = fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	}
	if fi, err := os.Stat(path + "-wal"); err == nil {
		s.files[path+"-wal"] = fileStamp{size: fi.Size()}
	}
	return s
}

// writtenSince says why restoring point B now would lose the
// application's writes ("" when the database and its -wal are as the
// optimize step left them, or the application was never restarted on it).
func (s servedState) writtenSince(path string) string {
	if s.at.IsZero() {
		return ""
	}
	now := stampDB(path, s.at)
	for _, p := range []string{path, path + "-wal"} {
		if now.files[p] != s.files[p] {
			return fmt.Sprintf("the application has written to %s since it was started on the optimised file at %s; restoring the rollback point would lose those writes (check, then `fossamaint rollback` if it must be)",
				p, s.at.Format("15:04"))
		}
	}
	return ""
}
