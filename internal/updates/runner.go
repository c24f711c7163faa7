package updates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// Runner runs one command. env entries ("KEY=value") are added to the
// current environment; dir "" means the current directory. A non-zero exit
// is reported in exitCode with a nil err: whether it is a failure is the
// caller's call (npm audit exits 1 when it found something).
type Runner interface {
	Run(ctx context.Context, dir string, env []string, argv ...string) (stdout, stderr []byte, exitCode int, err error)
}

// ErrToolMissing matches (errors.Is) every error saying a check cannot run
// here at all: the command, virtualenv, directory or lockfile is absent. The
// caller marks the check skipped, with the error's text as the reason.
var ErrToolMissing = errors.New("tool missing")

// ToolMissingError says what is missing and why that stops the check.
type ToolMissingError struct {
	Tool   string // apt, pip, npm
	Reason string // e.g. "no virtualenv at backend/venv"
}

func (e *ToolMissingError) Error() string { return e.Tool + ": " + e.Reason }

// Is makes errors.Is(err, ErrToolMissing) true.
func (e *ToolMissingError) Is(target error) bool { return target == ErrToolMissing }

func toolMissing(tool, format string, a ...any) error {
	return &ToolMissingError{Tool: tool, Reason: fmt.Sprintf(format, a...)}
}

// ErrUnknown matches (errors.Is) every error saying a check ran but could
// not learn the answer: the package index or registry was unreachable, or
// apt has no package lists. Its empty result ("0 outdated") would be a
// guess. The caller marks the check skipped, with the error's text as the
// reason. These errors match ErrToolMissing too, so that a caller skipping
// a check that cannot run here skips one that cannot know, rather than
// failing on it (weekly's preflight reads apt's report that way).
var ErrUnknown = errors.New("answer unknown")

// UnknownError says why a check's answer is unknown.
type UnknownError struct {
	Tool   string // apt, pip, npm
	Reason string // e.g. "could not reach the package index: ..."
}

func (e *UnknownError) Error() string { return e.Tool + ": " + e.Reason }

// Is makes errors.Is(err, ErrUnknown) and errors.Is(err, ErrToolMissing)
// true.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown || target == ErrToolMissing }

func unknown(tool, format string, a ...any) error {
	return &UnknownError{Tool: tool, Reason: fmt.Sprintf(format, a...)}
}

// DefaultMaxOutput bounds what ExecRunner keeps of each output stream. A
// large npm audit report is a few MiB; more is a runaway process.
const DefaultMaxOutput = 32 << 20

// ErrOutputTooLarge is returned (wrapped) when a stream exceeded the bound.
var ErrOutputTooLarge = errors.New("output too large")

// ExecRunner runs commands as real subprocesses.
type ExecRunner struct {
	// MaxOutput bounds each of stdout and stderr; zero means DefaultMaxOutput.
	MaxOutput int
	// RunAsOwnerOf, when set, is the tree the commands change (the
	// virtualenv, the frontend): when fossamaint runs as root and the
	// tree is another user's, the commands run as that user, with that
	// user's HOME and caches, and dir "" is that home (owner.go). Set it
	// with AsOwnerOf.
	RunAsOwnerOf string
}

var _ Runner = ExecRunner{}

// waitDelay is how long a cancelled command's pipes may stay open (held by
// grandchildren) before Run gives up on them.
const waitDelay = 5 * time.Second

// Run implements Runner. A command not found on PATH is a ToolMissingError.
func (r ExecRunner) Run(ctx context.Context, dir string, env []string, argv ...string) ([]byte, []byte, int, error) {
	if len(argv) == 0 {
		return nil, nil, -1, errors.New("run: empty command")
	}
	owner, err := r.runsAs()
	if err != nil {
		return nil, nil, -1, fmt.Errorf("running %s: %w", argv[0], err)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		if strings.ContainsAny(argv[0], `/\`) {
			return nil, nil, -1, toolMissing(argv[0], "%s does not exist or is not executable", argv[0])
		}
		return nil, nil, -1, toolMissing(argv[0], "%s not found on PATH", argv[0])
	}
	limit := r.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	stdout, stderr := &boundedBuffer{max: limit}, &boundedBuffer{max: limit}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr, cmd.WaitDelay = dir, stdout, stderr, waitDelay
	cmd.Env = append(os.Environ(), env...)
	if owner != nil {
		if err := owner.asOwner(cmd, env); err != nil {
			return nil, nil, -1, fmt.Errorf("running %s as %s, the owner of %s: %w", argv[0], owner, r.RunAsOwnerOf, err)
		}
	}
	err = cmd.Run()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return stdout.Bytes(), stderr.Bytes(), code, fmt.Errorf("running %s: %w", argv[0], ctx.Err())
	case errors.As(err, &exitErr):
		err = nil // the exit code says it
	case err != nil:
		return stdout.Bytes(), stderr.Bytes(), code, fmt.Errorf("running %s: %w", argv[0], permissionHint(owner, err))
	}
	if stdout.truncated || stderr.truncated {
		return stdout.Bytes(), stderr.Bytes(), code, fmt.Errorf("running %s: more than %s of output: %w", argv[0], human.Bytes(int64(limit)), ErrOutputTooLarge)
	}
	return stdout.Bytes(), stderr.Bytes(), code, nil
}

// boundedBuffer keeps the first max bytes and discards the rest, still
// reporting success to the writer so the child is not killed by EPIPE midway.
// It must not embed bytes.Buffer: exec's io.Copy would use the embedded
// ReadFrom and bypass the bound.
type boundedBuffer struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); len(p) > room {
		b.truncated = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *boundedBuffer) Bytes() []byte { return b.buf.Bytes() }
