package updates

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// The security decision on real `apt-cache policy` outputs: this Debian
// 12 machine's (captured), and Ubuntu's shape, where a candidate is often
// in both -updates and -security, with a PPA whose name, label and
// version say "security" without being a security archive.
func TestAptSecurityDecision(t *testing.T) {
	for _, name := range []string{"debian12", "ubuntu"} {
		t.Run(name, func(t *testing.T) {
			files, err := parseAptPolicyFiles(string(readFixture(t, "aptpolicy_files_"+name+".txt")))
			if err != nil {
				t.Fatal(err)
			}
			pkgs, err := parseAptPolicyPackages(string(readFixture(t, "aptpolicy_pkgs_"+name+".txt")))
			if err != nil {
				t.Fatal(err)
			}
			origins := joinOrigins(files, pkgs)
			a := &aptApplier{policy: PolicySecurity, exclude: []string{"curl"}}
			names := make([]string, 0, len(pkgs))
			for n := range pkgs {
				names = append(names, n)
			}
			slices.Sort(names)
			var items []PlanItem
			for _, n := range names {
				items = append(items, a.decide(Package{Name: n, OldVersion: pkgs[n].Installed}, map[string]bool{}, origins[n]))
			}
			checkGolden(t, "aptdecide_"+name, items)
		})
	}
}

func TestAptReleaseSecurityOrigin(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=amd64", true},
		{"o=Debian,a=stable-security,n=trixie-security,l=Debian-Security", true},
		{"v=22.04,o=Ubuntu,a=jammy-security,n=jammy,l=Ubuntu,c=main,b=amd64", true},
		{"v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64", false},
		{"v=12-updates,o=Debian,a=oldstable-updates,n=bookworm-updates,l=Debian,c=main,b=amd64", false},
		{"o=LP-PPA-example-security-tools,a=jammy,n=jammy,l=Security tools", false},
		{"a=now", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := parseAptReleaseLine(tc.line).securityOrigin(); got != tc.want {
			t.Errorf("%q: security %v, want %v", tc.line, got, tc.want)
		}
	}
}

func TestParseAptSimulation(t *testing.T) {
	tests := []struct {
		fixture string
		want    []aptSimStep
	}{
		{"aptsim_debian12.txt", []aptSimStep{
			{false, "libssl-dev", "3.0.19-1~deb12u2", "3.0.22-1~deb12u2"},
			{false, "libssl3", "3.0.19-1~deb12u2", "3.0.22-1~deb12u2"},
			{false, "openssl", "3.0.19-1~deb12u2", "3.0.22-1~deb12u2"},
		}},
		{"aptsim_remove.txt", []aptSimStep{
			{true, "fmtest-local", "1.0", ""},
			{false, "fmtest-breaker", "1.0", "1.1"},
			{false, "fmtest-dep", "", "1.0"},
			{false, "fmtest-sec", "1.0", "1.1"},
		}},
	}
	for _, tc := range tests {
		got, err := parseAptSimulation(string(readFixture(t, tc.fixture)))
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %+v, %v\nwant %+v", tc.fixture, got, err, tc.want)
		}
	}
}

// Output we do not understand is an error naming the line, never a panic
// or a silent guess.
func TestAptApplyParsersReject(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) error
		in    string
		want  string
	}{
		{"files: release first", func(s string) error { _, err := parseAptPolicyFiles(s); return err },
			"Package files:\n     release o=Debian\n", "release line before any package file"},
		{"files: no priority", func(s string) error { _, err := parseAptPolicyFiles(s); return err },
			"Package files:\n http://x Packages\n", "unexpected package file line"},
		{"pkgs: no colon", func(s string) error { _, err := parseAptPolicyPackages(s); return err },
			"openssl\n", "unexpected package line"},
		{"pkgs: indented first", func(s string) error { _, err := parseAptPolicyPackages(s); return err },
			"  Installed: 1\n", "before any package"},
		{"pkgs: bare ***", func(s string) error { _, err := parseAptPolicyPackages(s); return err },
			"x:\n  Candidate: 1\n  Version table:\n ***\n", "unexpected version line"},
		{"pkgs: bad source", func(s string) error { _, err := parseAptPolicyPackages(s); return err },
			"x:\n  Candidate: 1\n  Version table:\n     1 500\n        http://x Packages\n", "unexpected version table line"},
		{"sim: empty Inst", func(s string) error { _, err := parseAptSimulation(s); return err },
			"Inst \n", "unexpected line"},
		{"sim: Inst without version", func(s string) error { _, err := parseAptSimulation(s); return err },
			"Inst foo [1.0]\n", "no (version)"},
		{"dpkg-query: two fields", func(s string) error { _, err := parseDpkgQuery(s); return err },
			"foo\t1.0\n", "unexpected line"},
	}
	for _, tc := range tests {
		if err := tc.parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseDpkgQuery(t *testing.T) {
	got, err := parseDpkgQuery("bash\t5.2.15-2+b8\tinstalled\nlibc6:i386\t2.36-9\tinstalled\nold\t1.0\tconfig-files\n" +
		"gone\t\tnot-installed\nbroken\t1.1\thalf-configured\ntrig\t2\ttriggers-pending\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"bash": "5.2.15-2+b8", "libc6:i386": "2.36-9", "broken": "1.1 (half-configured)", "trig": "2"}
	if !maps.Equal(got, want) {
		t.Errorf("got %v", got)
	}
}

func TestDiffInstalled(t *testing.T) {
	got := DiffVersions("apt", map[string]string{"a": "1", "b": "1", "gone": "3", "h": "2 (half-configured)"},
		map[string]string{"a": "2", "b": "1", "new": "1", "h": "3"})
	want := []Change{{"apt", "a", "1", "2"}, {"apt", "gone", "3", ""}, {"apt", "h", "2 (half-configured)", "3"}, {"apt", "new", "", "1"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	undo := (&aptApplier{}).undoCommands(got)
	if len(undo) != 1 || strings.Join(undo[0], " ") != "apt-get install a=1 gone=3 h=2 new-" {
		t.Errorf("undo = %q", undo)
	}
}

func FuzzAptApplyParsers(f *testing.F) {
	for _, name := range []string{"aptpolicy_files_debian12.txt", "aptpolicy_pkgs_ubuntu.txt", "aptsim_remove.txt"} {
		f.Add(string(readFixture(f, name)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseAptPolicyFiles(s)
		_, _ = parseAptPolicyPackages(s)
		_, _ = parseAptSimulation(s)
		_, _ = parseDpkgQuery(s)
	})
}
