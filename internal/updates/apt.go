package updates

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Package is one upgradable OS package.
type Package struct {
	Name       string `json:"name"`
	Source     string `json:"source"` // suite(s), e.g. "bookworm-security" or "jammy-updates,jammy-security"
	NewVersion string `json:"new_version"`
	OldVersion string `json:"old_version"`
	Arch       string `json:"arch"`
	Security   bool   `json:"security"`
}

// AptReport is what apt says is pending. Nothing was upgraded.
type AptReport struct {
	Packages       []Package `json:"packages"`
	Security       int       `json:"security"` // how many of Packages come from a security suite
	RebootRequired bool      `json:"reboot_required"`
	// RebootPackages are the packages that asked for the reboot, from
	// the reboot-required file's ".pkgs" companion.
	RebootPackages []string `json:"reboot_packages,omitempty"`
}

// CheckApt lists upgradable packages and whether a reboot is pending
// (rebootFile exists; "" skips that part). It only reads: no apt update,
// no upgrade. Without apt the error matches ErrToolMissing; without
// package lists, ErrUnknown.
func CheckApt(ctx context.Context, r Runner, rebootFile string) (AptReport, error) {
	var rep AptReport
	stdout, stderr, code, err := r.Run(ctx, "", []string{"LC_ALL=C"}, "apt", "list", "--upgradable")
	if err != nil {
		return rep, fmt.Errorf("apt list --upgradable: %w", err)
	}
	if code != 0 {
		return rep, fmt.Errorf("apt list --upgradable: exit status %d: %s", code, firstLines(stderr, 3))
	}
	if rep.Packages, err = ParseAptUpgradable(bytes.NewReader(stdout)); err != nil {
		return rep, fmt.Errorf("apt list --upgradable: %w", err)
	}
	if len(rep.Packages) == 0 {
		if err := aptHasLists(ctx, r); err != nil {
			return rep, err
		}
	}
	return finishApt(rep, rebootFile)
}

// CheckAptFile is CheckApt reading the output of `apt list --upgradable`
// from listFile rather than running apt: a file a job with access to apt
// wrote, or a sandbox's generated package state. A listFile that does not
// exist makes the answer unknown (ErrUnknown), not "nothing pending".
func CheckAptFile(ctx context.Context, listFile, rebootFile string) (AptReport, error) {
	var rep AptReport
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	f, err := os.Open(listFile)
	if errors.Is(err, fs.ErrNotExist) {
		return rep, unknown("apt", "%s does not exist: upgradable packages are unknown (write `apt list --upgradable` into it, or unset updates.apt.list_file to run apt)", listFile)
	}
	if err != nil {
		return rep, fmt.Errorf("reading apt's upgradable list %s: %w", listFile, err)
	}
	defer f.Close()
	if rep.Packages, err = ParseAptUpgradable(f); err != nil {
		return rep, fmt.Errorf("%s: %w (it must hold `apt list --upgradable` output)", listFile, err)
	}
	return finishApt(rep, rebootFile)
}

// finishApt counts the security updates and reads the reboot flag
// (rebootFile "" skips it).
func finishApt(rep AptReport, rebootFile string) (AptReport, error) {
	for _, p := range rep.Packages {
		if p.Security {
			rep.Security++
		}
	}
	if rebootFile == "" {
		return rep, nil
	}
	var err error
	if rep.RebootRequired, rep.RebootPackages, err = rebootRequired(rebootFile); err != nil {
		return rep, err
	}
	return rep, nil
}

// aptHasLists says, as an UnknownError, when apt has no package lists:
// before the first apt update, or after every one failed, apt lists
// nothing upgradable, which says nothing. The directory is apt's own
// (apt-config); without apt-config there is nothing to tell.
func aptHasLists(ctx context.Context, r Runner) error {
	stdout, _, code, err := r.Run(ctx, "", []string{"LC_ALL=C"}, "apt-config", "shell", "LISTS", "Dir::State::lists/d")
	if errors.Is(err, ErrToolMissing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("finding apt's package lists: %w", err)
	}
	if code != 0 {
		return fmt.Errorf("finding apt's package lists: apt-config shell: exit status %d", code)
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(stdout)), "LISTS=")
	dir = strings.Trim(dir, "'")
	if !ok || dir == "" {
		return nil // nothing we can read: apt's answer stands
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading apt's package lists %s: %w", dir, err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "_Packages") {
			return nil
		}
	}
	return unknown("apt", "no package lists in %s: upgradable packages are unknown (apt update has not run, or failed; see `apt-get update`)", dir)
}

// rebootRequired reads Debian's /var/run/reboot-required convention.
func rebootRequired(path string) (bool, []string, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil, nil
	} else if err != nil {
		return false, nil, fmt.Errorf("reading reboot flag %s: %w", path, err)
	}
	data, err := os.ReadFile(path + ".pkgs")
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil, nil
	}
	if err != nil {
		return true, nil, fmt.Errorf("reading %s.pkgs: %w", path, err)
	}
	var pkgs []string
	for _, f := range strings.Fields(string(data)) {
		if !slices.Contains(pkgs, f) {
			pkgs = append(pkgs, f)
		}
	}
	return true, pkgs, nil
}

// maxAptLine bounds a line of apt output; real ones are under 200 bytes.
const maxAptLine = 64 << 10

// ParseAptUpgradable parses the output of `LC_ALL=C apt list --upgradable`:
//
//	openssl/stable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]
//
// The "Listing..." header, apt's CLI WARNING and notice ("N: ") lines and
// blank lines are skipped; any other line that does not have this shape is
// an error naming its line number, since it means we misread the output.
func ParseAptUpgradable(r io.Reader) ([]Package, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxAptLine)
	var pkgs []Package
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "Listing...") || strings.HasPrefix(line, "WARNING:") ||
			strings.HasPrefix(line, "N: ") || strings.HasPrefix(line, "W: ") {
			continue
		}
		p, err := parseAptLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		pkgs = append(pkgs, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading apt output: %w", err)
	}
	return pkgs, nil
}

func parseAptLine(line string) (Package, error) {
	head, bracket, ok := strings.Cut(line, " [")
	if !ok || !strings.HasSuffix(bracket, "]") {
		return Package{}, fmt.Errorf("no [upgradable from: ...] in %q", clip(line))
	}
	old, ok := strings.CutPrefix(strings.TrimSuffix(bracket, "]"), "upgradable from: ")
	f := strings.Fields(head)
	if !ok || len(f) != 3 || strings.TrimSpace(old) == "" || strings.ContainsAny(old, " []") {
		return Package{}, fmt.Errorf("unexpected upgradable line %q", clip(line))
	}
	name, suite, ok := strings.Cut(f[0], "/")
	if !ok || name == "" || suite == "" {
		return Package{}, fmt.Errorf("no name/suite in %q", clip(line))
	}
	return Package{
		Name: name, Source: suite, NewVersion: f[1], Arch: f[2], OldVersion: old,
		Security: strings.Contains(suite, "security"),
	}, nil
}

// clip keeps error messages about garbage short.
func clip(s string) string {
	if len(s) > 120 {
		return strings.ToValidUTF8(s[:120], "") + "…"
	}
	return s
}

// firstLines returns up to n non-empty lines of b, for error messages.
func firstLines(b []byte, n int) string {
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && len(out) < n {
			out = append(out, clip(line))
		}
	}
	if len(out) == 0 {
		return "(no output on stderr)"
	}
	return strings.Join(out, " / ")
}
