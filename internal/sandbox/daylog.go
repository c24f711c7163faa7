package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// dayLog appends lines to dir/<prefix>-YYYY-MM-DD.jsonl, switching files
// when the record's day changes, as the upstream handlers do.
type dayLog struct {
	mu     sync.Mutex
	dir    string
	prefix string
	day    string
	f      *os.File
}

func newDayLog(dir, prefix string) (*dayLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating log dir %s: %w", dir, err)
	}
	return &dayLog{dir: dir, prefix: prefix}, nil
}

// write appends one rendered entry; t picks the file.
func (l *dayLog) write(t time.Time, line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	day := t.Format("2006-01-02")
	if l.f == nil || day != l.day {
		if l.f != nil {
			if err := l.f.Close(); err != nil {
				return fmt.Errorf("closing %s: %w", l.f.Name(), err)
			}
			l.f = nil
		}
		path := filepath.Join(l.dir, fmt.Sprintf("%s-%s.jsonl", l.prefix, day))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("opening log %s: %w", path, err)
		}
		l.f, l.day = f, day
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("writing log %s: %w", l.f.Name(), err)
	}
	return nil
}

func (l *dayLog) entry(e LogRecord) error { return l.write(e.T, AppendJSONLine(nil, e)) }

func (l *dayLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("closing log: %w", err)
	}
	return nil
}
