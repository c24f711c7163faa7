package perf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/valyala/fastjson"

	"github.com/fossawork/fossamaint/internal/human"
)

// DefaultCheckWindow is how far back `perf check` looks: the last hour.
const DefaultCheckWindow = time.Hour

// Check statuses.
const (
	CheckOK      = "ok"
	CheckWarning = "warning"
	CheckNoData  = "no data" // no sample carried the figure: not a warning by itself
)

// CheckThresholds are the warn levels in percent; zero or less disables one.
// LoadPercent is load1 per CPU in percent, as the config's load_percent.
type CheckThresholds struct {
	CPUPercent, MemoryPercent, DiskPercent, LoadPercent float64
}

// CheckItem is one figure against its threshold.
type CheckItem struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value_percent"`
	Threshold float64 `json:"threshold_percent"`
	Basis     string  `json:"basis"` // how Value was taken from the samples
	Status    string  `json:"status"`
}

// CheckReport is what the latest samples say against the thresholds.
type CheckReport struct {
	Path     string      `json:"path"`
	From     time.Time   `json:"from,omitzero"` // window start (time-window mode)
	To       time.Time   `json:"to"`
	Samples  int         `json:"samples"`
	First    time.Time   `json:"first,omitzero"`
	Latest   time.Time   `json:"latest,omitzero"`
	Checks   []CheckItem `json:"checks"`
	Warnings int         `json:"warnings"`
	Note     string      `json:"note,omitempty"`
}

// CheckOptions choose the samples: the newest Newest when above zero,
// else those in (Now-Window, Now]. Naive timestamps are read in Loc.
type CheckOptions struct {
	Now    time.Time
	Window time.Duration
	Newest int
	Loc    *time.Location
	Th     CheckThresholds
}

// Check reads the metrics file (and its newest rotated file FILE.1, so a
// rotation just now does not empty the window) and grades the latest
// samples: CPU and load as averages over them, memory and disk as the
// newest sample says. A missing file is a report with a warning.
func Check(ctx context.Context, path string, o CheckOptions) (CheckReport, error) {
	if o.Window <= 0 {
		o.Window = DefaultCheckWindow
	}
	rep := CheckReport{Path: path, To: o.Now}
	if o.Newest <= 0 {
		rep.From = o.Now.Add(-o.Window)
	}
	var picked []Sample
	keep := func(cs Sample) {
		if o.Newest > 0 {
			picked = append(picked, cs)
			if len(picked) > 2*o.Newest {
				picked = append(picked[:0], picked[len(picked)-o.Newest:]...)
			}
			return
		}
		if cs.Time.After(rep.From) && !cs.Time.After(o.Now) {
			picked = append(picked, cs)
		}
	}
	found := false
	for _, p := range []string{rotated(path, 1), path} {
		err := readCheckSamples(ctx, p, o.Loc, keep)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("reading metrics %s: %w", p, err)
		}
		found = true
	}
	if o.Newest > 0 && len(picked) > o.Newest {
		picked = picked[len(picked)-o.Newest:]
	}
	grade(&rep, picked, o)
	if !found {
		rep.Note = fmt.Sprintf("no metrics file %s: is `fossamaint perf monitor` running? (logs.metrics_file)", path)
		rep.Warnings++
	} else if len(picked) == 0 {
		rep.Note = "no sample in the last " + human.Duration(o.Window) + ": is `fossamaint perf monitor` running?"
		if o.Newest > 0 {
			rep.Note = "no sample in the metrics file: is `fossamaint perf monitor` running?"
		}
		rep.Warnings++
	}
	return rep, nil
}

func readCheckSamples(ctx context.Context, path string, loc *time.Location, keep func(Sample)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var p fastjson.Parser
	return eachLine(ctx, f, func(line []byte, _ int, tooLong bool) {
		if tooLong || isBlank(line) {
			return
		}
		s, err := parseSample(&p, line, loc)
		if err != nil {
			return // perf trends counts malformed lines; the check skips them
		}
		keep(s)
	})
}

// grade fills the report's checks from the picked samples (oldest first).
func grade(rep *CheckReport, picked []Sample, o CheckOptions) {
	rep.Samples = len(picked)
	if len(picked) > 0 {
		rep.First, rep.Latest = picked[0].Time, picked[len(picked)-1].Time
	}
	var cpuSum, loadSum float64
	var cpuN, loadN int
	var mem, dsk *Sample
	for i := range picked {
		cs := &picked[i]
		if cs.Has(FieldCPU) {
			cpuSum += cs.CPU
			cpuN++
		}
		if cs.Has(FieldLoad1) && cs.Has(FieldCPUs) && cs.CPUs > 0 {
			loadSum += cs.Load1 / cs.CPUs * 100
			loadN++
		}
		if cs.Has(FieldMemory) {
			mem = cs
		}
		if cs.Has(FieldDisk) {
			dsk = cs
		}
	}
	add := func(name string, v float64, n int, basis string, th float64) {
		it := CheckItem{Name: name, Threshold: th, Status: CheckNoData, Basis: "no sample carried it"}
		if n > 0 {
			it.Value, it.Basis, it.Status = round2(v), basis, CheckOK
			if th > 0 && v > th {
				it.Status = CheckWarning
				rep.Warnings++
			}
		}
		rep.Checks = append(rep.Checks, it)
	}
	add("cpu", safeDiv(cpuSum, cpuN), cpuN, "average of "+human.Count(cpuN, "sample", "samples"), o.Th.CPUPercent)
	add("memory", pick(mem, func(s *Sample) float64 { return s.Memory }), count(mem), "latest sample", o.Th.MemoryPercent)
	add("disk", pick(dsk, func(s *Sample) float64 { return s.Disk }), count(dsk), "latest sample", o.Th.DiskPercent)
	add("load", safeDiv(loadSum, loadN), loadN, "load1 per CPU, average of "+human.Count(loadN, "sample", "samples"), o.Th.LoadPercent)
}

func safeDiv(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func pick(s *Sample, f func(*Sample) float64) float64 {
	if s == nil {
		return 0
	}
	return f(s)
}

func count(s *Sample) int {
	if s == nil {
		return 0
	}
	return 1
}
