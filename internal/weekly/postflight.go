package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
)

// postflight is the seed's "Post-Maintenance Verification": services up
// (started and polled until ready, not `sleep 10`), endpoints answering,
// the comprehensive health check, and latency compared with preflight.
func (p *Procedure) postflight() runbook.Phase {
	return runbook.Phase{Name: "postflight", Title: "Post-maintenance verification", Steps: []runbook.Step{
		{Name: "services", Kind: runbook.Mutating, Budget: 2 * time.Minute, Critical: true, Run: p.ensureServices},
		{Name: "endpoints", Kind: runbook.ReadOnly, Budget: time.Minute, Critical: true, Run: p.endpoints},
		{Name: "comprehensive-health", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Critical: true, Run: p.comprehensive},
		{Name: "latency", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Critical: true, Run: p.latencyCompare},
	}}
}

// endpointChecks are the configured endpoint probes.
func (p *Procedure) endpointChecks() []health.Check {
	return p.in.Health.Checks
}

func (p *Procedure) ensureServices(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	if len(p.in.Services.Managed()) == 0 {
		return runbook.Skipped("services.manager is none: the operator manages services"), nil
	}
	var r runbook.Result
	for _, u := range p.in.Services.Managed() {
		active, err := p.in.Services.Manager.Active(ctx, u.Name)
		if err != nil {
			r.Finding(runbook.Warning, err.Error(), "could not tell whether %s is active", u.Name)
			continue
		}
		if active {
			continue
		}
		var ready time.Duration
		err = env.Do(ctx, "start "+u.Name, func(ctx context.Context) error {
			var err error
			ready, err = service.StartAndWait(ctx, p.in.Services.Manager, u.Name, p.rec.ReadinessProbe(u), p.in.Services.ReadyTimeout)
			return err
		})
		if err != nil {
			r.Finding(runbook.Critical, err.Error(), "%s was down after maintenance and did not become ready", u.Name)
			r.Recommend("Check %s's logs; it is down.", u.Name)
			continue
		}
		if !env.DryRun {
			r.Finding(runbook.Warning, "", "%s was down after maintenance; started, ready after %s", u.Name, ready.Round(time.Millisecond))
			r.Metric("ready_seconds:"+u.Name, ready.Seconds(), "s")
		}
	}
	return r, nil
}

// endpointResults probes the configured endpoints once per run: the
// endpoints step and the comprehensive check report the same probes.
func (p *Procedure) endpointResults(ctx context.Context) []health.Result {
	res, _ := p.s.endpoints.get(ctx, func(ctx context.Context) ([]health.Result, error) {
		return p.d.Checker.ProbeAll(ctx, p.endpointChecks()), nil
	})
	return res
}

func (p *Procedure) endpoints(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	if len(p.in.Health.Checks) == 0 {
		return runbook.Skipped("health.endpoints is empty"), nil
	}
	var r runbook.Result
	for _, res := range p.endpointResults(ctx) {
		r.Metric("latency_ms:"+res.Name, ms(res.Latency), "ms")
		if res.Healthy {
			continue
		}
		sev := runbook.Warning
		if res.Critical {
			sev = runbook.Critical
		}
		r.Finding(sev, res.Err, "%s is not healthy (%s)", res.URL, statusText(res))
	}
	return r, nil
}

func statusText(res health.Result) string {
	if res.Status == 0 {
		return "no answer"
	}
	return fmt.Sprintf("HTTP %d", res.Status)
}

func (p *Procedure) comprehensive(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	states := health.ServiceStates(ctx, p.in.Services.Manager, p.in.Services.UnitNames())
	rep := health.Comprehensive(ctx, p.in.ComprehensiveInput(p.endpointResults(ctx), states))
	var r runbook.Result
	ok := 0
	for _, it := range rep.Items {
		if it.Area == "permissions" && it.Severity == health.SeverityWarning && p.ownedElsewhere("security") == runbook.Info {
			r.Finding(runbook.Info, it.Name, "%s: %s (see security/file-modes)", it.Area, it.Detail)
			continue
		}
		switch it.Severity {
		case health.SeverityCritical:
			r.Finding(runbook.Critical, it.Name, "%s: %s", it.Area, it.Detail)
		case health.SeverityWarning:
			r.Finding(runbook.Warning, it.Name, "%s: %s", it.Area, it.Detail)
		default:
			ok++
		}
	}
	r.Metric("items_ok", float64(ok), "count")
	r.Metric("items", float64(len(rep.Items)), "count")
	return r, nil
}

func (p *Procedure) latencyCompare(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	compared := 0
	var lines []string
	for _, c := range p.criticalChecks() {
		before, ok := p.s.getBaseline(c.Name)
		if !ok {
			continue
		}
		after, err := p.d.Checker.Measure(ctx, c, 5)
		if err != nil {
			r.Finding(runbook.Critical, err.Error(), "%s did not answer after maintenance", c.URL)
			continue
		}
		compared++
		pct, regressed := health.Regression(before, after, p.in.Thresholds.LatencyRegressionPercent)
		r.Metric("latency_change_percent:"+c.Name, pct, "%")
		lines = append(lines, fmt.Sprintf("%s: median %.1f ms -> %.1f ms (%+.0f%%)", c.Name, ms(before.Median), ms(after.Median), pct))
		if regressed {
			r.Finding(runbook.Warning, fmt.Sprintf("median %.1f ms before, %.1f ms after", ms(before.Median), ms(after.Median)),
				"%s is %.0f%% slower than before maintenance (warn above %.0f%%)", c.URL, pct, p.in.Thresholds.LatencyRegressionPercent)
		}
	}
	if compared == 0 {
		return runbook.Skipped("no preflight latency baseline to compare with (run preflight in the same run)"), nil
	}
	r.Finding(runbook.Info, strings.Join(lines, "\n"), "endpoint latency compared with preflight")
	return r, nil
}
