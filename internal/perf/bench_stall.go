package perf

import (
	"net/http"
	"time"
)

// StallHandler answers in Service, except that a request arriving in the
// last quarter of each Cycle waits until that cycle ends (up to Cycle/4)
// first: a server whose checkpoint or long query stalls every request.
// Now is its clock and Epoch the start of its first cycle. It is the
// server of the stall-server test and of bench/perfbench.sh, so that the
// figures of perf bench, hey and vegeta come from the same server.
type StallHandler struct {
	Now     func() time.Time
	Epoch   time.Time
	Cycle   time.Duration
	Service time.Duration
}

func (s StallHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if s.Cycle > 0 {
		phase := s.Now().Sub(s.Epoch) % s.Cycle
		if stallFrom := s.Cycle - s.Cycle/4; phase >= stallFrom {
			time.Sleep(s.Cycle - phase)
		}
	}
	time.Sleep(s.Service)
	_, _ = w.Write([]byte("ok\n"))
}
