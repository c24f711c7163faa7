package promexport

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Input is what the metrics describe.
type Input struct {
	// Run is the last weekly run, finished (not a dry run).
	Run *runbook.Run
	// Backups are the newest backup of each kind, as found when the
	// metrics are made.
	Backups []Backup
	// Now is when the metrics are made: the backups' ages are at Now.
	Now time.Time
}

// Backup is the newest backup of one kind.
type Backup struct {
	Kind string
	Time time.Time
	Size int64
}

// runStatuses are the values of fossamaint_last_run_status's label.
var runStatuses = []runbook.RunStatus{runbook.RunOK, runbook.RunWarn, runbook.RunFail, runbook.RunRolledBack}

// registry collects gauges into a registry, keeping the first error.
type registry struct {
	reg *prometheus.Registry
	err error
}

func (r *registry) gauge(name, help string, v float64) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	g.Set(v)
	r.register(g)
}

func (r *registry) vec(name, help, label string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{label})
	r.register(g)
	return g
}

func (r *registry) register(c prometheus.Collector) {
	if err := r.reg.Register(c); err != nil && r.err == nil {
		r.err = err
	}
}

// NewRegistry returns a registry holding the metrics of in: the last run
// (when it finished, its status, duration, downtime, findings by
// severity), what it measured (database size, rows and free pages, the
// week's log errors and failed logins, p95 latencies of a benchmark) and
// the newest backups (time, age at in.Now, size).
func NewRegistry(in Input) (*prometheus.Registry, error) {
	if in.Run == nil {
		return nil, fmt.Errorf("no run to export: run `fossamaint weekly` first")
	}
	r := &registry{reg: prometheus.NewRegistry()}
	runMetrics(r, in.Run)
	measureMetrics(r, history.MeasuresOf(in.Run))
	backupMetrics(r, in.Backups, in.Now)
	if r.err != nil {
		return nil, fmt.Errorf("building the metrics: %w", r.err)
	}
	return r.reg, nil
}

func runMetrics(r *registry, run *runbook.Run) {
	if !run.FinishedAt.IsZero() {
		r.gauge("fossamaint_last_run_timestamp_seconds", "When the last weekly maintenance run finished (Unix time).", unix(run.FinishedAt))
	}
	if !run.StartedAt.IsZero() && !run.FinishedAt.IsZero() {
		r.gauge("fossamaint_last_run_duration_seconds", "How long the last weekly run took.", run.FinishedAt.Sub(run.StartedAt).Seconds())
	}
	st := r.vec("fossamaint_last_run_status", "The last weekly run's status: 1 for its status, 0 for the others.", "status")
	for _, s := range runStatuses {
		v := 0.0
		if run.Status == s {
			v = 1
		}
		st.WithLabelValues(string(s)).Set(v)
	}
	r.gauge("fossamaint_last_run_downtime_seconds", "How long the last weekly run kept the services stopped.", run.DowntimeSeconds)
	fs := r.vec("fossamaint_last_run_findings", "Findings of the last weekly run by severity.", "severity")
	counts := map[finding.Severity]int{}
	for _, f := range run.Findings() {
		counts[f.Severity]++
	}
	for _, sev := range []finding.Severity{finding.Info, finding.Warning, finding.Critical} {
		fs.WithLabelValues(sev.String()).Set(float64(counts[sev]))
	}
}

func measureMetrics(r *registry, m history.Measures) {
	if v, ok := m[history.MeasureDatabaseSize]; ok {
		r.gauge("fossamaint_database_size_bytes", "Size of the application's database file after the last run.", v)
	}
	var rows *prometheus.GaugeVec
	for _, table := range []string{history.MeasureWorkOrders, history.MeasureDispensers} {
		if v, ok := m[table]; ok {
			if rows == nil {
				rows = r.vec("fossamaint_database_rows", "Rows of the application's main tables, counted by the last run.", "table")
			}
			rows.WithLabelValues(table).Set(v)
		}
	}
	if v, ok := m[history.MeasureFreelist]; ok {
		r.gauge("fossamaint_database_freelist_ratio", "Free pages of the database before the last run's optimize step (0-1).", v/100)
	}
	if v, ok := m[history.MeasureErrors]; ok {
		r.gauge("fossamaint_log_errors_last_week", "Errors in the application logs in the 7 days before the last run.", v)
	}
	if v, ok := m[history.MeasureFailedLogins]; ok {
		r.gauge("fossamaint_failed_logins_last_week", "Failed logins in the application logs in the 7 days before the last run.", v)
	}
	var lat *prometheus.GaugeVec
	for _, name := range history.MeasureNames(m) {
		endpoint, ok := strings.CutPrefix(name, history.MeasureLatencyP95)
		if v, measured := m[name]; ok && measured {
			if lat == nil {
				lat = r.vec("fossamaint_latency_p95_seconds", "p95 latency of each endpoint in the last run's API benchmark.", "endpoint")
			}
			lat.WithLabelValues(endpoint).Set(v)
		}
	}
}

func backupMetrics(r *registry, backups []Backup, now time.Time) {
	if len(backups) == 0 {
		return
	}
	// No age gauge: the file is written once a week, so an age would
	// stay what it was then; alert on time() - the timestamp instead.
	at := r.vec("fossamaint_backup_last_timestamp_seconds", "When the newest backup of each kind was taken (Unix time); its age is time() minus this.", "kind")
	size := r.vec("fossamaint_backup_size_bytes", "Size of the newest backup of each kind.", "kind")
	for _, b := range backups {
		at.WithLabelValues(b.Kind).Set(unix(b.Time))
		size.WithLabelValues(b.Kind).Set(float64(b.Size))
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Text is what g gathers in the Prometheus text exposition format (the
// one node_exporter's textfile collector reads).
func Text(g prometheus.Gatherer) ([]byte, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, fmt.Errorf("gathering the metrics: %w", err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, fmt.Errorf("encoding metric %s: %w", mf.GetName(), err)
		}
	}
	return b.Bytes(), nil
}

// WriteTextfile writes what g gathers to path atomically (a temporary in
// the same directory, fsynced, renamed: node_exporter never reads half a
// file, and reads only *.prom, so not the temporary), mode 0644: the
// collector runs as another user, and the metrics hold no secret.
func WriteTextfile(path string, g prometheus.Gatherer) error {
	text, err := Text(g)
	if err != nil {
		return err
	}
	if err := durable.WriteFile(path, text, 0o644, "prom"); err != nil {
		return fmt.Errorf("writing the metrics textfile (metrics.textfile; \"\" disables it): %w", err)
	}
	return nil
}
