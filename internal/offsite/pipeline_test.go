package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// offsiteGoroutines lists the goroutines that code of this package
// started (the upload pipeline's reader and uploaders, the encrypting
// goroutine), by their stacks.
func offsiteGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "created by github.com/fossawork/fossamaint/internal/offsite.") {
			out = append(out, g)
		}
	}
	return out
}

// noLeftoverGoroutines fails t when goroutines this package started are
// still there a while after the push returned (they end right after
// signalling they are done, so a short bounded wait is allowed).
func noLeftoverGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := offsiteGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the upload pipeline outlive the push:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPipelineStopsCleanly: a push cancelled while parts are being read,
// hashed and sent at once (after the first part went up), or failing
// because the source changed in its middle, returns only once every
// goroutine of its pipeline ended, and leaves no object under the final
// name; a cancelled plaintext upload stays pending to be resumed, an
// encrypted or failed one is aborted.
func TestPipelineStopsCleanly(t *testing.T) {
	srv := testkit.S3(t)
	for _, tc := range []struct {
		name    string
		enc     bool
		change  bool // flip a byte in the middle of the backup file
		pending int
	}{
		{name: "cancel-plain", pending: 1},
		{name: "cancel-age", enc: true, pending: 0},
		{name: "changed-source-plain", change: true, pending: 0},
		{name: "changed-source-age", enc: true, change: true, pending: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if left := offsiteGoroutines(); len(left) != 0 {
				t.Fatalf("goroutines of the pipeline before the push: %v", left)
			}
			s := newSite(t, 100)
			s.grow(t, 16)
			w := s.take(t, backup.KindWeekly, t0)
			var edits []func(*Options)
			suffix := ""
			if tc.enc {
				edits, suffix = append(edits, withAge(t)), EncryptedSuffix
			}
			r := remoteFor(t, srv, "pipe-"+tc.name, edits...)
			key := "fleet/backups/pipe-" + tc.name + "/weekly/" + filepath.Base(w.Path) + suffix
			list := s.list(t, t0)
			if tc.change {
				flipByte(t, w.Path, 2*MinPartSize+100)
				res, err := r.Push(context.Background(), list, PushOptions{Now: t0})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Error, errSourceChanged.Error()) {
					t.Fatalf("push of a changed backup: pushed %v, failed %v", res.Pushed, res.Failed)
				}
			} else {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				parts := 0
				_, err := r.Push(ctx, list, PushOptions{Now: t0, Progress: func(ProgressEvent) {
					parts++
					if parts == 1 {
						cancel()
					}
				}})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled push returned %v", err)
				}
			}
			noLeftoverGoroutines(t)
			bg := context.Background()
			if _, err := r.c.StatObject(bg, r.o.Bucket, key, minio.StatObjectOptions{}); !notFound(err) {
				t.Errorf("an object exists under %s (%v)", key, err)
			}
			l, err := r.List(bg, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Backups) != 0 {
				t.Errorf("listed as remote: %v", ids(l.Backups))
			}
			if len(l.Pending) != tc.pending || (tc.pending > 0 && l.Pending[0].Key != key) {
				t.Errorf("pending uploads %v, want %d of %s", l.Pending, tc.pending, key)
			}
		})
	}
}

// TestServerVerifiesEachPart: the server refuses a part whose body does
// not match its x-amz-checksum-sha256, or its signed payload hash
// (x-amz-content-sha256, which sendPart sends instead of minio-go's
// streaming signature), so the hash sendPart computes once guards both.
func TestServerVerifiesEachPart(t *testing.T) {
	srv := testkit.S3(t)
	r := remoteFor(t, srv, "site-a")
	ctx := context.Background()
	key := r.o.objectKey(backup.KindWeekly, "x_20261101_020000.db", false)
	up, err := r.startUpload(ctx, key, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer r.abortQuietly(key, up.id)
	body := bytes.Repeat([]byte("a"), MinPartSize)
	good := sha256.Sum256(body)
	bad := sha256.Sum256([]byte("something else"))
	for _, tc := range []struct {
		name              string
		checksum, payload [32]byte
		ok                bool
	}{
		{"both match", good, good, true},
		{"checksum differs", bad, good, false},
		{"payload hash differs", good, bad, false},
	} {
		h := http.Header{}
		h.Set(checksumHeader, b64(tc.checksum[:]))
		_, err := r.core.PutObjectPart(ctx, r.o.Bucket, key, up.id, 1, bytes.NewReader(body), int64(len(body)),
			minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(tc.payload[:]), CustomHeader: h, DisableContentSha256: true})
		if (err == nil) != tc.ok {
			t.Errorf("%s: PutObjectPart returned %v", tc.name, err)
		}
	}
}
