package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/fossawork/fossamaint/internal/sandbox"
	"github.com/fossawork/fossamaint/internal/versitygw"
)

// demoBucket is the bucket of the demo's S3 server.
const demoBucket = "fossamaint-demo"

// demoS3 is the demo's private S3 server (versitygw, POSIX backend in the
// installation's offsite/ directory) that its backups.offsite points at.
type demoS3 struct {
	srv *versitygw.Server
	// kept: the demo ends with the server running (--keep, --serve).
	kept bool
}

// demoOffsiteBin checks --offsite: the versitygw binary for auto when
// one is installed, "" for off or when none is (and then one line says
// what the demo does not show and how to get it).
func (a *app) demoOffsiteBin(mode string) (string, error) {
	switch mode {
	case "off":
		return "", nil
	case "auto":
	default:
		return "", usageErr("--offsite %q: use auto or off", mode)
	}
	bin, err := versitygw.Find()
	if err != nil {
		fmt.Fprintf(a.stderr, "demo: off-site copies are not shown (backups/offsite is skipped): they need the versitygw S3 server, and %v; install it with `%s`\n", err, versitygw.Install)
		return "", nil
	}
	return bin, nil
}

// startDemoS3 starts versitygw on a free loopback port with its bucket
// in dir/offsite. A kept demo's server is detached, to outlive this
// process; any other is killed with it.
func (a *app) startDemoS3(ctx context.Context, bin, dir string, keep bool) (*demoS3, error) {
	odir := filepath.Join(dir, sandbox.OffsiteDir)
	srv, err := versitygw.Start(ctx, versitygw.Options{Bin: bin, Dir: odir, Bucket: demoBucket, Detach: keep})
	if err != nil {
		return nil, fmt.Errorf("starting the demo's S3 server for off-site copies (or run the demo with --offsite=off): %w", err)
	}
	fmt.Fprintf(a.stderr, "demo: S3 server %s (versitygw) ready on http://%s, bucket %s in %s: off-site copies go there, encrypted with age\n",
		bin, srv.Endpoint, demoBucket, filepath.Join(odir, "root"))
	return &demoS3{srv: srv}, nil
}

// options is what Generate writes into backups.offsite.
func (s *demoS3) options() *sandbox.Offsite {
	if s == nil {
		return nil
	}
	return &sandbox.Offsite{Endpoint: "http://" + s.srv.Endpoint, Region: s.srv.Region, Bucket: s.srv.Bucket,
		KeyID: s.srv.KeyID, Secret: s.srv.Secret}
}

// stopDemoS3 stops the server unless it is kept; nil: nothing.
func (a *app) stopDemoS3(s *demoS3) {
	if s == nil || s.kept {
		return
	}
	s.srv.Stop()
}

// keepDemoS3 leaves the server running with the kept installation and
// says how to read the off-site copies and how to stop it.
func (a *app) keepDemoS3(s *demoS3, inst *sandbox.Installation, bin string) {
	if s == nil || inst.Offsite == nil {
		return
	}
	s.kept = true
	fmt.Fprintf(a.stderr, "demo: its S3 server keeps running (versitygw pid %d, http://%s, bucket %s): list the off-site copies with `. %s && %s backup list --offsite --config %s` (the file exports %s and %s, the keys the config names); stop it with `kill %d`\n",
		s.srv.PID, s.srv.Endpoint, s.srv.Bucket, inst.Offsite.EnvFile, bin, inst.ConfigPath, sandbox.OffsiteKeyIDEnv, sandbox.OffsiteKeyEnv, s.srv.PID)
}
