package perf

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/redact"
)

// CheckBenchURL refuses what a benchmark must never hit: anything but an
// http(s) URL, and a host that is not loopback unless the URL is one of
// the configured endpoints (the operator chose those).
func CheckBenchURL(raw string, configured []string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s is not an http(s) URL: pass one like http://127.0.0.1:8000/health", redact.URL(raw))
	}
	if slices.Contains(configured, raw) {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to benchmark %s: it is neither loopback nor one of health.endpoints; add it to the config to benchmark it", redact.URL(raw))
}

// ParseRate reads "50", "50/s", "3000/m" or "50/1s" as requests per second.
func ParseRate(s string) (float64, error) {
	num, per, hasPer := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate %q: want a positive number of requests per second, like 50/s", s)
	}
	if !hasPer {
		return n, nil
	}
	switch per {
	case "s":
		return n, nil
	case "m":
		return n / 60, nil
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("rate %q: the unit after / is s, m or a duration like 1s", s)
	}
	return n / d.Seconds(), nil
}
