// Package report renders a finished run (runbook.Run) for its two readers
// and writes the files atomically.
//
// Markdown and HTML are for people: a summary box first (status, downtime,
// what was done, what needs a human, the three most important findings),
// then the seed's "Maintenance Report Template" section for section, then
// the steps about the machine rather than the installation ("This host",
// Result.Scope), then an appendix with every step, every finding with its
// evidence, and every measurement. Sizes, durations and percentages go
// through internal/human; paths under the installation root (Run.Root)
// are shown relative to it; actions are grouped by their tallies
// (Result.Tallies: "368 log files compressed (3.7 MiB → 0.6 MiB)"); a
// series of two points or more (Result.Series) is a trend, drawn in HTML
// as an inline SVG chart. The Performance Metrics section shows each
// headline measure next to last week's with the change when the run
// carries the comparison (Run.WeekOverWeek, filled from the history by the
// commands: this package reads no history). The HTML page is self-contained (no script, no
// external asset) and prints on A4.
//
// JSON is for programs: the run's own struct tags are the schema, with
// schema_version first, full precision, durations in seconds, every
// action however many, empty lists [] and never null, no empty status.
//
// The dashboard (internal/web) shows the same HTML report inside its own
// page: HTMLBody is the page's body alone and CSS its style sheet scoped
// to the element that holds it (fragment.go), both from the one template,
// so the standalone file and the dashboard cannot drift apart.
//
// It also renders the plain text the commands print when a run finished
// (Summary, Steps, Restore). Steps never print: reports are rendered only
// from results. Every rendered output goes through redaction first
// (Options.Secrets and inline password=/token=/Bearer secrets), so reports
// never contain secrets.
//
// It may import internal/runbook (its data model) and the leaf helpers
// (redact, human, durable for temporary names) and nothing else from
// fossamaint: not cli, not weekly, not any domain package.
// internal/archtest checks these rules. Its Chromium test (skipped where
// /usr/bin/chromium is missing, failing then under CI) loads the HTML in
// a real browser; the same test with -shot-png makes docs/report.png.
package report
