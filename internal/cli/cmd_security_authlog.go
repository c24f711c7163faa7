package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/security/authlog"
)

// authlogLine is one failure as --per-line prints it.
type authlogLine struct {
	File   string  `json:"file,omitempty"`
	Line   int     `json:"line"`
	Host   string  `json:"host"`
	User   *string `json:"user"`
	Time   *string `json:"time"`
	Source string  `json:"source"`
	Reason string  `json:"reason"`
}

// authlogFile is one input's counts in the summary.
type authlogFile struct {
	Path  string `json:"path"`
	Error string `json:"error,omitempty"`
	authlog.Stats
}

type authlogReport struct {
	Files []authlogFile `json:"files"`
	authlog.Summary
}

func (a *app) securityAuthlogCmd() *cobra.Command {
	var source string
	var perLine, asJSON bool
	c := &cobra.Command{
		Use:   "authlog [flags] FILE...",
		Short: "Failed authentications in host logs (sshd, nginx, Apache, PAM), by client",
		Long: `Reads host logs (plain or .gz) and finds failed authentications the way
fail2ban's sshd (aggressive mode), nginx-http-auth, apache-auth and
pam-generic filters count them: sshd in syslog, RFC 5424, ISO-timestamped
and journal text; nginx and Apache error logs; PAM "authentication failure"
lines with a remote host. The source is detected per line unless --source
names one. Syslog dates without a year take the year of the file's
modification time (or --now), the year before for later months.

Prints a summary by client address (a table, or JSON with --json), or with
--per-line one JSON object per failure: {"line": N, "host": ..., "user":
..., "time": ..., "source": ..., "reason": ...} with N counted from 1 in
each file ("file" is added when several files are given). A file that
cannot be read is reported and the others are still scanned (exit 1).`,
		Example: `  fossamaint security authlog /var/log/auth.log /var/log/auth.log.2.gz
  fossamaint security authlog --source nginx --json /var/log/nginx/error.log
  fossamaint security authlog --per-line /var/log/auth.log | jq -r .host | sort | uniq -c`,
		// Files are checked in RunE, with an example of one.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, files []string) error {
			src, err := authlog.ParseSource(source)
			if err != nil {
				return usageErr("%v", err)
			}
			if len(files) == 0 {
				return usageErr("name at least one log file (e.g. /var/log/auth.log)")
			}
			return a.runAuthlog(cmd.Context(), files, src, perLine, asJSON)
		},
	}
	c.Flags().StringVar(&source, "source", "auto", "log family: auto, sshd, nginx, apache or pam")
	c.Flags().BoolVar(&perLine, "per-line", false, "print one JSON object per failure instead of a summary")
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return c
}

func (a *app) runAuthlog(ctx context.Context, files []string, src authlog.Source, perLine, asJSON bool) error {
	sum := authlog.NewSummarizer(0)
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false) // "<invalid username>" stays readable
	rep := authlogReport{}
	broken := 0
	for _, path := range files {
		opts := authlog.Options{Source: src, Ref: a.refTime(path), Location: time.Local}
		emit := func(f authlog.Failure) error {
			sum.Add(f)
			if !perLine {
				return nil
			}
			return enc.Encode(perLineJSON(f, path, len(files) > 1))
		}
		st, err := authlog.ScanFile(ctx, path, opts, emit)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := authlogFile{Path: path, Stats: st}
		if err != nil {
			broken++
			f.Error = err.Error()
			fmt.Fprintln(a.stderr, "fossamaint:", err)
		}
		rep.Files = append(rep.Files, f)
	}
	rep.Summary = sum.Summary()
	var err error
	switch {
	case perLine:
	case asJSON:
		err = a.encodeJSON(rep)
	default:
		err = renderAuthlog(a.stdout, rep)
	}
	if err != nil {
		return err
	}
	if broken > 0 {
		return exitSilently(ExitWarn)
	}
	return nil
}

// refTime anchors year-less dates: the file's modification time when it
// is in the past, else now.
func (a *app) refTime(path string) time.Time {
	now := a.now()
	if fi, err := os.Stat(path); err == nil && fi.ModTime().Before(now) {
		return fi.ModTime()
	}
	return now
}

func perLineJSON(f authlog.Failure, path string, withFile bool) authlogLine {
	out := authlogLine{Line: f.Line, Host: f.Host, Source: f.Source, Reason: f.Reason}
	if withFile {
		out.File = path
	}
	if f.User != "" {
		u := f.User
		out.User = &u
	}
	if f.HasTime {
		t := f.Time.Format(time.RFC3339)
		out.Time = &t
	}
	return out
}

func renderAuthlog(w io.Writer, rep authlogReport) error {
	lines := 0
	for _, f := range rep.Files {
		lines += f.Lines
	}
	fmt.Fprintf(w, "%d failed authentications from %d clients in %d lines of %d files\n",
		rep.Failures, len(rep.Hosts), lines, len(rep.Files))
	if len(rep.Hosts) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tCOUNT\tFIRST\tLAST\tUSERS\tSOURCES")
	for _, h := range rep.Hosts {
		users := strings.Join(h.Users, ",")
		if h.UserCount > len(h.Users) {
			users += fmt.Sprintf(",... (%d)", h.UserCount)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", h.Host, h.Count, fmtSeen(h.First), fmtSeen(h.Last), users, strings.Join(h.Sources, ","))
	}
	if rep.OtherFailures > 0 {
		fmt.Fprintf(tw, "(other clients)\t%d\t\t\t\t\n", rep.OtherFailures)
	}
	return tw.Flush()
}

func fmtSeen(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05")
}
