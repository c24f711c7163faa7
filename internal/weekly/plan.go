package weekly

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// Phase names, in the order the seed performs them.
var PhaseNames = []string{"preflight", "updates", "database", "logs", "performance", "security", "backups", "postflight"}

// ErrPhaseSelection is wrapped by errors in --only/--skip phase names.
var ErrPhaseSelection = errors.New("bad phase selection")

// Deps are the side-effecting things the procedure uses; tests point them
// at real temp dirs, real SQLite files and real loopback servers.
type Deps struct {
	// Install is the resolved configuration: every option a phase takes
	// comes from it, including the service manager.
	Install *install.Installation
	Checker *health.Checker
	Runner  updates.Runner
	// Now is the clock.
	Now func() time.Time
	// TopSample is how long CPU use of processes is sampled (default 1s).
	TopSample time.Duration
}

// Procedure is the weekly run of one installation.
type Procedure struct {
	d   Deps
	in  *install.Installation
	rec *recovery.Kit
}

// New returns the procedure for deps.
func New(d Deps) *Procedure {
	if d.TopSample <= 0 {
		d.TopSample = time.Second
	}
	if d.Checker == nil {
		d.Checker = &health.Checker{}
	}
	return &Procedure{d: d, in: d.Install, rec: recovery.New(d.Install, d.Checker, d.Now)}
}

// runInputs are what a run knows before its plan is built.
type runInputs struct {
	// failingSince is when earlier runs first saw the integrity check
	// fail (zero: they did not): corruption is dated from then.
	failingSince time.Time
}

// Plan returns the phases selected by only and skip (phase names; empty
// only means all).
func (p *Procedure) Plan(only, skip []string) (runbook.Plan, error) {
	names, err := selectPhases(only, skip)
	if err != nil {
		return runbook.Plan{}, err
	}
	return p.plan(names, runInputs{}), nil
}

// plan is the whole weekly procedure, top to bottom: every phase and step
// in the order they run, with its budget, and what each step hands to a
// later one (the handoffs made here). Each phase is a small struct holding
// only its options (from the resolved installation) and dependencies; the
// step functions live in the phase's file.
func (p *Procedure) plan(names []string, inputs runInputs) runbook.Plan {
	in, clk := p.in, clock{now: p.d.Now, zone: p.in.Zone}
	owner := ownership(names)

	// Handoffs, each written by one step and read by later ones.
	var (
		baseline  handoff[latencyBaseline]  // preflight/latency-baseline -> postflight/latency
		pointA    handoff[string]           // database/backup -> database/integrity, corruption, optimize
		integrity handoff[integrityVerdict] // database/integrity -> database/corruption, optimize
	)
	// Inputs several steps read, each read once per run.
	logSrc := &logSource{clock: clk, dir: in.Logs.Dir, set: in.Logs.Files}
	apt := &aptSource{runner: p.d.Runner, rebootFile: in.Updates.Apt.RebootRequiredFile}
	secrets := &secretSource{in: in}
	endpoints := &endpointSource{checker: p.d.Checker, checks: in.Health.Checks}
	backups := &backupMaker{in: in, now: p.d.Now}
	secUpdates := &securityUpdates{enabled: in.Updates.Apt.Enabled, apt: apt, owner: owner}

	pre := &preflightPhase{clock: clk, services: in.Services, layout: in.Backups.Layout, backups: backups,
		dbPath: in.Database.Path, thresholds: in.Thresholds, logs: logSrc, checks: in.Health.Checks,
		checker: p.d.Checker, baseline: &baseline}
	upd := &updatesPhase{upd: in.Updates, runner: p.d.Runner, apt: apt}
	db := &databasePhase{clock: clk, db: in.Database, layout: in.Backups.Layout, preRecoveryDir: in.Backups.PreRecoveryDir,
		configPath: in.ConfigPath, toolVersion: in.ToolVersion, services: in.Services, backups: backups, rec: p.rec,
		failingSince: inputs.failingSince, pointA: &pointA, verdict: &integrity}
	lg := &logsPhase{clock: clk, logs: logSrc, secrets: secrets, reportsDir: in.ReportsDir,
		errorsPerWeek: in.Thresholds.ErrorsPerWeek, rotation: in.Logs}
	perf := &performancePhase{clock: clk, metricsFile: in.Logs.MetricsFile, thresholds: in.Thresholds, topSample: p.d.TopSample}
	sec := &securityPhase{clock: clk, sec: in.Security, thresholds: in.Thresholds, logs: logSrc, secrets: secrets}
	bk := &backupsPhase{clock: clk, b: in.Backups, fullVerify: in.Database.Verify == "full"}
	post := &postflightPhase{services: in.Services, rec: p.rec, checker: p.d.Checker, checks: in.Health.Checks,
		endpoints: endpoints, comprehensiveInput: in.ComprehensiveInput, thresholds: in.Thresholds,
		owner: owner, baseline: &baseline}

	const (
		readOnly = runbook.ReadOnly
		mutating = runbook.Mutating
		downtime = runbook.Downtime
		minute   = time.Minute
	)
	all := []runbook.Phase{
		// The seed's "Pre-Maintenance Verification": is there a backup from
		// today, is there room and headroom, what broke recently, and how
		// fast the service answers before we touch it. (Execute puts the
		// recovery of dead runs and the configuration snapshot first.)
		{Name: "preflight", Title: "Pre-maintenance verification", Steps: []runbook.Step{
			{Name: "services", Kind: readOnly, Budget: minute, Critical: true, Run: pre.servicesActive},
			{Name: "daily-backup", Kind: mutating, Budget: 10 * minute, Critical: true, Run: pre.dailyBackup},
			{Name: "resources", Kind: readOnly, Budget: minute, Critical: true, Run: pre.resources},
			{Name: "recent-errors", Kind: readOnly, Budget: 5 * minute, Run: pre.recentErrors},
			{Name: "security-updates", Kind: readOnly, Budget: 2 * minute, Run: secUpdates.run},
			// -> baseline
			{Name: "latency-baseline", Kind: readOnly, Budget: 2 * minute, Critical: true, Run: pre.latencyBaseline},
		}},
		// The seed's "System Updates and Security Patches", report-only: the
		// seed's unconditional `apt upgrade -y` and `npm audit fix --force`
		// break things inside a window, so nothing here installs anything.
		{Name: "updates", Title: "System updates and security patches", Steps: []runbook.Step{
			{Name: "apt", Kind: readOnly, Budget: 5 * minute, Run: upd.aptUpdates},
			{Name: "pip", Kind: readOnly, Budget: 5 * minute, Run: upd.pipUpdates},
			{Name: "npm", Kind: readOnly, Budget: 5 * minute, Run: upd.npmAudit},
		}},
		// The seed's "Database Maintenance" done safely: stats; an online,
		// verified backup with a manifest (rollback point A); the full
		// integrity_check on that copy, so the expensive check costs no
		// downtime; the corruption procedure only when it failed (keep the
		// damaged file, find the newest verified backup from before, stop
		// or restore); then the one step with downtime: VACUUM INTO (made
		// while the service runs when nothing commits meanwhile) and swap,
		// or PRAGMA optimize; quick_check; start; wait until ready. Any
		// failure after the stop restores rollback point B. The seed's
		// per-connection pragmas are not set: they would do nothing for the
		// application's connections.
		{Name: "database", Title: "Database maintenance and optimization", Steps: []runbook.Step{
			{Name: "stats", Kind: readOnly, Budget: 5 * minute, Critical: true, Run: db.dbStats},
			// -> pointA
			{Name: "backup", Kind: mutating, Budget: 20 * minute, Critical: true, Run: db.dbBackup},
			// pointA -> integrity
			{Name: "integrity", Kind: readOnly, Budget: 30 * minute, Critical: true, Run: db.dbIntegrity},
			// integrity, pointA -> (pointA cleared when it copied a damaged file)
			{Name: "corruption", Kind: mutating, Budget: 20 * minute, Critical: true, Run: db.dbCorruption},
			// integrity, pointA; its Undo puts rollback point B back
			{Name: "optimize", Kind: downtime, Budget: 30 * minute, Run: db.dbOptimize, Undo: db.undoDowntime},
		}},
		// The seed's "Log Analysis and Cleanup": the week's analysis by each
		// entry's own timestamp, written as weekly-log-analysis-YYYYMMDD.json,
		// then rotation: compress after 7 days, archive after 30 into the
		// file's own month, delete archives after 90.
		{Name: "logs", Title: "Log analysis and cleanup", Steps: []runbook.Step{
			{Name: "analyze", Kind: mutating, Budget: 15 * minute, Run: lg.analyzeLogs},
			{Name: "rotate", Kind: mutating, Budget: 20 * minute, Run: lg.rotateLogs},
		}},
		// The trends part of the seed's "Performance Analysis": the week's
		// samples chosen by timestamp, and the processes using most CPU and
		// memory now. Caches are never dropped.
		{Name: "performance", Title: "Performance analysis", Steps: []runbook.Step{
			{Name: "trends", Kind: readOnly, Budget: 10 * minute, Run: perf.trends},
			{Name: "top-processes", Kind: readOnly, Budget: minute, Run: perf.topProcesses},
		}},
		// The seed's "Security Review": file modes of the database and
		// secrets, certificates, failed logins and attacks in the
		// application's and the host's logs, pending security updates.
		{Name: "security", Title: "Security review", Steps: []runbook.Step{
			{Name: "file-modes", Kind: readOnly, Budget: minute, Run: sec.fileModes},
			{Name: "tls-certificates", Kind: readOnly, Budget: minute, Run: sec.tlsCerts},
			{Name: "app-logs", Kind: readOnly, Budget: 10 * minute, Run: sec.appLogins},
			{Name: "host-auth", Kind: readOnly, Budget: 10 * minute, Run: sec.hostAuth},
			{Name: "security-updates", Kind: readOnly, Budget: 2 * minute, Run: secUpdates.run},
		}},
		// The seed's "Backup Verification": what backups exist and how old,
		// whether the newest are sound (checked in place, opened immutable),
		// and what is outside the retention policy (deleted only with
		// backups.prune).
		{Name: "backups", Title: "Backup verification", Steps: []runbook.Step{
			{Name: "inventory", Kind: readOnly, Budget: minute, Run: bk.backupInventory},
			{Name: "verify", Kind: readOnly, Budget: 20 * minute, Run: bk.verifyNewest},
			{Name: "retention", Kind: mutating, Budget: 5 * minute, Run: bk.retention},
		}},
		// The seed's "Post-Maintenance Verification": services up (started
		// and polled until ready, not `sleep 10`), endpoints answering, the
		// comprehensive health check, and latency compared with preflight.
		{Name: "postflight", Title: "Post-maintenance verification", Steps: []runbook.Step{
			{Name: "services", Kind: mutating, Budget: 2 * minute, Critical: true, Run: post.ensureServices},
			{Name: "endpoints", Kind: readOnly, Budget: minute, Critical: true, Run: post.endpointsUp},
			{Name: "comprehensive-health", Kind: readOnly, Budget: 2 * minute, Critical: true, Run: post.comprehensive},
			// baseline ->
			{Name: "latency", Kind: readOnly, Budget: 2 * minute, Critical: true, Run: post.latencyCompare},
		}},
	}
	var plan runbook.Plan
	for _, ph := range all {
		if slices.Contains(names, ph.Name) {
			plan.Phases = append(plan.Phases, ph)
		}
	}
	return plan
}

// selectPhases are the phase names only and skip leave, in plan order.
func selectPhases(only, skip []string) ([]string, error) {
	if err := checkNames(only); err != nil {
		return nil, fmt.Errorf("--only: %w", err)
	}
	if err := checkNames(skip); err != nil {
		return nil, fmt.Errorf("--skip: %w", err)
	}
	var names []string
	for _, n := range PhaseNames {
		if (len(only) == 0 || slices.Contains(only, n)) && !slices.Contains(skip, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: --only and --skip leave no phase to run", ErrPhaseSelection)
	}
	return names, nil
}

func checkNames(names []string) error {
	for _, n := range names {
		if !slices.Contains(PhaseNames, n) {
			return fmt.Errorf("%w: unknown phase %q (phases: %s)", ErrPhaseSelection, n, strings.Join(PhaseNames, ", "))
		}
	}
	return nil
}
