package updates

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/finding"
)

// Severities counts vulnerabilities by npm's severity levels.
type Severities struct {
	Info     int `json:"info"`
	Low      int `json:"low"`
	Moderate int `json:"moderate"`
	High     int `json:"high"`
	Critical int `json:"critical"`
	Total    int `json:"total"`
}

// Vulnerability is one vulnerable package of the frontend.
type Vulnerability struct {
	Name     string `json:"name"`
	Severity string `json:"severity"` // info, low, moderate, high, critical
	Direct   bool   `json:"direct"`   // a dependency in package.json, not a transitive one
	Range    string `json:"range,omitempty"`
	// Via lists advisory titles, or the packages the vulnerability comes
	// through when it is only transitive.
	Via          []string `json:"via,omitempty"`
	URLs         []string `json:"urls,omitempty"`
	FixAvailable bool     `json:"fix_available"`
	// FixIsBreaking means the fix is a semver-major upgrade: exactly what
	// `npm audit fix --force` would install blindly.
	FixIsBreaking bool `json:"fix_is_breaking"`
}

// NpmAudit is a parsed `npm audit --json` report of either format.
type NpmAudit struct {
	// ReportVersion is 2 for npm >= 7 and 1 for npm 6's "advisories" format.
	ReportVersion   int             `json:"report_version"`
	Counts          Severities      `json:"counts"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities"` // most severe first
}

type npmAuditJSON struct {
	// Message is where npm 11 puts the reason, leaving the error's
	// summary empty.
	Message            string                               `json:"message"`
	Error              *NpmError                            `json:"error"`
	AuditReportVersion int                                  `json:"auditReportVersion"`
	Vulnerabilities    map[string]npm7Vuln                  `json:"vulnerabilities"`
	Advisories         map[string]npm6Advisory              `json:"advisories"`
	Metadata           struct{ Vulnerabilities Severities } `json:"metadata"`
}

type npm7Vuln struct {
	Name         string            `json:"name"`
	Severity     string            `json:"severity"`
	IsDirect     bool              `json:"isDirect"`
	Via          []json.RawMessage `json:"via"`
	Range        string            `json:"range"`
	FixAvailable json.RawMessage   `json:"fixAvailable"`
}

type npm6Advisory struct {
	ModuleName         string `json:"module_name"`
	Title              string `json:"title"`
	Severity           string `json:"severity"`
	URL                string `json:"url"`
	VulnerableVersions string `json:"vulnerable_versions"`
	PatchedVersions    string `json:"patched_versions"`
	Findings           []struct {
		Paths []string `json:"paths"`
	} `json:"findings"`
}

// ParseNpmAudit parses `npm audit --json` output of npm >= 7
// (auditReportVersion 2) or npm 6 (advisories). An error object from npm is
// returned as an *NpmError.
func ParseNpmAudit(r io.Reader) (NpmAudit, error) {
	data, err := readBounded(r, "npm audit")
	if err != nil {
		return NpmAudit{}, err
	}
	if !isNpmJSON(data) {
		return NpmAudit{}, fmt.Errorf("npm audit output is not a JSON object (starts %q)", clip(string(bytes.TrimSpace(data))))
	}
	var raw npmAuditJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return NpmAudit{}, fmt.Errorf("npm audit output: %w", err)
	}
	var a NpmAudit
	switch {
	case raw.Error != nil:
		if raw.Error.Summary == "" {
			raw.Error.Summary = raw.Message
		}
		return NpmAudit{}, raw.Error
	case raw.AuditReportVersion >= 2 || (raw.Vulnerabilities != nil && raw.Advisories == nil):
		a.ReportVersion = max(raw.AuditReportVersion, 2)
		for name, v := range raw.Vulnerabilities {
			a.Vulnerabilities = append(a.Vulnerabilities, v.vulnerability(name))
		}
	case raw.Advisories != nil:
		a.ReportVersion = 1
		a.Vulnerabilities = mergeAdvisories(raw.Advisories)
	default:
		return NpmAudit{}, fmt.Errorf("npm audit output has neither vulnerabilities, advisories nor error")
	}
	for _, v := range a.Vulnerabilities {
		// npm names every vulnerable package: without one we misread it.
		if v.Name == "" {
			return NpmAudit{}, fmt.Errorf("npm audit output has a vulnerability without a package name (severity %q)", v.Severity)
		}
	}
	a.Counts = raw.Metadata.Vulnerabilities
	if a.Counts.Total == 0 { // npm 6 has no total
		c := a.Counts
		a.Counts.Total = c.Info + c.Low + c.Moderate + c.High + c.Critical
	}
	slices.SortFunc(a.Vulnerabilities, func(x, y Vulnerability) int {
		if d := severityRank(y.Severity) - severityRank(x.Severity); d != 0 {
			return d
		}
		return strings.Compare(x.Name, y.Name)
	})
	return a, nil
}

func (v npm7Vuln) vulnerability(key string) Vulnerability {
	out := Vulnerability{Name: v.Name, Severity: v.Severity, Direct: v.IsDirect, Range: v.Range}
	if out.Name == "" {
		out.Name = key
	}
	for _, raw := range v.Via {
		var pkg string
		if json.Unmarshal(raw, &pkg) == nil { // transitive: the name of the package it comes through
			out.Via = appendUnique(out.Via, pkg)
			continue
		}
		var adv struct{ Title, URL string }
		if json.Unmarshal(raw, &adv) == nil {
			out.Via = appendUnique(out.Via, adv.Title)
			out.URLs = appendUnique(out.URLs, adv.URL)
		}
	}
	var fix struct {
		IsSemVerMajor bool `json:"isSemVerMajor"`
	}
	var fixBool bool
	switch {
	case json.Unmarshal(v.FixAvailable, &fixBool) == nil:
		out.FixAvailable = fixBool
	case json.Unmarshal(v.FixAvailable, &fix) == nil:
		out.FixAvailable, out.FixIsBreaking = true, fix.IsSemVerMajor
	}
	return out
}

// mergeAdvisories folds npm 6's per-advisory entries into one per package,
// the shape npm 7 reports, keeping the worst severity.
func mergeAdvisories(advs map[string]npm6Advisory) []Vulnerability {
	ids := slices.Collect(maps.Keys(advs))
	// Map order is random; advisory ids are numbers, oldest first.
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
	byName := map[string]*Vulnerability{}
	var order []string
	for _, id := range ids {
		adv := advs[id]
		v, ok := byName[adv.ModuleName]
		if !ok {
			v = &Vulnerability{Name: adv.ModuleName, FixAvailable: true}
			byName[adv.ModuleName] = v
			order = append(order, adv.ModuleName)
		}
		if severityRank(adv.Severity) > severityRank(v.Severity) {
			v.Severity = adv.Severity
		}
		v.Via = appendUnique(v.Via, adv.Title)
		v.URLs = appendUnique(v.URLs, adv.URL)
		if adv.VulnerableVersions != "" && !strings.Contains(v.Range, adv.VulnerableVersions) {
			v.Range = strings.TrimPrefix(v.Range+" || "+adv.VulnerableVersions, " || ")
		}
		// "<0.0.0" is npm 6's way of saying no patched version exists.
		if adv.PatchedVersions == "" || adv.PatchedVersions == "<0.0.0" {
			v.FixAvailable = false
		}
		for _, f := range adv.Findings {
			for _, p := range f.Paths {
				v.Direct = v.Direct || !strings.Contains(p, ">")
			}
		}
	}
	out := make([]Vulnerability, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return out
}

// severityRanks orders npm's own five levels, finer than fossamaint's:
// vulnerabilities are listed most severe first by them.
var severityRanks = map[string]int{"info": 1, "low": 2, "moderate": 3, "high": 4, "critical": 5}

// FindingSeverity maps one of npm's levels onto fossamaint's vocabulary,
// the only place the two meet: high and critical are warnings (upgrade,
// tested, before the next window: nothing is broken today), info, low and
// moderate are info. A level npm may add later is a warning, not a guess
// that it is harmless.
func FindingSeverity(npmLevel string) finding.Severity {
	switch strings.ToLower(npmLevel) {
	case "info", "low", "moderate":
		return finding.Info
	}
	return finding.Warning
}

// Worst is the severity of the audit as a whole: the worst of the levels
// counted, OK when nothing was found.
func (c Severities) Worst() finding.Severity {
	worst := finding.OK
	for level, n := range map[string]int{"info": c.Info, "low": c.Low, "moderate": c.Moderate, "high": c.High, "critical": c.Critical} {
		if n > 0 {
			worst = finding.Worst(worst, FindingSeverity(level))
		}
	}
	return worst
}

func severityRank(s string) int { return severityRanks[strings.ToLower(s)] }

func appendUnique(xs []string, x string) []string {
	if x == "" || slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}
