package history

import (
	"context"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// StepDurations returns how long each step took in the last runs weekly
// runs that ran it to its end (status ok or warn: a failed step may have
// stopped early, a postponed or skipped one took nothing), newest first,
// keyed "phase/step": what the overrun policy expects of a step.
func (s *Store) StepDurations(ctx context.Context, runs int) (map[string][]time.Duration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.phase, s.step, s.started_at, s.finished_at FROM steps s
		JOIN (SELECT id FROM runs WHERE command = ? AND dry_run = 0 ORDER BY started_at DESC LIMIT ?) r ON r.id = s.run_id
		WHERE s.status IN (?, ?) AND s.finished_at IS NOT NULL
		ORDER BY s.started_at DESC`, runbook.CommandWeekly, runs, string(runbook.StatusOK), string(runbook.StatusWarn))
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string][]time.Duration{}
	for rows.Next() {
		var phase, step, start, end string
		if err := rows.Scan(&phase, &step, &start, &end); err != nil {
			return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
		}
		if d := parseTS(end).Sub(parseTS(start)); d >= 0 {
			out[phase+"/"+step] = append(out[phase+"/"+step], d)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	return out, nil
}
