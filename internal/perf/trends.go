package perf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/valyala/fastjson"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/lines"
)

// Cadence is the upstream sampler's interval: one metrics line per hour.
const Cadence = time.Hour

// Evidence bounds: how many malformed line numbers and gaps a report keeps.
const (
	MaxMalformedEvidence = 5
	MaxGapEvidence       = 3
)

// maxWindow keeps the per-slot coverage bitmap small whatever the caller asks.
const maxWindow = 10 * 366 * 24 * time.Hour

// Stat summarises one percentage over the window. Zero N means no sample
// carried it and the other fields mean nothing.
type Stat struct {
	N   int     `json:"n"`
	Avg float64 `json:"avg_percent"`
	P95 float64 `json:"p95_percent"` // nearest-rank, see the package doc
	Max float64 `json:"max_percent"`
}

// DiskStat summarises disk usage; Last is what matters for "is it full now".
type DiskStat struct {
	N          int       `json:"n"`
	Avg        float64   `json:"avg_percent"`
	Max        float64   `json:"max_percent"`
	Last       float64   `json:"last_percent"`
	LastAt     time.Time `json:"last_at"`
	LastFreeGB float64   `json:"last_free_gb"`
	HasFreeGB  bool      `json:"has_free_gb"` // the last disk sample carried disk_free_gb
}

// Gap is a run of consecutive hourly slots without any sample. JSON
// writes its length in seconds, as every duration.
type Gap struct {
	Start time.Time `json:"start"`
	Hours int       `json:"-"`
}

// MarshalJSON writes the gap's start and duration_seconds.
func (g Gap) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Start    time.Time     `json:"start"`
		Duration human.Seconds `json:"duration_seconds"`
	}{g.Start, human.Seconds(time.Duration(g.Hours) * time.Hour)})
}

// TrendReport is what a window of metrics says. Counts are counted.
type TrendReport struct {
	Path           string    `json:"path"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`             // exclusive
	Lines          int       `json:"lines"`          // non-blank lines read
	Samples        int       `json:"samples"`        // samples inside [From, To)
	OutsideWindow  int       `json:"outside_window"` // valid samples before From or at/after To
	Malformed      int       `json:"malformed"`      // unparsable or over-long lines
	MalformedLines []int     `json:"malformed_lines,omitempty"`
	First          time.Time `json:"first"` // earliest sample in the window
	Last           time.Time `json:"last"`  // latest sample in the window
	CPU            Stat      `json:"cpu"`
	Memory         Stat      `json:"memory"`
	Disk           DiskStat  `json:"disk"`
	// ExpectedSamples is the number of hourly slots in the window;
	// MissingSamples the slots no sample fell in.
	ExpectedSamples int     `json:"expected_samples"`
	MissingSamples  int     `json:"missing_samples"`
	Gaps            []Gap   `json:"gaps,omitempty"` // longest first
	MaxCPU          *Sample `json:"max_cpu,omitempty"`
	// Daily are the CPU and memory averages of each 24 h from From
	// (the last may be shorter), in the same pass: the trend reports
	// chart.
	Daily []DayAvg `json:"daily"`
}

// DayAvg is one 24 h of the window: the averages of the samples that
// carried CPU and memory (N: how many; 0 for a day without).
type DayAvg struct {
	Start  time.Time `json:"start"`
	CPU    float64   `json:"cpu_avg_percent"`
	CPUN   int       `json:"cpu_samples"`
	Memory float64   `json:"memory_avg_percent"`
	MemN   int       `json:"memory_samples"`
}

// Span is the time the window's samples cover, first to last.
func (t TrendReport) Span() time.Duration { return t.Last.Sub(t.First) }

// MissingRatio is the share of hourly slots without a sample (0 when the
// window is empty).
func (t TrendReport) MissingRatio() float64 {
	if t.ExpectedSamples == 0 {
		return 0
	}
	return float64(t.MissingSamples) / float64(t.ExpectedSamples)
}

// Trends streams the metrics file at path and summarises the samples whose
// timestamp lies in [from, to). Naive timestamps are read in loc. A missing
// file is an error wrapping fs.ErrNotExist so the caller can skip the step.
func Trends(ctx context.Context, path string, from, to time.Time, loc *time.Location) (TrendReport, error) {
	if !from.Before(to) {
		return TrendReport{}, fmt.Errorf("metrics window: from %s is not before to %s", from, to)
	}
	if to.Sub(from) > maxWindow {
		return TrendReport{}, fmt.Errorf("metrics window %s is longer than %s", human.Duration(to.Sub(from)), human.Duration(maxWindow))
	}
	f, err := os.Open(path)
	if err != nil {
		return TrendReport{}, fmt.Errorf("reading metrics %s: %w", path, err)
	}
	defer f.Close()
	acc := newTrendAcc(path, from, to)
	if err := acc.read(ctx, f, loc); err != nil {
		return TrendReport{}, fmt.Errorf("reading metrics %s: %w", path, err)
	}
	return acc.finish(), nil
}

// trendAcc accumulates one pass over a metrics file.
type trendAcc struct {
	rep         TrendReport
	cpu, mem    []float64
	diskSum     float64
	covered     []bool // one per hourly slot from rep.From
	maxCPU      Sample
	hasMaxCPU   bool
	lastDiskSet bool
	// daily holds sums until finish turns them into averages.
	daily []DayAvg
}

func newTrendAcc(path string, from, to time.Time) *trendAcc {
	slots := int((to.Sub(from) + Cadence - 1) / Cadence)
	days := make([]DayAvg, int((to.Sub(from)+day-1)/day))
	for i := range days {
		days[i].Start = from.Add(time.Duration(i) * day)
	}
	return &trendAcc{
		daily:   days,
		rep:     TrendReport{Path: path, From: from, To: to, ExpectedSamples: slots},
		covered: make([]bool, slots),
	}
}

// ctxCheckEvery bounds how many lines (at most MaxLineBytes each) pass
// between cancellation checks.
const ctxCheckEvery = 4096

func (a *trendAcc) read(ctx context.Context, r io.Reader, loc *time.Location) error {
	var p fastjson.Parser
	return eachLine(ctx, r, func(line []byte, n int, tooLong bool) {
		if !tooLong && isBlank(line) {
			return
		}
		a.rep.Lines++
		if tooLong {
			a.malformed(n)
			return
		}
		s, err := parseSample(&p, line, loc)
		if err != nil {
			a.malformed(n)
			return
		}
		a.add(s)
	})
}

// eachLine calls fn with every line of r (bounded by MaxLineBytes; a
// longer one comes cut, with tooLong) and its number from 1, checking ctx
// every ctxCheckEvery lines: the one loop of the metrics file's readers.
func eachLine(ctx context.Context, r io.Reader, fn func(line []byte, n int, tooLong bool)) error {
	lr := lines.NewReader(r, MaxLineBytes)
	for i := 0; ; i++ {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, tooLong, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(line, lr.Line(), tooLong)
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (a *trendAcc) malformed(line int) {
	a.rep.Malformed++
	if len(a.rep.MalformedLines) < MaxMalformedEvidence {
		a.rep.MalformedLines = append(a.rep.MalformedLines, line)
	}
}

func (a *trendAcc) add(s Sample) {
	r := &a.rep
	if s.Time.Before(r.From) || !s.Time.Before(r.To) {
		r.OutsideWindow++
		return
	}
	r.Samples++
	if r.First.IsZero() || s.Time.Before(r.First) {
		r.First = s.Time
	}
	if s.Time.After(r.Last) {
		r.Last = s.Time
	}
	a.covered[int(s.Time.Sub(r.From)/Cadence)] = true
	d := &a.daily[int(s.Time.Sub(r.From)/day)]
	if s.Has(FieldCPU) {
		d.CPU += s.CPU
		d.CPUN++
		a.cpu = append(a.cpu, s.CPU)
		if !a.hasMaxCPU || s.CPU > a.maxCPU.CPU {
			a.maxCPU, a.hasMaxCPU = s, true
		}
	}
	if s.Has(FieldMemory) {
		d.Memory += s.Memory
		d.MemN++
		a.mem = append(a.mem, s.Memory)
	}
	if s.Has(FieldDisk) {
		a.addDisk(s)
	}
}

func (a *trendAcc) addDisk(s Sample) {
	d := &a.rep.Disk
	d.N++
	a.diskSum += s.Disk
	if d.N == 1 || s.Disk > d.Max {
		d.Max = s.Disk
	}
	// "Last" is by timestamp, not by file position: an out-of-order line
	// must not pose as the current state.
	if !a.lastDiskSet || !s.Time.Before(d.LastAt) {
		d.Last, d.LastAt, a.lastDiskSet = s.Disk, s.Time, true
		d.LastFreeGB, d.HasFreeGB = s.DiskFreeGB, s.Has(FieldDiskFreeGB)
	}
}

func (a *trendAcc) finish() TrendReport {
	r := a.rep
	r.CPU = summarise(a.cpu)
	r.Memory = summarise(a.mem)
	if r.Disk.N > 0 {
		r.Disk.Avg = a.diskSum / float64(r.Disk.N)
	}
	if a.hasMaxCPU {
		m := a.maxCPU
		r.MaxCPU = &m
	}
	r.MissingSamples, r.Gaps = gaps(a.covered, r.From)
	r.Daily = a.daily
	for i := range r.Daily {
		d := &r.Daily[i]
		d.CPU, d.Memory = safeDiv(d.CPU, d.CPUN), safeDiv(d.Memory, d.MemN)
	}
	return r
}

// day is the length of one TrendReport.Daily entry.
const day = 24 * time.Hour

// summarise sorts vals in place and returns avg, nearest-rank p95 and max.
func summarise(vals []float64) Stat {
	if len(vals) == 0 {
		return Stat{}
	}
	slices.Sort(vals)
	var sum float64
	for _, v := range vals {
		sum += v
	}
	return Stat{
		N:   len(vals),
		Avg: sum / float64(len(vals)),
		P95: Percentile(vals, 95),
		Max: vals[len(vals)-1],
	}
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the value at 1-based rank ceil(p/100 × N). It returns NaN for an
// empty slice or a p out of range.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 || !(p > 0 && p <= 100) {
		return math.NaN()
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// gaps counts uncovered slots and returns the longest runs of them.
func gaps(covered []bool, from time.Time) (int, []Gap) {
	missing := 0
	var runs []Gap
	for i := 0; i < len(covered); i++ {
		if covered[i] {
			continue
		}
		start := i
		for i < len(covered) && !covered[i] {
			i++
		}
		missing += i - start
		runs = append(runs, Gap{Start: from.Add(time.Duration(start) * Cadence), Hours: i - start})
	}
	sort.SliceStable(runs, func(x, y int) bool { return runs[x].Hours > runs[y].Hours })
	if len(runs) > MaxGapEvidence {
		runs = runs[:MaxGapEvidence]
	}
	return missing, runs
}
