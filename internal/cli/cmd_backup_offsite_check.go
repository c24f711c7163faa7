package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/offsite"
)

// offsiteVerify is `backup verify --offsite`: the newest remote backup,
// the one named, or with all every one, read back and hashed; the first
// of them (the newest, or the one named) also downloaded into a private
// temp dir and verified there like a local backup, restore test included.
func (a *app) offsiteVerify(cmd *cobra.Command, args []string, all, full, asJSON bool) error {
	in, r, err := a.offsiteRemote()
	if err != nil {
		return err
	}
	targets, err := a.offsiteTargets(cmd, r, args, all)
	if err != nil {
		return err
	}
	deep := backup.VerifyOptions{Full: full || in.Database.Verify == "full", Postgres: a.pgSource("")}
	var results []offsite.VerifyResult
	failed, partial := 0, 0
	for i, id := range targets {
		res, err := r.Verify(cmd.Context(), id, offsite.VerifyOptions{RestoreTest: i == 0, Deep: deep})
		if err != nil {
			return pgUnusable(offsiteErr(err))
		}
		switch {
		case !res.OK:
			failed++
		case !res.PlaintextChecked:
			partial++
		}
		results = append(results, res)
		if !asJSON {
			printOffsiteVerify(a.stdout, res)
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
	case partial > 0:
		return exitSilently(ExitWarn)
	}
	return nil
}

// offsiteTargets are the remote backups to verify, newest first.
func (a *app) offsiteTargets(cmd *cobra.Command, r *offsite.Remote, args []string, all bool) ([]offsite.ID, error) {
	if len(args) == 1 {
		id, err := offsite.ParseID(args[0])
		if err != nil {
			return nil, usageErr("%v", err)
		}
		return []offsite.ID{id}, nil
	}
	l, err := r.List(cmd.Context(), a.now())
	if err != nil {
		return nil, err
	}
	var out []offsite.ID
	for _, b := range l.Backups {
		out = append(out, b.ID)
		if !all {
			break
		}
	}
	if len(out) == 0 {
		return nil, usageErr("there is no off-site backup to verify in %s (`fossamaint backup push` sends them)", l.Where)
	}
	return out, nil
}

func printOffsiteVerify(w io.Writer, res offsite.VerifyResult) {
	verdict := map[bool]string{true: "ok", false: "FAILED"}[res.OK]
	what := "sha256 of every object matches"
	switch {
	case !res.OK:
		what = "MISMATCH"
	case res.Encrypted && res.PlaintextChecked:
		what += " (ciphertext and plaintext)"
	case res.Encrypted:
		verdict, what = "PARTIAL", what+" (ciphertext only)"
	}
	line := fmt.Sprintf("%s  %s  %s, %s", verdict, res.ID, human.Count(len(res.Objects), "object", "objects"), what)
	if rt := res.RestoreTest; rt != nil {
		restore := "restore test ok: " + human.Count(rt.RestoreTest.Tables, "table", "tables")
		if rt.RestoreTest.Skipped != "" {
			// A dump without --full: only its table of contents was read.
			restore = human.Count(rt.RestoreTest.Tables, "table", "tables") + " listed, not restored: " + rt.RestoreTest.Skipped
		}
		if rt.Verified() {
			line += fmt.Sprintf(", downloaded copy verified (%s %s, %s)", rt.CheckName,
				map[bool]string{true: "ok", false: "FAILED"}[rt.OK], restore)
		} else {
			line += ", downloaded copy FAILED"
		}
	}
	fmt.Fprintln(w, line)
	for _, p := range res.Problems {
		fmt.Fprintf(w, "    %s\n", p)
	}
	if rt := res.RestoreTest; rt != nil && rt.OK {
		// Notes of a passed check (what the restore test left out); a
		// failed check's messages are in Problems already.
		for _, m := range rt.Messages {
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "    note: %s\n", n)
	}
}

// offsitePrune is `backup prune --offsite`: the local retention policy
// applied to the remote copies, deleting what it removes (object lock
// honoured) unless dry.
func (a *app) offsitePrune(cmd *cobra.Command, dryRun, asJSON bool) error {
	in, r, err := a.offsiteRemote()
	if err != nil {
		return err
	}
	// Under the state-dir lock: a weekly run's backups/offsite step
	// pushes and prunes the same remote copies.
	release, err := a.stateLock(in, dryRun)
	if err != nil {
		return err
	}
	defer release()
	now := a.now().In(in.Zone)
	l, err := r.List(cmd.Context(), now)
	if err != nil {
		return err
	}
	plan := offsite.PlanPrune(l.Backups, in.Backups.Retention, now)
	res, err := r.Prune(cmd.Context(), plan, now, dryRun)
	if err != nil {
		return err
	}
	if asJSON {
		if err := a.encodeJSON(res); err != nil {
			return err
		}
	} else {
		printOffsitePrune(a.stdout, res)
	}
	if len(res.Failed) > 0 {
		return exitSilently(ExitFail)
	}
	return nil
}

func printOffsitePrune(w io.Writer, res offsite.PruneResult) {
	for _, r := range res.Removed {
		fmt.Fprintf(w, "%s  %s\n", r.ID, r.Outcome)
	}
	for _, l := range res.Locked {
		why := "kept: under legal hold"
		if !l.Until.IsZero() {
			why = "kept: locked until " + l.Until.Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(w, "%s  %s (the policy would remove it)\n", l.ID, why)
	}
	for _, f := range res.Failed {
		fmt.Fprintf(w, "FAILED %s: %s\n", f.ID, f.Error)
	}
	verb := map[bool]string{false: "removed", true: "would remove"}[res.DryRun]
	fmt.Fprintf(w, "%s: %d kept, %d %s, %d locked\n", res.Where, len(res.Kept), len(res.Removed), verb, len(res.Locked))
}

// offsiteRestore is `backup restore --from-offsite ID`: the remote copy
// downloaded into a private temp dir and checked, then restored by the
// same journalled path as a local backup (services stopped and started,
// the replaced database kept aside).
func (a *app) offsiteRestore(cmd *cobra.Command, arg string, dryRun bool) error {
	id, err := offsite.ParseID(arg)
	if err != nil {
		return usageErr("%v", err)
	}
	in, r, err := a.offsiteRemote()
	if err != nil {
		return err
	}
	f, cleanup, err := a.offsiteRestoreDir(cmd.Context(), r, id)
	if err != nil {
		return err
	}
	defer cleanup()
	verb := map[bool]string{false: "downloaded", true: "dry run: downloaded (to verify it)"}[dryRun]
	fmt.Fprintf(a.stdout, "%s %s from %s: %s, %s, every sha256 matches\n", verb, id, r.Where(),
		human.Count(len(f.Objects), "object", "objects"), human.Bytes(f.Manifest.StoredSize()))
	run, err := a.recovery(in).RestoreBackup(cmd.Context(), f.Backup.Path, dryRun)
	if run == nil {
		return err
	}
	a.printRestoreRun(run)
	if err != nil {
		return err
	}
	return restoreRunError(run)
}
