package versitygw

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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fossawork/fossamaint/internal/durable"
)

// Version is the versitygw the off-site tests and the demo are run with;
// .ci/run installs it.
const Version = "v1.8.0"

// Install is the command that installs it.
const Install = "go install github.com/versity/versitygw/cmd/versitygw@" + Version

// readyTimeout bounds the wait for a started server to answer.
const readyTimeout = 30 * time.Second

// Options say how to start the server.
type Options struct {
	// Bin is the versitygw binary (Find).
	Bin string
	// Dir holds the POSIX backend (Dir/root), the server's log
	// (Dir/versitygw.log) and its pidfile (Dir/versitygw.pid); made 0700.
	Dir string
	// Bucket is the bucket made at start ("offsite-test" when empty).
	Bucket string
	// Versioning turns on versitygw's bucket versioning (its
	// --versioning-dir, Dir/versions) and makes the bucket with object
	// lock.
	Versioning bool
	// Detach lets the server outlive this process (a kept demo): it is
	// not killed when this process dies, and Stop is then `kill` of its
	// pid. Otherwise it gets SIGKILL when this process dies (Linux), so
	// that a killed test or demo leaves no server behind.
	Detach bool
}

// Server is a running versitygw with one bucket, plain HTTP on loopback.
type Server struct {
	// Endpoint is host:port, plain HTTP.
	Endpoint string
	KeyID    string
	Secret   string
	Bucket   string
	Region   string
	// Root is the POSIX backend's directory: object "a/b" of bucket B is
	// the plain file Root/B/a/b (what a test damages to prove a check).
	Root string
	// Log is the server's output; Pidfile holds its pid.
	Log, Pidfile string
	// PID is the server's process id.
	PID int
	// Client talks to the server as the root user.
	Client *minio.Client

	stop func()
}

// ObjectFile is the backend file holding key in the server's bucket.
func (s *Server) ObjectFile(key string) string {
	return filepath.Join(s.Root, s.Bucket, filepath.FromSlash(key))
}

// Stop kills the server and waits for it to exit (once; later calls do
// nothing), and removes its pidfile.
func (s *Server) Stop() {
	if s != nil && s.stop != nil {
		s.stop()
	}
}

// Find looks for the versitygw binary on PATH, in $GOBIN and in
// $GOPATH/bin (~/go/bin), where `go install` puts it even when that
// directory is not on PATH.
func Find() (string, error) {
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
	return "", fmt.Errorf("versitygw is not on PATH nor in %s", strings.Join(dirs, ", "))
}

// Start starts versitygw with random keys, its POSIX backend under
// opts.Dir, listening on a free loopback port; waits until it answers and
// makes the bucket. On error nothing is left running.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Bin == "" || opts.Dir == "" {
		return nil, errors.New("starting versitygw: Bin and Dir must be set")
	}
	if opts.Bucket == "" {
		opts.Bucket = "offsite-test"
	}
	s := &Server{KeyID: "fossa" + randHex(6), Secret: randHex(20), Bucket: opts.Bucket, Region: "us-east-1",
		Root: filepath.Join(opts.Dir, "root"), Log: filepath.Join(opts.Dir, "versitygw.log"),
		Pidfile: filepath.Join(opts.Dir, "versitygw.pid")}
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		return nil, fmt.Errorf("starting versitygw: %w", err)
	}
	// The keys go in the environment, not argv: any local user can read a
	// process's arguments (ps), not its environment.
	args := []string{"--quiet"}
	posix := []string{"posix"}
	if opts.Versioning {
		vdir := filepath.Join(opts.Dir, "versions")
		if err := os.MkdirAll(vdir, 0o700); err != nil {
			return nil, fmt.Errorf("starting versitygw: %w", err)
		}
		posix = append(posix, "--versioning-dir", vdir)
	}
	// A free port can be taken between the probe and the server's listen:
	// try a few.
	var err error
	for range 3 {
		port, perr := freePort()
		if perr != nil {
			return nil, fmt.Errorf("starting versitygw: %w", perr)
		}
		s.Endpoint = "127.0.0.1:" + strconv.Itoa(port)
		argv := append(append(append([]string{}, args...), "--port", s.Endpoint), append(posix, s.Root)...)
		if err = s.run(ctx, opts, argv); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("starting versitygw (%s): %w", opts.Bin, err)
	}
	mctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.Client.MakeBucket(mctx, s.Bucket, minio.MakeBucketOptions{Region: s.Region, ObjectLocking: opts.Versioning}); err != nil {
		s.Stop()
		return nil, fmt.Errorf("creating bucket %s on versitygw: %w", s.Bucket, err)
	}
	return s, nil
}

// run starts the server and waits until it answers ListBuckets.
func (s *Server) run(ctx context.Context, opts Options, argv []string) error {
	logf, err := os.OpenFile(s.Log, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		logf.Close()
		return err
	}
	cmd := exec.Command(opts.Bin, argv...)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.KeyID, "ROOT_SECRET_ACCESS_KEY="+s.Secret)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, logf, logf
	cmd.SysProcAttr = procAttr(opts.Detach)
	done, err := startAndWait(cmd, opts.Detach)
	null.Close()
	logf.Close()
	if err != nil {
		return err
	}
	s.PID = cmd.Process.Pid
	exited := make(chan struct{})
	var werr error
	go func() { werr = <-done; close(exited) }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-exited
			_ = os.Remove(s.Pidfile)
		})
	}
	if err := durable.WriteFile(s.Pidfile, []byte(strconv.Itoa(s.PID)+"\n"), 0o600, "pidfile"); err != nil {
		s.stop()
		return err
	}
	s.Client, err = minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.KeyID, s.Secret, ""),
		Region: s.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		s.stop()
		return err
	}
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := s.Client.ListBuckets(lctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			data, _ := os.ReadFile(s.Log)
			s.stop()
			return fmt.Errorf("versitygw exited (%v): %s", werr, strings.TrimSpace(string(data)))
		case <-ctx.Done():
			s.stop()
			return ctx.Err()
		case <-deadline.C:
			s.stop()
			return fmt.Errorf("versitygw did not answer within %s (its log: %s)", readyTimeout, s.Log)
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
