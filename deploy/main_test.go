package deploy_test

import (
	"fmt"
	"os"
	"testing"
)

// sharedDir holds what several tests use: the static build.
var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fossamaint-deploy-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sharedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
