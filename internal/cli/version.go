package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version is what the binary calls itself: reports record it as the tool
// version. Set at build time with -ldflags "-X .../cli.Version=v1.2.3" it
// wins; otherwise it comes from the build information the go command
// stamps (the module version for `go install ...@v1.2.3`, the commit for a
// `go build` in a checkout), so no ldflags are needed.
var Version = "dev"

// build is read once at start-up, before Version is replaced by its
// resolved form (init below).
var build = buildInfoOf(Version, readBuildInfo())

func init() { Version = build.Version }

// buildInfo is what `fossamaint version` shows.
type buildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// Dirty is only ever true: without a commit, nothing is known.
	Dirty bool `json:"dirty,omitempty"`
	// CommitDate is the commit's date (vcs.time). The go command stamps
	// no build date, and an ldflags one would make builds unreproducible.
	CommitDate string `json:"commit_date,omitempty"`
	GoVersion  string `json:"go_version"`
}

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// buildInfoOf resolves the version: an ldflags override (anything but
// "dev"), else the main module's version unless it is "(devel)" or empty,
// else "devel" and the commit. Missing information stays empty rather
// than guessed.
func buildInfoOf(override string, bi *debug.BuildInfo) buildInfo {
	out := buildInfo{Version: override, GoVersion: runtime.Version()}
	mainVersion := ""
	if bi != nil {
		out.GoVersion = bi.GoVersion
		mainVersion = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				out.Commit = s.Value
			case "vcs.modified":
				out.Dirty = s.Value == "true"
			case "vcs.time":
				out.CommitDate = s.Value
			}
		}
	}
	if out.Version != "" && out.Version != "dev" {
		return out
	}
	switch {
	case mainVersion != "" && mainVersion != "(devel)":
		out.Version = mainVersion
	case out.Commit != "":
		out.Version = "devel-" + shortCommit(out.Commit, out.Dirty)
	default:
		out.Version = "devel"
	}
	return out
}

func shortCommit(c string, dirty bool) string {
	if len(c) > 12 {
		c = c[:12]
	}
	if dirty {
		c += "+dirty"
	}
	return c
}

// line is the one line `fossamaint version` and `--version` print.
func (b buildInfo) line() string {
	var parts []string
	if b.Commit != "" {
		parts = append(parts, "commit "+shortCommit(b.Commit, b.Dirty))
	}
	if b.CommitDate != "" {
		parts = append(parts, "committed "+b.CommitDate)
	}
	parts = append(parts, b.GoVersion, runtime.GOOS+"/"+runtime.GOARCH)
	line := fmt.Sprintf("fossamaint %s (%s)", b.Version, strings.Join(parts, ", "))
	if b.Commit == "" && strings.HasPrefix(b.Version, "devel") {
		line += "; commit unknown: built without version control stamping (GOFLAGS=-buildvcs=false?): build with -buildvcs=true"
	}
	return line
}

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, commit date and Go version",
		Long: `Prints the version, the commit it was built from (+dirty when the checkout
had changes), the commit's date and the Go version, as the go command
stamped them into the binary: ` + "`go install`" + ` and ` + "`go build`" + ` need no
ldflags. ` + "`fossamaint --version`" + ` prints the same line.`,
		Example: `  fossamaint version
  fossamaint version --json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if asJSON {
				return a.encodeJSON(build)
			}
			_, err := fmt.Fprintln(a.stdout, build.line())
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
