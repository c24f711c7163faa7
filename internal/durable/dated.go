package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// NewestBefore is the path of the newest regular file in dir named
// prefix+YYYYMMDD+suffix (a real date) for a day before day's own date,
// "" when there is none or dir does not exist: the previous week's
// report of a kind (weekly-log-analysis-, performance-benchmark-).
func NewestBefore(dir, prefix, suffix string, day time.Time) (string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("listing %s: %w", dir, err)
	}
	today := day.Format("20060102")
	var dates []string
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), prefix)
		if d, ok2 := strings.CutSuffix(d, suffix); ok && ok2 && e.Type().IsRegular() && len(d) == 8 && d < today {
			if _, err := time.Parse("20060102", d); err == nil {
				dates = append(dates, d)
			}
		}
	}
	if len(dates) == 0 {
		return "", nil
	}
	return filepath.Join(dir, prefix+slices.Max(dates)+suffix), nil
}
