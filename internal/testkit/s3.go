package testkit

import (
	"context"
	"os"
	"testing"

	"github.com/fossawork/fossamaint/internal/versitygw"
)

// VersitygwVersion is the S3 server the off-site tests run against; .ci/run
// installs it with `go install github.com/versity/versitygw/cmd/versitygw@`
// and this version.
const VersitygwVersion = versitygw.Version

// S3Server is a private versitygw (an S3 gateway over a POSIX directory) on
// loopback, with one bucket (internal/versitygw, which the demo uses too).
type S3Server = versitygw.Server

// FindVersitygw looks for the versitygw binary on PATH, in $GOBIN and in
// $GOPATH/bin (~/go/bin), where `go install` puts it even when that
// directory is not on PATH.
func FindVersitygw() (string, error) { return versitygw.Find() }

// S3 starts a private versitygw with its POSIX backend in a temp dir,
// listening on a free loopback port, creates one bucket and stops the
// server when t ends. It skips when versitygw is not installed, and
// fails when CI is set (.ci/run installs it).
func S3(t testing.TB) *S3Server {
	t.Helper()
	return startS3(t, false)
}

// S3WithVersioning is S3 with versitygw's bucket versioning turned on
// (its --versioning-dir) and the bucket created with object lock.
func S3WithVersioning(t testing.TB) *S3Server {
	t.Helper()
	return startS3(t, true)
}

func startS3(t testing.TB, versioning bool) *S3Server {
	t.Helper()
	bin, err := FindVersitygw()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but versitygw is missing (.ci/run installs it: %s): %v", versitygw.Install, err)
		}
		t.Skipf("versitygw not installed (%s): %v", versitygw.Install, err)
	}
	s, stop, err := StartS3(bin, t.TempDir(), versioning)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(stop)
	return s
}

// StartS3 starts versitygw (bin) with its POSIX backend under dir, with
// one bucket (versioned with object lock when versioning is set), and
// returns it with the function that stops it.
func StartS3(bin, dir string, versioning bool) (*S3Server, func(), error) {
	s, err := versitygw.Start(context.Background(), versitygw.Options{Bin: bin, Dir: dir, Versioning: versioning})
	if err != nil {
		return nil, nil, err
	}
	return s, s.Stop, nil
}
