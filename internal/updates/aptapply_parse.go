package updates

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
)

// The parsers of the apt Applier: `apt-cache policy` (its package files
// with their Release fields, and the version table of named packages),
// `apt-get -s` and `dpkg-query -W`. Pure functions of the output.

// aptRelease is a package file's Release fields as `apt-cache policy`
// prints them: "release v=12,o=Debian,a=oldstable-security,
// n=bookworm-security,l=Debian-Security,c=main,b=amd64". The keys are
// apt's: o Origin, l Label, a Suite (archive), n Codename, c Component.
type aptRelease map[string]string

// String writes the fields that decide the origin, in a fixed order.
func (r aptRelease) String() string {
	var out []string
	for _, k := range []string{"o", "a", "n", "l"} {
		if v := r[k]; v != "" {
			out = append(out, k+"="+v)
		}
	}
	return strings.Join(out, ",")
}

// securityOrigin says whether a package file is a security archive, the
// way unattended-upgrades' default Origins-Pattern decides it from the
// Release file: Debian's "origin=Debian,label=Debian-Security", and a
// suite or codename ending in "-security" (Debian's
// codename=bookworm-security, Ubuntu's archive=jammy-security).
func (r aptRelease) securityOrigin() bool {
	if r["l"] == "Debian-Security" {
		return true
	}
	return strings.HasSuffix(r["a"], "-security") || strings.HasSuffix(r["n"], "-security")
}

// parseAptPolicyFiles parses `LC_ALL=C apt-cache policy` without
// arguments: each package file, keyed by its description as the version
// tables print it ("http://deb.debian.org/debian-security
// bookworm-security/main amd64 Packages"), with its Release fields.
//
//	Package files:
//	 100 /var/lib/dpkg/status
//	     release a=now
//	 500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
//	     release v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=amd64
//	     origin deb.debian.org
//	Pinned packages:
func parseAptPolicyFiles(out string) (map[string]aptRelease, error) {
	files := map[string]aptRelease{}
	var cur string
	inFiles := false
	for line := range strings.SplitSeq(out, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
		case !strings.HasPrefix(line, " "):
			inFiles = trimmed == "Package files:"
			cur = ""
		case !inFiles:
		case strings.HasPrefix(trimmed, "release "):
			if cur == "" {
				return nil, fmt.Errorf("apt-cache policy: release line before any package file: %q", clip(trimmed))
			}
			files[cur] = parseAptReleaseLine(strings.TrimPrefix(trimmed, "release "))
		case strings.HasPrefix(trimmed, "origin "):
		default:
			desc, ok := cutPriority(trimmed)
			if !ok {
				return nil, fmt.Errorf("apt-cache policy: unexpected package file line %q", clip(trimmed))
			}
			cur = desc
			files[cur] = aptRelease{}
		}
	}
	return files, nil
}

func parseAptReleaseLine(s string) aptRelease {
	r := aptRelease{}
	for kv := range strings.SplitSeq(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			r[k] = v
		}
	}
	return r
}

// cutPriority splits "500 http://... Packages" into its description.
func cutPriority(s string) (string, bool) {
	prio, desc, ok := strings.Cut(s, " ")
	if !ok || prio == "" || strings.Trim(prio, "-0123456789") != "" {
		return "", false
	}
	desc = strings.TrimSpace(desc)
	return desc, desc != ""
}

// aptCandidate is one package of `apt-cache policy pkg...`: the installed
// and candidate versions and the package files the candidate comes from.
type aptCandidate struct {
	Installed, Candidate string
	Sources              []string
}

// parseAptPolicyPackages parses `LC_ALL=C apt-cache policy pkg...`:
//
//	openssl:
//	  Installed: 3.0.19-1~deb12u2
//	  Candidate: 3.0.22-1~deb12u2
//	  Version table:
//	     3.0.22-1~deb12u2 500
//	        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
//	 *** 3.0.19-1~deb12u2 100
//	        100 /var/lib/dpkg/status
//
// Version lines are indented less than 8 columns (or marked ***), their
// package files 8 or more.
func parseAptPolicyPackages(out string) (map[string]aptCandidate, error) {
	pkgs := map[string]aptCandidate{}
	var name, version string
	for line := range strings.SplitSeq(out, "\n") {
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case trimmed == "":
		case indent == 0:
			name, version = strings.TrimSuffix(trimmed, ":"), ""
			if !strings.HasSuffix(trimmed, ":") || name == "" {
				return nil, fmt.Errorf("apt-cache policy: unexpected package line %q", clip(trimmed))
			}
			pkgs[name] = aptCandidate{}
		case name == "":
			return nil, fmt.Errorf("apt-cache policy: %q before any package", clip(trimmed))
		case strings.HasPrefix(trimmed, "Installed: "), strings.HasPrefix(trimmed, "Candidate: "):
			k, v, _ := strings.Cut(trimmed, ": ")
			c := pkgs[name]
			if k == "Installed" {
				c.Installed = v
			} else {
				c.Candidate = v
			}
			pkgs[name] = c
		case trimmed == "Version table:" || strings.HasPrefix(trimmed, "Package pin: "):
		case strings.HasPrefix(trimmed, "***") || (indent < 8 && strings.Count(trimmed, " ") == 1):
			f := strings.Fields(strings.TrimPrefix(trimmed, "***"))
			if len(f) != 2 {
				return nil, fmt.Errorf("apt-cache policy %s: unexpected version line %q", name, clip(trimmed))
			}
			version = f[0]
		case indent >= 8 && version != "":
			desc, ok := cutPriority(trimmed)
			if !ok {
				return nil, fmt.Errorf("apt-cache policy %s: unexpected version table line %q", name, clip(trimmed))
			}
			if c := pkgs[name]; version == c.Candidate && !slices.Contains(c.Sources, desc) {
				c.Sources = append(c.Sources, desc)
				pkgs[name] = c
			}
		}
	}
	return pkgs, nil
}

// aptSimStep is one Inst or Remv line of `apt-get -s`.
type aptSimStep struct {
	Remove   bool
	Name     string
	From, To string // From "" for a new package, To "" for a removal
}

// parseAptSimulation reads the Inst and Remv lines of `LC_ALL=C apt-get -s
// install ...`; the rest (Conf lines, the summary) is skipped.
//
//	Inst fmtest-dep (1.0 Debian-Security:bookworm-security [all])
//	Inst fmtest-sec [1.0] (1.1 Debian-Security:bookworm-security [all])
//	Remv fmtest-local [1.0]
func parseAptSimulation(out string) ([]aptSimStep, error) {
	var steps []aptSimStep
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 4096), maxAptLine)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		kind, rest, _ := strings.Cut(line, " ")
		if kind != "Inst" && kind != "Remv" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return nil, fmt.Errorf("apt-get -s: unexpected line %q", clip(line))
		}
		st := aptSimStep{Remove: kind == "Remv", Name: f[0]}
		f = f[1:]
		if len(f) > 0 && strings.HasPrefix(f[0], "[") {
			st.From = strings.Trim(f[0], "[]")
			f = f[1:]
		}
		if !st.Remove {
			if len(f) == 0 || !strings.HasPrefix(f[0], "(") {
				return nil, fmt.Errorf("apt-get -s: no (version) in %q", clip(line))
			}
			st.To = strings.TrimPrefix(f[0], "(")
		}
		steps = append(steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading apt-get -s output: %w", err)
	}
	return steps, nil
}

// parseDpkgQuery reads `dpkg-query -W -f '${binary:Package}\t${Version}\t
// ${db:Status-Status}\n'` into the installed packages' versions. Packages
// only known to dpkg (removed, config files left) are not installed; one
// that a failed run left unpacked or half-configured keeps its version
// with the state, "1.1 (half-configured)", so that the record says so.
func parseDpkgQuery(out string) (map[string]string, error) {
	installed := map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" {
			return nil, fmt.Errorf("dpkg-query: unexpected line %q", clip(line))
		}
		switch f[2] {
		case "not-installed", "config-files":
		case "installed", "triggers-pending", "triggers-awaited":
			installed[f[0]] = f[1]
		default:
			installed[f[0]] = f[1] + " (" + f[2] + ")"
		}
	}
	return installed, nil
}
