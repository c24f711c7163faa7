package analysis

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
)

// FileName is the seed's name for the weekly analysis of day.
func FileName(day time.Time) string {
	return "weekly-log-analysis-" + day.Format("20060102") + ".json"
}

// Write stores a in dir under FileName(day), atomically, mode 0600.
func Write(dir string, a *Analysis, day time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("creating reports dir %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, FileName(day))
	if err := durable.WriteFile(path, append(b, '\n'), 0o600, "analysis"); err != nil {
		return "", err
	}
	return path, nil
}

// Previous loads the newest analysis in dir written for a day before
// day's; nil without error when there is none. A damaged file is an error
// naming it (new_patterns would otherwise be wrong silently).
func Previous(dir string, day time.Time) (*Analysis, error) {
	path, err := durable.NewestBefore(dir, "weekly-log-analysis-", ".json", day)
	if err != nil || path == "" {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // removed since it was listed
	}
	if err != nil {
		return nil, fmt.Errorf("reading the previous analysis %s: %w", path, err)
	}
	var a Analysis
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("previous analysis %s is not valid JSON (%v): move it aside to start new_patterns afresh", path, err)
	}
	return &a, nil
}
