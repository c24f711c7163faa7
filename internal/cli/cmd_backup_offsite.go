package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/offsite"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// offsiteRemote is the installation and its off-site area; a missing or unusable
// backups.offsite (no URL, no credentials, a bad recipient) exits 64.
func (a *app) offsiteRemote() (*install.Installation, *offsite.Remote, error) {
	in, err := a.installation()
	if err != nil {
		return nil, nil, err
	}
	if in.Backups.Offsite == nil {
		return nil, nil, usageErr("backups.offsite.url is not set: configure the bucket first (docs/offsite.md)")
	}
	r, err := offsite.New(*in.Backups.Offsite)
	if err != nil {
		return nil, nil, withCode(ExitUsage, err)
	}
	return in, r, nil
}

// stateLock takes the lock of the state dir for a command that is not a
// journalled run but must not overlap one (backup push, backup prune
// --offsite): exclusive, or shared for a dry run, which creates nothing
// (as recovery.OpenState does). A held lock is runbook.ErrLocked: exit 75
// with the holder's pid. Call release when done.
func (a *app) stateLock(in *install.Installation, dryRun bool) (release func(), err error) {
	var l *runbook.Lock
	if dryRun {
		l, err = runbook.AcquireSharedLock(in.StateDir)
	} else {
		l, err = runbook.AcquireLock(in.StateDir)
	}
	if err != nil {
		return nil, err
	}
	return func() {
		if l != nil {
			l.Release()
		}
	}, nil
}

// offsiteErr maps what the user must fix (no such remote backup, no
// identity file, a bad recipient) to 64; the rest (the server) stays a
// failure.
func offsiteErr(err error) error {
	if errors.Is(err, offsite.ErrNotRemote) || errors.Is(err, offsite.ErrConfig) {
		return withCode(ExitUsage, err)
	}
	return err
}

func (a *app) backupPushCmd() *cobra.Command {
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "push",
		Short: "Copy each verified backup that is not yet off-site to the S3 bucket (backups.offsite)",
		Long: `Uploads each verified backup (its manifest records a passed check) that
is not yet in the bucket of backups.offsite, newest first, with its
manifest and, for a daily set, its .env, config and data copies, under
<prefix>/<installation id>/. Large files go up in parts of
part_size_mib, each part's SHA-256 sent as a checksum the server
verifies; a backup counts as remote only once its remote manifest,
written last, is there. An interrupted push leaves no object under a
final name and the next push resumes it (an encrypted one starts again).
With backups.offsite.encrypt the objects are encrypted on this machine
with age. Unfinished uploads older than a day are aborted. A backup the
retention policy does not keep (there because pruning is off) is
skipped: off-site it would be outside the same policy at once.
It runs under the state-dir lock, so never beside a weekly run (whose
backups/offsite step pushes too): exit 75 while another run holds it.
Exit 2 when a backup failed to go up.`,
		Example: `  fossamaint backup push --dry-run
  fossamaint backup push --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, r, err := a.offsiteRemote()
			if err != nil {
				return err
			}
			// Under the state-dir lock, like backup prune: never beside a
			// weekly run (its backups/offsite step pushes and prunes the
			// same remote copies) or another push of the same backups.
			release, err := a.stateLock(in, dryRun)
			if err != nil {
				return err
			}
			defer release()
			list, err := backup.List(cmd.Context(), in.Backups.Layout, a.now())
			if err != nil {
				return err
			}
			pol, err := a.retentionWithPins(cmd.Context(), in)
			if err != nil {
				return err
			}
			bar := a.pushProgress()
			res, err := r.Push(cmd.Context(), list, offsite.PushOptions{Now: a.now(), DryRun: dryRun, Progress: bar.event, Policy: &pol})
			bar.clear()
			if err != nil {
				return offsiteErr(err)
			}
			if asJSON {
				if err := a.encodeJSON(res); err != nil {
					return err
				}
			} else {
				printPush(a.stdout, in.Root, res)
			}
			if !res.OK() {
				return exitSilently(ExitFail)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be pushed and swept, send nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// pushBar draws the bytes of the backup being pushed on a terminal.
type pushBar struct {
	w     io.Writer
	live  bool
	drawn int
}

func (a *app) pushProgress() *pushBar {
	return &pushBar{w: live(a.stderr), live: a.styleOf(a.stderr).live}
}

func (b *pushBar) event(ev offsite.ProgressEvent) {
	if !b.live {
		return
	}
	line := fmt.Sprintf("  pushing %s: %s of %s", ev.ID, human.Bytes(ev.Done), human.Bytes(ev.Total))
	fmt.Fprint(b.w, "\r"+line+strings.Repeat(" ", max(0, b.drawn-len(line))))
	b.drawn = len(line)
}

func (b *pushBar) clear() {
	if b.drawn > 0 {
		fmt.Fprint(b.w, "\r"+strings.Repeat(" ", b.drawn)+"\r")
		b.drawn = 0
	}
}

// printPush is backup push's text output.
func printPush(w io.Writer, root string, res offsite.PushResult) {
	verb := map[bool]string{false: "pushed", true: "would push"}[res.DryRun]
	for _, p := range res.Pushed {
		extra := ""
		if p.Encrypted {
			extra += ", encrypted"
		}
		if p.ReusedParts > 0 {
			extra += fmt.Sprintf(", resumed (%s already sent)", human.Count(p.ReusedParts, "part", "parts"))
		}
		if p.Replaced {
			extra += ", replacing a remote copy with other content"
		}
		took := ""
		if !res.DryRun {
			took = fmt.Sprintf(" in %s", p.Duration)
		}
		fmt.Fprintf(w, "%s %s  %s, %s%s%s\n", verb, p.ID, human.Count(p.Objects, "object", "objects"), human.Bytes(p.Bytes), extra, took)
	}
	for _, f := range res.Failed {
		fmt.Fprintf(w, "FAILED %s: %s\n", f.ID, f.Error)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", underRoot(root, s.Path), s.Reason)
	}
	sweep := map[bool]string{false: "aborted", true: "would abort"}[res.DryRun]
	for _, k := range res.Swept {
		fmt.Fprintf(w, "%s the unfinished upload of %s (older than a day)\n", sweep, k)
	}
	fmt.Fprintf(w, "%s: %d %s, %d already remote, %d skipped, %d failed\n", res.Where, len(res.Pushed), verb,
		len(res.Remote), len(res.Skipped), len(res.Failed))
}

// offsiteList is `backup list --offsite`.
func (a *app) offsiteList(cmd *cobra.Command, asJSON bool) error {
	in, r, err := a.offsiteRemote()
	if err != nil {
		return err
	}
	l, err := r.List(cmd.Context(), a.now().In(in.Zone))
	if err != nil {
		return err
	}
	if asJSON {
		return a.encodeJSON(l)
	}
	w := a.stdout
	if len(l.Backups) == 0 {
		fmt.Fprintf(w, "no off-site backups in %s\n", l.Where)
	} else {
		var rows [][]string
		for _, b := range l.Backups {
			enc := map[bool]string{true: "yes", false: "no"}[b.Encrypted]
			taken := "?"
			if !b.Time.IsZero() {
				taken = b.Time.Format("2006-01-02 15:04 MST")
			}
			rows = append(rows, []string{string(b.ID), taken, human.Age(b.Age.D()), human.Bytes(b.Stored), enc})
		}
		if err := writeTable(w, []string{"ID", "TAKEN", "AGE", "STORED", "ENCRYPTED"}, rows); err != nil {
			return err
		}
	}
	for _, b := range l.Backups {
		if b.Problem != "" {
			fmt.Fprintf(w, "note: %s: %s\n", b.ID, b.Problem)
		}
	}
	for _, p := range l.Pending {
		fmt.Fprintf(w, "note: unfinished upload of %s since %s (the next push resumes or aborts it)\n", p.Key, p.Initiated.Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(w, "in %s\n", l.Where)
	return nil
}

// offsiteRestoreDir downloads id into a private temp dir and checks every
// object; the caller removes the directory. A copy that does not match
// its remote manifest is refused before anything is stopped.
func (a *app) offsiteRestoreDir(ctx context.Context, r *offsite.Remote, id offsite.ID) (offsite.Fetched, func(), error) {
	dir, err := os.MkdirTemp("", "fossamaint-offsite-restore-")
	if err != nil {
		return offsite.Fetched{}, func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	f, err := r.Fetch(ctx, id, dir)
	if err != nil {
		cleanup()
		return f, func() {}, offsiteErr(err)
	}
	if !f.OK() {
		cleanup()
		var bad []string
		for _, o := range f.Objects {
			if !o.OK {
				bad = append(bad, o.Name+": "+o.Error)
			}
		}
		return f, func() {}, withCode(ExitFail, fmt.Errorf("%w: refusing to restore %s (nothing was stopped or changed): %s",
			backup.ErrVerificationFailed, id, strings.Join(bad, "; ")))
	}
	return f, cleanup, nil
}
