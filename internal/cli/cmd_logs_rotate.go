package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/logs"
)

func (a *app) logsRotateCmd() *cobra.Command {
	var logsDir, archiveDir string
	var dryRun, asJSON bool
	var globs logGlobs
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Compress, archive and expire log files by their own age (section 3 of the seed, done safely)",
		Long: `Compresses the *.jsonl files among the log files (logs.include without
logs.exclude, or --include/--exclude) older than logs.compress_after to
.jsonl.gz in place, moves .gz files older than logs.archive_after into
<archive-dir>/YYYYMM/ of each file's own modification month (keeping its
mtime), and deletes archived files older than logs.delete_archives_after.
Ages are those of each file's modification time, measured from now (or
from the global --now).

An original is removed only after its .gz was written to a temp name,
fsynced, re-read and found to hold exactly the original's bytes, and the
original was found unchanged since. Files modified within the last hour or
open for writing (Linux) are skipped, an existing file is never replaced,
and Ctrl-C leaves no partial file under a final name. Counts are of work
done. Exit 1 when files were skipped, 2 when something failed.`,
		Example: `  fossamaint logs rotate --dry-run
  fossamaint logs rotate --logs-dir /opt/fossawork/logs --archive-dir /opt/fossawork/archives/logs --json
  fossamaint logs rotate --now 2026-11-28T02:00:00Z --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := a.rotateOptions(logsDir, archiveDir, &globs)
			if err != nil {
				return err
			}
			o.DryRun = dryRun
			stopProgress := a.rotateProgress(&o)
			res, err := logs.Rotate(cmd.Context(), o)
			stopProgress()
			if asJSON {
				if jerr := a.encodeJSON(res); jerr != nil {
					return jerr
				}
			} else {
				a.printRotate(o, res)
			}
			if err != nil {
				return err
			}
			if len(res.Skipped) > 0 {
				return exitSilently(ExitWarn)
			}
			return nil
		},
	}
	c.Flags().StringVar(&logsDir, "logs-dir", "", "log tree to rotate (default: logs.dir; with it the config is optional)")
	c.Flags().StringVar(&archiveDir, "archive-dir", "", "archive root (default: logs.archive_dir)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing: say what would be done")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	globs.register(c.Flags())
	return c
}

// rotateOptions takes directories from the flags or the config and ages
// from the config; with --logs-dir and no config file, the defaults.
func (a *app) rotateOptions(logsDir, archiveDir string, globs *logGlobs) (logs.RotateOptions, error) {
	in, err := a.installation()
	switch {
	case err == nil:
		if logsDir == "" {
			logsDir = in.Logs.Dir
		}
		if archiveDir == "" {
			archiveDir = in.Logs.ArchiveDir
		}
	case logsDir != "" && errors.Is(err, config.ErrNotFound):
		if archiveDir == "" {
			return logs.RotateOptions{}, usageErr("no config file: name the archive with --archive-dir")
		}
		if in, err = defaultInstallation(); err != nil {
			return logs.RotateOptions{}, err
		}
	default:
		return logs.RotateOptions{}, withCode(ExitUsage, fmt.Errorf("%w (or name the logs with --logs-dir)", err))
	}
	if info, err := os.Stat(logsDir); err != nil || !info.IsDir() {
		return logs.RotateOptions{}, usageErr("logs directory %s: not a readable directory (%v)", logsDir, err)
	}
	set, err := globs.fileSet(in)
	if err != nil {
		return logs.RotateOptions{}, err
	}
	return logs.RotateOptions{
		// Months of archived files are the operator's months.
		LogsDir: logsDir, ArchiveDir: archiveDir, Files: set, Now: a.now().In(in.Zone),
		CompressAfter: in.Logs.CompressAfter, ArchiveAfter: in.Logs.ArchiveAfter, DeleteAfter: in.Logs.DeleteAfter,
	}, nil
}

// rotateProgress shows compression progress on a terminal (stderr) only;
// the returned func clears the line.
func (a *app) rotateProgress(o *logs.RotateOptions) func() {
	if !a.styleOf(a.stderr).escapes || o.DryRun {
		return func() {}
	}
	last := -1
	o.Progress = func(done, total int64) {
		pct := int(done * 100 / max(total, 1))
		if pct != last {
			last = pct
			fmt.Fprintf(live(a.stderr), "\r\033[K  compressing %3d%%  %s of %s", pct, humanize.IBytes(uint64(done)), humanize.IBytes(uint64(total)))
		}
	}
	return func() {
		if last >= 0 {
			fmt.Fprint(live(a.stderr), "\r\033[K")
		}
	}
}

func (a *app) printRotate(o logs.RotateOptions, res logs.RotateResult) {
	w := a.stdout
	if res.DryRun {
		fmt.Fprintln(w, "Dry run: nothing was changed.")
	}
	sizes := ""
	if res.Compressed > 0 {
		sizes = " (" + humanize.IBytes(uint64(res.BytesBefore))
		if !res.DryRun {
			sizes += " → " + humanize.IBytes(uint64(res.BytesAfter))
		}
		sizes += ")"
	}
	fmt.Fprintf(w, "compressed %d%s, archived %d, deleted %d\n", res.Compressed, sizes, res.Archived, res.Deleted)
	if res.Finished > 0 {
		fmt.Fprintf(w, "finished %d rotations an interruption had left half done\n", res.Finished)
	}
	for _, act := range res.Actions {
		fmt.Fprintf(w, "  %s\n", act)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d:\n", len(res.Skipped))
		for _, s := range res.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", s.Path, s.Reason)
		}
	}
	if res.LogsBytes < 0 {
		return // interrupted: not measured
	}
	fmt.Fprintf(w, "disk usage after: logs %s (%s)", humanize.IBytes(uint64(res.LogsBytes)), o.LogsDir)
	if res.ArchiveBytes >= 0 {
		fmt.Fprintf(w, ", archives %s (%s)", humanize.IBytes(uint64(res.ArchiveBytes)), o.ArchiveDir)
	}
	fmt.Fprintln(w)
}
