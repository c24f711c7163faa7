package weekly

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/history"
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
	// BenchAuth is sent as the Authorization header of the benchmark's
	// requests (never shown).
	BenchAuth string
	// Appliers make the Applier of each package manager whose updates
	// are applied (updates.*.apply); nil: none can be (cli wires them).
	Appliers ApplierFactory
	// Reboot are the reboot commands (zero: the real ones).
	Reboot RebootCommands
}

// Procedure is the weekly run of one installation.
type Procedure struct {
	d   Deps
	in  *install.Installation
	rec *recovery.Kit
	// rebootDue is set by postflight/reboot under updates.reboot: now.
	rebootDue atomic.Bool
}

// New returns the procedure for deps.
func New(d Deps) *Procedure {
	if d.TopSample <= 0 {
		d.TopSample = time.Second
	}
	if d.Checker == nil {
		d.Checker = &health.Checker{}
	}
	d.Reboot = d.Reboot.withDefaults()
	return &Procedure{d: d, in: d.Install, rec: recovery.New(d.Install, d.Checker, d.Now)}
}

// runInputs are what a run knows before its plan is built.
type runInputs struct {
	// failingSince is when earlier runs first saw the integrity check
	// fail (zero: they did not): corruption is dated from then.
	failingSince time.Time
	// pinned are the rollback points of the latest earlier run, which
	// retention must keep (`fossamaint rollback` restores from them).
	pinned map[string]string
	// past are the durations of each step in earlier runs ("phase/step"):
	// what window.overrun: extend expects of the steps left.
	past map[string][]time.Duration
	// served is the live database as the optimize step left it (written
	// by database/optimize, read by window.overrun: rollback).
	served *handoff[servedState]
	// recordUpdates writes the packages this run changes into the
	// history (nil: a dry run).
	recordUpdates func(context.Context, []history.UpdateChange) error
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

// plan is the whole weekly procedure, top to bottom (this file): wire
// makes each phase, a small struct holding only its options (from the
// resolved installation) and dependencies, and the typed handoffs between
// steps; then each phase lists its steps in order, with their budgets and
// what they hand to whom. The step functions live in the phase's file.
func (p *Procedure) plan(names []string, inputs runInputs) runbook.Plan {
	w := p.wire(names, inputs)
	var plan runbook.Plan
	for _, ph := range []runbook.Phase{
		w.preflight(), w.updates(), w.database(), w.logs(),
		w.performance(), w.security(), w.backups(), w.postflight(),
	} {
		if slices.Contains(names, ph.Name) {
			plan.Phases = append(plan.Phases, ph)
		}
	}
	return plan
}

// wired are one run's phases.
type wired struct {
	pre        *preflightPhase
	upd        *updatesPhase
	db         *databasePhase
	lg         *logsPhase
	perf       *performancePhase
	sec        *securityPhase
	bk         *backupsPhase
	off        *offsiteStep
	post       *postflightPhase
	secUpdates *securityUpdates
	bench      *apiBench
	// applied updates: updates/apply -> postflight/undo-updates, reboot
	apply   *applyStep
	restart *restartStep
	undo    *updatesUndo
	reboot  *rebootStep
	health  *healthWatch
}

func (p *Procedure) wire(names []string, inputs runInputs) *wired {
	in, clk := p.in, clock{now: p.d.Now, zone: p.in.Zone}
	owner := ownership(names)
	// Handoffs, each written by one step and read by later ones.
	var (
		pointA    handoff[string]           // database/backup -> database/integrity, corruption, optimize
		queries   handoff[queryTimings]     // database/queries-before -> database/queries-after
		integrity handoff[integrityVerdict] // database/integrity -> database/corruption, optimize
	)
	// Inputs several steps read, each read once per run.
	logSrc := &logSource{clock: clk, dir: in.Logs.Dir, set: in.Logs.Files}
	apt := &aptSource{runner: p.d.Runner, rebootFile: in.Updates.Apt.RebootRequiredFile, listFile: in.Updates.Apt.ListFile, root: in.Root}
	secrets := &secretSource{in: in}
	endpoints := &endpointSource{checker: p.d.Checker, checks: in.Health.Checks}
	backups := &backupMaker{in: in, now: p.d.Now}
	applied, watch := &appliedSet{}, &healthWatch{}
	w := &wired{
		pre: &preflightPhase{clock: clk, services: in.Services, layout: in.Backups.Layout, backups: backups,
			dbPath: in.Database.Path, postgres: in.Database.Engine() == install.EnginePostgres, thresholds: in.Thresholds, logs: logSrc},
		upd: &updatesPhase{upd: in.Updates, runner: p.d.Runner, apt: apt},
		db: &databasePhase{clock: clk, db: in.Database, layout: in.Backups.Layout, preRecoveryDir: in.Backups.PreRecoveryDir,
			configPath: in.ConfigPath, toolVersion: in.ToolVersion, services: in.Services, backups: backups, rec: p.rec,
			failingSince: inputs.failingSince, pointA: &pointA, verdict: &integrity,
			queries: &queries, regressionPercent: in.Thresholds.LatencyRegressionPercent, served: inputs.served},
		lg: &logsPhase{clock: clk, logs: logSrc, secrets: secrets, reportsDir: in.ReportsDir,
			errorsPerWeek: in.Thresholds.ErrorsPerWeek, rotation: in.Logs},
		perf: &performancePhase{clock: clk, metricsFile: in.Logs.MetricsFile, thresholds: in.Thresholds, topSample: p.d.TopSample,
			pidFiles: pidFilesOf(in.Services.Units), root: in.Root},
		sec: &securityPhase{clock: clk, sec: in.Security, thresholds: in.Thresholds, logs: logSrc, secrets: secrets, root: in.Root},
		bk: &backupsPhase{clock: clk, b: in.Backups, fullVerify: in.Database.Verify == "full",
			pinned: inputs.pinned, pointA: &pointA},
		off: &offsiteStep{clock: clk, opts: in.Backups.Offsite, layout: in.Backups.Layout, retention: in.Backups.Retention},
		post: &postflightPhase{services: in.Services, rec: p.rec, checker: p.d.Checker, checks: in.Health.Checks,
			endpoints: endpoints, comprehensiveInput: in.ComprehensiveInput, thresholds: in.Thresholds,
			owner: owner},
		secUpdates: &securityUpdates{enabled: in.Updates.Apt.Enabled, apt: apt, owner: owner},
		// preflight/latency-baseline -> performance/api-benchmark -> postflight/latency
		bench: &apiBench{clock: clk, cfg: in.Health.Benchmark, health: in.Health,
			auth: p.d.BenchAuth, reportsDir: in.ReportsDir, regressionPercent: in.Thresholds.LatencyRegressionPercent},
		apply: &applyStep{planner: planner{policies: in.UpdatePolicies, factory: p.d.Appliers}, stateDir: in.StateDir,
			rebootFile: in.UpdatePolicies.RebootRequiredFile, record: inputs.recordUpdates, set: applied, owner: owner},
		restart: &restartStep{set: applied, rec: p.rec, services: in.Services, now: p.d.Now, record: inputs.recordUpdates},
		undo: &updatesUndo{set: applied, health: watch, rec: p.rec, services: in.Services, checker: p.d.Checker,
			checks: in.Health.Checks, record: inputs.recordUpdates},
		reboot: &rebootStep{set: applied, policy: in.UpdatePolicies.Reboot, file: in.UpdatePolicies.RebootRequiredFile,
			runner: p.d.Runner, cmds: p.d.Reboot, due: &p.rebootDue},
		health: watch,
	}
	// The database's engine: the SQLite file's or PostgreSQL's.
	w.db.engine = engineFor(w.db)
	w.bk.pg = newPGBackups(in)
	return w
}

// preflight is the seed's "Pre-Maintenance Verification": is there a
// backup from today, is there room and headroom, what broke recently, and
// how fast the service answers before we touch it. (Execute puts the
// recovery of dead runs and the configuration snapshot first.)
func (w *wired) preflight() runbook.Phase {
	pre := w.pre
	return runbook.Phase{Name: "preflight", Title: "Pre-maintenance verification", Steps: []runbook.Step{
		{Name: "services", Kind: runbook.ReadOnly, Budget: time.Minute, Critical: true, Run: pre.servicesActive},
		{Name: "daily-backup", Kind: runbook.Mutating, Budget: 10 * time.Minute, Critical: true, Run: pre.dailyBackup},
		{Name: "resources", Kind: runbook.ReadOnly, Budget: time.Minute, Critical: true, Run: pre.resources},
		{Name: "recent-errors", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Run: pre.recentErrors},
		{Name: "security-updates", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Run: w.secUpdates.step("preflight")},
		// -> bench (the short benchmark before maintenance)
		{Name: "latency-baseline", Kind: runbook.ReadOnly, Budget: w.bench.budget(w.bench.cfg.BaselineDuration), Critical: true, Run: w.bench.baseline},
	}}
}

// updates is the seed's "System Updates and Security Patches": the
// report-only checks, then what updates.*.apply allows, never more (the
// seed's unconditional `apt upgrade -y` and `npm audit fix --force`
// break things inside a window). With every policy none (the default)
// nothing is installed.
func (w *wired) updates() runbook.Phase {
	upd := w.upd
	return runbook.Phase{Name: "updates", Title: "System updates and security patches", Steps: []runbook.Step{
		{Name: "apt", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Run: upd.aptUpdates},
		{Name: "pip", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Run: upd.pipUpdates},
		{Name: "npm", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Run: upd.npmAudit},
		// -> applied (each Applied with its snapshot, the reboot flag);
		// its Undo puts the application updates back
		{Name: "apply", Kind: runbook.Mutating, Budget: 20 * time.Minute, Run: w.apply.apply, Undo: w.apply.undo},
		// applied: the services load the upgraded application packages;
		// its Undo puts them back when a service does not come back
		{Name: "restart", Kind: runbook.Downtime, Budget: 5 * time.Minute, Run: w.restart.run, Undo: w.restart.undo},
	}}
}

// database is the seed's "Database Maintenance" done safely: stats; an
// online, verified backup with a manifest (rollback point A); the full
// integrity_check on that copy, so the expensive check costs no downtime;
// the corruption procedure only when it failed (keep the damaged file,
// find the newest verified backup from before, stop or restore); then the
// one step with downtime: VACUUM INTO (made while the service runs when
// nothing commits meanwhile) and swap, or PRAGMA optimize; quick_check;
// start; wait until ready. Any failure after the stop restores rollback
// point B. The seed's per-connection pragmas are not set: they would do
// nothing for the application's connections.
func (w *wired) database() runbook.Phase {
	db, eng := w.db, w.db.engine // eng: the SQLite file's or PostgreSQL's (engineFor)
	return runbook.Phase{Name: "database", Title: "Database maintenance and optimization", Steps: []runbook.Step{
		{Name: "stats", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Critical: true, Run: eng.stats},
		// -> queries (the application's reads before optimize)
		{Name: "queries-before", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Run: db.queriesBefore},
		// -> pointA (PostgreSQL: pg_dump while the service runs)
		{Name: "backup", Kind: runbook.Mutating, Budget: 20 * time.Minute, Critical: true, Run: eng.backup},
		// pointA -> integrity (PostgreSQL: pg_amcheck on the live database)
		{Name: "integrity", Kind: runbook.ReadOnly, Budget: 30 * time.Minute, Critical: true, Run: eng.check},
		// integrity, pointA (cleared when it is a copy of a damaged file)
		{Name: "corruption", Kind: runbook.Mutating, Budget: 20 * time.Minute, Critical: true, Run: eng.corruption},
		// integrity, pointA; its Undo puts rollback point B back
		// (PostgreSQL: starts the service a VACUUM FULL stopped)
		{Name: "optimize", Kind: runbook.Downtime, Budget: optimizeBudget, Run: eng.optimize, Undo: eng.undoOptimize},
		// queries: the same reads after optimize, compared
		{Name: "queries-after", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Run: db.queriesAfter},
	}}
}

// logs is the seed's "Log Analysis and Cleanup": the week's analysis by
// each entry's own timestamp, written as weekly-log-analysis-YYYYMMDD.json,
// then rotation: compress after 7 days, archive after 30 into the file's
// own month, delete archives after 90.
func (w *wired) logs() runbook.Phase {
	lg := w.lg
	return runbook.Phase{Name: "logs", Title: "Log analysis and cleanup", Steps: []runbook.Step{
		{Name: "analyze", Kind: runbook.Mutating, Budget: 15 * time.Minute, Run: lg.analyzeLogs},
		{Name: "rotate", Kind: runbook.Mutating, Budget: 20 * time.Minute, Run: lg.rotateLogs},
	}}
}

// performance is the seed's "Performance Analysis": the week's API
// benchmark (open loop, against last week's and this run's preflight),
// the week's samples chosen by timestamp, and the processes using most CPU
// and memory now. Caches are never dropped.
func (w *wired) performance() runbook.Phase {
	perf := w.perf
	return runbook.Phase{Name: "performance", Title: "Performance analysis", Steps: []runbook.Step{
		// bench: the full benchmark, compared with last week's and preflight's, written
		{Name: "api-benchmark", Kind: runbook.Mutating, Budget: w.bench.budget(w.bench.cfg.Duration), Run: w.bench.benchmark},
		{Name: "trends", Kind: runbook.ReadOnly, Budget: 10 * time.Minute, Run: perf.trends},
		{Name: "top-processes", Kind: runbook.ReadOnly, Budget: time.Minute, Run: perf.topProcesses},
	}}
}

// security is the seed's "Security Review": file modes of the database and
// secrets, certificates, failed logins and attacks in the application's
// and the host's logs, pending security updates.
func (w *wired) security() runbook.Phase {
	sec := w.sec
	return runbook.Phase{Name: "security", Title: "Security review", Steps: []runbook.Step{
		{Name: "file-modes", Kind: runbook.ReadOnly, Budget: time.Minute, Run: sec.fileModes},
		{Name: "tls-certificates", Kind: runbook.ReadOnly, Budget: time.Minute, Run: sec.tlsCerts},
		{Name: "app-logs", Kind: runbook.ReadOnly, Budget: 10 * time.Minute, Run: sec.appLogins},
		{Name: "host-auth", Kind: runbook.ReadOnly, Budget: 10 * time.Minute, Run: sec.hostAuth},
		{Name: "security-updates", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Run: w.secUpdates.step("security")},
	}}
}

// backups is the seed's "Backup Verification": what backups exist and how
// old, whether the newest are sound (checked in place, opened immutable),
// and what is outside the retention policy (deleted only with
// backups.prune); then the off-site copies (backups.offsite).
func (w *wired) backups() runbook.Phase {
	bk := w.bk
	return runbook.Phase{Name: "backups", Title: "Backup verification", Steps: []runbook.Step{
		{Name: "inventory", Kind: runbook.ReadOnly, Budget: time.Minute, Run: bk.backupInventory},
		{Name: "verify", Kind: runbook.ReadOnly, Budget: 20 * time.Minute, Run: bk.verifyNewest},
		{Name: "retention", Kind: runbook.Mutating, Budget: 5 * time.Minute, Run: bk.retention},
		// after local retention: what the run removed is not sent
		{Name: "offsite", Kind: runbook.Mutating, Budget: w.off.budget(), Run: w.off.run},
	}}
}

// postflight is the seed's "Post-Maintenance Verification": services up
// (started and polled until ready, not `sleep 10`), endpoints answering,
// the comprehensive health check, and latency compared with preflight.
func (w *wired) postflight() runbook.Phase {
	post := w.post
	return runbook.Phase{Name: "postflight", Title: "Post-maintenance verification", Steps: []runbook.Step{
		{Name: "services", Kind: runbook.Mutating, Budget: 2 * time.Minute, Critical: true, Run: post.ensureServices},
		// -> health (whether they failed)
		{Name: "endpoints", Kind: runbook.ReadOnly, Budget: time.Minute, Critical: true, Run: w.health.watch("endpoints", post.endpointsUp)},
		{Name: "comprehensive-health", Kind: runbook.ReadOnly, Budget: 2 * time.Minute, Critical: true, Run: w.health.watch("comprehensive-health", post.comprehensive)},
		// applied, health: undo the application updates when health failed
		{Name: "undo-updates", Kind: runbook.Mutating, Budget: 10 * time.Minute, Critical: true, Run: w.undo.run},
		// the host's disks, memory and load (Scope host)
		{Name: "resources", Kind: runbook.ReadOnly, Budget: time.Minute, Critical: true, Run: post.resources},
		// bench: the short benchmark after maintenance, compared with preflight's, written
		{Name: "latency", Kind: runbook.Mutating, Budget: w.bench.budget(w.bench.cfg.BaselineDuration), Critical: true, Run: w.bench.after},
		// applied (the reboot flag, undone): per updates.reboot, last
		{Name: "reboot", Kind: runbook.Mutating, Budget: time.Minute, Critical: true, Run: w.reboot.run},
	}}
}

// optimizeBudget is database/optimize's budget; PostgreSQL's VACUUM FULL
// keeps to it.
const optimizeBudget = 30 * time.Minute

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
