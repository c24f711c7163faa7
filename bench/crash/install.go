package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, for the checks

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/sandbox"
)

// buildFaultBinary builds fossamaint with the fault points readable from
// FOSSAMAINT_FAULT.
func buildFaultBinary(ctx context.Context, out string) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "faults", "-o", out, "./cmd/fossamaint")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building fossamaint -tags faults: %w", err)
	}
	return out, nil
}

// installation is the demo tree the campaign maintains.
type installation struct {
	bin, dir, config, db, baseURL string
	unit                          config.Service
}

// newInstallation generates the demo tree, sets database.vacuum: always
// (every run goes through the downtime step's swap), and starts the
// backend through the configured exec commands.
func newInstallation(ctx context.Context, bin, dir, size string) (*installation, error) {
	gen, err := sandbox.Generate(ctx, sandbox.Options{Dir: dir, Size: sandbox.Size(size), Now: time.Now(), Seed: 1, Executable: bin})
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		return nil, err
	}
	cfg.Database.Vacuum = "always"
	data, err := config.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(gen.ConfigPath, data, 0o600); err != nil {
		return nil, err
	}
	in := &installation{bin: bin, dir: dir, config: gen.ConfigPath, db: gen.DBPath, baseURL: gen.BaseURL, unit: cfg.Services.Units[0]}
	if err := in.startBackend(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *installation) startBackend(ctx context.Context) error {
	if out, err := exec.CommandContext(ctx, in.unit.Start[0], in.unit.Start[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("starting the demo backend: %w: %s", err, out)
	}
	if !in.healthy(ctx, 30*time.Second) {
		return fmt.Errorf("the demo backend did not answer on %s", in.baseURL)
	}
	return nil
}

func (in *installation) stopBackend() {
	_ = exec.Command(in.unit.Stop[0], in.unit.Stop[1:]...).Run()
}

// healthy polls /api/health until it answers 200 or within gives out.
func (in *installation) healthy(ctx context.Context, within time.Duration) bool {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, in.baseURL+"/api/health", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// integrity runs PRAGMA integrity_check on the live database through a
// read-only connection, beside the running backend.
func (in *installation) integrity(ctx context.Context) (string, error) {
	db, err := sql.Open("sqlite", "file:"+in.db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var res string
	err = db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, err
}

// present returns which of ids are work orders in the live database.
func (in *installation) present(ctx context.Context) (map[string]bool, error) {
	db, err := sql.Open("sqlite", "file:"+in.db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT id FROM work_orders WHERE id LIKE 'crash-%'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
