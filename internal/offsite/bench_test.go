package offsite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// benchRuns numbers the installations pushed to, so that every push of
// every run sends the backup anew.
var benchRuns atomic.Int64

// BenchmarkOffsite measures push and verify throughput of one weekly
// backup of about 64 MiB against versitygw on loopback, plain and
// age-encrypted, next to a plain minio-go FPutObject of the same file in
// the same run (the ratio is the figure). bench/README.md has the
// command and the numbers.
func BenchmarkOffsite(b *testing.B) {
	srv := testkit.S3(b)
	s := newSite(b, 100)
	s.grow(b, 64)
	w := s.take(b, backup.KindWeekly, t0)
	list := s.list(b, t0)
	size := w.Manifest.Size
	ctx := context.Background()
	b.Run("fput", func(b *testing.B) {
		b.SetBytes(size)
		for i := range b.N {
			if _, err := srv.Client.FPutObject(ctx, srv.Bucket, fmt.Sprintf("baseline/%d", i), w.Path, minio.PutObjectOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, enc := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "age"}[enc]
		edits := []func(*Options){func(o *Options) { o.PartSize = 16 << 20 }} // the default part_size_mib
		if enc {
			edits = append(edits, withAge(b))
		}
		var last *Remote
		b.Run("push-"+name, func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				last = remoteFor(b, srv, fmt.Sprintf("bench-%s-%d", name, benchRuns.Add(1)), edits...)
				if res := push(b, last, list, t0); len(res.Pushed) != 1 {
					b.Fatalf("pushed %v", res.Pushed)
				}
			}
		})
		id, _ := IDOf(list[0])
		b.Run("verify-"+name, func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				v, err := last.Verify(ctx, id, VerifyOptions{})
				if err != nil || !v.OK {
					b.Fatalf("verify: %v %v", err, v.Problems)
				}
			}
		})
	}
}

// BenchmarkOffsiteManyFiles measures the push of a daily set whose data
// directory holds 300 small files (each one PUT): the cost per object
// beside the bytes. bench/README.md has the command and the numbers.
func BenchmarkOffsiteManyFiles(b *testing.B) {
	srv := testkit.S3(b)
	s := newSite(b, 100)
	for i := range 300 {
		testkit.WriteFile(b, filepath.Join(s.data, "many", fmt.Sprintf("f%03d.json", i)), []byte(`{"n":1}`), 0o644)
	}
	s.take(b, backup.KindDaily, t0)
	list := s.list(b, t0)
	b.ResetTimer()
	for range b.N {
		r := remoteFor(b, srv, fmt.Sprintf("bench-many-%d", benchRuns.Add(1)))
		if res := push(b, r, list, t0); len(res.Pushed) != 1 || res.Pushed[0].Objects < 300 {
			b.Fatalf("pushed %+v", res.Pushed)
		}
	}
}
