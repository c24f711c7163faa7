package weekly

import (
	"context"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
)

// postflightPhase is the seed's "Post-Maintenance Verification".
type postflightPhase struct {
	services           install.Services
	rec                *recovery.Kit
	checker            *health.Checker
	checks             []health.Check
	endpoints          *endpointSource
	comprehensiveInput func([]health.Result, []health.ServiceState) health.ComprehensiveInput
	thresholds         config.Thresholds
	owner              ownership
}

func (ph *postflightPhase) ensureServices(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	if len(ph.services.Managed()) == 0 {
		return runbook.Skipped("services.manager is none: the operator manages services"), nil
	}
	var r runbook.Result
	for _, u := range ph.services.Managed() {
		active, err := ph.services.Manager.Active(ctx, u.Name)
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
			ready, err = service.StartAndWait(ctx, ph.services.Manager, u.Name, ph.rec.ReadinessProbe(u), ph.services.ReadyTimeout)
			return err
		})
		if err != nil {
			r.Finding(runbook.Critical, err.Error(), "%s was down after maintenance and did not become ready", u.Name)
			r.Recommend("Check %s's logs; it is down.", u.Name)
			continue
		}
		if !env.DryRun {
			r.Finding(runbook.Warning, "", "%s was down after maintenance; started, ready after %s", u.Name, human.Duration(ready))
			r.Metric("ready_seconds:"+u.Name, ready.Seconds(), "s")
		}
	}
	return r, nil
}

func (ph *postflightPhase) endpointsUp(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	if len(ph.checks) == 0 {
		return runbook.Skipped("health.endpoints is empty"), nil
	}
	var r runbook.Result
	for _, res := range ph.endpoints.results(ctx) {
		r.Metric("latency_seconds:"+res.Name, res.Latency.Seconds(), "s")
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

func (ph *postflightPhase) comprehensive(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	states := health.ServiceStates(ctx, ph.services.Manager, ph.services.UnitNames())
	rep := health.Comprehensive(ctx, ph.comprehensiveInput(ph.endpoints.results(ctx), states))
	var r runbook.Result
	ok, items := 0, 0
	for _, it := range rep.Items {
		if it.Host() {
			continue // the host's disks, memory and load: postflight/resources
		}
		items++
		if it.Area == "permissions" && it.Severity == finding.Warning && ph.owner.elsewhere("security") == runbook.Info {
			r.Finding(runbook.Info, it.Name, "%s: %s (see security/file-modes)", it.Area, it.Detail)
			continue
		}
		switch it.Severity {
		case finding.Critical:
			r.Finding(runbook.Critical, it.Name, "%s: %s", it.Area, it.Detail)
		case finding.Warning:
			r.Finding(runbook.Warning, it.Name, "%s: %s", it.Area, it.Detail)
		default:
			ok++
		}
	}
	r.Metric("items_ok", float64(ok), "count")
	r.Metric("items", float64(items), "count")
	return r, nil
}
