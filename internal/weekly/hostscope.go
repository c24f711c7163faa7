package weekly

import (
	"context"
	"path/filepath"
	"slices"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Some steps look at the machine rather than the installation: its load,
// memory and disks, its packages, its process table, its own
// authentication logs. Their results carry Scope runbook.ScopeHost, and
// reports show them apart, under "This host", never among the
// installation's findings. A step whose source can be pointed at the
// installation (updates.apt.list_file, services.units[].pid_file,
// security.host_logs under root, as the demo's generated installation
// does) is the installation's when every source it read is.

// scopeOf is the scope of a step that read paths: the installation's when
// there is at least one and all lie under root, the host's otherwise.
func scopeOf(root string, paths ...string) runbook.Scope {
	if root == "" || len(paths) == 0 {
		return runbook.ScopeHost
	}
	for _, p := range paths {
		rel, err := filepath.Rel(root, p)
		if err != nil || !filepath.IsLocal(rel) {
			return runbook.ScopeHost
		}
	}
	return runbook.ScopeInstallation
}

// pidFilesOf are the pid files of the managed units that name one.
func pidFilesOf(units []config.Service) []string {
	var out []string
	for _, u := range units {
		if u.PidFile != "" {
			out = append(out, u.PidFile)
		}
	}
	return out
}

// resources is postflight's look at the machine after maintenance: disk,
// memory and load graded as the comprehensive health check grades them
// (a disk at 95 % is critical), in a step of its own so that the host's
// state is never among the installation's findings.
func (ph *postflightPhase) resources(ctx context.Context, _ *runbook.Env) (r runbook.Result, err error) {
	defer func() { r.Scope = runbook.ScopeHost }()
	in := ph.comprehensiveInput(nil, nil)
	var extra []string
	if in.DBPath != "" {
		extra = append(extra, in.DBPath)
	}
	snap, serr := health.System(ctx, extra...)
	for _, m := range snap.Mounts {
		r.Metric("disk_used_percent:"+m.Path, m.UsedPercent, "%")
	}
	if !slices.Contains(snap.Unavailable, "memory") {
		r.Metric("memory_used_percent", snap.MemoryUsedPercent, "%")
	}
	if !slices.Contains(snap.Unavailable, "load") {
		r.Metric("load_percent", snap.LoadPercent, "%")
	}
	for _, it := range health.SystemItems(snap, serr, in.Thresholds) {
		if it.Severity >= runbook.Warning {
			r.Finding(it.Severity, "", "%s", systemItemText(it))
		}
	}
	return r, nil
}

// systemItemText is a host item as one sentence, its subject named once:
// "disk /: 96% used, …", "memory: 91% used", "load average 5.98 (1 min), …".
func systemItemText(it health.Item) string {
	switch it.Area {
	case "disk":
		return "disk " + it.Name + ": " + it.Detail
	case "load":
		return it.Detail
	}
	return it.Area + ": " + it.Detail
}
