package updates

import (
	"cmp"
	"strconv"
	"strings"
)

// semver is an npm package version (semver 2.0: MAJOR.MINOR.PATCH, an
// optional -prerelease, an optional +build that does not count).
type semver struct {
	major, minor, patch int
	pre                 []string
}

// parseSemver reads a version as npm writes it in a lockfile or
// packument; a leading "v" or "=" is tolerated, a range is not a version.
func parseSemver(s string) (semver, bool) {
	s = strings.TrimLeft(strings.TrimSpace(s), "v=")
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return semver{}, false
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '0') {
			return semver{}, false
		}
		nums[i] = n
	}
	v := semver{major: nums[0], minor: nums[1], patch: nums[2]}
	if hasPre {
		if pre == "" {
			return semver{}, false
		}
		v.pre = strings.Split(pre, ".")
		for _, id := range v.pre {
			if id == "" || strings.Trim(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") != "" {
				return semver{}, false
			}
		}
	}
	return v, true
}

// compareSemver orders versions by semver precedence: a prerelease comes
// before its release; prerelease identifiers compare numerically when
// both are numbers, numbers before words.
func compareSemver(a, b semver) int {
	if c := cmp.Or(cmp.Compare(a.major, b.major), cmp.Compare(a.minor, b.minor), cmp.Compare(a.patch, b.patch)); c != 0 {
		return c
	}
	switch {
	case len(a.pre) == 0 && len(b.pre) == 0:
		return 0
	case len(a.pre) == 0:
		return 1
	case len(b.pre) == 0:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		an, aerr := strconv.Atoi(a.pre[i])
		bn, berr := strconv.Atoi(b.pre[i])
		var c int
		switch {
		case aerr == nil && berr == nil:
			c = cmp.Compare(an, bn)
		case aerr == nil:
			c = -1
		case berr == nil:
			c = 1
		default:
			c = strings.Compare(a.pre[i], b.pre[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.pre), len(b.pre))
}

// npmPolicyAllows says whether policy lets from be upgraded to to, and
// if not, what kind of upgrade it is. patch: the same major.minor. minor:
// the same major, except that below 1.0.0 a minor bump is a major one, as
// npm's caret ranges treat it (0.2.x to 0.3.0 may break), so minor allows
// what patch allows there. all: any higher version. Prereleases are never
// targets: nobody chose them by policy.
func npmPolicyAllows(policy string, from, to semver) (bool, string) {
	kind := "patch"
	switch {
	case to.major != from.major:
		kind = "major"
	case to.minor != from.minor && from.major == 0:
		kind = "major" // 0.x: a minor bump may break
	case to.minor != from.minor:
		kind = "minor"
	}
	switch {
	case compareSemver(to, from) <= 0:
		return false, "not newer"
	case len(to.pre) > 0:
		return false, "prerelease"
	}
	switch policy {
	case PolicyAll:
		return true, kind
	case PolicyMinor:
		return kind != "major", kind
	case PolicyPatch:
		return kind == "patch", kind
	}
	return false, kind
}

// inSemverRange says whether v is in a node-semver range as npm's
// advisories write them ("<1.0.1", ">=2.0.0 <2.3.1", "1.0.0 - 1.2.0",
// "*", alternatives joined by "||"); ok is false for a form it does not
// read (partial versions with > or <=, tildes, carets, x-ranges), when the
// answer is unknown rather than guessed.
func inSemverRange(v semver, rng string) (in, ok bool) {
	for _, alt := range strings.Split(rng, "||") {
		fields := strings.Fields(alt)
		if len(fields) == 3 && fields[1] == "-" { // a hyphen range, inclusive
			fields = []string{">=" + fields[0], "<=" + fields[2]}
		}
		all := true
		for _, c := range fields {
			sat, ok := satisfiesComparator(v, c)
			if !ok {
				return false, false
			}
			all = all && sat
		}
		if all {
			return true, true
		}
	}
	return false, true
}

// satisfiesComparator reads one comparator: an operator and a version; a
// version of one or two numbers is read as its .0 fill for >= and <,
// which means the same there.
func satisfiesComparator(v semver, c string) (sat, ok bool) {
	if c == "*" || c == "" {
		return true, true
	}
	rest := strings.TrimLeft(c, "<>=")
	op := c[:len(c)-len(rest)]
	want, ok := parseSemver(rest)
	if dots := strings.Count(rest, "."); !ok && (op == ">=" || op == "<") && dots < 2 {
		want, ok = parseSemver(rest + strings.Repeat(".0", 2-dots))
	}
	if !ok {
		return false, false
	}
	d := compareSemver(v, want)
	switch op {
	case "<":
		return d < 0, true
	case "<=":
		return d <= 0, true
	case ">":
		return d > 0, true
	case ">=":
		return d >= 0, true
	case "=", "":
		return d == 0, true
	}
	return false, false
}
