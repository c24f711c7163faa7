package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/security"
)

// scanFlags are the flags of `security scan`.
type scanFlags struct {
	logsDir, since, until string
	asJSON                bool
	maxRetry              int
	findTime              time.Duration
	globs                 logGlobs
}

func (a *app) securityScanCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "scan",
		Short: "Failed logins, brute force, attack signatures, scanners, rate limiting and secrets in the application logs",
		Long: `Reads every application log under the logs directory (JSON lines, the
pipe-shaped lines of Python logging, .gz) once and reports, for entries
whose own timestamp is in [--since, --until), by default the last 7 days
(as logs analyze):

  failed logins by source, brute-force bursts (--max-retry failures within
  --find-time from one source, as fail2ban counts), distributed attacks
  (many sources failing for one user), SQL injection, XSS, path traversal
  and code injection in request paths and messages (after URL-decoding),
  scanner user agents, rate-limited requests, and secrets written to logs
  (shown redacted).

A 401 from /api/auth/validate and successful logins are not failed logins.
A file or subdirectory that cannot be read is a warning finding naming it;
the rest is scanned. Exits 1 when there is a warning or critical finding.`,
		Example: `  fossamaint security scan
  fossamaint security scan --logs-dir /opt/fossawork/logs --since 24h --json
  fossamaint security scan --since 2026-01-05T00:00:00Z --until 2026-01-12T00:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSecurityScan(cmd.Context(), f) },
	}
	c.Flags().StringVar(&f.logsDir, "logs-dir", "", "application logs directory (default: the configured one)")
	c.Flags().StringVar(&f.since, "since", "7d", "window start: a duration back from now (7d, 24h, 1d12h) or an RFC 3339 time")
	c.Flags().StringVar(&f.until, "until", "", "window end (exclusive), same forms as --since (default: now)")
	c.Flags().IntVar(&f.maxRetry, "max-retry", security.DefaultMaxRetry, "failures from one source that make a brute-force burst")
	c.Flags().DurationVar(&f.findTime, "find-time", security.DefaultFindTime, "window the --max-retry failures must fall in")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON")
	f.globs.register(c.Flags())
	return c
}

func (a *app) runSecurityScan(ctx context.Context, f scanFlags) error {
	now := a.now()
	if f.since == "" {
		return usageErr("--since needs a value: a duration back from now (7d, 24h) or an RFC 3339 time")
	}
	from, err := scanInstant("--since", f.since, now)
	if err != nil {
		return err
	}
	to := now
	if f.until != "" {
		if to, err = scanInstant("--until", f.until, now); err != nil {
			return err
		}
	}
	if !from.Before(to) {
		return usageErr("--since %s is not before --until %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	opts, dir, set, err := a.scanOptions(f.logsDir, &f.globs)
	if err != nil {
		return err
	}
	files, unreadable, err := discoverLogs(ctx, dir, set)
	if err != nil {
		return err
	}
	opts.Files, opts.Unreadable, opts.From, opts.To = files, unreadable, from, to
	opts.MaxRetry, opts.FindTime = f.maxRetry, f.findTime
	rep, err := security.Scan(ctx, opts)
	if err != nil {
		return err
	}
	if f.asJSON {
		err = a.encodeJSON(rep)
	} else {
		err = writeScanTable(a.stdout, rep, opts.Location)
	}
	if err != nil {
		return err
	}
	return exitSilently(scanExitCode(rep))
}

// scanOptions takes thresholds, zone and secrets from the installation.
// With --logs-dir the config is optional: without one, defaults and the
// local zone apply and no .env secrets are known.
func (a *app) scanOptions(logsDir string, globs *logGlobs) (security.ScanOptions, string, *logs.FileSet, error) {
	in, err := a.installation()
	loaded := err == nil
	if !loaded {
		if logsDir == "" {
			return security.ScanOptions{}, "", nil, withCode(ExitUsage, fmt.Errorf("%w (or name the logs with --logs-dir)", err))
		}
		if in, err = defaultInstallation(); err != nil {
			return security.ScanOptions{}, "", nil, err
		}
	}
	set, err := globs.fileSet(in)
	if err != nil {
		return security.ScanOptions{}, "", nil, err
	}
	opts := security.ScanOptions{Location: in.Zone, WeeklyThreshold: in.Thresholds.FailedLoginsPerWeek}
	if !loaded {
		return opts, logsDir, set, nil
	}
	opts.Secrets = a.secrets(in.Config)
	if logsDir == "" {
		logsDir = in.Logs.Dir
	}
	return opts, logsDir, set, nil
}

// scanInstant reads a duration back from now ("7d", "24h") or an RFC 3339 time.
func scanInstant(flag, v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := config.ParseDuration(v)
	if err != nil || d < 0 {
		return time.Time{}, usageErr("%s %q: want a duration such as 7d or 24h, or an RFC 3339 time such as 2026-01-05T00:00:00Z", flag, v)
	}
	return now.Add(-d), nil
}

func scanExitCode(r security.ScanReport) int {
	for _, f := range r.Findings {
		if f.Severity == finding.Warning || f.Severity == finding.Critical {
			return ExitWarn
		}
	}
	return ExitOK
}

// writeScanTable renders the report for a terminal.
func writeScanTable(w io.Writer, r security.ScanReport, loc *time.Location) error {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	ip := func(s string) string {
		if s == "" {
			return "(no address)"
		}
		return s
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Security scan %s to %s: %d files, %d lines, %d malformed, %d entries in the window\n\n",
		at(r.From), at(r.To), r.FilesRead, r.Lines, r.MalformedLines, r.InWindow)
	fmt.Fprintf(tw, "Failed logins: %d from %d sources (investigate above %d: %s)\n", r.FailedLogins, r.FailedLoginSources, r.WeeklyThreshold, scanYesNo(r.Investigate))
	if len(r.FailedLoginsByIP) > 0 {
		fmt.Fprintln(tw, "  SOURCE\tCOUNT\tFIRST\tLAST\tUSERS")
		for _, s := range r.FailedLoginsByIP[:min(len(r.FailedLoginsByIP), 20)] {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", ip(s.IP), s.Count, at(s.FirstSeen), at(s.LastSeen), strings.Join(s.Users, ","))
		}
	}
	fmt.Fprintf(tw, "\nBrute force (>= %d failures within %s): %d bursts\n", r.MaxRetry, time.Duration(r.FindTimeSeconds*float64(time.Second)), len(r.BruteForce))
	if len(r.BruteForce) > 0 {
		fmt.Fprintln(tw, "  SOURCE\tFAILURES\tPEAK\tSTART\tEND\tUSERS")
		for _, b := range r.BruteForce {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%s\n", b.IP, b.Failures, b.Peak, at(b.Start), at(b.End), strings.Join(b.Users, ","))
		}
	}
	fmt.Fprintf(tw, "\nDistributed attacks (>= %d sources for one user): %d\n", r.DistributedSources, len(r.Distributed))
	for _, d := range r.Distributed {
		fmt.Fprintf(tw, "  %s\t%d sources\t%d failures\t%s\n", d.User, d.Sources, d.Failures, strings.Join(d.Addresses, ","))
	}
	fmt.Fprintf(tw, "\nAttack signatures: %d families\n", len(r.Signatures))
	for _, s := range r.Signatures {
		ex := ""
		if len(s.Examples) > 0 {
			ex = s.Examples[0].Text
		}
		fmt.Fprintf(tw, "  %s\t%d requests\t%d sources\t%s\n", s.Family, s.Count, s.DistinctSources, ex)
	}
	fmt.Fprintf(tw, "\nScanner user agents: %d\n", len(r.Scanners))
	for _, s := range r.Scanners {
		fmt.Fprintf(tw, "  %s\t%d requests\t%s\n", s.Scanner, s.Count, s.UserAgent)
	}
	fmt.Fprintf(tw, "\nRate-limited requests: %d\n", r.RateLimited)
	fmt.Fprintf(tw, "Secrets in logs: %d kinds\n", len(r.SecretsInLogs))
	for _, s := range r.SecretsInLogs {
		fmt.Fprintf(tw, "  %s\t%d entries\t%s\n", s.Kind, s.Count, strings.Join(s.Files, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeScanFindings(w, r)
}

func writeScanFindings(w io.Writer, r security.ScanReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nFindings: %d\n", len(r.Findings))
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  [%s] %s\n", f.Severity, f.Message)
		for _, line := range strings.Split(f.Evidence, "\n") {
			if line != "" {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
		fmt.Fprintf(&b, "      -> %s\n", f.Recommendation)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func scanYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
