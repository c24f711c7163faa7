// Package schedule owns when maintenance runs without a person: the
// systemd units `fossamaint schedule install` writes (the weekly run at
// the window's start, the stakeholder notice window.notice before it, the
// seed's daily backup, the performance sampler), the calendar `schedule
// show` prints, and the in-process scheduler of `fossamaint daemon` for
// hosts without systemd.
//
// There is one calendar: the engine's runbook.Window (weekday, start,
// zone, blackout days). The OnCalendar= expressions are written from it
// and the daemon's next times are computed from it, so the two agree
// (a test holds `systemd-analyze calendar` to the same elapses); nothing
// here parses cron syntax. Times before the window (the notice, the daily
// backup) are wall-clock shifts of the window's start in its zone, as
// OnCalendar= reads them: a one-day notice is Friday 02:00 for a Saturday
// 02:00 window also across a DST change.
//
// The units run fossamaint itself by absolute path with --config; the
// daemon runs what the CLI hands it (the weekly procedure, the notice,
// the daily backup), so this package knows nothing of the procedure.
//
// Of fossamaint it imports the resolver (internal/install, for the window
// and the paths the config names writable), the engine (internal/runbook,
// for the Window) and the leaf helpers (internal/durable writes the units).
// internal/archtest checks this.
package schedule
