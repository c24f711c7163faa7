package cli

import (
	"github.com/spf13/pflag"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/logs"
)

// logGlobs are the --include/--exclude flags of the commands that read the
// log tree.
type logGlobs struct{ include, exclude []string }

func (g *logGlobs) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&g.include, "include", nil, "glob of log files under the logs dir, ** for any depth; repeatable (default: logs.include)")
	fs.StringArrayVar(&g.exclude, "exclude", nil, "glob of files or directories to leave out; repeatable (default: logs.exclude)")
}

// fileSet returns the installation's log file set, or with either flag
// the flags' globs (the other list from logs.include/logs.exclude). A
// malformed glob is a usage error.
func (g *logGlobs) fileSet(in *install.Installation) (*logs.FileSet, error) {
	if len(g.include) == 0 && len(g.exclude) == 0 {
		return in.Logs.Files, nil
	}
	include, exclude := in.Logs.Include, in.Logs.Exclude
	if len(g.include) > 0 {
		include = g.include
	}
	if len(g.exclude) > 0 {
		exclude = g.exclude
	}
	set, err := logs.NewFileSet(include, exclude)
	if err != nil {
		return nil, usageErr("--include/--exclude: %v", err)
	}
	return set, nil
}

// defaultInstallation is the installation config.Default() describes: the
// settings (ages, thresholds, globs, the local zone) of the commands that
// run without a config when their directories or targets are named by
// flags. Its paths are not used.
func defaultInstallation() (*install.Installation, error) {
	in, err := install.Resolve(config.Default(), "")
	if err != nil {
		return nil, err
	}
	in.ToolVersion = Version
	return in, nil
}
