package cli

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sandbox"
)

// demoHostSteps are the demo's steps about the machine it runs on: its
// load, memory and disks. Everything else the demo reports is about the
// generated installation, its package state and auth log included.
var demoHostSteps = []string{"preflight/resources", "postflight/resources"}

// checkDemoScope asserts that a demo's JSON report keeps the host apart:
// demoscope FILE. Only demoHostSteps are host-scoped; no other step has a
// load, memory or disk metric or finding; the apt numbers, failed host
// logins and processes are the generated installation's (its apt list,
// its auth log, the backend's process tree), not the machine's.
func checkDemoScope(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: demoscope FILE")
	}
	var run runbook.Run
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &run); err != nil {
		ts.Fatalf("%s is not a JSON report: %v", args[0], err)
	}
	var host []string
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			name := p.Name + "/" + s.Name
			if s.Scope == runbook.ScopeHost {
				host = append(host, name)
				continue
			}
			for m := range s.Metrics {
				if m == "load1" || m == "load_percent" || m == "memory_used_percent" || strings.HasPrefix(m, "disk_used_percent") {
					ts.Fatalf("%s is not host-scoped but measured the host's %s", name, m)
				}
			}
			for _, f := range s.Findings {
				for _, prefix := range []string{"load:", "memory:", "disk:", "system load", "memory use", "disk /"} {
					if strings.HasPrefix(f.Message, prefix) {
						ts.Fatalf("%s is not host-scoped but reports the host: %s", name, f.Message)
					}
				}
			}
		}
	}
	if !slices.Equal(host, demoHostSteps) {
		ts.Fatalf("host-scoped steps %v, want exactly %v", host, demoHostSteps)
	}
	wantMetric(ts, &run, "updates/apt", "upgradable", sandbox.AptUpgradableCount)
	for _, step := range []string{"updates/apt", "preflight/security-updates", "security/security-updates"} {
		wantMetric(ts, &run, step, "security_updates", sandbox.AptSecurityCount)
	}
	wantMetric(ts, &run, "security/host-auth", "failed_logins", sandbox.AuthFailuresThisWeek)
	// The backend daemon, alone: it starts no children.
	wantMetric(ts, &run, "performance/top-processes", "processes", 1)
}

func wantMetric(ts *testscript.TestScript, run *runbook.Run, step, metric string, want int) {
	phase, name, _ := strings.Cut(step, "/")
	st, ok := run.Step(phase, name)
	if !ok {
		ts.Fatalf("no step %s in the report", step)
	}
	m, ok := st.Metrics[metric]
	if !ok || m.Value != float64(want) {
		ts.Fatalf("%s: %s = %v (present %v, status %s %s), want %d", step, metric, m.Value, ok, st.Status, st.Note, want)
	}
}
