package offsite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// history takes daily sets for 20 days, weekly backups for 10 weeks and
// pre-maintenance backups for 6 weeks before t0.
func history(t *testing.T, s *site) {
	t.Helper()
	for d := range 20 {
		s.take(t, backup.KindDaily, t0.AddDate(0, 0, -d))
	}
	for w := range 10 {
		s.take(t, backup.KindWeekly, t0.AddDate(0, 0, -7*w).Add(10*time.Minute))
	}
	for w := range 6 {
		s.take(t, backup.KindMaintenance, t0.AddDate(0, 0, -7*w).Add(20*time.Minute))
	}
}

var policy = backup.PrunePolicy{KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 2, KeepMaintenanceWithin: 15 * 24 * time.Hour}

// TestRemoteRetentionMatchesLocal pushes a history, applies the policy to
// the remote copies, and finds exactly the backups the local policy keeps.
func TestRemoteRetentionMatchesLocal(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 10)
	history(t, s)
	now := t0.Add(time.Hour)
	local := s.list(t, now)
	r := remoteFor(t, srv, "site-a")
	push(t, r, local, now)
	localPlan := backup.PlanPrune(local, policy)
	var wantKeep, wantRemove []string
	for _, b := range localPlan.Keep {
		id, _ := IDOf(b)
		wantKeep = append(wantKeep, string(id))
	}
	for _, b := range localPlan.Remove {
		id, _ := IDOf(b)
		wantRemove = append(wantRemove, string(id))
	}
	if len(wantRemove) == 0 || len(wantKeep) == 0 {
		t.Fatalf("the history does not exercise the policy: keep %v remove %v", wantKeep, wantRemove)
	}
	ctx := context.Background()
	l, err := r.List(ctx, now.In(s.zone))
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanPrune(l.Backups, policy, now.In(s.zone))
	if got := sorted(ids(plan.Keep)); !slices.Equal(got, sorted(wantKeep)) {
		t.Errorf("remote keeps\n%v\nlocal keeps\n%v", got, sorted(wantKeep))
	}
	for id, why := range plan.Reasons {
		if len(why) == 0 {
			t.Errorf("%s kept without a reason", id)
		}
	}
	dry, err := r.Prune(ctx, plan, now, true)
	if err != nil || len(dry.Removed) != len(wantRemove) || dry.Removed[0].Outcome != OutcomeWouldDelete {
		t.Fatalf("dry prune: %v %+v", err, dry.Removed)
	}
	if l2, _ := r.List(ctx, now); len(l2.Backups) != len(l.Backups) {
		t.Fatalf("a dry prune removed backups")
	}
	res, err := r.Prune(ctx, plan, now, false)
	if err != nil || len(res.Failed) != 0 || res.Versioned || res.ObjectLock {
		t.Fatalf("prune: %v %+v", err, res)
	}
	after, err := r.List(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := sorted(ids(after.Backups)); !slices.Equal(got, sorted(wantKeep)) {
		t.Errorf("after prune the bucket holds\n%v\nwant\n%v", got, sorted(wantKeep))
	}
	// No object of a removed backup is left behind.
	n := 0
	for obj := range srv.Client.ListObjects(ctx, srv.Bucket, minio.ListObjectsOptions{Prefix: "fleet/backups/site-a/daily/", Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		n++
	}
	keptDaily := 0
	for _, id := range wantKeep {
		if ID(id).Kind() == backup.KindDaily {
			keptDaily++
		}
	}
	// db, manifest, .env, two data files; the symlink has no object.
	if n != keptDaily*5 {
		t.Errorf("%d daily objects for %d kept sets, want 5 each", n, keptDaily)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestPruneHonoursObjectLock: on a versioned bucket with object lock, a
// backup under retention is reported locked (never removed), another one
// is hidden behind a delete marker and reported so.
func TestPruneHonoursObjectLock(t *testing.T) {
	srv := testkit.S3WithVersioning(t)
	s := newSite(t, 10)
	for w := range 4 {
		s.take(t, backup.KindWeekly, t0.AddDate(0, 0, -7*w))
	}
	now := t0.Add(time.Hour)
	r := remoteFor(t, srv, "site-a")
	push(t, r, s.list(t, now), now)
	ctx := context.Background()
	l, err := r.List(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	oldest, held := l.Backups[3], l.Backups[2]
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	mode := minio.Governance
	key := r.o.objectKey(oldest.Kind, oldest.Manifest.Database, false)
	if err := r.c.PutObjectRetention(ctx, r.o.Bucket, key, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &until}); err != nil {
		t.Fatalf("setting retention on %s: %v", key, err)
	}
	on := minio.LegalHoldEnabled
	heldKey := r.o.indexKey(held.ID)
	if err := r.c.PutObjectLegalHold(ctx, r.o.Bucket, heldKey, minio.PutObjectLegalHoldOptions{Status: &on}); err != nil {
		t.Fatalf("setting a legal hold on %s: %v", heldKey, err)
	}
	plan := PlanPrune(l.Backups, backup.PrunePolicy{KeepWeekly: 1}, now)
	if len(plan.Remove) != 3 {
		t.Fatalf("plan removes %v", ids(plan.Remove))
	}
	res, err := r.Prune(ctx, plan, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ObjectLock || !res.Versioned {
		t.Errorf("bucket seen as lock %v versioned %v", res.ObjectLock, res.Versioned)
	}
	if len(res.Locked) != 2 || res.Locked[1].ID != oldest.ID || !res.Locked[1].Until.Equal(until) ||
		res.Locked[0].ID != held.ID || !res.Locked[0].LegalHold {
		t.Errorf("locked %+v, want %s held and %s until %v", res.Locked, held.ID, oldest.ID, until)
	}
	if len(res.Removed) != 1 || res.Removed[0].ID != l.Backups[1].ID || res.Removed[0].Outcome != OutcomeHidden {
		t.Errorf("removed %+v", res.Removed)
	}
	after, err := r.List(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(after.Backups); !slices.Contains(got, string(oldest.ID)) || !slices.Contains(got, string(held.ID)) || len(got) != 3 {
		t.Errorf("after prune: %v", got)
	}
}
