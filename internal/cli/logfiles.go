package cli

import (
	"github.com/spf13/pflag"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/logs"
)

// logGlobs are the --include/--exclude flags of the commands that read the
// log tree.
type logGlobs struct{ include, exclude []string }

func (g *logGlobs) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&g.include, "include", nil, "glob of log files under the logs dir, ** for any depth; repeatable (default: logs.include)")
	fs.StringArrayVar(&g.exclude, "exclude", nil, "glob of files or directories to leave out; repeatable (default: logs.exclude)")
}

// fileSet returns the flags' globs where given, else cfg's. A malformed
// glob is a usage error.
func (g *logGlobs) fileSet(cfg config.Config) (*logs.FileSet, error) {
	include, exclude, from := cfg.Logs.Include, cfg.Logs.Exclude, "logs.include/logs.exclude in the config"
	if len(g.include) > 0 {
		include, from = g.include, "--include/--exclude"
	}
	if len(g.exclude) > 0 {
		exclude, from = g.exclude, "--include/--exclude"
	}
	set, err := logs.NewFileSet(include, exclude)
	if err != nil {
		return nil, usageErr("%s: %v", from, err)
	}
	return set, nil
}
