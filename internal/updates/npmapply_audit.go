package updates

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// auditNotes runs `npm audit --json` and adds to the Why of the items
// what their upgrade does about its findings: "fixes npm audit high ... in
// b" when the item is selected and its new version is outside every
// advisory's range of the package (for a finding in a package that is not
// an item: when it reaches the version npm names as the fix), "npm audit:
// ..., not fixed by this plan" on a vulnerable item it does not fix. It is
// best effort: an audit npm could not get adds nothing (the report's npm
// audit check says why), and a finding that no item fixes nor is stays in
// that check's report.
func (a *npmApplier) auditNotes(ctx context.Context, items []PlanItem) {
	stdout, _, code, err := a.r.Run(ctx, a.dir, npmEnv, "npm", "audit", "--json")
	if err != nil || (code != 0 && code != 1) {
		return
	}
	audit, err := ParseNpmAudit(bytes.NewReader(stdout))
	if err != nil {
		return
	}
	var raw struct {
		Vulnerabilities map[string]npmAuditFix `json:"vulnerabilities"`
	}
	_ = json.Unmarshal(stdout, &raw) // ParseNpmAudit read it: it is JSON
	for _, v := range audit.Vulnerabilities {
		what := v.Severity
		switch {
		case len(v.URLs) > 0 && len(v.Via) > 0: // advisory titles
			what += " " + v.Via[0]
		case len(v.Via) > 0: // only through other packages
			what += " through " + strings.Join(v.Via, ", ")
		}
		fixed := false
		for i := range items {
			if it := &items[i]; it.Selected && raw.Vulnerabilities[v.Name].fixedBy(v.Name, *it) {
				it.Why += fmt.Sprintf("; fixes npm audit %s in %s", what, v.Name)
				fixed = true
			}
		}
		for i := range items {
			if it := &items[i]; it.Name == v.Name && !fixed {
				it.Why += fmt.Sprintf("; npm audit: %s, not fixed by this plan", what)
			}
		}
	}
}

// npmAuditFix is what of one vulnerability of `npm audit --json` says
// which version fixes it: the advisories' ranges, and fixAvailable.
type npmAuditFix struct {
	Via          []json.RawMessage `json:"via"`
	FixAvailable json.RawMessage   `json:"fixAvailable"`
}

// fixedBy says whether upgrading it fixes the vulnerability of package
// name: it is that package and its new version is in none of the
// advisories' ranges, or (ranges unknown, or another package) it is the
// package npm's fix upgrades, to at least that version.
func (f npmAuditFix) fixedBy(name string, it PlanItem) bool {
	to, ok := parseSemver(it.To)
	if !ok {
		return false
	}
	if it.Name == name {
		if fixed, known := f.outsideAdvisories(to); known {
			return fixed
		}
	}
	var fix struct{ Name, Version string }
	_ = json.Unmarshal(f.FixAvailable, &fix) // false and true leave it empty
	min, ok := parseSemver(fix.Version)
	return ok && fix.Name == it.Name && compareSemver(to, min) >= 0
}

// outsideAdvisories says whether v is in none of the advisories' ranges;
// known is false without a range it can read.
func (f npmAuditFix) outsideAdvisories(v semver) (outside, known bool) {
	ranges := 0
	for _, raw := range f.Via {
		var adv struct{ Range string }
		if json.Unmarshal(raw, &adv) != nil || adv.Range == "" {
			continue // a package name: the vulnerability comes through it
		}
		in, ok := inSemverRange(v, adv.Range)
		if !ok {
			return false, false
		}
		if in {
			return false, true
		}
		ranges++
	}
	return true, ranges > 0
}
