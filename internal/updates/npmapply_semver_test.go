package updates

import (
	"strings"
	"testing"
)

func TestParseSemver(t *testing.T) {
	for s, ok := range map[string]bool{
		"1.2.3": true, "v1.2.3": true, "0.0.0": true, "1.2.3-beta.1": true, "1.2.3+build.5": true,
		"1.2": false, "1.2.3.4": false, "01.2.3": false, "1.2.x": false, "^1.2.3": false, "": false,
		"1.2.3-": false, "1.2.3-a b": false, "1.2.3-a..b": false, "1.2.3-ok-1.x": true, "git": false, "-1.2.3": false, "1.-2.3": false,
	} {
		if _, got := parseSemver(s); got != ok {
			t.Errorf("parseSemver(%q) ok = %v; want %v", s, got, ok)
		}
	}
}

func TestCompareSemver(t *testing.T) {
	// Each is lower than the next, as semver 2.0's precedence example has it.
	order := []string{"0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"}
	for i := range order {
		for j := range order {
			got := compareSemver(mustSemver(order[i]), mustSemver(order[j]))
			if want := min(max(i-j, -1), 1); got != want {
				t.Errorf("compare(%s, %s) = %d; want %d", order[i], order[j], got, want)
			}
		}
	}
	if compareSemver(mustSemver("1.0.0+a"), mustSemver("1.0.0+b")) != 0 {
		t.Error("build metadata counted")
	}
}

func TestNpmPolicyAllows(t *testing.T) {
	tests := []struct {
		from, to          string
		patch, minor, all bool
		kind              string
	}{
		{"1.0.0", "1.0.1", true, true, true, "patch"},
		{"1.0.0", "1.1.0", false, true, true, "minor"},
		{"1.0.0", "2.0.0", false, false, true, "major"},
		{"0.1.0", "0.1.1", true, true, true, "patch"},
		{"0.1.0", "0.2.0", false, false, true, "major"}, // 0.x: a minor bump may break
		{"0.0.1", "0.0.2", true, true, true, "patch"},
		{"1.0.0", "1.0.1-rc.1", false, false, false, "patch"},
		{"1.0.1", "1.0.0", false, false, false, "patch"},
		{"1.0.0", "1.0.0", false, false, false, "patch"},
		{"1.0.0-rc.1", "1.0.0", true, true, true, "patch"},
	}
	for _, tt := range tests {
		from, to := mustSemver(tt.from), mustSemver(tt.to)
		for policy, want := range map[string]bool{PolicyPatch: tt.patch, PolicyMinor: tt.minor, PolicyAll: tt.all, PolicyNone: false} {
			if got, _ := npmPolicyAllows(policy, from, to); got != want {
				t.Errorf("%s -> %s under %s: %v; want %v", tt.from, tt.to, policy, got, want)
			}
		}
		if _, kind := npmPolicyAllows(PolicyAll, from, to); kind != tt.kind && tt.all {
			t.Errorf("%s -> %s: kind %q; want %q", tt.from, tt.to, kind, tt.kind)
		}
	}
}

func TestInSemverRange(t *testing.T) {
	tests := []struct {
		v, rng string
		in, ok bool
	}{
		{"1.0.0", "<1.0.1", true, true},
		{"1.0.1", "<1.0.1", false, true},
		{"2.1.0", ">=2.0.0 <2.3.1", true, true},
		{"2.3.1", ">=2.0.0 <2.3.1", false, true},
		{"1.5.0", "1.0.0 - 1.5.0", true, true},
		{"1.5.1", "1.0.0 - 1.5.0", false, true},
		{"3.0.0", "<1.0.0 || >=2.0.0 <3.0.0", false, true},
		{"0.5.0", "<1.0.0 || >=2.0.0 <3.0.0", true, true},
		{"1.0.0", "*", true, true},
		{"1.0.0", "<0.0.0", false, true},
		{"1.9.0", "<2", true, true},
		{"2.0.0", ">=2.0", true, true},
		{"1.2.3", "1.2.3", true, true},
		{"1.2.3", "=1.2.4", false, true},
		{"1.2.3", "<=1.2.3", true, true},
		{"1.2.3", ">1.2.3", false, true},
		{"1.2.3", "^1.0.0", false, false},
		{"1.2.3", "~1.2", false, false},
		{"1.2.3", ">1", false, false},
		{"1.2.3", "1.x", false, false},
		{"1.2.3", "<1.2.3.4.5", false, false},
	}
	for _, tt := range tests {
		in, ok := inSemverRange(mustSemver(tt.v), tt.rng)
		if in != tt.in || ok != tt.ok {
			t.Errorf("inSemverRange(%s, %q) = %v, %v; want %v, %v", tt.v, tt.rng, in, ok, tt.in, tt.ok)
		}
	}
}

// FuzzNpmSemver: versions and ranges from a registry or an advisory are
// input; none may panic, and a parsed version is in its own exact range
// (its string without build metadata, a comparator of its own).
func FuzzNpmSemver(f *testing.F) {
	for _, s := range []string{"1.2.3", "1.0.0-rc.1", "<1.0.1", ">=2.0.0 <2.3.1 || 1.0.0 - 1.2.0", "<=1.2.3.4", ">=1", "-", "||", "<"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, version, rng string) {
		_, _ = inSemverRange(semver{major: 1}, rng)
		v, ok := parseSemver(version)
		if !ok {
			return
		}
		if compareSemver(v, v) != 0 {
			t.Errorf("%q is not equal to itself", version)
		}
		if _, kind := npmPolicyAllows(PolicyMinor, v, v); kind == "" {
			t.Errorf("no kind for %q", version)
		}
		exact, _, _ := strings.Cut(strings.TrimLeft(strings.TrimSpace(version), "v="), "+")
		if in, ok := inSemverRange(v, exact); !strings.ContainsAny(exact, " |<>=") && (!in || !ok) {
			t.Errorf("%q is not in its own range %q: %v, %v", version, exact, in, ok)
		}
	})
}
