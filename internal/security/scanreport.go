package security

import (
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

// Finding is one thing the weekly security phase reports; Severity is
// finding.Info, finding.Warning or finding.Critical.
type Finding struct {
	Severity       finding.Severity `json:"severity"`
	Message        string           `json:"message"`
	Evidence       string           `json:"evidence,omitempty"`
	Recommendation string           `json:"recommendation"`
}

// ScanReport is what Scan found. Counts are over entries whose timestamp
// is in the window; line counts cover every line read.
type ScanReport struct {
	From               time.Time `json:"from,omitzero"`
	To                 time.Time `json:"to,omitzero"`
	MaxRetry           int       `json:"max_retry"`
	FindTimeSeconds    float64   `json:"find_time_seconds"`
	WeeklyThreshold    int       `json:"weekly_threshold"`
	DistributedSources int       `json:"distributed_sources"`

	FailedLogins int `json:"failed_logins"`
	// FailedLoginSources counts distinct addressed sources; failures
	// without an address are listed under ip "" but not counted here.
	FailedLoginSources int                 `json:"failed_login_sources"`
	FailedLoginsByIP   []SourceFailures    `json:"failed_logins_by_ip"`
	BruteForce         []BruteForce        `json:"brute_force"`
	Distributed        []DistributedAttack `json:"distributed"`
	Signatures         []SignatureHits     `json:"signatures"`
	Scanners           []ScannerHits       `json:"scanners"`
	RateLimited        int                 `json:"rate_limited"`
	RateLimitedByIP    []SourceCount       `json:"rate_limited_by_ip"`
	SecretsInLogs      []SecretHits        `json:"secrets_in_logs"`
	Investigate        bool                `json:"investigate"`

	FilesRead      int             `json:"files_read"`
	FilesSkipped   int             `json:"files_skipped"`
	BytesRead      int64           `json:"bytes_read"`
	Lines          int             `json:"lines"`
	Entries        int             `json:"entries"`
	InWindow       int             `json:"in_window"`
	Untimed        int             `json:"untimed"`
	MalformedLines int             `json:"malformed_lines"`
	FileErrors     []ScanFileError `json:"file_errors"`
	// Notes say where a bound stopped itemising (counts stay exact).
	Notes    []string  `json:"notes,omitempty"`
	Findings []Finding `json:"findings"`
}

// SourceFailures is one source's failed logins.
type SourceFailures struct {
	IP        string    `json:"ip,omitempty"` // left out when no address was logged
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Users     []string  `json:"users"`
	MoreUsers bool      `json:"more_users,omitempty"`
}

// BruteForce is one burst: at least MaxRetry failures from one source,
// each within FindTime of MaxRetry-1 others.
type BruteForce struct {
	IP          string    `json:"ip,omitempty"`
	Failures    int       `json:"failures"`
	Peak        int       `json:"peak"` // most failures inside one find-time window
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	SpanSeconds float64   `json:"span_seconds"`
	Users       []string  `json:"users"`
}

// DistributedAttack is one user that many sources failed to log in as.
type DistributedAttack struct {
	User        string    `json:"user"`
	Sources     int       `json:"sources"`
	MoreSources bool      `json:"more_sources,omitempty"`
	Failures    int       `json:"failures"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Addresses   []string  `json:"addresses"` // the first 20, sorted
}

// SignatureHits counts the entries showing one attack family.
type SignatureHits struct {
	Family          Family         `json:"family"`
	Count           int            `json:"count"`
	Patterns        map[string]int `json:"patterns"`
	DistinctSources int            `json:"distinct_sources"` // addressed ones; "" in Sources is none
	Sources         []SourceCount  `json:"sources"`          // the top 10
	Examples        []Example      `json:"examples"`
}

// ScannerHits counts requests from one scanner User-Agent.
type ScannerHits struct {
	Scanner   string        `json:"scanner"`
	UserAgent string        `json:"user_agent"`
	Count     int           `json:"count"`
	FirstSeen time.Time     `json:"first_seen"`
	LastSeen  time.Time     `json:"last_seen"`
	Sources   []SourceCount `json:"sources"`
}

// SecretHits counts log entries exposing one kind of secret.
type SecretHits struct {
	Kind     string    `json:"kind"`
	Count    int       `json:"count"`
	Files    []string  `json:"files"`
	Examples []Example `json:"examples"` // redacted
}

// SourceCount is a client address and a count.
type SourceCount struct {
	IP    string `json:"ip,omitempty"` // left out when no address was logged
	Count int    `json:"count"`
}

// Example quotes one log text, redacted and shortened.
type Example struct {
	Time   time.Time `json:"time,omitzero"`
	Source string    `json:"source,omitempty"`
	File   string    `json:"file"`
	Line   int       `json:"line"`
	Text   string    `json:"text"`
}

// ScanFileError is a log that could not be read (wholly or to its end).
type ScanFileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}
