package health

import (
	"context"
	"fmt"
	"math"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/security"
)

// DiskCriticalPercent is where a full disk stops being a warning: SQLite
// writes and the backup itself start failing around here.
const DiskCriticalPercent = 95

// ServiceState is a unit's state as the caller's service manager saw it;
// health does not manage services itself.
type ServiceState struct {
	Name   string
	Active bool
	Err    error
}

// ComprehensiveInput is everything the comprehensive check looks at.
type ComprehensiveInput struct {
	// Endpoints are the probes' results (Checker.ProbeAll): the caller
	// probes, so a run that already probed its endpoints does not again.
	Endpoints []Result
	// DBPath is opened read-only; empty skips the database item.
	DBPath string
	// DBURL, when set, is the PostgreSQL database probed instead of
	// DBPath (the disk item then has no database file to look at).
	DBURL    string
	Services []ServiceState
	// Modes are the file-mode limits with paths already made absolute.
	Modes []config.FileMode
	// Thresholds supplies DiskPercent, MemoryPercent and LoadPercent; a
	// zero threshold disables that check (disk included, whose critical
	// level is DiskCriticalPercent or the threshold, whichever is higher).
	Thresholds config.Thresholds
}

// Item is one line of the comprehensive report.
type Item struct {
	Area     string           `json:"area"`
	Name     string           `json:"name"`
	OK       bool             `json:"ok"`
	Severity finding.Severity `json:"severity"`
	Detail   string           `json:"detail"`
	// Value is the item's measurement in Unit ("s" for latencies, "%"
	// for disk, memory and load); nil, and left out of the JSON, for
	// items that measure nothing (services, permissions, failures).
	Value *float64 `json:"value,omitempty"`
	Unit  string   `json:"unit,omitempty"`
}

// Report is the comprehensive health report.
type Report struct {
	Items  []Item         `json:"items"`
	System SystemSnapshot `json:"system"`
}

// Healthy reports whether no item is critical; warnings do not make a
// system unhealthy (they must not trigger a rollback).
func (r Report) Healthy() bool { return r.Severity() != finding.Critical }

// Severity is the worst severity of all items.
func (r Report) Severity() finding.Severity {
	worst := finding.OK
	for _, it := range r.Items {
		worst = finding.Worst(worst, it.Severity)
	}
	return worst
}

// Comprehensive reports the endpoint results, the database probe, the
// service states, the system snapshot and the file-mode summary, in that
// order of items. Every failure becomes an item; nothing here returns an error.
func Comprehensive(ctx context.Context, in ComprehensiveInput) Report {
	var r Report
	for _, res := range in.Endpoints {
		r.Items = append(r.Items, endpointItem(res))
	}
	switch {
	case in.DBURL != "":
		r.Items = append(r.Items, dbItem(ProbePostgres(ctx, in.DBURL)))
	case in.DBPath != "":
		r.Items = append(r.Items, dbItem(ProbeDB(ctx, in.DBPath)))
	}
	for _, s := range in.Services {
		r.Items = append(r.Items, serviceItem(s))
	}
	var extra []string
	if in.DBPath != "" && in.DBURL == "" {
		extra = append(extra, in.DBPath)
	}
	snap, err := System(ctx, extra...)
	r.System = snap
	r.Items = append(r.Items, SystemItems(snap, err, in.Thresholds)...)
	rules := make([]security.PermRule, 0, len(in.Modes))
	for _, m := range in.Modes {
		rules = append(rules, security.PermRule{Path: m.Path, Max: m.Mode.Perm(), Owner: m.Owner,
			Recursive: m.FilesMode != 0, FilesMax: m.FilesMode.Perm()})
	}
	for _, f := range security.CheckPerms(ctx, rules) {
		r.Items = append(r.Items, modeItem(f))
	}
	return r
}

func endpointItem(res Result) Item {
	it := Item{Area: "endpoint", Name: res.Name, OK: res.Healthy, Severity: finding.OK}
	if res.Healthy {
		it.Value, it.Unit = measured(res.Latency.Seconds()), "s"
		it.Detail = fmt.Sprintf("%s answered %d in %s", res.URL, res.Status, human.Duration(res.Latency))
		return it
	}
	it.Detail = res.Err
	it.Severity = finding.Warning
	if res.Critical {
		it.Severity = finding.Critical
	}
	return it
}

func dbItem(p DBProbe, err error) Item {
	it := Item{Area: "database", Name: p.Path}
	if err != nil {
		it.Severity, it.Detail = finding.Critical, err.Error()
		return it
	}
	it.OK, it.Severity = true, finding.OK
	it.Value, it.Unit = measured(p.Latency.Seconds()), "s"
	it.Detail = fmt.Sprintf("opened read-only, %d schema objects, in %s", p.Objects, human.Duration(p.Latency))
	return it
}

func serviceItem(s ServiceState) Item {
	it := Item{Area: "service", Name: s.Name}
	switch {
	case s.Err != nil:
		it.Severity, it.Detail = finding.Critical, "state unknown: "+s.Err.Error()
	case !s.Active:
		it.Severity, it.Detail = finding.Critical, "not active"
	default:
		it.OK, it.Severity, it.Detail = true, finding.OK, "active"
	}
	return it
}

func modeItem(f security.PermFinding) Item {
	// Permissions are a security finding, not an outage: warning at most.
	it := Item{Area: "permissions", Name: f.Path, Detail: f.Message}
	switch {
	case f.Missing:
		it.Severity, it.Detail = finding.Warning, "missing"
	case !f.OK:
		it.Severity = finding.Warning
	default:
		it.OK, it.Severity = true, finding.OK
	}
	return it
}

// Host reports whether the item is about the machine (its disks, memory
// and load) rather than the installation: reports show those apart.
func (it Item) Host() bool {
	switch it.Area {
	case "disk", "memory", "load":
		return true
	}
	return false
}

// SystemItems judges a snapshot against the thresholds (err is System's).
// Parts that could not be read are warnings: an unknown is not an outage.
// Every item it returns is a Host item.
func SystemItems(snap SystemSnapshot, err error, th config.Thresholds) []Item {
	var out []Item
	unavailable := map[string]bool{}
	for _, part := range snap.Unavailable {
		unavailable[part] = true
		out = append(out, Item{Area: part, Name: part, Severity: finding.Warning,
			Detail: fmt.Sprintf("could not be read: %v", err)})
	}
	for _, m := range snap.Mounts {
		it := Item{Area: "disk", Name: m.Path, Value: measured(m.UsedPercent), Unit: "%",
			Detail: fmt.Sprintf("%s used, %s free of %s (%s)",
				human.Percent(m.UsedPercent), human.Bytes(clampBytes(m.Free)), human.Bytes(clampBytes(m.Total)), m.Fstype)}
		it.Severity = grade(m.UsedPercent, th.DiskPercent, max(DiskCriticalPercent, th.DiskPercent))
		it.OK = it.Severity == finding.OK
		out = append(out, it)
	}
	if !unavailable["memory"] {
		sev := grade(snap.MemoryUsedPercent, th.MemoryPercent, 0)
		out = append(out, Item{Area: "memory", Name: "memory", OK: sev == finding.OK, Severity: sev,
			Value: measured(snap.MemoryUsedPercent), Unit: "%",
			Detail: human.Percent(snap.MemoryUsedPercent) + " used"})
	}
	if !unavailable["load"] {
		sev := grade(snap.LoadPercent, th.LoadPercent, 0)
		out = append(out, Item{Area: "load", Name: "load", OK: sev == finding.OK, Severity: sev,
			Value: measured(snap.LoadPercent), Unit: "%",
			Detail: LoadText(snap)})
	}
	return out
}

// grade returns warning at or above warn and critical at or above crit
// (zero: never critical). A zero warn disables the check altogether.
func grade(v, warn, crit float64) finding.Severity {
	switch {
	case warn <= 0:
		return finding.OK
	case crit > 0 && v >= crit:
		return finding.Critical
	case warn > 0 && v >= warn:
		return finding.Warning
	}
	return finding.OK
}

// measured is a measurement for Item.Value.
func measured(v float64) *float64 { return &v }

// clampBytes is n as an int64 for human.Bytes.
func clampBytes(n uint64) int64 { return int64(min(n, math.MaxInt64)) }

// LoadText describes the load of snap the one way every output shows it:
// "load average 5.98 (1 min), 5.16 (5 min), 6.21 (15 min) on 2 CPUs: 299%
// of capacity". The percentage is snap.LoadPercent through human.Percent,
// so a finding and the report's table of measurements round it alike.
func LoadText(snap SystemSnapshot) string {
	return fmt.Sprintf("load average %.2f (1 min), %.2f (5 min), %.2f (15 min) on %s: %s of capacity",
		snap.Load1, snap.Load5, snap.Load15, human.Count(snap.CPUs, "CPU", "CPUs"), human.Percent(snap.LoadPercent))
}
