package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fossawork/fossamaint/internal/human"
)

// Bounds of one benchmark, whatever the caller asks: a benchmark is a
// measurement, never a load test that could take the application down.
const (
	MaxBenchRequests    = 1_000_000
	MaxBenchDuration    = 10 * time.Minute
	MaxBenchRate        = 20_000
	DefaultMaxInFlight  = 256
	DefaultBenchTimeout = 5 * time.Second
	// DefaultBenchUserAgent is the User-Agent of every benchmark request.
	DefaultBenchUserAgent = "fossamaint-bench"
	// histMax is the largest latency the histogram holds (µs); a request
	// is cancelled by its timeout long before.
	histMax = int64(10 * time.Minute / time.Microsecond)
	// bodyDiscardLimit bounds what is read of a response body.
	bodyDiscardLimit = 1 << 20
)

// BenchTarget is one endpoint to benchmark with GET.
type BenchTarget struct {
	Name string
	URL  string
	// Expect lists the statuses that count as success; empty means 2xx.
	Expect []int
}

// BenchConfig is one open-loop run: Rate requests per second in total,
// spread round-robin over the targets, until Duration has passed or
// Requests have been scheduled (whichever comes first).
type BenchConfig struct {
	Targets     []BenchTarget
	Rate        float64
	Duration    time.Duration
	Requests    int
	MaxInFlight int
	Timeout     time.Duration
	// Auth is sent as the Authorization header's value; it never appears
	// in a result or an error.
	Auth string
	// UserAgent names the benchmark in the application's access log
	// (default DefaultBenchUserAgent), so its requests can be told apart.
	UserAgent string
	Client    *http.Client
}

// Latency are the percentiles of one histogram, in seconds in JSON.
type Latency struct {
	P50  human.Seconds `json:"p50"`
	P90  human.Seconds `json:"p90"`
	P95  human.Seconds `json:"p95"`
	P99  human.Seconds `json:"p99"`
	P999 human.Seconds `json:"p999"`
	Max  human.Seconds `json:"max"`
}

// EndpointBench is one endpoint's share of a run.
type EndpointBench struct {
	Name     string  `json:"name"`
	URL      string  `json:"url"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Rate     float64 `json:"rate"`
	// ErrorsByStatus counts failures by HTTP status ("503") or by
	// "timeout" / "connection" when there was no answer.
	ErrorsByStatus map[string]int `json:"errors_by_status"`
	Latency        Latency        `json:"latency_seconds"`
}

// BenchResult is a whole run. Rate is the achieved send rate; Sustained
// is false when the in-flight cap held requests back (their latency still
// counts from their scheduled time, so the percentiles stay honest).
type BenchResult struct {
	Endpoints   []EndpointBench `json:"endpoints"`
	Requests    int             `json:"requests"`
	Errors      int             `json:"errors"`
	TargetRate  float64         `json:"target_rate"`
	Rate        float64         `json:"rate"`
	Elapsed     human.Seconds   `json:"elapsed_seconds"`
	Sustained   bool            `json:"rate_sustained"`
	Interrupted bool            `json:"interrupted"`
	Note        string          `json:"note,omitempty"`
	Latency     Latency         `json:"latency_seconds"`
}

// epState accumulates one endpoint's samples.
type epState struct {
	hist                *hdrhistogram.Histogram
	requests, errors    int
	byStatus            map[string]int
	firstSent, lastSent time.Time
}

// Validate reports what is wrong with c, saying what to pass instead.
func (c BenchConfig) Validate() error {
	switch {
	case len(c.Targets) == 0:
		return errors.New("no endpoint to benchmark: configure health.endpoints or pass URLs")
	case c.Rate <= 0 || c.Rate > MaxBenchRate:
		return fmt.Errorf("rate %g/s is out of range: use 0 < rate <= %d/s", c.Rate, MaxBenchRate)
	case c.Duration <= 0 && c.Requests <= 0:
		return errors.New("unbounded benchmark: give a duration or a number of requests")
	case c.Duration > MaxBenchDuration:
		return fmt.Errorf("duration %s is above the %s bound: use a shorter --duration", c.Duration, MaxBenchDuration)
	case c.Requests > MaxBenchRequests:
		return fmt.Errorf("%d requests is above the %d bound: use fewer --requests", c.Requests, MaxBenchRequests)
	}
	return nil
}

// Bench runs c open-loop: request i is due at start + i/Rate whether or
// not earlier requests have answered, and its latency is measured from
// that due time, not from when it was actually sent (no coordinated
// omission). A cancelled ctx stops scheduling and returns what was
// measured, with Interrupted set.
func Bench(ctx context.Context, c BenchConfig) (*BenchResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	states := make([]*epState, len(c.Targets))
	for i := range states {
		states[i] = &epState{hist: newHist(), byStatus: map[string]int{}}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.MaxInFlight)
	interval := time.Duration(float64(time.Second) / c.Rate)
	start := time.Now()
	capHit, interrupted, down := false, false, false
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
schedule:
	for i := 0; c.Requests <= 0 || i < c.Requests; i++ {
		due := start.Add(time.Duration(i) * interval)
		if c.Duration > 0 && due.Sub(start) >= c.Duration {
			break
		}
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				interrupted = true
				break schedule
			case <-timer.C:
			}
		}
		select {
		case sem <- struct{}{}:
		default:
			capHit = true
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				interrupted = true
				break schedule
			}
		}
		ti := i % len(c.Targets)
		sent := time.Now()
		mu.Lock()
		if nothingAnswers(states) {
			mu.Unlock()
			<-sem
			down = true
			break
		}
		st := states[ti]
		if st.firstSent.IsZero() {
			st.firstSent = sent
		}
		st.lastSent = sent
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lat, fail := c.one(ctx, c.Targets[ti], due)
			mu.Lock()
			defer mu.Unlock()
			st.record(lat, fail)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		interrupted = true
	}
	res := c.result(states, time.Since(start), capHit, interrupted)
	if down {
		res.Sustained = false
		res.Note = fmt.Sprintf("stopped early: the first %d requests all failed to connect, no endpoint accepts connections", res.Requests)
	}
	return res, nil
}

// downAfter is how many requests, all refused a connection with not one
// answer, end a benchmark early: measuring an endpoint that is down for
// the whole duration says nothing more, and a weekly run whose backend is
// down has better things to do with its window.
const downAfter = 20

// nothingAnswers is true once every endpoint has had requests and the
// first downAfter of them all failed to connect (the caller holds mu).
func nothingAnswers(states []*epState) bool {
	n := 0
	for _, st := range states {
		if st.requests == 0 || st.requests != st.byStatus["connection"] {
			return false
		}
		n += st.requests
	}
	return n >= downAfter
}

func (c BenchConfig) withDefaults() BenchConfig {
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultBenchTimeout
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultBenchUserAgent
	}
	if c.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = c.MaxInFlight
		c.Client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	return c
}

// one sends one GET; the latency runs from due to the end of the body.
// fail is "" on success, else the status or the kind of failure.
func (c BenchConfig) one(ctx context.Context, t BenchTarget, due time.Time) (time.Duration, string) {
	rctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return time.Since(due), "request"
	}
	req.Header.Set("User-Agent", c.UserAgent)
	if c.Auth != "" {
		req.Header.Set("Authorization", c.Auth)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, failCancelled
		}
		if errors.Is(err, context.DeadlineExceeded) || rctx.Err() != nil {
			return time.Since(due), "timeout"
		}
		return time.Since(due), "connection"
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, bodyDiscardLimit))
	_ = resp.Body.Close()
	lat := time.Since(due)
	if !statusOK(resp.StatusCode, t.Expect) {
		return lat, strconv.Itoa(resp.StatusCode)
	}
	return lat, ""
}

func statusOK(code int, expect []int) bool {
	if len(expect) == 0 {
		return code >= 200 && code < 300
	}
	for _, e := range expect {
		if e == code {
			return true
		}
	}
	return false
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, histMax, 3) }

// failCancelled marks a request cut by the run's end (Ctrl-C): it is not
// a sample, neither a success nor the server's failure.
const failCancelled = "cancelled"

func (s *epState) record(lat time.Duration, fail string) {
	if fail == failCancelled {
		return
	}
	s.requests++
	if fail != "" {
		s.errors++
		s.byStatus[fail]++
	}
	us := max(lat.Microseconds(), 1)
	_ = s.hist.RecordValue(min(us, histMax)) // cannot fail within [1, histMax]
}

// latencyOf reads the percentiles of h (microseconds) as durations.
func latencyOf(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	q := func(p float64) human.Seconds {
		return human.Seconds(time.Duration(h.ValueAtQuantile(p)) * time.Microsecond)
	}
	return Latency{P50: q(50), P90: q(90), P95: q(95), P99: q(99), P999: q(99.9),
		Max: human.Seconds(time.Duration(h.Max()) * time.Microsecond)}
}

// sendRate is the achieved rate of n sends between first and last.
func sendRate(n int, first, last time.Time) float64 {
	if n < 2 || !last.After(first) {
		return 0
	}
	return float64(n-1) / last.Sub(first).Seconds()
}

func (c BenchConfig) result(states []*epState, elapsed time.Duration, capHit, interrupted bool) *BenchResult {
	all := newHist()
	r := &BenchResult{TargetRate: c.Rate, Elapsed: human.Seconds(elapsed), Interrupted: interrupted, Sustained: true}
	var first, last time.Time
	for i, st := range states {
		all.Merge(st.hist)
		r.Requests += st.requests
		r.Errors += st.errors
		r.Endpoints = append(r.Endpoints, EndpointBench{
			Name: c.Targets[i].Name, URL: c.Targets[i].URL, Requests: st.requests, Errors: st.errors,
			Rate: sendRate(st.requests, st.firstSent, st.lastSent), ErrorsByStatus: st.byStatus,
			Latency: latencyOf(st.hist),
		})
		if !st.firstSent.IsZero() && (first.IsZero() || st.firstSent.Before(first)) {
			first = st.firstSent
		}
		if st.lastSent.After(last) {
			last = st.lastSent
		}
	}
	r.Rate = sendRate(r.Requests, first, last)
	r.Latency = latencyOf(all)
	if capHit {
		r.Sustained = false
		r.Note = fmt.Sprintf("rate not sustained: %d requests were in flight at once (--max-in-flight), later requests waited; their latency still counts from their scheduled time", c.MaxInFlight)
	} else if r.Requests > 100 && r.Rate < 0.98*c.Rate {
		r.Sustained = false
		r.Note = fmt.Sprintf("rate not sustained: %.1f/s achieved of %g/s asked (this host could not send faster)", r.Rate, c.Rate)
	}
	return r
}
