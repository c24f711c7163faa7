package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
)

func (a *app) backupCmds() []*cobra.Command {
	return []*cobra.Command{a.backupCreateCmd(), a.backupListCmd(), a.backupVerifyCmd(),
		a.backupRestoreCmd(), a.backupPruneCmd(), a.backupRetentionCmd(), a.backupPushCmd()}
}

// installationAndBackups resolves the config and lists its backups.
func (a *app) installationAndBackups(cmd *cobra.Command) (*install.Installation, []backup.Backup, error) {
	in, err := a.installation()
	if err != nil {
		return nil, nil, err
	}
	list, err := backup.List(cmd.Context(), in.Backups.Layout, a.now())
	return in, list, err
}

// findBackup resolves ID: a path, a file name, or a daily directory date.
func findBackup(list []backup.Backup, id string) (backup.Backup, error) {
	var hits []backup.Backup
	for _, b := range list {
		if b.Path == id || filepath.Base(b.Path) == id || filepath.Base(filepath.Dir(b.Path)) == id ||
			(filepath.IsAbs(id) && strings.HasPrefix(b.Path, id+string(filepath.Separator))) {
			hits = append(hits, b)
		} else if abs, err := filepath.Abs(id); err == nil && abs == b.Path {
			hits = append(hits, b)
		}
	}
	switch len(hits) {
	case 0:
		return backup.Backup{}, usageErr("no backup %q (`fossamaint backup list` shows them)", id)
	case 1:
		return hits[0], nil
	}
	return backup.Backup{}, usageErr("%q matches %d backups: give the full path", id, len(hits))
}

func (a *app) backupCreateCmd() *cobra.Command {
	var kind string
	var asJSON bool
	c := &cobra.Command{
		Use:   "create",
		Short: "Take a verified backup with a manifest (daily, weekly, pre-maintenance or emergency)",
		Long: `Takes an online backup with SQLite's backup API (consistent while the
application writes, WAL content included), verifies it, hashes it and writes
a manifest. daily and emergency write the upstream daily set into
backups/daily/YYYYMMDD/: the database, .env (0600), the data directory and
the config. weekly writes backups/weekly/<db>_full_<ts>.db and
pre-maintenance backups/maintenance/<db>_pre_maintenance_<ts>.db.

With PostgreSQL the database is a pg_dump custom-format dump, <db>.dump
(<db>_full_<ts>.dump, ...), taken from one snapshot while the application
runs; its manifest adds the server and pg_dump versions, the table of
contents and each table's rows counted in that snapshot. database.verify
full restores each new dump into a scratch database before it counts.`,
		Example: `  fossamaint backup create --kind daily
  fossamaint backup create --kind weekly --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			k, err := backup.ParseKind(kind)
			if err != nil {
				return usageErr("--kind: %v", err)
			}
			o := in.CreateOptions(k, a.now())
			created, err := backup.Create(cmd.Context(), o)
			if err != nil {
				return pgUnusable(unusable(err))
			}
			if asJSON {
				return a.encodeJSON(created)
			}
			m := created.Manifest
			if m.Engine == backup.EnginePostgres {
				fmt.Fprintf(a.stdout, "%s\n  %s, %s, %s %s, sha256 %s, took %s\n", created.Path, human.Bytes(m.Size),
					countText(m.TOC["TABLE"], "table", "tables"), m.Check, m.CheckResult, m.SHA256, created.Duration)
				return nil
			}
			fmt.Fprintf(a.stdout, "%s\n  %s, %d pages, %s %s, sha256 %s, took %s\n", created.Path, human.Bytes(m.Size), m.PageCount,
				m.Check, m.CheckResult, m.SHA256, created.Duration)
			return nil
		},
	}
	c.Flags().StringVar(&kind, "kind", "daily", "daily, weekly, pre-maintenance or emergency")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) backupListCmd() *cobra.Command {
	var asJSON, remote bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List backups, newest first, with kind, age and size",
		Long: `Lists the backups of the configured layout, newest first: kind, when it was
taken, its age, its size and whether a manifest describes it (without one,
backup verify can only call it UNVERIFIED). Directories that are missing
or not configured are noted below the table. With --json sizes are in
bytes and ages in seconds.

--offsite lists the copies in the bucket of backups.offsite instead, by
the ID that verify --offsite and restore --from-offsite take
(daily/YYYYMMDD, weekly/<file>, maintenance/<file>), with unfinished
uploads noted.`,
		Example: `  fossamaint backup list
  fossamaint backup list --json
  fossamaint backup list --offsite`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if remote {
				return a.offsiteList(cmd, asJSON)
			}
			in, err := a.installation()
			if err != nil {
				return err
			}
			lst, err := backup.ListDetailed(cmd.Context(), in.Backups.Layout, a.now())
			if err != nil {
				return err
			}
			if asJSON {
				return a.encodeJSON(lst)
			}
			return printBackupList(a.stdout, lst, in.Root)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (sizes in bytes, ages in seconds)")
	c.Flags().BoolVar(&remote, "offsite", false, "list the off-site copies (backups.offsite)")
	return c
}

// printBackupList writes the backups as a table: a header, human sizes and
// ages, columns aligned, paths relative to the installation root; then what
// each odd backup's note says and the listing's notes.
func printBackupList(w io.Writer, lst backup.Listing, root string) error {
	if len(lst.Backups) == 0 {
		fmt.Fprintln(w, "no backups found")
	} else {
		var rows [][]string
		for _, b := range lst.Backups {
			man := "no"
			if b.HasManifest {
				man = "yes"
			}
			rows = append(rows, []string{string(b.Kind), b.Time.Format("2006-01-02 15:04 MST"),
				human.Age(b.Age.D()), human.Bytes(b.Size), man, underRoot(root, b.Path)})
		}
		if err := writeTable(w, []string{"KIND", "TAKEN", "AGE", "SIZE", "MANIFEST", "PATH"}, rows); err != nil {
			return err
		}
	}
	for _, b := range lst.Backups {
		if b.Note != "" {
			fmt.Fprintf(w, "note: %s: %s\n", filepath.Base(b.Path), b.Note)
		}
	}
	for _, n := range lst.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

// verifyLong is backup verify's help.
const verifyLong = `Verifies the newest backup, the one named by ID (a path, a file name or a
daily directory's date), or with --all every backup. Each is "ok" (verified:
its sha256 matches its manifest, its check and a restore test pass),
"UNVERIFIED" (it passes its check and restore test but has no manifest, so
nothing proves it unchanged since it was written) or "FAILED".
Exit 2 when one failed, 1 when one is unverified.

A PostgreSQL dump (.dump) is checked without a server: sha256 against its
manifest and its table of contents read back (pg_restore --list); --full
restores it into a scratch database on the configured server, compares
every table's rows with the manifest and runs pg_amcheck on the copy.

--offsite checks the copies in the bucket instead (ID as backup list
--offsite shows it): each object is read back through SHA-256 (the
stored bytes and, decrypted with encrypt.identity_file, the plaintext)
and compared with the remote manifest; the newest (or the one named) is
also downloaded into a private temp dir and verified there like a local
backup, restore test included (a .dump with --full: restored into a
scratch database on the configured server, counts compared). PARTIAL
(exit 1): encrypted and no identity file, so only the ciphertext was
checked.`

func (a *app) backupVerifyCmd() *cobra.Command {
	var all, full, asJSON, remote bool
	c := &cobra.Command{
		Use:   "verify [ID]",
		Short: "Verify backups: sha256 against the manifest, integrity check, restore test in a private temp dir",
		Long:  verifyLong,
		Example: `  fossamaint backup verify
  fossamaint backup verify 20261128 --full
  fossamaint backup verify --all --json
  fossamaint backup verify --offsite --full
  fossamaint backup verify --offsite --all`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if remote {
				return a.offsiteVerify(cmd, args, all, full, asJSON)
			}
			in, list, err := a.installationAndBackups(cmd)
			if err != nil {
				return err
			}
			targets, err := verifyTargets(list, args, all)
			if err != nil {
				return err
			}
			var results []backup.DeepResult
			failed, unverified := 0, 0
			for _, b := range targets {
				res, err := backup.VerifyDeep(cmd.Context(), b, backup.VerifyOptions{Full: full || in.Database.Verify == "full", Postgres: a.pgSource("")})
				if err != nil {
					// Could not verify (server down, a privilege refused): 64.
					return pgUnusable(err)
				}
				switch res.Verdict() {
				case backup.VerdictFailed:
					failed++
				case backup.VerdictUnverified:
					unverified++
				}
				results = append(results, res)
				if !asJSON {
					printVerify(a.stdout, in.Root, b, res)
				}
			}
			if asJSON {
				if err := a.encodeList("results", results); err != nil {
					return err
				}
			}
			switch {
			case failed > 0:
				return exitSilently(ExitFail)
			case unverified > 0:
				return exitSilently(ExitWarn)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all", false, "verify every backup")
	c.Flags().BoolVar(&full, "full", false, "integrity_check instead of quick_check")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&remote, "offsite", false, "verify the off-site copies (backups.offsite)")
	return c
}

func verifyTargets(list []backup.Backup, args []string, all bool) ([]backup.Backup, error) {
	var out []backup.Backup
	switch {
	case all:
		for _, b := range list {
			if b.Kind != backup.KindUnknown {
				out = append(out, b)
			}
		}
	case len(args) == 1:
		b, err := findBackup(list, args[0])
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	default:
		for _, b := range list {
			if b.Kind != backup.KindUnknown {
				out = append(out, b)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, usageErr("there is no backup to verify")
	}
	return out, nil
}

// printVerify writes one backup's verification on one line, path relative
// to the installation root, then its messages indented below.
func printVerify(w io.Writer, root string, b backup.Backup, res backup.DeepResult) {
	verdict := map[string]string{backup.VerdictVerified: "ok", backup.VerdictUnverified: "UNVERIFIED",
		backup.VerdictFailed: "FAILED"}[res.Verdict()]
	man := "no manifest: nothing proves it unchanged since it was written"
	switch {
	case res.ManifestPath != "" && res.ManifestOK:
		man = "sha256 matches manifest"
	case res.ManifestPath != "":
		man = "manifest MISMATCH: " + res.ManifestErr
	}
	check := res.CheckName
	if check == "" {
		check = backup.CheckQuick
	}
	check += map[bool]string{true: " ok", false: " FAILED"}[res.Check.OK]
	restore := "restore test ok (" + human.Count(res.RestoreTest.Tables, "table", "tables") + ")"
	if res.RestoreTest.Skipped != "" {
		restore = human.Count(res.RestoreTest.Tables, "table", "tables") + " listed, not restored: " + res.RestoreTest.Skipped
	}
	if !res.RestoreTest.OK {
		restore = "restore test FAILED"
		if res.RestoreTest.Error != "" {
			restore += ": " + res.RestoreTest.Error
		}
	}
	fmt.Fprintf(w, "%s  %s  %s, %s, %s\n", verdict, underRoot(root, b.Path), man, check, restore)
	for _, m := range res.Messages {
		fmt.Fprintf(w, "    %s\n", m)
	}
}

func (a *app) backupRestoreCmd() *cobra.Command {
	var dryRun, remote bool
	c := &cobra.Command{
		Use:   "restore ID",
		Short: "Restore a backup: stop, keep the current database aside, restore, start, verify",
		Long: `Verifies the backup (sha256 against its manifest, quick_check), stops every
managed service, moves the current database (and stale -wal/-shm) to
backups/pre-recovery, puts the backup in place preserving owner and mode,
starts the services, waits until they are ready and probes the endpoints.
The restore is journalled: if it is killed, ` + "`fossamaint recover`" + ` starts the
services again. ID is a path, a file name or a daily directory's date.

With PostgreSQL a dump is verified the same way (sha256 first, then its
table of contents), restored into a new database on the server, its row
counts compared with the manifest, and only then switched in by rename
with the connections ended; the replaced database is kept under
<db>_replaced_<stamp> (the output names it), never dropped.

--from-offsite restores the off-site copy ID (as backup list --offsite
shows it): downloaded into a private temp dir, decrypted with
encrypt.identity_file, every object's sha256 checked against its remote
manifest, then restored exactly as a local backup. With --dry-run it is
still downloaded and verified (into the temp dir, removed after), and
nothing else happens.`,
		Example: `  fossamaint backup restore 20261128 --dry-run
  fossamaint backup restore backups/weekly/fossawork_v2_full_20261121_020512.db
  fossamaint backup restore --from-offsite daily/20261128 --dry-run`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{argsHint: "a backup ID; `fossamaint backup list` shows them"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if remote {
				return a.offsiteRestore(cmd, args[0], dryRun)
			}
			in, err := a.installation()
			if err != nil {
				return err
			}
			list, err := backup.List(cmd.Context(), in.Backups.Layout, a.now())
			if err != nil {
				return err
			}
			b, err := findBackup(list, args[0])
			if err != nil {
				return err
			}
			run, err := a.recovery(in).RestoreBackup(cmd.Context(), b.Path, dryRun)
			if run == nil {
				return err
			}
			a.printRestoreRun(run)
			if err != nil {
				return err
			}
			return restoreRunError(run)
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "verify and say what would be done, change nothing")
	c.Flags().BoolVar(&remote, "from-offsite", false, "ID names an off-site copy (backup list --offsite)")
	return c
}

// pruneLong is backup prune's help text.
const pruneLong = `Applies backups.keep_daily, keep_weekly, keep_monthly and
keep_maintenance_within (each kind on its own) and deletes what the policy
does not keep. Unknown files are never deleted. With PostgreSQL, dumps
are pruned like database files, and the databases restores kept aside
(<db>_replaced_<stamp>) are dropped once older than
keep_maintenance_within. What killed runs left on the server is listed
with its size and age: restore tests' scratch databases
(fossamaint_verify_*) older than an hour are dropped; a killed restore's
copy (<db>_restore_<stamp>) is only reported (fossamaint recover deals
with it).

--offsite applies the same policy, with the same code, to the copies in
the bucket of backups.offsite instead, per installation. An object under
retention or legal hold is kept and reported "kept: locked until ...";
in a versioned bucket a delete only hides the backup behind a delete
marker, and the output says so. Both run under the state-dir lock, never
beside a weekly run: exit 75 while another run holds it.`

func (a *app) backupPruneCmd() *cobra.Command {
	var dryRun, asJSON, remote bool
	c := &cobra.Command{
		Use:   "prune",
		Short: "Delete backups outside the retention policy (restic forget semantics per kind)",
		Long:  pruneLong,
		Example: `  fossamaint backup prune --dry-run
  fossamaint backup prune --json
  fossamaint backup prune --offsite --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if remote {
				return a.offsitePrune(cmd, dryRun, asJSON)
			}
			in, err := a.installation()
			if err != nil {
				return err
			}
			// A journalled run under the state-dir lock, like the weekly
			// backups phase: a weekly run cannot add or remove backups
			// between the plan and the deletion, and a prune killed midway
			// is a dead run that recover reports.
			pol, err := a.retentionWithPins(cmd.Context(), in)
			if err != nil {
				return err
			}
			var plan backup.PrunePlan
			var dropped, leftovers []string
			removed := []string{}
			prune := runbook.Step{Name: "retention", Kind: runbook.Mutating, Critical: true,
				Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
					list, err := backup.List(ctx, in.Backups.Layout, a.now())
					if err != nil {
						return runbook.Result{}, err
					}
					plan = backup.PlanPrune(list, pol)
					for _, b := range plan.Remove {
						if err := env.Do(ctx, "delete "+b.Path, func(ctx context.Context) error { return backup.Remove(ctx, b) }); err != nil {
							return runbook.Result{}, err
						}
						removed = append(removed, b.Path)
					}
					return runbook.Result{}, nil
				}}
			run, err := a.recovery(in).Journaled(cmd.Context(), runbook.CommandPrune, dryRun, runbook.Plan{Phases: []runbook.Phase{
				{Name: "prune", Title: "Delete backups outside the retention policy", Steps: a.pruneSteps(in, prune, &dropped, &leftovers)}}})
			if err != nil {
				return err
			}
			for _, name := range []string{"retention", "replaced_databases", "leftover_databases"} {
				if st, _ := run.Step("prune", name); st.Error != "" {
					return withCode(ExitFail, fmt.Errorf("backup prune: %s", st.Error))
				}
			}
			if asJSON {
				return a.encodeJSON(struct {
					DryRun  bool                `json:"dry_run"`
					Removed []string            `json:"removed"`
					Kept    int                 `json:"kept"`
					Reasons map[string][]string `json:"reasons"`
					Dropped []string            `json:"dropped_databases,omitempty"`
					Left    []string            `json:"leftover_databases,omitempty"`
				}{dryRun, removed, len(plan.Keep), plan.Reasons, dropped, leftovers})
			}
			printPruned(a.stdout, removed, dropped, leftovers, len(plan.Keep), dryRun)
			return nil
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be deleted, delete nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&remote, "offsite", false, "prune the off-site copies (backups.offsite)")
	return c
}

// retentionWithPins is the configured retention with the latest run's
// rollback points pinned: `backup prune` must never delete what
// `fossamaint rollback` restores from, even when a later ad-hoc backup
// makes it look superseded.
func (a *app) retentionWithPins(ctx context.Context, in *install.Installation) (backup.PrunePolicy, error) {
	pol := in.Backups.Retention
	store, err := history.OpenReadOnly(ctx, in.StateDir, a.now)
	if err != nil || store == nil {
		return pol, err
	}
	defer store.Close()
	pol.Pinned, err = store.PinnedRollbackPoints(ctx)
	return pol, err
}

// pruneSteps are prune's steps: the retention of the backup files and,
// with PostgreSQL, dropping the databases restores kept aside once older
// than keep_maintenance_within (dropped lists them), and the databases
// killed runs left (leftoverStep).
func (a *app) pruneSteps(in *install.Installation, files runbook.Step, dropped, leftovers *[]string) []runbook.Step {
	src := a.pgSource("")
	if src == nil {
		return []runbook.Step{files}
	}
	within := in.Backups.Retention.KeepMaintenanceWithin
	return []runbook.Step{files, {Name: "replaced_databases", Kind: runbook.Mutating, Critical: true,
		Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			old, err := backup.ReplacedToDrop(ctx, *src, within, a.now())
			if err != nil {
				return runbook.Result{}, err
			}
			for _, r := range old {
				what := fmt.Sprintf("drop database %s (kept by a restore on %s)", r.Name, r.At.Format(time.RFC3339))
				if err := env.Do(ctx, what, func(ctx context.Context) error { return backup.DropReplaced(ctx, *src, r.Name) }); err != nil {
					return runbook.Result{}, err
				}
				*dropped = append(*dropped, r.Name)
			}
			return runbook.Result{}, nil
		}}, a.leftoverStep(*src, leftovers)}
}

// leftoverStep lists what killed runs left on the server into out, one
// line each with size and age: a restore test's scratch database older
// than an hour is dropped (backup.StaleScratch), a restore's copy only
// reported, for recover.
func (a *app) leftoverStep(src backup.PostgresSource, out *[]string) runbook.Step {
	return runbook.Step{Name: "leftover_databases", Kind: runbook.Mutating, Critical: true,
		Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			now := a.now()
			left, err := backup.LeftoverDatabases(ctx, src)
			if err != nil {
				return runbook.Result{}, err
			}
			for _, l := range left {
				line := backup.DescribeLeftover(l, now)
				switch {
				case backup.StaleScratch(l, now):
					if err := env.Do(ctx, "drop database "+l.Name+" (a killed restore test's)", func(ctx context.Context) error {
						return backup.DropScratch(ctx, src, l.Name)
					}); err != nil {
						return runbook.Result{}, err
					}
					line += map[bool]string{true: ": would drop", false: ": dropped"}[env.DryRun]
				case l.Scratch:
					line += ": kept (a restore test may still be using it)"
				default:
					line += ": kept"
				}
				*out = append(*out, line)
			}
			return runbook.Result{}, nil
		}}
}

// printPruned is backup prune's text output: the files removed, the
// databases dropped, what killed runs left, and the tally.
func printPruned(w io.Writer, removed, dropped, leftovers []string, kept int, dryRun bool) {
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	for _, r := range removed {
		fmt.Fprintf(w, "%s %s\n", verb, r)
	}
	printDropped(w, dropped, dryRun)
	for _, l := range leftovers {
		fmt.Fprintf(w, "leftover database %s\n", l)
	}
	fmt.Fprintf(w, "%d kept, %d %s\n", kept, len(removed), verb)
}

func printDropped(w io.Writer, dropped []string, dryRun bool) {
	verb := "dropped"
	if dryRun {
		verb = "would drop"
	}
	for _, d := range dropped {
		fmt.Fprintf(w, "%s database %s\n", verb, d)
	}
}
