package health

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
)

const (
	// maxRedirects bounds how far a probe follows redirects; a health URL
	// that bounces more than this is misconfigured, and the last 3xx status
	// is reported rather than chased.
	maxRedirects = 3
	// bodyLimit is how much of a response is drained so the connection can
	// be reused; health bodies are small and the rest is not worth reading.
	bodyLimit = 64 << 10
	// probeParallel bounds ProbeAll so a long endpoint list does not open a
	// burst of connections against a service that just restarted.
	probeParallel = 4
	// defaultTimeout applies to a Check without its own Timeout.
	defaultTimeout = 5 * time.Second
)

// Check is one HTTP endpoint to probe and the statuses that count as healthy.
type Check struct {
	Name string
	URL  string
	// Expect lists healthy statuses; empty means any 2xx.
	Expect []int
	// Critical checks fail postflight; the others warn.
	Critical bool
	// Timeout bounds one request; zero means 5s.
	Timeout time.Duration
}

// Result is the outcome of one probe.
type Result struct {
	Name     string        `json:"name"`
	URL      string        `json:"url"`
	Status   int           `json:"status"`
	Healthy  bool          `json:"healthy"`
	Latency  time.Duration `json:"-"`
	Err      string        `json:"error,omitempty"`
	Critical bool          `json:"critical"`
}

// FromConfig turns the configured endpoints into checks sharing timeout.
func FromConfig(eps []config.Endpoint, timeout time.Duration) []Check {
	out := make([]Check, 0, len(eps))
	for _, ep := range eps {
		out = append(out, Check{
			Name:     ep.Name,
			URL:      ep.URL,
			Expect:   slices.Clone(ep.Expect),
			Critical: ep.Critical,
			Timeout:  timeout,
		})
	}
	return out
}

// MarshalJSON writes the latency in seconds (latency_seconds), the one
// unit of durations in fossamaint's JSON.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		Latency human.Seconds `json:"latency_seconds"`
	}{plain(r), human.Seconds(r.Latency)})
}

// Checker probes endpoints. The zero value is usable: it builds its own
// client (no global one) with dial and TLS timeouts and a redirect limit.
type Checker struct {
	// Client, when set, is used as is (its redirect policy included).
	Client *http.Client

	once sync.Once
	own  *http.Client
}

func (c *Checker) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	c.once.Do(func() { c.own = newClient() })
	return c.own
}

func newClient() *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       30 * time.Second,
		MaxIdleConnsPerHost:   probeParallel,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// Probe sends one GET and reports status, health and latency. It never
// returns an error: failures are in Result.Err, naming the URL and cause.
func (c *Checker) Probe(ctx context.Context, chk Check) Result {
	res := Result{Name: chk.Name, URL: chk.URL, Critical: chk.Critical}
	timeout := chk.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		// the caller's deadline is the tighter one; name it in errors
		timeout = max(0, time.Until(dl)).Round(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, chk.URL, nil)
	if err != nil {
		res.Err = fmt.Sprintf("GET %s: invalid request: %v", chk.URL, err)
		return res
	}
	req.Header.Set("User-Agent", "fossamaint-health")
	start := time.Now()
	resp, err := c.client().Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		res.Err = fmt.Sprintf("GET %s: %s", chk.URL, describe(err, timeout))
		return res
	}
	_, drainErr := io.Copy(io.Discard, io.LimitReader(resp.Body, bodyLimit))
	resp.Body.Close()
	res.Latency = time.Since(start)
	res.Status = resp.StatusCode
	switch {
	case drainErr != nil:
		res.Err = fmt.Sprintf("GET %s: reading body: %s", chk.URL, describe(drainErr, timeout))
	case !statusExpected(resp.StatusCode, chk.Expect):
		res.Err = fmt.Sprintf("GET %s: status %d, want %s", chk.URL, resp.StatusCode, expectText(chk.Expect))
	default:
		res.Healthy = true
	}
	return res
}

func statusExpected(status int, expect []int) bool {
	if len(expect) == 0 {
		return status >= 200 && status < 300
	}
	return slices.Contains(expect, status)
}

func expectText(expect []int) string {
	if len(expect) == 0 {
		return "2xx"
	}
	if len(expect) == 1 {
		return fmt.Sprint(expect[0])
	}
	return fmt.Sprintf("one of %v", expect)
}

// describe names the cause in the operator's words; the raw error follows
// for the cases that have no better name.
func describe(err error, timeout time.Duration) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve host %q: %v", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return fmt.Sprintf("TLS certificate rejected: %v", err)
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return "timed out after " + human.Duration(timeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before a response"
	}
	return unwrapURLError(err).Error()
}

// unwrapURLError drops url.Error's "Get \"URL\":" prefix, since the caller
// already names the URL.
func unwrapURLError(err error) error {
	if u, ok := errors.AsType[*url.Error](err); ok && u.Err != nil {
		return u.Err
	}
	return err
}

// ProbeAll probes every check concurrently (bounded) and returns results in
// input order.
func (c *Checker) ProbeAll(ctx context.Context, checks []Check) []Result {
	out := make([]Result, len(checks))
	sem := make(chan struct{}, probeParallel)
	var wg sync.WaitGroup
	for i, chk := range checks {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				out[i] = c.Probe(ctx, chk)
			case <-ctx.Done():
				out[i] = Result{Name: chk.Name, URL: chk.URL, Critical: chk.Critical,
					Err: fmt.Sprintf("GET %s: %s", chk.URL, describe(ctx.Err(), 0))}
			}
		})
	}
	wg.Wait()
	return out
}
