package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// VersitygwVersion is the S3 server the off-site tests run against; .ci/run
// installs it with `go install github.com/versity/versitygw/cmd/versitygw@`
// and this version.
const VersitygwVersion = "v1.8.0"

// S3Server is a private versitygw (an S3 gateway over a POSIX directory) on
// loopback, with one bucket.
type S3Server struct {
	// Endpoint is host:port, plain HTTP.
	Endpoint string
	KeyID    string
	Secret   string
	Bucket   string
	Region   string
	// Root is the POSIX backend's directory: object "a/b" of bucket B is
	// the plain file Root/B/a/b (what a test damages to prove a check).
	Root string
	// Client talks to the server as the root user.
	Client *minio.Client
}

// ObjectFile is the backend file holding key in the server's bucket.
func (s *S3Server) ObjectFile(key string) string {
	return filepath.Join(s.Root, s.Bucket, filepath.FromSlash(key))
}

// FindVersitygw looks for the versitygw binary on PATH, in $GOBIN and in
// $GOPATH/bin (~/go/bin), where `go install` puts it even when that
// directory is not on PATH.
func FindVersitygw() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, d := range filepath.SplitList(gp) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not on PATH nor in %s", strings.Join(dirs, ", "))
}

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
			t.Fatalf("CI is set but versitygw is missing (.ci/run installs it: go install github.com/versity/versitygw/cmd/versitygw@%s): %v", VersitygwVersion, err)
		}
		t.Skipf("versitygw not installed (go install github.com/versity/versitygw/cmd/versitygw@%s): %v", VersitygwVersion, err)
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
	s := &S3Server{KeyID: "fossatest" + randHex(4), Secret: randHex(20), Bucket: "offsite-test",
		Region: "us-east-1", Root: filepath.Join(dir, "root")}
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		return nil, nil, err
	}
	args := []string{"--access", s.KeyID, "--secret", s.Secret, "--quiet"}
	posix := []string{"posix"}
	if versioning {
		vdir := filepath.Join(dir, "versions")
		if err := os.MkdirAll(vdir, 0o700); err != nil {
			return nil, nil, err
		}
		posix = append(posix, "--versioning-dir", vdir)
	}
	// A free port can be taken between the probe and the server's listen:
	// try a few.
	var stop func()
	var err error
	for range 3 {
		port, perr := freePort()
		if perr != nil {
			return nil, nil, perr
		}
		s.Endpoint = fmt.Sprintf("127.0.0.1:%d", port)
		argv := append(append(append([]string{}, args...), "--port", s.Endpoint), append(posix, s.Root)...)
		if stop, err = s.run(bin, argv, filepath.Join(dir, "versitygw.log")); err == nil {
			break
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("starting versitygw: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{Region: s.Region, ObjectLocking: versioning}); err != nil {
		stop()
		return nil, nil, fmt.Errorf("creating bucket %s: %w", s.Bucket, err)
	}
	return s, stop, nil
}

// run starts the server and waits until it answers ListBuckets.
func (s *S3Server) run(bin string, argv []string, logPath string) (func(), error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, argv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logf.Close() }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-done
		})
	}
	s.Client, err = minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.KeyID, s.Secret, ""),
		Region: s.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		stop()
		return nil, err
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.Client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return stop, nil
		}
		select {
		case werr := <-done:
			data, _ := os.ReadFile(logPath)
			done <- werr
			stop()
			return nil, fmt.Errorf("versitygw exited (%v): %s", werr, strings.TrimSpace(string(data)))
		case <-deadline.C:
			stop()
			return nil, errors.New("versitygw did not answer within 30s")
		case <-tick.C:
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
