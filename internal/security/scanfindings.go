package security

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
)

// finish sorts the tables into the report and writes the findings.
func (s *scanState) finish() ScanReport {
	r := s.rep
	t := s.fails
	r.FailedLogins = t.total
	r.FailedLoginSources = addressed(t.sources)
	r.FailedLoginsByIP = t.bySource()
	r.BruteForce = t.bursts(s.opts.MaxRetry, s.opts.FindTime)
	r.Distributed = t.distributed(s.opts.DistributedSources)
	r.Signatures = s.signatureResults()
	r.Scanners = s.scannerResults()
	r.RateLimitedByIP = sortedTop(s.rate.m, topSources)
	r.SecretsInLogs = s.secretResults()
	r.Investigate = r.FailedLogins > s.opts.WeeklyThreshold
	r.Notes = t.notes()
	if r.FileErrors == nil {
		r.FileErrors = []ScanFileError{}
	}
	r.Findings = s.findings(&r)
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Message, f.Evidence = s.red.redact(f.Message), s.red.redact(f.Evidence)
	}
	return r
}

// maxFindingsPerKind bounds the findings of one kind; the rest are summed
// up in one more.
const maxFindingsPerKind = 10

func (s *scanState) findings(r *ScanReport) []Finding {
	out := []Finding{}
	out = append(out, s.failedLoginFinding(r)...)
	out = append(out, s.bruteForceFindings(r)...)
	out = append(out, s.distributedFindings(r)...)
	for _, h := range r.Signatures {
		out = append(out, Finding{finding.Warning,
			fmt.Sprintf("%s carried %s signatures, %s", plural(h.Count, "request"), familyTitle[h.Family], fromSources(h.DistinctSources)),
			s.examplesEvidence(h.Examples), familyAdvice[h.Family]})
	}
	if f, ok := s.scannerFinding(r); ok {
		out = append(out, f)
	}
	if r.RateLimited > 0 {
		out = append(out, Finding{finding.Info, human.Count(r.RateLimited, "request was", "requests were") + " rate-limited",
			sourcesEvidence(r.RateLimitedByIP),
			"Check whether the limit hits legitimate clients (raise it for them) or abusive ones (block them)."})
	}
	out = append(out, s.secretFindings(r)...)
	if n := len(r.FileErrors); n > 0 {
		var ev []string
		for _, e := range r.FileErrors {
			ev = append(ev, e.Error)
		}
		out = append(out, Finding{finding.Warning, fmt.Sprintf("%d log files or directories could not be read (wholly or to their end)", n), strings.Join(ev, "\n"),
			"Check those files' permissions and integrity (a truncated .gz): what they hold is missing from this review."})
	}
	return out
}

func (s *scanState) scannerFinding(r *ScanReport) (Finding, bool) {
	if len(r.Scanners) == 0 {
		return Finding{}, false
	}
	counts := map[string]int{}
	var names, ev []string
	for _, h := range r.Scanners {
		if counts[h.Scanner] == 0 {
			names = append(names, h.Scanner)
		}
		counts[h.Scanner] += h.Count
		ev = append(ev, fmt.Sprintf("%s (%d): %s", h.UserAgent, h.Count, sourcesEvidence(h.Sources)))
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s (%s)", n, plural(counts[n], "request")))
	}
	return Finding{finding.Warning, "Scanner user agents: " + strings.Join(parts, ", "), strings.Join(ev, "\n"),
		"Block the scanning sources; if the scan was not authorised, check what it found (see the attack signatures)."}, true
}

func (s *scanState) secretFindings(r *ScanReport) []Finding {
	if len(r.SecretsInLogs) == 0 {
		return nil
	}
	var kinds, ev, files []string
	total := 0
	for _, h := range r.SecretsInLogs {
		total += h.Count
		// "kind: N" would read as a labelled secret ("token: 1") and be
		// redacted from the report.
		kinds = append(kinds, fmt.Sprintf("%d× %s", h.Count, h.Kind))
		ev = append(ev, s.examplesEvidence(h.Examples))
		for _, f := range h.Files {
			if !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
	}
	return []Finding{{finding.Critical,
		fmt.Sprintf("Secrets written to application logs: %s (%s)", human.Count(total, "entry", "entries"), strings.Join(kinds, ", ")),
		strings.Join(ev, "\n"),
		"Rotate the exposed credentials, stop the code from logging them (or filter them in the logging configuration), and restrict or purge: " + strings.Join(files, ", ")}}
}

var familyTitle = map[Family]string{
	SQLInjection: "SQL injection", XSS: "cross-site scripting", PathTraversal: "path traversal", CodeInjection: "code injection",
}

var familyAdvice = map[Family]string{
	SQLInjection:  "Confirm these requests were rejected (4xx) and that every query is parameterised; block the sources.",
	XSS:           "Confirm the input was rejected or escaped on output (and a Content-Security-Policy is set); block the sources.",
	PathTraversal: "Confirm file paths from requests are resolved inside their base directory and the requests failed; block the sources.",
	CodeInjection: "Confirm no request data reaches a shell, eval or template engine and the requests failed; block the sources.",
}

func (s *scanState) examplesEvidence(exs []Example) string {
	var ev []string
	for _, e := range exs {
		ev = append(ev, fmt.Sprintf("%s %s %s:%d %s", s.at(e.Time), orUnknown(e.Source), e.File, e.Line, e.Text))
	}
	return strings.Join(ev, "\n")
}

func sourcesEvidence(srcs []SourceCount) string {
	var ev []string
	for _, c := range srcs {
		ev = append(ev, fmt.Sprintf("%s: %d", orUnknown(c.IP), c.Count))
	}
	return strings.Join(ev, ", ")
}

func (s *scanState) at(t time.Time) string {
	if t.IsZero() {
		return "(no time)"
	}
	return t.In(s.opts.Location).Format(time.DateTime)
}

func orUnknown(ip string) string {
	if ip == "" {
		return "(no address)"
	}
	return ip
}

// fromSources words how many client addresses a finding came from.
func fromSources(n int) string {
	if n == 0 {
		return "with no client address logged"
	}
	return "from " + plural(n, "source")
}
