package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// payloadVersion changes when what writeRun sends of a run changes: the
// fingerprints change with it, so every run is sent again once.
const payloadVersion = "1"

// Fingerprint is what the central database keeps of a run's local row to
// tell whether it is up to date: a hash of what can change once a run
// has ended (its status, by recover or rollback; its end; its summary).
func Fingerprint(r history.RunRow) string {
	var b strings.Builder
	for _, f := range []string{payloadVersion, r.Command, r.Status, r.StartedAt.UTC().Format(time.RFC3339Nano),
		r.FinishedAt.UTC().Format(time.RFC3339Nano), strconv.FormatBool(r.Partial),
		strconv.FormatFloat(r.Downtime, 'g', -1, 64), strconv.Itoa(r.Critical), strconv.Itoa(r.Warning), strconv.Itoa(r.Info)} {
		b.WriteString(f)
		b.WriteByte(0)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// children are a run's steps, actions and measures as columns, for one
// INSERT ... SELECT FROM unnest each.
type children struct {
	stepSeq                                  []int32
	stepPhase, stepName, stepKind, stepState []string
	stepStart, stepEnd                       []*time.Time
	stepSeconds                              []float64
	stepError                                []string

	actSeq                     []int32
	actPhase, actStep, actWhat []string

	measName, measUnit []string
	measValue          []float64
}

func childrenOf(run *runbook.Run, o SyncOptions) children {
	var c children
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			c.stepSeq = append(c.stepSeq, int32(len(c.stepSeq)))
			c.stepPhase, c.stepName = append(c.stepPhase, p.Name), append(c.stepName, s.Name)
			c.stepKind, c.stepState = append(c.stepKind, string(s.Kind)), append(c.stepState, string(s.Status))
			c.stepStart, c.stepEnd = append(c.stepStart, at(s.StartedAt)), append(c.stepEnd, at(s.FinishedAt))
			c.stepSeconds, c.stepError = append(c.stepSeconds, s.DurationSeconds), append(c.stepError, o.Redactor.String(s.Error))
			for _, a := range s.Actions {
				c.actSeq = append(c.actSeq, int32(len(c.actSeq)))
				c.actPhase, c.actStep, c.actWhat = append(c.actPhase, p.Name), append(c.actStep, s.Name), append(c.actWhat, o.Redactor.String(a))
			}
		}
	}
	for name, v := range history.MeasuresOf(run) {
		c.measName, c.measValue, c.measUnit = append(c.measName, name), append(c.measValue, v), append(c.measUnit, history.Unit(name))
	}
	return c
}

// writeRun writes one run in one transaction: the run's row upserted
// (its lock orders two syncs of one run), its child rows replaced. Sent
// twice, it leaves the same rows.
func writeRun(ctx context.Context, conn *pgx.Conn, o SyncOptions, r history.RunRow, run *runbook.Run) error {
	id := o.Installation.ID
	var exit *int
	if o.ExitCode != nil {
		e := o.ExitCode(run)
		exit = &e
	}
	var fin *time.Time
	if !r.FinishedAt.IsZero() {
		fin = &r.FinishedAt
	}
	var next *time.Time
	if !run.NextMaintenance.IsZero() {
		next = &run.NextMaintenance
	}
	c := childrenOf(run, o)
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO runs(installation_id, run_id, command, host, tool_version, started_at, finished_at, status, exit_code,
		partial, downtime_seconds, findings_critical, findings_warning, findings_info, next_maintenance, fingerprint, synced_at)
		VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (installation_id, run_id) DO UPDATE SET command = excluded.command, host = excluded.host,
		tool_version = excluded.tool_version, started_at = excluded.started_at, finished_at = excluded.finished_at,
		status = excluded.status, exit_code = excluded.exit_code, partial = excluded.partial,
		downtime_seconds = excluded.downtime_seconds, findings_critical = excluded.findings_critical,
		findings_warning = excluded.findings_warning, findings_info = excluded.findings_info,
		next_maintenance = excluded.next_maintenance, fingerprint = excluded.fingerprint, synced_at = excluded.synced_at`,
		id, r.ID, r.Command, run.Host, run.ToolVersion, r.StartedAt, fin, r.Status, exit,
		r.Partial, r.Downtime, r.Critical, r.Warning, r.Info, next, Fingerprint(r), o.Now())
	for _, t := range []string{"steps", "actions", "measures"} {
		b.Queue(`DELETE FROM `+t+` WHERE installation_id = $1 AND run_id = $2`, id, r.ID)
	}
	if len(c.stepSeq) > 0 {
		b.Queue(`INSERT INTO steps(installation_id, run_id, seq, phase, step, kind, status, started_at, finished_at, duration_seconds, error)
			SELECT $1, $2, * FROM unnest($3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
			$9::timestamptz[], $10::float8[], $11::text[])`,
			id, r.ID, c.stepSeq, c.stepPhase, c.stepName, c.stepKind, c.stepState, c.stepStart, c.stepEnd, c.stepSeconds, c.stepError)
	}
	if len(c.actSeq) > 0 {
		b.Queue(`INSERT INTO actions(installation_id, run_id, seq, phase, step, what)
			SELECT $1, $2, * FROM unnest($3::integer[], $4::text[], $5::text[], $6::text[])`,
			id, r.ID, c.actSeq, c.actPhase, c.actStep, c.actWhat)
	}
	if len(c.measName) > 0 {
		b.Queue(`INSERT INTO measures(installation_id, run_id, name, value, unit)
			SELECT $1, $2, * FROM unnest($3::text[], $4::float8[], $5::text[])`,
			id, r.ID, c.measName, c.measValue, c.measUnit)
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("in the fleet database: %w", err)
		}
		return nil
	})
}
