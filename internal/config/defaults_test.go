package config

import (
	"slices"
	"testing"

	"github.com/fossawork/fossamaint/internal/logs"
)

// Default() writes the log globs out rather than importing them from
// internal/logs (config imports no domain package); they must stay the ones
// logs.Discover falls back to.
func TestDefaultLogGlobsAreLogsDefaults(t *testing.T) {
	d := Default()
	if !slices.Equal(d.Logs.Include, logs.DefaultInclude) {
		t.Errorf("Default().Logs.Include = %q, logs.DefaultInclude = %q", d.Logs.Include, logs.DefaultInclude)
	}
	if !slices.Equal(d.Logs.Exclude, logs.DefaultExclude) {
		t.Errorf("Default().Logs.Exclude = %q, logs.DefaultExclude = %q", d.Logs.Exclude, logs.DefaultExclude)
	}
	// Each call returns its own slices: a caller appending must not change
	// the next Default().
	d.Logs.Include[0] = "changed"
	if Default().Logs.Include[0] == "changed" {
		t.Error("Default() shares its Include slice between calls")
	}
}
