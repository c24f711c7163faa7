package config

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
)

// Marshal renders cfg as YAML.
func Marshal(cfg Config) ([]byte, error) {
	return yaml.MarshalWithOptions(cfg, yaml.Indent(2), yaml.IndentSequence(true))
}

var secretArg = regexp.MustCompile(`(?i)(password|passwd|secret|token|api[_-]?key)=\S+`)

// Redacted returns a copy of cfg safe to print: passwords in URLs and
// key=value secrets in service commands are replaced by "REDACTED".
func Redacted(cfg Config) Config {
	out := cfg
	out.Health.Endpoints = append([]Endpoint(nil), cfg.Health.Endpoints...)
	for i := range out.Health.Endpoints {
		out.Health.Endpoints[i].URL = RedactURL(out.Health.Endpoints[i].URL)
	}
	out.Services.Units = append([]Service(nil), cfg.Services.Units...)
	for i, u := range out.Services.Units {
		u.HealthURL = RedactURL(u.HealthURL)
		u.Start, u.Stop, u.Status = redactArgs(u.Start), redactArgs(u.Stop), redactArgs(u.Status)
		out.Services.Units[i] = u
	}
	return out
}

// RedactURL hides the password of a URL's userinfo and secret-looking query values.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return secretArg.ReplaceAllString(s, "${1}=REDACTED")
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	q := u.Query()
	changed := false
	for k := range q {
		if secretArg.MatchString(k + "=x") {
			q.Set(k, "REDACTED")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return strings.Replace(u.String(), "REDACTED%40", "REDACTED@", 1)
}

func redactArgs(args []string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = secretArg.ReplaceAllString(a, "${1}=REDACTED")
	}
	return out
}

// Commented renders the default configuration with a comment above each
// section, for `fossamaint config init`.
func Commented() ([]byte, error) {
	raw, err := Marshal(Default())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# fossamaint configuration. Every key is optional: what is left out keeps\n")
	b.WriteString("# the default shown here. Relative paths resolve against root.\n")
	b.WriteString("# Durations: 30s, 4h, 7d, 1d12h. ${VAR} and ${VAR:-default} read the environment.\n")
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		key := strings.SplitN(line, ":", 2)[0]
		if c, ok := sectionComments[key]; ok {
			b.WriteString("\n# " + c + "\n")
		}
		b.WriteString(line)
	}
	return b.Bytes(), nil
}

var sectionComments = map[string]string{
	"root":       "The installation directory.",
	"state_dir":  "Lock file and run history (history.db). Relative to root unless absolute.",
	"window":     "The weekly maintenance window. Runs outside it are refused unless --force-window.",
	"thresholds": "Warning levels (percentages, counts per week, days).",
	"database":   "The application's SQLite database.",
	"logs":       "Log tree, the files read (globs under dir, ** for any depth), metrics file and log retention (ages of a file's own mtime).",
	"backups":    "Backup tree (upstream runbook layout) and retention.",
	"security":   "Most permissive allowed modes, the secrets file, and TLS certificates to watch.",
	"updates":    "Report-only update checks. A missing tool makes its check skipped.",
	"services":   "How to stop/start/probe services: systemd, exec (argv arrays) or none.",
	"health":     "HTTP endpoints and the statuses that count as healthy.",
}
