package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// writer is the outside writer: it creates a work order through the
// backend's API every few milliseconds and remembers every one the
// backend acknowledged (201, sent only after COMMIT). Refusals while the
// backend is down are expected and only counted.
type writer struct {
	mu      sync.Mutex
	acked   []string
	refused int
	cancel  context.CancelFunc
	done    chan struct{}
}

func startWriter(ctx context.Context, baseURL string) *writer {
	ctx, cancel := context.WithCancel(ctx)
	w := &writer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		client := &http.Client{Timeout: 3 * time.Second}
		tick := time.NewTicker(15 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			id := fmt.Sprintf("crash-%08d", n)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/work-orders?id="+id, nil)
			resp, err := client.Do(req)
			w.mu.Lock()
			if err == nil && resp.StatusCode == http.StatusCreated {
				w.acked = append(w.acked, id)
			} else {
				w.refused++
			}
			w.mu.Unlock()
			if err == nil {
				resp.Body.Close()
			}
		}
	}()
	return w
}

// snapshot returns the writes acknowledged so far.
func (w *writer) snapshot() (acked []string, refused int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.acked...), w.refused
}

func (w *writer) stop() {
	w.cancel()
	<-w.done
}
