package web

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
)

// verifyLookback is how many of the newest runs' backups/verify steps the
// backups page reads for the last verification of each backup: a weekly
// run verifies the newest daily and weekly backup, so a backup older than
// that many weeks was verified, if ever, when it was the newest.
const verifyLookback = 60

type backupsView struct {
	Dir     string
	Rows    []backupRow
	Notes   []string
	Error   string
	NoSetup bool
}

type backupRow struct {
	Path, Shown, Kind, Time, Age, Size, Note string
	// Verified: the newest verification of this backup by a weekly run
	// (its backups/verify step), when there is one.
	Verified                              bool
	Result, ResultClass, When, Ago, RunID string
	RunHref                               string
}

// backupsPage is GET /backups: the inventory `backup list` shows, with
// each backup's last verification (the weekly runs' backups/verify
// findings name the backup they verified; see history.Verifications).
func (s *Server) backupsPage(w http.ResponseWriter, r *http.Request) {
	in := s.o.Installation
	if in == nil {
		s.render(w, r, "backups.html", "Backups", "backups", backupsView{NoSetup: true})
		return
	}
	loc := s.zone()
	now := s.o.Now().In(loc)
	v := backupsView{Dir: in.Backups.Dir}
	lst, err := backup.ListDetailed(r.Context(), in.Backups.Layout, now)
	if err != nil {
		v.Error = err.Error()
	}
	v.Notes = lst.Notes
	var verifs []history.Verification
	if store, err := s.history(r.Context()); err != nil {
		v.Error = err.Error()
	} else if store != nil {
		if verifs, err = store.Verifications(r.Context(), verifyLookback); err != nil {
			v.Error = err.Error()
		}
	}
	for _, b := range lst.Backups {
		row := backupRow{Path: b.Path, Shown: shownPath(in.Backups.Dir, b.Path), Kind: string(b.Kind),
			Time: b.Time.In(loc).Format(timeLayout), Age: human.Age(b.Age.D()), Size: human.Bytes(b.Size), Note: b.Note}
		if vf, ok := lastVerification(verifs, b.Path); ok {
			row.Verified, row.RunID, row.RunHref = true, vf.RunID, "/runs/"+url.PathEscape(vf.RunID)
			row.When, row.Ago = vf.At.In(loc).Format(timeLayout), human.Age(now.Sub(vf.At))
			row.Result, row.ResultClass = verifyResult(vf.Severity)
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, "backups.html", "Backups", "backups", v)
}

// lastVerification is the newest verification (verifs is newest first)
// whose finding names path.
func lastVerification(verifs []history.Verification, path string) (history.Verification, bool) {
	for _, vf := range verifs {
		if strings.Contains(vf.Message, " "+path+" ") {
			return vf, true
		}
	}
	return history.Verification{}, false
}

// verifyResult reads a verification finding's severity: the verify step
// writes critical for a backup that failed, info for one that passed.
func verifyResult(severity string) (result, class string) {
	switch severity {
	case "critical":
		return "failed", "status-fail"
	case "warning":
		return "warning", "status-warn"
	}
	return "ok", "status-ok"
}

// shownPath is path relative to the backup directory when it is under it.
func shownPath(dir, path string) string {
	if dir == "" {
		return path
	}
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
