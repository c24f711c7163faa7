package updates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// NpmReport is what `npm audit` found in the frontend. Nothing was fixed.
type NpmReport struct {
	Dir string `json:"dir"`
	NpmAudit
}

// lockfiles are the files npm audit can work from, preferred first.
var lockfiles = []string{"package-lock.json", "npm-shrinkwrap.json"}

// CheckNpm runs `npm audit --json` in dir. npm exits 1 when it finds
// vulnerabilities: that is the report, not a failure. A missing npm, dir,
// package.json or lockfile matches ErrToolMissing; a registry npm could
// not reach or that refused the audit matches ErrUnknown; another error
// object from npm becomes an *NpmError. When fossamaint is root and dir
// is another user's, npm runs as that user (AsOwnerOf).
func CheckNpm(ctx context.Context, r Runner, dir string) (NpmReport, error) {
	rep := NpmReport{Dir: dir}
	if err := npmPrerequisites(dir); err != nil {
		return rep, err
	}
	r = AsOwnerOf(r, dir) // as root, npm runs as the frontend's owner
	env := []string{"LC_ALL=C", "NO_COLOR=1", "npm_config_update_notifier=false", "npm_config_fund=false"}
	stdout, stderr, code, err := r.Run(ctx, dir, env, "npm", "audit", "--json")
	if err != nil {
		return rep, fmt.Errorf("npm audit in %s: %w", dir, err)
	}
	audit, perr := ParseNpmAudit(bytes.NewReader(stdout))
	var npmErr *NpmError
	switch {
	case errors.As(perr, &npmErr) && npmErr.Code == "ENOLOCK":
		return rep, toolMissing("npm", "no package-lock.json in %s (npm audit needs a lockfile)", dir)
	case npmErr != nil && npmErr.registry():
		return rep, unknown("npm", "could not get an audit from the registry: %s; vulnerabilities are unknown (check the network, proxy or registry)", npmErr.Summary)
	case npmErr != nil:
		return rep, fmt.Errorf("npm audit in %s: %w", dir, perr)
	case code != 0 && code != 1:
		return rep, fmt.Errorf("npm audit in %s: exit status %d: %s", dir, code, firstLines(stderr, 3))
	case perr != nil:
		return rep, fmt.Errorf("npm audit in %s: %w", dir, perr)
	}
	rep.NpmAudit = audit
	return rep, nil
}

// npmPrerequisites says, before running anything, why npm audit cannot work
// in dir: it needs the project and its lockfile.
func npmPrerequisites(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && !st.IsDir()):
		return toolMissing("npm", "no directory at %s", dir)
	case err != nil:
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	if !exists(filepath.Join(dir, "package.json")) {
		return toolMissing("npm", "no package.json in %s", dir)
	}
	for _, lf := range lockfiles {
		if exists(filepath.Join(dir, lf)) {
			return nil
		}
	}
	for _, other := range []string{"yarn.lock", "pnpm-lock.yaml"} {
		if exists(filepath.Join(dir, other)) {
			return toolMissing("npm", "no package-lock.json in %s (it has %s: audit it with that tool)", dir, other)
		}
	}
	return toolMissing("npm", "no package-lock.json in %s (npm audit needs a lockfile)", dir)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// NpmError is an error object npm printed instead of a report, e.g.
// {"error": {"code": "ENOTFOUND", "summary": "request to ... failed"}}.
type NpmError struct {
	Code    string `json:"code"`
	Summary string `json:"summary"`
	Detail  string `json:"detail"`
}

func (e *NpmError) Error() string {
	msg := e.Summary
	if msg == "" {
		msg = firstLines([]byte(e.Detail), 1)
	}
	if e.Code != "" {
		return "npm error " + e.Code + ": " + msg
	}
	return "npm error: " + msg
}

// npmNetCodes are the error codes of a registry npm could not reach.
var npmNetCodes = []string{"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH",
	"ENETUNREACH", "ENETDOWN", "ECONNABORTED", "EPROTO", "ERR_SOCKET_TIMEOUT", "SELF_SIGNED_CERT_IN_CHAIN",
	"UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_HAS_EXPIRED"}

// npmHTTPError is how npm reports what the registry answered: a status
// code ("E405"), or a summary starting with one ("405 Method Not Allowed").
var npmHTTPError = regexp.MustCompile(`^E?[1-5][0-9][0-9]\b`)

// registry says whether the error is the registry's, or the way to it,
// rather than the project's: the audit could not be had, which says
// nothing about the frontend. npm 11 gives no code, only the summary.
func (e *NpmError) registry() bool {
	for _, c := range npmNetCodes {
		if e.Code == c || strings.Contains(e.Summary, c) {
			return true
		}
	}
	return npmHTTPError.MatchString(e.Code) || npmHTTPError.MatchString(e.Summary) ||
		strings.HasPrefix(e.Summary, "request to ") && strings.Contains(e.Summary, " failed")
}

// isNpmJSON is a cheap guard: npm's JSON output is an object.
func isNpmJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}
