package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// versitygwOnGOBIN points the script's GOBIN at the directory of the
// versitygw this test process finds (testscript's HOME is /no-home, so
// the demo it runs would not look in ~/go/bin): versitygwbin
func versitygwOnGOBIN(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: versitygwbin")
	}
	bin, err := testkit.FindVersitygw()
	if err != nil {
		ts.Fatalf("versitygw is missing (go install github.com/versity/versitygw/cmd/versitygw@%s): %v", testkit.VersitygwVersion, err)
	}
	ts.Setenv("GOBIN", filepath.Dir(bin))
}

// pathWithout sets PATH to the script's PATH without the directories
// holding NAME, and GOBIN and GOPATH empty: pathwithout NAME
func pathWithout(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pathwithout NAME")
	}
	var keep []string
	for _, d := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, args[0])); err != nil {
			keep = append(keep, d)
		}
	}
	ts.Setenv("PATH", strings.Join(keep, string(filepath.ListSeparator)))
	ts.Setenv("GOBIN", "")
	ts.Setenv("GOPATH", "")
}

// killAtEnd kills, when the script ends (passed or failed), the
// versitygw whose pid FILE holds, if there is one: a kept demo's server
// outlives the demo by design: killatend FILE
func killAtEnd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: killatend FILE")
	}
	path := ts.MkAbs(args[0])
	ts.Defer(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			return
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 {
			return
		}
		// Not a recycled pid: only a versitygw is killed.
		if cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil && !strings.Contains(string(cmd), "versitygw") {
			return
		}
		if p, err := os.FindProcess(pid); err == nil {
			if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				ts.Logf("killing versitygw pid %d: %v", pid, err)
			}
		}
	})
}
