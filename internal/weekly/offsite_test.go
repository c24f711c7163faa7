package weekly

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/offsite"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// withOffsite points the tree's backups.offsite at srv, the keys in the
// test's environment.
func withOffsite(t *testing.T, tr *tree, srv *testkit.S3Server, prune bool) {
	t.Helper()
	t.Setenv("FM_WEEKLY_S3_ID", srv.KeyID)
	t.Setenv("FM_WEEKLY_S3_KEY", srv.Secret)
	tr.cfg.Installation.ID = "weekly-test"
	o := &tr.cfg.Backups.Offsite
	o.URL = "s3://" + srv.Bucket + "/fossa"
	o.Endpoint = "http://" + srv.Endpoint
	o.Region = srv.Region
	o.PathStyle = true
	o.Auth = config.OffsiteAuth{KeyIDEnv: "FM_WEEKLY_S3_ID", KeyEnv: "FM_WEEKLY_S3_KEY"}
	o.Prune = prune
	o.Timeout = config.Duration(2 * time.Minute)
	o.Retries = 1
}

func remoteOf(t *testing.T, tr *tree) *offsite.Remote {
	t.Helper()
	in, err := install.Resolve(tr.cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := offsite.New(*in.Backups.Offsite)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func remoteIDs(t *testing.T, r *offsite.Remote, now time.Time) []string {
	t.Helper()
	l, err := r.List(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range l.Backups {
		out = append(out, string(b.ID))
	}
	slices.Sort(out)
	return out
}

func offsiteRun(t *testing.T, tr *tree, at time.Time, dry bool) runbook.StepResult {
	t.Helper()
	run, err := tr.procedure(nil, at).Execute(context.Background(), Options{Only: []string{"backups"}, ForceWindow: true, DryRun: dry})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := run.Step("backups", "offsite")
	if !ok {
		t.Fatal("no backups/offsite step")
	}
	return st
}

// The weekly run copies each verified backup off-site once, a dry run sends
// nothing, and remote retention follows the local policy: reported without
// backups.offsite.prune, applied with it.
func TestOffsiteStep(t *testing.T) {
	srv := testkit.S3(t)
	tr := newTree(t, 0)
	withOffsite(t, tr, srv, false)
	r := remoteOf(t, tr)
	in, err := install.Resolve(tr.cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	// Verified weekly backups of three weeks; the tree's daily copy has no
	// manifest, so it is not verified and stays local.
	for _, at := range []time.Time{saturday.Add(-14 * 24 * time.Hour), saturday.Add(-7 * 24 * time.Hour), saturday.Add(-time.Hour)} {
		if _, err := backup.Create(context.Background(), backup.CreateOptions{Kind: backup.KindWeekly, DBPath: in.Database.Path,
			Layout: in.Backups.Layout, Now: at}); err != nil {
			t.Fatal(err)
		}
	}

	// The dry run lists what would go up and sends nothing.
	st := offsiteRun(t, tr, saturday, true)
	if st.Status == runbook.StatusFail || !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.HasPrefix(a, "would push ") }) {
		t.Fatalf("dry run: %s %v %v", st.Status, st.Actions, st.Findings)
	}
	if got := remoteIDs(t, r, saturday); len(got) != 0 {
		t.Fatalf("a dry run pushed %v", got)
	}

	// The real run pushes every verified local backup.
	st = offsiteRun(t, tr, saturday, false)
	if st.Status != runbook.StatusOK && st.Status != runbook.StatusWarn {
		t.Fatalf("push: %s %v", st.Status, st.Findings)
	}
	local, err := backup.List(context.Background(), in.Backups.Layout, saturday)
	if err != nil {
		t.Fatal(err)
	}
	var verified []string
	for _, b := range local {
		if id, ok := offsite.IDOf(b); ok && b.HasManifest {
			if m, err := backup.ReadManifest(b.ManifestPath); err == nil && m.CheckOK() {
				verified = append(verified, string(id))
			}
		}
	}
	slices.Sort(verified)
	got := remoteIDs(t, r, saturday)
	if len(verified) == 0 || !slices.Equal(got, verified) {
		t.Fatalf("remote %v, want the verified local backups %v", got, verified)
	}
	if st.Metrics["offsite_pushed"].Value != float64(len(verified)) {
		t.Fatalf("offsite_pushed %v, want %d", st.Metrics["offsite_pushed"].Value, len(verified))
	}
	// The tree's daily set holds .env and nothing is encrypted: said, with
	// what to do.
	if !slices.ContainsFunc(st.Findings, func(f runbook.Finding) bool {
		return strings.Contains(f.Message, "not encrypted") && strings.Contains(f.Recommendation, "encrypt.recipients")
	}) {
		t.Errorf("no advice to encrypt: %+v", st.Findings)
	}

	// A second run has nothing to send.
	st = offsiteRun(t, tr, saturday.Add(time.Hour), false)
	if st.Metrics["offsite_pushed"].Value != 0 || st.Metrics["offsite_already_remote"].Value != float64(len(verified)) {
		t.Fatalf("second run: %v", st.Metrics)
	}

	checkOffsiteRetention(t, tr, srv, r, len(verified))
}

// checkOffsiteRetention: a year after the pushes, with keep_* of 1, the old
// copies are outside the policy: reported, not removed, without prune;
// with prune exactly what the local policy keeps stays.
func checkOffsiteRetention(t *testing.T, tr *tree, srv *testkit.S3Server, r *offsite.Remote, pushed int) {
	t.Helper()
	tr.cfg.Backups.KeepDaily, tr.cfg.Backups.KeepWeekly, tr.cfg.Backups.KeepMonthly = 1, 1, 0
	later := saturday.Add(400 * 24 * time.Hour)
	st := offsiteRun(t, tr, later, false)
	if st.Metrics["offsite_outside_policy"].Value == 0 {
		t.Fatalf("nothing outside the policy: %v", st.Metrics)
	}
	if !slices.ContainsFunc(st.Findings, func(f runbook.Finding) bool {
		return strings.Contains(f.Message, "off-site outside the retention policy")
	}) {
		t.Fatalf("no retention finding: %v", st.Findings)
	}
	if n := len(remoteIDs(t, r, later)); n != pushed {
		t.Fatalf("without prune %d remote backups were removed", pushed-n)
	}

	// With prune, exactly what the local policy keeps stays.
	withOffsite(t, tr, srv, true)
	st = offsiteRun(t, tr, later.Add(time.Hour), false)
	in, _ := install.Resolve(tr.cfg, "")
	l, err := r.List(context.Background(), later.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	plan := offsite.PlanPrune(l.Backups, in.Backups.Retention, later.Add(time.Hour))
	if len(plan.Remove) != 0 {
		t.Fatalf("after prune, still outside the policy: %v (step %v %v)", plan.Remove, st.Actions, st.Findings)
	}
	if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.Contains(a, offsite.OutcomeDeleted) }) {
		t.Fatalf("no deletion reported: %v", st.Actions)
	}
}

// Without backups.offsite.url the step is skipped and says why.
func TestOffsiteStepNotConfigured(t *testing.T) {
	tr := newTree(t, 0)
	st := offsiteRun(t, tr, saturday, false)
	if st.Status != runbook.StatusSkipped || !strings.Contains(st.Note, "backups.offsite.url is not set") {
		t.Fatalf("%s %q", st.Status, st.Note)
	}
}

// An unreachable bucket is a warning naming the endpoint; the run goes on.
func TestOffsiteStepUnreachable(t *testing.T) {
	tr := newTree(t, 0)
	t.Setenv("FM_WEEKLY_S3_ID", "k")
	t.Setenv("FM_WEEKLY_S3_KEY", "secret-value-123")
	tr.cfg.Installation.ID = "weekly-test"
	o := &tr.cfg.Backups.Offsite
	o.URL, o.Endpoint, o.PathStyle = "s3://bkt/x", "http://127.0.0.1:1", true
	o.Auth = config.OffsiteAuth{KeyIDEnv: "FM_WEEKLY_S3_ID", KeyEnv: "FM_WEEKLY_S3_KEY"}
	o.Timeout, o.Retries = config.Duration(5*time.Second), 0
	st := offsiteRun(t, tr, saturday, false)
	if st.Status != runbook.StatusWarn {
		t.Fatalf("%s %v", st.Status, st.Findings)
	}
	for _, f := range st.Findings {
		if strings.Contains(f.Message+f.Evidence, "secret-value-123") {
			t.Fatalf("the secret key is in a finding: %v", f)
		}
	}
}

// A backup outside the local policy (kept only because backups.prune is
// off) is not pushed: it would be outside the policy off-site at once.
func TestOffsiteStepPushesOnlyWhatThePolicyKeeps(t *testing.T) {
	srv := testkit.S3(t)
	tr := newTree(t, 0)
	withOffsite(t, tr, srv, false)
	tr.cfg.Backups.KeepWeekly, tr.cfg.Backups.KeepMonthly = 1, 0
	in, err := install.Resolve(tr.cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	var newest string
	for _, at := range []time.Time{saturday.Add(-14 * 24 * time.Hour), saturday.Add(-7 * 24 * time.Hour), saturday.Add(-time.Hour)} {
		c, err := backup.Create(context.Background(), backup.CreateOptions{Kind: backup.KindWeekly, DBPath: in.Database.Path,
			Layout: in.Backups.Layout, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		newest = c.Path
	}
	st := offsiteRun(t, tr, saturday, false)
	got := remoteIDs(t, remoteOf(t, tr), saturday)
	var weekly []string
	for _, id := range got {
		if strings.HasPrefix(id, "weekly/") {
			weekly = append(weekly, id)
		}
	}
	if len(weekly) != 1 || !strings.HasSuffix(newest, strings.TrimPrefix(weekly[0], "weekly/")) {
		t.Fatalf("remote weekly backups %v, want only %s (step: %v)", weekly, newest, st.Actions)
	}
	if st.Metrics["offsite_outside_policy"].Value != 0 {
		t.Fatalf("pushed copies are outside the policy: %v", st.Findings)
	}
}
