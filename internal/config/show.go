package config

import (
	"bytes"
	"net/url"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/fossawork/fossamaint/internal/redact"
)

// Marshal renders cfg as YAML.
func Marshal(cfg Config) ([]byte, error) {
	return yaml.MarshalWithOptions(cfg, yaml.Indent(2), yaml.IndentSequence(true))
}

// Redacted returns a copy of cfg safe to print: passwords and secret query
// values in URLs and secret values in service commands are replaced by
// redact.Marker.
func Redacted(cfg Config) Config {
	out := cfg
	out.Health.Endpoints = append([]Endpoint(nil), cfg.Health.Endpoints...)
	for i := range out.Health.Endpoints {
		out.Health.Endpoints[i].URL = redact.URL(out.Health.Endpoints[i].URL)
	}
	out.Services.Units = append([]Service(nil), cfg.Services.Units...)
	for i, u := range out.Services.Units {
		u.HealthURL = redact.URL(u.HealthURL)
		u.Start, u.Stop, u.Status = redact.Args(u.Start), redact.Args(u.Stop), redact.Args(u.Status)
		out.Services.Units[i] = u
	}
	out.Database.URL = PostgresURLRedacted(cfg.Database.URL)
	out.Notify = cfg.Notify.redacted()
	out.Serve = cfg.Serve.redacted()
	out.History.URL = PostgresURLRedacted(cfg.History.URL)
	return out
}

// Secrets returns the secret values the config itself holds: URL
// passwords and secret query values, and the values Redacted hides in
// service commands. Reports redact them wherever they appear (an error
// quoting a URL, a process list). Values that are not redact.Plausible
// are left out.
func Secrets(cfg Config) []string {
	var out []string
	addURL := func(s string) {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
		for k, vs := range u.Query() {
			if redact.IsSecretName(k) {
				out = append(out, vs...)
			}
		}
	}
	for _, e := range cfg.Health.Endpoints {
		addURL(e.URL)
	}
	out = append(out, PostgresURLSecrets(cfg.Database.URL)...)
	for _, u := range cfg.Services.Units {
		addURL(u.HealthURL)
		for _, argv := range [][]string{u.Start, u.Stop, u.Status} {
			out = append(out, redact.ArgSecrets(argv)...)
		}
	}
	for _, u := range cfg.Notify.URLs {
		out = append(out, NotifyURLSecrets(u)...)
	}
	out = append(out, cfg.Serve.secrets()...)
	out = append(out, PostgresURLSecrets(cfg.History.URL)...)
	// Not a TTL or a port from a service command: those would be
	// redacted out of every count and timestamp holding their digits.
	return slices.DeleteFunc(out, func(v string) bool { return !redact.Plausible(v) })
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
	"root":         "The installation directory.",
	"installation": "id names this installation in off-site object names and the fleet history ([a-z0-9._-]; empty: <host>-<hash of root>).",
	"history":      "url postgres://... also records every run in one central PostgreSQL database shared by a fleet; the local history stays the source of truth and catches it up.",
	"state_dir":    "Lock file and run history (history.db). Relative to root unless absolute.",
	"window":       "The weekly maintenance window. Runs outside it, or on a blackout date (blackout: [\"2026-12-24..2027-01-02\"]), are refused unless --force-window. overrun: postpone, extend (by at most max_extension) or rollback.",
	"thresholds":   "Warning levels (percentages, counts per week, days).",
	"database":     "The application's database: the SQLite file at path, or PostgreSQL at url (or DATABASE_URL in security.env_file).",
	"logs":         "Log tree, the files read (globs under dir, ** for any depth), metrics file and log retention (ages of a file's own mtime).",
	"backups":      "Backup tree (upstream runbook layout) and retention. offsite.url s3://bucket/prefix copies verified backups off this machine (endpoint, region, path_style; auth names the environment variables or the AWS credentials file holding the keys; encrypt.recipients age public keys encrypt before upload; prune applies the keep_* retention to the remote copies).",
	"security":     "Most permissive allowed modes, the secrets file, and TLS certificates to watch.",
	"updates":      "Update checks (a missing tool makes its check skipped) and what the weekly run applies: apply none (report only, the default), security (apt), patch, minor (pip, npm) or all; exclude lists; npm's install_scripts (false: npm install/ci get --ignore-scripts; the build still runs); reboot never, window-end or now.",
	"services":     "How to stop/start/probe services: systemd, exec (argv arrays) or none.",
	"health":       "HTTP endpoints and the statuses that count as healthy.",
	"metrics":      "Prometheus textfile written after each weekly run (relative to state_dir unless absolute; \"\" for none).",
	"notify":       "Notifications: shoutrrr URLs (one per destination), the events sent, and the time a send may take.",
	"serve":        "The dashboard (fossamaint serve): addr host:port (loopback by default; any other address needs auth), auth.token (a bearer token, e.g. ${FOSSAMAINT_SERVE_TOKEN}; redacted everywhere) and/or auth.password_hash (bcrypt: htpasswd -nbBC 12 \"\" PASSWORD | cut -d: -f2), auth.session_ttl, tls.cert and tls.key (both or neither), actions (verify a backup, a dry run: only with auth).",
}
