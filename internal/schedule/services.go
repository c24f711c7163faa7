package schedule

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// JobArgs are the fossamaint arguments (after --config) of each job, for
// the units and the daemon alike. notice is `fossamaint notice`, the
// stakeholder message.
var JobArgs = map[string][]string{
	"weekly":       {"weekly"},
	"notice":       {"notice"},
	"daily-backup": {"backup", "create", "--kind", "daily"},
}

func weeklyTimer(w runbook.Window) *timerSpec {
	return &timerSpec{
		description: "fossamaint weekly maintenance, " + windowText(w),
		onCalendar:  WeeklyEvent(w).OnCalendar(),
		service:     WeeklyService,
		// The run's budget is the window: start on the second, not up
		// to a minute late (the default AccuracySec=1min).
		accuracy: "1s",
		why: "Persistent=false: a machine that was off at the window's start does not start\n" +
			"maintenance (and its downtime) when it boots, at whatever hour that is; the\n" +
			"next run starts at the next window (weekly would refuse it outside one, exit 3).",
	}
}

func noticeTimer(w runbook.Window, notice time.Duration) *timerSpec {
	return &timerSpec{
		description: fmt.Sprintf("fossamaint stakeholder notice, %s before the window (%s)", human.Duration(notice), windowText(w)),
		onCalendar:  NoticeEvent(w, notice).OnCalendar(),
		service:     NoticeService,
		persistent:  true,
		why: "Persistent=true: a notice missed while the machine was off is still worth\n" +
			"sending late (it names the next window that opens, whatever the hour).",
	}
}

func dailyTimer(w runbook.Window) *timerSpec {
	return &timerSpec{
		description: fmt.Sprintf("fossamaint daily backup, %s before the window's start time", human.Duration(dailyBackupLead)),
		onCalendar:  DailyBackupEvent(w).OnCalendar(),
		service:     DailyBackupService,
		persistent:  true,
		why: "Persistent=true: a daily backup missed while the machine was off is taken at\n" +
			"boot (it is online, with no downtime), so the weekly preflight finds one.",
	}
}

// windowText is "Saturday 02:00 for 4h, Europe/Berlin".
func windowText(w runbook.Window) string {
	return fmt.Sprintf("%s %02d:%02d for %s, %s", w.Weekday, w.Hour, w.Minute, human.Duration(w.Duration), w.Location)
}

// The exit codes of internal/cli: 1 is a finished run with warnings (the
// report says what), 3 a run refused outside the window or on a blackout
// date, or with postponed steps. Neither is a failure of the unit; 2
// (failed), 64 (usage, config), 75 (locked) and 130 (stopped) are, so that
// `systemctl --failed` and OnFailure= see them.
const (
	exitWarn    = "1"
	exitOutside = "3"
)

// dbDirWhy says why the database's directory is writable.
const dbDirWhy = "The database's directory is among them: SQLite writes its -wal and -shm files\n" +
	"beside the database, and the VACUUM copy is swapped in by a rename there."

func weeklyService(w runbook.Window, o runbook.Overrun, writable []string) *serviceSpec {
	limit := w.Duration + time.Hour
	if o.Policy == runbook.OverrunExtend {
		// A legal extension must not run into the kill.
		limit += o.MaxExtension
	}
	return &serviceSpec{
		description: "fossamaint weekly maintenance of FossaWork",
		argv:        JobArgs["weekly"],
		// The engine postpones what no longer fits the window (or extends
		// it by at most window.max_extension); this only bounds a hung
		// run, an hour past the latest end. SIGTERM stops it between
		// steps (the in-flight step undone, the report written).
		timeout:     limit,
		success:     exitWarn + " " + exitOutside,
		successWhy:  "1 (warnings, the report says what) and 3 (outside the window, a blackout date,\npostponed steps) are outcomes of the run, not failures of the unit.",
		writable:    writable,
		writableWhy: dbDirWhy,
	}
}

func noticeService(writable []string) *serviceSpec {
	return &serviceSpec{
		description: "fossamaint stakeholder notice of the next maintenance window",
		argv:        JobArgs["notice"],
		timeout:     15 * time.Minute,
		writable:    writable,
		writableWhy: dbDirWhy,
	}
}

func dailyService(writable []string) *serviceSpec {
	return &serviceSpec{
		description: "fossamaint daily backup (verified, with a manifest)",
		argv:        JobArgs["daily-backup"],
		// A hung backup holds a read transaction, which keeps SQLite
		// from checkpointing the WAL: bound it.
		timeout:     3 * time.Hour,
		writable:    writable,
		writableWhy: dbDirWhy,
	}
}

func monitorService(in *install.Installation) *serviceSpec {
	return &serviceSpec{
		description: "fossamaint performance sampler (upstream's hourly metrics)",
		argv:        []string{"perf", "monitor"},
		long:        true,
		writable:    []string{filepath.Dir(in.Logs.MetricsFile)},
		writableWhy: "It appends to the metrics file and rotates it beside itself.",
	}
}

func (s *serviceSpec) render(b *strings.Builder, o Options) error {
	argv := append([]string{o.Binary, "--config", o.Config}, s.argv...)
	exec, err := commandLine(argv)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "[Unit]\nDescription=%s\n\n[Service]\n", s.description)
	if s.long {
		b.WriteString("Type=simple\nExecStart=" + exec + "\n")
		b.WriteString("# SIGTERM stops the sampler between lines with exit 0; anything else restarts it.\n")
		b.WriteString("Restart=on-failure\nRestartSec=30s\n")
	} else {
		b.WriteString("Type=oneshot\nExecStart=" + exec + "\n")
		fmt.Fprintf(b, "TimeoutStartSec=%ds\n", int(s.timeout.Seconds()))
		b.WriteString("# SIGTERM to fossamaint alone first: it stops cleanly (a weekly run between\n")
		b.WriteString("# steps, the step in flight undone, the report written); what is left after\n")
		b.WriteString("# TimeoutStopSec is killed.\n")
		b.WriteString("KillMode=mixed\nTimeoutStopSec=10min\n")
	}
	if s.success != "" {
		for _, line := range strings.Split(s.successWhy, "\n") {
			fmt.Fprintf(b, "# %s\n", line)
		}
		fmt.Fprintf(b, "SuccessExitStatus=%s\n", s.success)
	}
	if !s.long {
		// Background work on a live system: below the application.
		b.WriteString("Nice=10\nIOSchedulingClass=best-effort\nIOSchedulingPriority=7\n")
	}
	writeHardening(b, s.writable, s.writableWhy)
	if s.long {
		b.WriteString("\n[Install]\nWantedBy=multi-user.target\n")
	}
	return nil
}

// writeHardening is the sandbox every unit runs in. It runs as root (it
// stops and starts the application's units, reads a database another user
// owns and keeps owners when it swaps files), so the sandbox is what
// limits it: the file system read-only but for the paths the config names
// writable, no new privileges, no devices, kernel or clock. Not
// MemoryDenyWriteExecute=: `npm audit` runs node, whose JIT needs it.
func writeHardening(b *strings.Builder, writable []string, why string) {
	b.WriteString("\n# Hardening: everything read-only but the paths the config names writable\n")
	b.WriteString("# (\"-\": a path not made yet does not keep the unit from starting).\n")
	b.WriteString("ProtectSystem=strict\n")
	var paths []string
	for _, p := range writable {
		paths = append(paths, pathValue(p, true))
	}
	if why != "" {
		fmt.Fprintf(b, "# %s\n", strings.ReplaceAll(why, "\n", "\n# "))
	}
	fmt.Fprintf(b, "ReadWritePaths=%s\n", strings.Join(paths, " "))
	b.WriteString(`# read-only, not yes: an installation may live under /home.
ProtectHome=read-only
PrivateTmp=yes
NoNewPrivileges=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
# Unix sockets (systemctl), IP (endpoint probes), netlink (network counters).
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
PrivateMounts=yes
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
# Root's powers it uses: read and write files of the application's user
# (DAC_*, FOWNER), keep owners and modes when it swaps a file (CHOWN, FSETID),
# read the backend's /proc entries (SYS_PTRACE), signal and drop privileges
# in service commands (KILL, SETUID, SETGID). No others.
CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETUID CAP_SETGID CAP_SYS_PTRACE
UMask=0077
`)
}
