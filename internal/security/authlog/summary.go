package authlog

import (
	"slices"
	"strings"
	"time"
)

// Summary bounds.
const (
	// MaxUsersPerHost is how many user names a HostSummary lists;
	// UserCount counts distinct names up to MaxUserCount.
	MaxUsersPerHost = 20
	MaxUserCount    = 1000
	// DefaultMaxHosts bounds the hosts a Summarizer tracks; failures from
	// further hosts are counted in Summary.OtherFailures.
	DefaultMaxHosts = 100000
)

// HostSummary is one client's failures.
type HostSummary struct {
	Host  string `json:"host"`
	Count int    `json:"count"`
	// First and Last are the earliest and latest dated failures (zero when
	// no line had a date).
	First time.Time `json:"first_seen,omitzero"`
	Last  time.Time `json:"last_seen,omitzero"`
	// Users are the first MaxUsersPerHost distinct names in sort order;
	// UserCount is how many distinct names were tried (capped at
	// MaxUserCount, where it means "at least").
	Users     []string `json:"users"`
	UserCount int      `json:"user_count"`
	Sources   []string `json:"sources"`
	Reasons   []string `json:"reasons"`
}

// Summary is the failures of a scan by host, most failures first.
type Summary struct {
	Failures      int           `json:"failures"`
	Hosts         []HostSummary `json:"hosts"`
	OtherFailures int           `json:"other_failures,omitempty"`
}

// Summarizer aggregates failures by host with bounded memory.
type Summarizer struct {
	max   int
	total int
	other int
	hosts map[string]*hostAgg
}

type hostAgg struct {
	HostSummary
	users   map[string]struct{}
	sources map[string]struct{}
	reasons map[string]struct{}
}

// NewSummarizer tracks up to maxHosts hosts (DefaultMaxHosts when <= 0).
func NewSummarizer(maxHosts int) *Summarizer {
	if maxHosts <= 0 {
		maxHosts = DefaultMaxHosts
	}
	return &Summarizer{max: maxHosts, hosts: make(map[string]*hostAgg)}
}

// Add counts one failure.
func (s *Summarizer) Add(f Failure) {
	s.total++
	a := s.hosts[f.Host]
	if a == nil {
		if len(s.hosts) >= s.max {
			s.other++
			return
		}
		a = &hostAgg{
			HostSummary: HostSummary{Host: f.Host},
			users:       map[string]struct{}{},
			sources:     map[string]struct{}{},
			reasons:     map[string]struct{}{},
		}
		s.hosts[f.Host] = a
	}
	a.Count++
	if f.HasTime {
		if a.First.IsZero() || f.Time.Before(a.First) {
			a.First = f.Time
		}
		if f.Time.After(a.Last) {
			a.Last = f.Time
		}
	}
	if f.User != "" && len(a.users) < MaxUserCount {
		a.users[f.User] = struct{}{}
	}
	a.sources[f.Source] = struct{}{}
	a.reasons[f.Reason] = struct{}{}
}

// Summary returns the hosts sorted by count (then by host).
func (s *Summarizer) Summary() Summary {
	out := Summary{Failures: s.total, OtherFailures: s.other, Hosts: make([]HostSummary, 0, len(s.hosts))}
	for _, a := range s.hosts {
		h := a.HostSummary
		h.Users, h.Sources, h.Reasons = sortedKeys(a.users), sortedKeys(a.sources), sortedKeys(a.reasons)
		h.UserCount = len(h.Users)
		if len(h.Users) > MaxUsersPerHost {
			h.Users = h.Users[:MaxUsersPerHost]
		}
		out.Hosts = append(out.Hosts, h)
	}
	slices.SortFunc(out.Hosts, func(a, b HostSummary) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Host, b.Host)
	})
	return out
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
