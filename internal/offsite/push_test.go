package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

var t0 = time.Date(2026, 11, 28, 2, 5, 0, 0, time.UTC)

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestPushPlain pushes a daily set and a weekly file, unencrypted: the
// backend's files hold exactly the local bytes, the server's own SHA-256
// matches the manifest, a second push sends nothing, and each remote
// manifest lists every object.
func TestPushPlain(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 200)
	daily := s.take(t, backup.KindDaily, t0)
	weekly := s.take(t, backup.KindWeekly, t0.Add(time.Minute))
	r := remoteFor(t, srv, "site-a")
	res := push(t, r, s.list(t, t0.Add(time.Hour)), t0.Add(time.Hour))
	got := []string{}
	for _, p := range res.Pushed {
		got = append(got, string(p.ID))
	}
	wantIDs := []string{"weekly/" + filepath.Base(weekly.Path), "daily/20261128"}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("pushed %v, want %v", got, wantIDs)
	}
	// The backend's file is the local backup, byte for byte, under the
	// installation's prefix.
	dbKey := "fleet/backups/site-a/daily/20261128/" + testkit.DBName
	if sum := fileSHA256(t, srv.ObjectFile(dbKey)); sum != daily.Manifest.SHA256 {
		t.Errorf("backend file of %s has sha256 %s, manifest says %s", dbKey, sum, daily.Manifest.SHA256)
	}
	// The server computed and stored the SHA-256 it verified.
	oi, err := srv.Client.StatObject(context.Background(), srv.Bucket, dbKey, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(daily.Manifest.SHA256)
	if oi.ChecksumSHA256 != b64(raw) {
		t.Errorf("server checksum %q, want %q", oi.ChecksumSHA256, b64(raw))
	}
	l, err := r.List(context.Background(), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Backups) != 2 || l.Backups[0].Problem != "" {
		t.Fatalf("listing %+v", l.Backups)
	}
	m := l.Backups[1].Manifest
	names := []string{}
	for _, o := range m.Objects {
		names = append(names, o.Name)
	}
	for _, want := range []string{"20261128/" + testkit.DBName, "20261128/manifest.json", "20261128/.env",
		"20261128/data/settings.json", "20261128/data/users/u1.json", "20261128/data/current.json"} {
		if !slices.Contains(names, want) {
			t.Errorf("remote manifest lacks %s: %v", want, names)
		}
	}
	if !l.Backups[1].Time.Equal(s.list(t, t0)[1].Time) {
		t.Errorf("remote time %v is not the local listing's", l.Backups[1].Time)
	}
	again := push(t, r, s.list(t, t0.Add(2*time.Hour)), t0.Add(2*time.Hour))
	if len(again.Pushed) != 0 || len(again.Remote) != 2 {
		t.Errorf("second push: pushed %v, remote %v", again.Pushed, again.Remote)
	}
}

// TestPushSkipsUnverified: a backup without a manifest, or whose manifest
// records no passed check, is never pushed; a backup changed since its
// manifest fails and leaves nothing under its names.
func TestPushSkipsUnverified(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 50)
	w := s.take(t, backup.KindWeekly, t0)
	m := w.Manifest
	m.CheckResult = "*** in database main ***"
	if err := backup.WriteManifest(w.ManifestPath, m); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(s.layout.WeeklyDir, "fossawork_v2_full_20261101_020000.db")
	testkit.MakeDB(t, loose, 5)
	changed := s.take(t, backup.KindMaintenance, t0.Add(time.Minute))
	f, err := os.OpenFile(changed.Path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	f.Close()
	r := remoteFor(t, srv, "site-a")
	res, err := r.Push(context.Background(), s.list(t, t0.Add(time.Hour)), PushOptions{Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pushed) != 0 || len(res.Skipped) != 2 || len(res.Failed) != 1 {
		t.Fatalf("pushed %v skipped %v failed %v", res.Pushed, res.Skipped, res.Failed)
	}
	if !strings.Contains(res.Failed[0].Error, errSourceChanged.Error()) {
		t.Errorf("failure %q does not say the backup changed", res.Failed[0].Error)
	}
	for obj := range srv.Client.ListObjects(context.Background(), srv.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		t.Errorf("object %s exists after a push that sent nothing valid", obj.Key)
	}
}

// TestVerifyOffsiteCatchesFlippedByte: a byte changed in the backend's
// file fails the hash check and the restore test download.
func TestVerifyOffsiteCatchesFlippedByte(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 100)
	s.take(t, backup.KindDaily, t0)
	r := remoteFor(t, srv, "site-a")
	push(t, r, s.list(t, t0), t0)
	id := ID("daily/20261128")
	for _, restore := range []bool{false, true} {
		v, err := r.Verify(context.Background(), id, VerifyOptions{RestoreTest: restore})
		if err != nil {
			t.Fatal(err)
		}
		if !v.OK || !v.PlaintextChecked {
			t.Fatalf("intact copy fails verification (restore test %v): %v", restore, v.Problems)
		}
		if restore && (v.RestoreTest == nil || !v.RestoreTest.Verified() || v.RestoreTest.RestoreTest.Rows["work_orders"] != 100) {
			t.Fatalf("restore test of the download: %+v", v.RestoreTest)
		}
	}
	flipByte(t, srv.ObjectFile("fleet/backups/site-a/daily/20261128/"+testkit.DBName), 4096)
	for _, restore := range []bool{false, true} {
		v, err := r.Verify(context.Background(), id, VerifyOptions{RestoreTest: restore})
		if err != nil {
			t.Fatal(err)
		}
		if v.OK || len(v.Problems) == 0 || !strings.Contains(v.Problems[0], "sha256") {
			t.Errorf("a flipped byte passes verification (restore test %v): %+v", restore, v)
		}
	}
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

// TestInterruptedPlainUploadResumes cancels a push after its first part:
// nothing appears under the final name or in the index, the upload is
// pending, and the next push keeps the part already sent.
func TestInterruptedPlainUploadResumes(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 100)
	s.grow(t, 12)
	w := s.take(t, backup.KindWeekly, t0)
	r := remoteFor(t, srv, "site-a")
	key := "fleet/backups/site-a/weekly/" + filepath.Base(w.Path)
	interrupt(t, r, s.list(t, t0), key, 1)
	res := push(t, r, s.list(t, t0), t0)
	if len(res.Pushed) != 1 || res.Pushed[0].ReusedParts < 1 {
		t.Fatalf("second push did not resume: %+v", res.Pushed)
	}
	if sum := fileSHA256(t, srv.ObjectFile(key)); sum != w.Manifest.SHA256 {
		t.Errorf("resumed object has sha256 %s, manifest %s", sum, w.Manifest.SHA256)
	}
	l, err := r.List(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Pending) != 0 {
		t.Errorf("pending uploads after the resumed push: %v", l.Pending)
	}
	v, err := r.Verify(context.Background(), res.Pushed[0].ID, VerifyOptions{RestoreTest: true})
	if err != nil || !v.OK {
		t.Fatalf("verify after resume: %v %v", err, v.Problems)
	}
}

// TestInterruptedEncryptedUploadRestarts: an encrypted stream cannot be
// resumed: the next push aborts the stale upload and starts again.
func TestInterruptedEncryptedUploadRestarts(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 100)
	s.grow(t, 12)
	w := s.take(t, backup.KindWeekly, t0)
	r := remoteFor(t, srv, "site-a", withAge(t))
	key := "fleet/backups/site-a/weekly/" + filepath.Base(w.Path) + EncryptedSuffix
	// Cancelled, the push aborts its upload itself.
	interrupt(t, r, s.list(t, t0), key, 0)
	// Killed, it leaves one: the next push aborts it and starts again.
	up, err := r.startUpload(context.Background(), key, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.sendPart(context.Background(), up, 1, bytes.Repeat([]byte("k"), MinPartSize)); err != nil {
		t.Fatal(err)
	}
	res := push(t, r, s.list(t, t0), t0)
	if len(res.Pushed) != 1 || res.Pushed[0].ReusedParts != 0 {
		t.Fatalf("second push: %+v", res.Pushed)
	}
	l, err := r.List(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Pending) != 0 {
		t.Errorf("the stale encrypted upload was not aborted: %v", l.Pending)
	}
	v, err := r.Verify(context.Background(), res.Pushed[0].ID, VerifyOptions{RestoreTest: true})
	if err != nil || !v.OK {
		t.Fatalf("verify after restart: %v %v", err, v.Problems)
	}
}

// interrupt starts a push and cancels it once the first part of key was
// sent, then checks that nothing is visible under key nor in the index
// and that pending uploads of key are left.
func interrupt(t *testing.T, r *Remote, list []backup.Backup, key string, pending int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := r.Push(ctx, list, PushOptions{Now: t0, Progress: func(ev ProgressEvent) {
		if ev.Done >= MinPartSize {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted push returned %v", err)
	}
	bg := context.Background()
	if _, err := r.c.StatObject(bg, r.o.Bucket, key, minio.StatObjectOptions{}); !notFound(err) {
		t.Errorf("an object exists under %s after an interrupted push (%v)", key, err)
	}
	l, err := r.List(bg, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Backups) != 0 {
		t.Errorf("an interrupted backup is listed as remote: %v", ids(l.Backups))
	}
	if len(l.Pending) != pending || (pending > 0 && l.Pending[0].Key != key) {
		t.Errorf("pending uploads %v, want %d of %s", l.Pending, pending, key)
	}
}

// TestSweepAbortsStaleUploads: an unfinished upload older than a day is
// aborted by the next push (dry run: only reported).
func TestSweepAbortsStaleUploads(t *testing.T) {
	srv := testkit.S3(t)
	r := remoteFor(t, srv, "site-a")
	other := remoteFor(t, srv, "site-b")
	ctx := context.Background()
	for _, rr := range []*Remote{r, other} {
		if _, err := rr.startUpload(ctx, rr.o.objectKey(backup.KindWeekly, "x_20261101_020000.db", false), nil, true); err != nil {
			t.Fatal(err)
		}
	}
	later := time.Now().Add(25 * time.Hour)
	dry, err := r.Push(ctx, nil, PushOptions{Now: later, DryRun: true})
	if err != nil || len(dry.Swept) != 1 {
		t.Fatalf("dry run swept %v (%v)", dry.Swept, err)
	}
	if res, err := r.Push(ctx, nil, PushOptions{Now: time.Now()}); err != nil || len(res.Swept) != 0 {
		t.Fatalf("a fresh upload was swept: %v (%v)", res.Swept, err)
	}
	res, err := r.Push(ctx, nil, PushOptions{Now: later})
	if err != nil || len(res.Swept) != 1 {
		t.Fatalf("swept %v (%v)", res.Swept, err)
	}
	for _, rr := range []*Remote{r, other} {
		l, err := rr.List(ctx, later)
		if err != nil {
			t.Fatal(err)
		}
		want := map[*Remote]int{r: 0, other: 1}[rr]
		if len(l.Pending) != want {
			t.Errorf("%s: %d pending uploads, want %d (the sweep touches only its own installation)", rr.o.Installation, len(l.Pending), want)
		}
	}
}
