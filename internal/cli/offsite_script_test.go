package cli

import (
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// versitygwInstalled is the [versitygw] condition: true when the S3
// server is there, and under CI always (s3server then fails, naming the
// missing install, rather than the script being skipped).
func versitygwInstalled() bool {
	if os.Getenv("CI") != "" {
		return true
	}
	_, err := testkit.FindVersitygw()
	return err == nil
}

// s3Server starts a private versitygw on loopback for the script and sets
// S3_ENDPOINT (http://127.0.0.1:port), S3_BUCKET, S3_ROOT (the POSIX
// backend's directory) and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// the commands read: s3server
func s3Server(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: s3server")
	}
	bin, err := testkit.FindVersitygw()
	if err != nil {
		ts.Fatalf("versitygw is missing (go install github.com/versity/versitygw/cmd/versitygw@%s): %v", testkit.VersitygwVersion, err)
	}
	dir, err := os.MkdirTemp("", "fossamaint-s3script-")
	ts.Check(err)
	s, stop, err := testkit.StartS3(bin, dir, false)
	if err != nil {
		os.RemoveAll(dir)
		ts.Fatalf("%v", err)
	}
	ts.Defer(func() { stop(); os.RemoveAll(dir) })
	ts.Setenv("S3_ENDPOINT", "http://"+s.Endpoint)
	ts.Setenv("S3_BUCKET", s.Bucket)
	ts.Setenv("S3_ROOT", filepath.Join(s.Root, s.Bucket))
	ts.Setenv("AWS_ACCESS_KEY_ID", s.KeyID)
	ts.Setenv("AWS_SECRET_ACCESS_KEY", s.Secret)
}

// s3Flip flips a byte of an object's backend file: s3flip KEY
func s3Flip(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: s3flip KEY")
	}
	f, err := os.OpenFile(filepath.Join(ts.Getenv("S3_ROOT"), filepath.FromSlash(args[0])), os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	b := []byte{0}
	_, err = f.ReadAt(b, 100)
	ts.Check(err)
	b[0] ^= 0x01
	_, err = f.WriteAt(b, 100)
	ts.Check(err)
}

// ageKey writes a new age identity to FILE (0600, as age-keygen writes
// it) and sets AGE_RECIPIENT to its public key: agekey FILE
func ageKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: agekey FILE")
	}
	id, err := age.GenerateX25519Identity()
	ts.Check(err)
	key := "# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(key), 0o600))
	ts.Setenv("AGE_RECIPIENT", id.Recipient().String())
}
