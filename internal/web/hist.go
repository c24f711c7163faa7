package web

import (
	"context"
	"sync"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
)

// lazyHistory is the history of an installation that had none when the
// dashboard started: each request looks again (history.OpenDashboard),
// until it is there, so the first weekly run shows without a restart.
type lazyHistory struct {
	mu    sync.Mutex
	store *history.Store
	// stop is closed by Close: the live streams end (stopping).
	stop   chan struct{}
	closed bool
}

// stopping is closed when the server closes.
func (s *Server) stopping() <-chan struct{} {
	s.hist.mu.Lock()
	defer s.hist.mu.Unlock()
	if s.hist.stop == nil {
		s.hist.stop = make(chan struct{})
	}
	return s.hist.stop
}

// history returns the store to read: Options.History, or the one opened
// from the installation's state dir once it exists; nil (and no error)
// while there is none.
// History is the history the dashboard reads: Options.History, or the
// state dir's history opened read-only (not immutable: a weekly run
// writes it meanwhile) once it exists; nil and no error before that.
// The serve command's /metrics reads the same store.
func (s *Server) History(ctx context.Context) (*history.Store, error) { return s.history(ctx) }

func (s *Server) history(ctx context.Context) (*history.Store, error) {
	if s.o.History != nil {
		return s.o.History, nil
	}
	if s.o.Installation == nil || s.o.Installation.StateDir == "" {
		return nil, nil
	}
	s.hist.mu.Lock()
	defer s.hist.mu.Unlock()
	if s.hist.store != nil {
		return s.hist.store, nil
	}
	st, err := history.OpenDashboard(ctx, s.o.Installation.StateDir, s.o.Now)
	if err != nil || st == nil {
		return nil, err
	}
	s.hist.store = st
	return st, nil
}

// Close ends the live event streams (http.Server.Shutdown waits for
// them otherwise: register Close with RegisterOnShutdown, or call it
// first) and closes the history the dashboard opened itself (not
// Options.History, which its opener closes).
func (s *Server) Close() error {
	s.hist.mu.Lock()
	defer s.hist.mu.Unlock()
	if !s.hist.closed {
		s.hist.closed = true
		if s.hist.stop == nil {
			s.hist.stop = make(chan struct{})
		}
		close(s.hist.stop)
	}
	if s.hist.store == nil {
		return nil
	}
	err := s.hist.store.Close()
	s.hist.store = nil
	return err
}

// zone is where the dashboard shows times: the installation's (the
// window's) zone, else the machine's.
func (s *Server) zone() *time.Location {
	if in := s.o.Installation; in != nil {
		if in.Zone != nil {
			return in.Zone
		}
		if in.Window.Location != nil {
			return in.Window.Location
		}
	}
	return time.Local
}

// timeLayout is how pages write an instant, in zone.
const timeLayout = "Mon 2006-01-02 15:04 MST"
