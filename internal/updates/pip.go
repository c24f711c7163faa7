package updates

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/human"
)

// PipPackage is one outdated Python distribution in the virtualenv.
type PipPackage struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	LatestVersion  string `json:"latest_version"`
	LatestFiletype string `json:"latest_filetype,omitempty"` // wheel or sdist
	// Watched is set when the package is on the caller's watch list
	// (fastapi, sqlalchemy, ...): those deserve an operator's look.
	Watched bool `json:"watched"`
}

// PipReport lists what pip says is outdated. Nothing was upgraded.
type PipReport struct {
	Venv     string       `json:"venv"`
	Outdated []PipPackage `json:"outdated"`
	Watched  []PipPackage `json:"watched,omitempty"` // the subset of Outdated on the watch list
}

// venvPython is where a virtualenv keeps its interpreter on this OS.
func venvPython(venv string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(venv, "Scripts", "python.exe")
	}
	return filepath.Join(venv, "bin", "python")
}

// CheckPip asks the virtualenv's own pip which distributions are outdated
// and flags those on watch (names compared as PEP 503 normalises them). A
// missing virtualenv, interpreter or pip matches ErrToolMissing; an index
// pip could not reach (it then still prints "[]") matches ErrUnknown.
// When fossamaint is root and the virtualenv is another user's, pip runs
// as that user (AsOwnerOf).
func CheckPip(ctx context.Context, r Runner, venv string, watch []string) (PipReport, error) {
	rep := PipReport{Venv: venv}
	if st, err := os.Stat(venv); errors.Is(err, fs.ErrNotExist) || (err == nil && !st.IsDir()) {
		return rep, toolMissing("pip", "no virtualenv at %s", venv)
	} else if err != nil {
		return rep, fmt.Errorf("reading virtualenv %s: %w", venv, err)
	}
	python := venvPython(venv)
	if _, err := os.Stat(python); errors.Is(err, fs.ErrNotExist) {
		return rep, toolMissing("pip", "no virtualenv at %s (no %s)", venv, python)
	}
	r = AsOwnerOf(r, venv) // as root, pip runs as the virtualenv's owner
	env := []string{"LC_ALL=C", "PIP_NO_INPUT=1", "PYTHONIOENCODING=utf-8"}
	// One retry, not pip's five with back-off (about 9 s per package when
	// the index is down, past the step's budget for a real virtualenv),
	// and at least one, over a pip.conf saying 0: pip reports a failed
	// lookup only when it retries, and that report is how an unreachable
	// index is told from "nothing outdated".
	stdout, stderr, code, err := r.Run(ctx, "", env, python, "-m", "pip", "list",
		"--outdated", "--format=json", "--disable-pip-version-check", "--retries", "1")
	if err != nil {
		return rep, fmt.Errorf("pip list --outdated in %s: %w", venv, err)
	}
	listing, messages := splitPipOutput(stdout)
	if reason := pipIndexTrouble(stderr, messages); reason != "" {
		return rep, unknown("pip", "could not reach the package index: %s; outdated packages are unknown (check the network, proxy or index-url)", reason)
	}
	if code != 0 {
		if bytes.Contains(stderr, []byte("No module named pip")) {
			return rep, toolMissing("pip", "pip is not installed in the virtualenv at %s", venv)
		}
		return rep, fmt.Errorf("pip list --outdated in %s: exit status %d: %s", venv, code, firstLines(stderr, 3))
	}
	if rep.Outdated, err = ParsePipOutdated(bytes.NewReader(listing)); err != nil {
		return rep, fmt.Errorf("pip list --outdated in %s: %w", venv, err)
	}
	watched := make(map[string]bool, len(watch))
	for _, w := range watch {
		watched[NormalizePyName(w)] = true
	}
	for i := range rep.Outdated {
		if watched[NormalizePyName(rep.Outdated[i].Name)] {
			rep.Outdated[i].Watched = true
			rep.Watched = append(rep.Watched, rep.Outdated[i])
		}
	}
	return rep, nil
}

// splitPipOutput separates pip's JSON, printed on one line last, from
// the messages pip prints before it on stdout (an index that fails TLS is
// reported there). Output without a JSON line is left whole, for the
// parser to reject.
func splitPipOutput(stdout []byte) (listing, messages []byte) {
	trimmed := bytes.TrimRight(stdout, "\r\n\t ")
	i := bytes.LastIndexByte(trimmed, '\n')
	last := bytes.TrimSpace(trimmed[i+1:])
	if i < 0 || !bytes.HasPrefix(last, []byte("[")) {
		return stdout, nil
	}
	return last, trimmed[:i]
}

// pipIndexSigns are what pip prints when a lookup on its index failed:
// urllib3's retry warning and what it was broken by, and pip's "Could not
// fetch URL". "No matching distribution" is another matter: the index
// answered.
var pipIndexSigns = []string{
	"Retrying (Retry(", "Could not fetch URL", "NewConnectionError", "Failed to establish a new connection",
	"ProxyError", "SSLError", "ConnectTimeoutError", "ReadTimeoutError", "Max retries exceeded",
}

var (
	pipCauses = []*regexp.Regexp{
		regexp.MustCompile(`Cannot connect to proxy`),
		regexp.MustCompile(`Failed to establish a new connection: [^'")]*`),
		regexp.MustCompile(`\[SSL[^\]]*\][^'")(]*`),
		regexp.MustCompile(`(Connect|Read)TimeoutError\([^,]*, '[^']*'`),
		regexp.MustCompile(`There was a problem confirming the ssl certificate`),
	}
	pipIndexPath = regexp.MustCompile(`: (/\S*/)$|Could not fetch URL (\S+):`)
)

// pipIndexTrouble returns why pip could not use its index, from the first
// line of its outputs showing it, or "".
func pipIndexTrouble(outputs ...[]byte) string {
	for _, out := range outputs {
		for line := range strings.SplitSeq(string(out), "\n") {
			line = strings.TrimSpace(line)
			if !slices.ContainsFunc(pipIndexSigns, func(s string) bool { return strings.Contains(line, s) }) {
				continue
			}
			cause := clip(line)
			for _, re := range pipCauses {
				if m := re.FindString(line); m != "" {
					cause = strings.TrimSpace(m)
					break
				}
			}
			if m := pipIndexPath.FindStringSubmatch(line); m != nil {
				cause += " (" + m[1] + m[2] + ")"
			}
			return cause
		}
	}
	return ""
}

var pyNameSeparators = regexp.MustCompile(`[-_.]+`)

// NormalizePyName is PEP 503's normalised project name: lower case, runs of
// "-", "_" and "." collapsed to "-" (so Flask_SQLAlchemy == flask-sqlalchemy).
func NormalizePyName(name string) string {
	return pyNameSeparators.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}

// maxToolOutput bounds what the pure parsers read, like ExecRunner does.
const maxToolOutput = DefaultMaxOutput

// readBounded reads a tool's whole output, refusing more than maxToolOutput.
func readBounded(r io.Reader, tool string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxToolOutput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s output: %w", tool, err)
	}
	if len(data) > maxToolOutput {
		return nil, fmt.Errorf("%s output larger than %s: %w", tool, human.Bytes(maxToolOutput), ErrOutputTooLarge)
	}
	return data, nil
}

// ParsePipOutdated parses `pip list --outdated --format=json`:
// [{"name": "fastapi", "version": "0.104.1", "latest_version": "0.115.6",
// "latest_filetype": "wheel"}]. Entries without a name or versions are an
// error: that is not pip's output.
func ParsePipOutdated(r io.Reader) ([]PipPackage, error) {
	data, err := readBounded(r, "pip")
	if err != nil {
		return nil, err
	}
	var raw []PipPackage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("pip output is not a JSON list of packages: %w (starts %q)", err, clip(string(bytes.TrimSpace(data))))
	}
	out := make([]PipPackage, 0, len(raw))
	for i, p := range raw {
		if p.Name == "" || p.Version == "" || p.LatestVersion == "" {
			return nil, fmt.Errorf("pip output entry %d lacks name, version or latest_version", i)
		}
		p.Watched = false // only CheckPip decides that, never the input
		out = append(out, p)
	}
	return out, nil
}
