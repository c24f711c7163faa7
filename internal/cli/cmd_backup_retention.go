package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
)

const retentionLong = `Evaluates a retention policy with restic's "forget" semantics on the snapshots
in FILE (a JSON array of {"time", "tags", "paths"}, time in RFC 3339 with an
offset; "-" reads standard input) and prints what it keeps, newest first, with
restic's reasons ("daily snapshot", "oldest monthly snapshot", "within 30d",
"weekly within 1m", "has tags [weekly]"), and what it would remove.

--keep-last/-hourly/-daily/-weekly/-monthly/-yearly N keep the newest snapshot
of each of the N newest hours, days, ISO weeks, months or years that have one;
-1 or "unlimited" keeps every such bucket. When a rule still has count left at
the oldest snapshot, that one is kept too ("oldest ..."). Buckets are computed
in each snapshot's own UTC offset. --keep-within D keeps everything newer than
D (e.g. 1y2m3d4h) before the newest snapshot that is not in the future (as
restic does: one snapshot with a skewed clock must not age all others), not
before now; the
--keep-within-hourly/... forms keep one snapshot per bucket within D.
--keep-tag a,b keeps snapshots that have both a and b; repeat the flag for OR.
An empty policy keeps nothing (restic's forget refuses to act on one).`

// backupRetentionCmd is `fossamaint backup retention`: restic's forget
// policy evaluated on a list of snapshots read from a file. Nothing is
// deleted; `backup prune` acts on the same policy.
func (a *app) backupRetentionCmd() *cobra.Command {
	var (
		file   string
		asJSON bool
		p      backup.Policy
		tags   []string
	)
	c := &cobra.Command{
		Use:   "retention --snapshots FILE [--keep-...]",
		Short: "Say which snapshots a restic-style retention policy keeps, and why (deletes nothing)",
		Long:  retentionLong,
		Example: `  fossamaint backup retention --snapshots snaps.json --keep-daily 14 --keep-weekly 4 --keep-monthly 6
  fossamaint backup retention --snapshots snaps.json --json --keep-within 30d --keep-tag pre-maintenance
  fossamaint backup retention --snapshots - --keep-last -1 < snaps.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErr("--snapshots FILE is required (see `%s --help`)", cmd.CommandPath())
			}
			for _, t := range tags {
				p.Tags = append(p.Tags, splitKeepTag(t))
			}
			if err := p.Validate(); err != nil {
				return usageErr("--%v (see `%s --help`)", err, cmd.CommandPath())
			}
			in, err := readRetentionSnapshots(cmd.InOrStdin(), file)
			if err != nil {
				return usageErr("%v", err)
			}
			if p.Empty() {
				fmt.Fprintln(a.stderr, "fossamaint: the policy is empty: it keeps nothing (give at least one --keep-... flag)")
			}
			keep, remove, reasons := backup.ApplyPolicy(in.snapshots, p)
			if asJSON {
				return in.writeJSON(a.stdout, p, keep, remove, reasons)
			}
			return in.writeTable(a.stdout, p, remove, reasons)
		},
	}
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see `%s --help`)", err, c.CommandPath())
	})
	c.Flags().StringVar(&file, "snapshots", "", "`FILE` holding a JSON array of {\"time\",\"tags\",\"paths\"} (\"-\": stdin)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON {keep, remove, reasons}")
	addKeepFlags(c, &p, &tags)
	return c
}

// addKeepFlags declares restic forget's --keep-* flags, filling p (and
// tags, one comma-separated group per --keep-tag).
func addKeepFlags(c *cobra.Command, p *backup.Policy, tags *[]string) {
	f := c.Flags()
	for _, k := range []struct {
		name string
		n    *int
		what string
	}{{"last", &p.Last, "snapshots"}, {"hourly", &p.Hourly, "hourly snapshots"},
		{"daily", &p.Daily, "daily snapshots"}, {"weekly", &p.Weekly, "weekly (ISO week) snapshots"},
		{"monthly", &p.Monthly, "monthly snapshots"}, {"yearly", &p.Yearly, "yearly snapshots"}} {
		f.Var((*keepCount)(k.n), "keep-"+k.name, "keep the last `n` "+k.what+" (-1 or 'unlimited': all)")
	}
	for _, k := range []struct {
		name string
		d    *backup.Duration
		what string
	}{{"within", &p.Within, "snapshots"}, {"within-hourly", &p.WithinHourly, "hourly snapshots"},
		{"within-daily", &p.WithinDaily, "daily snapshots"}, {"within-weekly", &p.WithinWeekly, "weekly snapshots"},
		{"within-monthly", &p.WithinMonthly, "monthly snapshots"}, {"within-yearly", &p.WithinYearly, "yearly snapshots"}} {
		f.Var((*keepDuration)(k.d), "keep-"+k.name,
			"keep "+k.what+" newer than `duration` (e.g. 1y5m7d2h) before the newest snapshot not in the future")
	}
	f.StringArrayVar(tags, "keep-tag", nil, "keep snapshots with all tags of this comma-separated `taglist` (repeat for OR)")
}

// keepCount is a --keep-N value: a count, -1 or "unlimited".
type keepCount int

func (k *keepCount) String() string {
	if *k == backup.Unlimited {
		return "unlimited"
	}
	return strconv.Itoa(int(*k))
}
func (k *keepCount) Type() string { return "n" }
func (k *keepCount) Set(s string) error {
	if s == "unlimited" {
		*k = backup.Unlimited
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < backup.Unlimited {
		return fmt.Errorf("want a count, -1 or 'unlimited', not %q", s)
	}
	*k = keepCount(n)
	return nil
}

// keepDuration is a --keep-within value such as 1y2m3d4h.
type keepDuration backup.Duration

func (k *keepDuration) String() string { return backup.Duration(*k).String() }
func (k *keepDuration) Type() string   { return "duration" }
func (k *keepDuration) Set(s string) error {
	d, err := backup.ParseRetentionDuration(s)
	if err != nil {
		return err
	}
	*k = keepDuration(d)
	return nil
}

// splitKeepTag is restic's tag list parsing: commas separate, spaces
// around a tag go.
func splitKeepTag(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// retentionSnapshotJSON is a snapshot as read and as printed. Time stays the input
// string so the output repeats it exactly (offset and precision).
type retentionSnapshotJSON struct {
	Time  string   `json:"time"`
	Tags  []string `json:"tags"`
	Paths []string `json:"paths"`
	ID    string   `json:"id,omitempty"`
}

// retentionInput holds the file's entries; each backup.Snapshot's ID is its
// index there, to print it back as given.
type retentionInput struct {
	raw       []retentionSnapshotJSON
	snapshots []backup.Snapshot
}

func readRetentionSnapshots(stdin io.Reader, file string) (*retentionInput, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("reading snapshots %s: %w", file, err)
	}
	in := &retentionInput{}
	if err := json.Unmarshal(data, &in.raw); err != nil {
		return nil, fmt.Errorf("reading snapshots %s: want a JSON array of {\"time\",\"tags\",\"paths\"}: %w", file, err)
	}
	for i, r := range in.raw {
		t, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return nil, fmt.Errorf("reading snapshots %s: entry %d: time %q is not RFC 3339 with an offset", file, i, r.Time)
		}
		// A fixed zone, not time.Local when the offsets happen to match:
		// calendar arithmetic must not depend on this machine's DST rules.
		if _, off := t.Zone(); off == 0 {
			t = t.UTC()
		} else {
			t = t.In(time.FixedZone("", off))
		}
		in.snapshots = append(in.snapshots, backup.Snapshot{Time: t, Tags: r.Tags, Paths: r.Paths, ID: strconv.Itoa(i)})
	}
	return in, nil
}

// echo returns the input entry s came from, with empty lists as [].
func (in *retentionInput) echo(s backup.Snapshot) retentionSnapshotJSON {
	i, _ := strconv.Atoi(s.ID)
	r := in.raw[i]
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if r.Paths == nil {
		r.Paths = []string{}
	}
	return r
}

type retentionReasonJSON struct {
	Snapshot retentionSnapshotJSON `json:"snapshot"`
	Matches  []string              `json:"matches"`
	Counters backup.Counters       `json:"counters"`
}

func (in *retentionInput) writeJSON(w io.Writer, p backup.Policy, keep, remove []backup.Snapshot, reasons []backup.KeepReason) error {
	out := struct {
		Policy  string                  `json:"policy"`
		Keep    []retentionSnapshotJSON `json:"keep"`
		Remove  []retentionSnapshotJSON `json:"remove"`
		Reasons []retentionReasonJSON   `json:"reasons"`
	}{Policy: p.String(), Keep: []retentionSnapshotJSON{}, Remove: []retentionSnapshotJSON{}, Reasons: []retentionReasonJSON{}}
	for _, s := range keep {
		out.Keep = append(out.Keep, in.echo(s))
	}
	for _, s := range remove {
		out.Remove = append(out.Remove, in.echo(s))
	}
	for _, r := range reasons {
		out.Reasons = append(out.Reasons, retentionReasonJSON{Snapshot: in.echo(r.Snapshot), Matches: r.Matches, Counters: r.Counters})
	}
	return writeJSON(w, out)
}

func (in *retentionInput) writeTable(w io.Writer, p backup.Policy, remove []backup.Snapshot, reasons []backup.KeepReason) error {
	fmt.Fprintf(w, "policy: %s\n", p)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tTIME\tTAGS\tPATHS\tREASONS")
	row := func(action string, s backup.Snapshot, why []string) {
		e := in.echo(s)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", action, e.Time, retentionCell(e.Tags), retentionCell(e.Paths), retentionCell(why))
	}
	for _, r := range reasons {
		row("keep", r.Snapshot, r.Matches)
	}
	for _, s := range remove {
		row("remove", s, nil)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d kept, %d removed (nothing was deleted)\n", len(reasons), len(remove))
	return err
}

func retentionCell(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ", ")
}
