package deploy_test

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const containerfile = "container/Containerfile"

// buildLineRe is the Containerfile's build of the binary.
var buildLineRe = regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .*)$`)

// buildArgs are the arguments of the Containerfile's `go build` line, its
// ${VERSION} replaced by version and its -o by out. Only double quotes are
// understood: the line has no other shell syntax.
func buildArgs(containerfile, version, out string) ([]string, error) {
	m := buildLineRe.FindStringSubmatch(containerfile)
	if m == nil {
		return nil, fmt.Errorf("no line `RUN CGO_ENABLED=0 go build ...`")
	}
	words, err := splitWords(strings.ReplaceAll(m[1], "${VERSION}", version))
	if err != nil {
		return nil, err
	}
	words = words[1:] // CGO_ENABLED=0, set in the environment
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			words[i+1] = out
		}
	}
	return words, nil
}

func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		case strings.ContainsRune(`'\$;&|`+"`", r) && !(quoted && r == '$'):
			return nil, fmt.Errorf("%q: shell syntax the test does not read", line)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("%q: unterminated quote", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// containerfileProblems: the build is static and trimmed, the final image
// distroless static as nonroot, the entrypoint the binary the build made.
func containerfileProblems(cf string) []string {
	var out []string
	args, err := buildArgs(cf, "v0", "/out/fossamaint")
	if err != nil {
		return []string{err.Error()}
	}
	line := strings.Join(args, " ")
	for _, want := range []string{"go build", "-trimpath", "-X github.com/fossawork/fossamaint/internal/cli.Version=v0", "-o /out/fossamaint", "./cmd/fossamaint"} {
		if !strings.Contains(line, want) {
			out = append(out, fmt.Sprintf("the go build line has no %q", want))
		}
	}
	froms := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(cf, -1)
	if len(froms) == 0 || froms[len(froms)-1][1] != "gcr.io/distroless/static-debian12:nonroot" {
		out = append(out, "the final stage is not FROM gcr.io/distroless/static-debian12:nonroot")
	}
	final := cf[strings.LastIndex(cf, "\nFROM "):]
	for _, want := range []string{"\nCOPY --from=build /out/fossamaint /fossamaint\n", "\nUSER nonroot\n", "\nENTRYPOINT [\"/fossamaint\"]\n"} {
		if !strings.Contains(final, want) {
			out = append(out, fmt.Sprintf("the final stage has no %q", strings.TrimSpace(want)))
		}
	}
	return out
}

func TestContainerfile(t *testing.T) {
	data, err := os.ReadFile(containerfile)
	if err != nil {
		t.Fatal(err)
	}
	cf := string(data)
	for _, p := range containerfileProblems(cf) {
		t.Error(p)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"CGO_ENABLED=0 go build", "go build", "no line `RUN CGO_ENABLED=0 go build"},
		{" -trimpath", "", `no "-trimpath"`},
		{"cli.Version=${VERSION}", "cli.Version=dev", "cli.Version=v0"},
		{"static-debian12:nonroot", "base-debian12:nonroot", "final stage is not FROM gcr.io/distroless/static"},
		{"USER nonroot", "USER root", `no "USER nonroot"`},
		{`ENTRYPOINT ["/fossamaint"]`, `ENTRYPOINT ["/bin/fossamaint"]`, "no \"ENTRYPOINT"},
		{"./cmd/fossamaint\n", "./cmd/fossamaint; rm -rf /tmp\n", "shell syntax"},
	} {
		if !strings.Contains(cf, tc.old) {
			t.Errorf("the Containerfile has no %q: the case edits nothing", tc.old)
			continue
		}
		got := containerfileProblems(strings.Replace(cf, tc.old, tc.new, 1))
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("replacing %q by %q: no problem says %q; got %q", tc.old, tc.new, tc.want, got)
		}
	}
}

var (
	staticOnce sync.Once
	staticBin  string
	staticErr  error
)

// buildStatic builds fossamaint with the Containerfile's go build line
// (once per test binary, into dir the first time) and checks that the
// result is static.
func buildStatic(t *testing.T, dir string) string {
	t.Helper()
	staticOnce.Do(func() {
		data, err := os.ReadFile(containerfile)
		if err != nil {
			staticErr = err
			return
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			staticErr = err
			return
		}
		out := filepath.Join(dir, "fossamaint")
		args, err := buildArgs(string(data), "v0.0.0-deploytest", out)
		if err != nil {
			staticErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args[1:]...)
		cmd.Dir = ".." // the module's root, the Containerfile's build context
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			staticErr = fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, msg)
			return
		}
		staticBin = out
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	if _, err := os.Stat(staticBin); err != nil {
		t.Fatalf("the static build is gone (%v): buildStatic's first caller's directory must outlive the others", err)
	}
	return staticBin
}

// TestStaticBinary: the Containerfile's build gives a binary with no
// interpreter and no dynamic section (it runs on distroless static, which
// has no libc), stamped with the version.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fossamaint")
	}
	bin := buildStatic(t, filepath.Join(sharedDir, "static"))
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %v program header: not static", bin, p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Errorf("%s has a .dynamic section: not static", bin)
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s imports libraries %v (%v)", bin, libs, err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "fossamaint v0.0.0-deploytest") {
		t.Errorf("%s version: %v\n%s", bin, err, out)
	}
}
