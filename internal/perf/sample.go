package perf

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Field names one measurement of a Sample; a Sample records which it carries.
type Field uint16

// The measurements a metrics line may carry. Upstream writes all of them, but
// a sampler that failed to read one (e.g. disk on a vanished mount) leaves it
// out, and such a partial sample still counts for the others.
const (
	FieldCPU Field = 1 << iota
	FieldMemory
	FieldMemoryAvailableMB
	FieldDisk
	FieldDiskFreeGB
	FieldProcRSSMB
	FieldProcCPU
	FieldLoad1 // load.load1, which fossamaint's monitor adds
	FieldCPUs  // load.cpus, the CPUs load1 is shared by
)

// Sample is one line of logs/performance/performance-metrics.jsonl.
// Percentages are 0-100 as upstream writes them.
type Sample struct {
	Time              time.Time
	CPU               float64 // system.cpu_percent
	Memory            float64 // system.memory_percent
	MemoryAvailableMB float64 // system.memory_available_mb
	Disk              float64 // system.disk_percent
	DiskFreeGB        float64 // system.disk_free_gb
	ProcRSSMB         float64 // process.memory_rss_mb (the backend itself)
	ProcCPU           float64 // process.cpu_percent
	Load1             float64 // load.load1 (not upstream's: perf monitor's)
	CPUs              float64 // load.cpus
	// Present says which of the fields above the line actually carried; an
	// absent field is zero, which must not be read as "0 %".
	Present Field
}

// MarshalJSON writes only the fields the sample carried, under upstream's
// names, so a report never shows an absent measurement as 0.
func (s Sample) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(sampleFields)+1)
	m["timestamp"] = s.Time
	for _, spec := range sampleFields {
		if s.Has(spec.field) {
			m[spec.obj+"."+spec.key] = *spec.dst(&s)
		}
	}
	return json.Marshal(m)
}

// Has reports whether the sample carried field f.
func (s Sample) Has(f Field) bool { return s.Present&f != 0 }

// ErrNoTimestamp is returned for a metrics line without a usable timestamp.
var ErrNoTimestamp = errors.New("no timestamp")

type fieldSpec struct {
	parent   int // index into the parent objects: 0 system, 1 process
	obj, key string
	field    Field
	dst      func(*Sample) *float64
}

var sampleFields = []fieldSpec{
	{0, "system", "cpu_percent", FieldCPU, func(s *Sample) *float64 { return &s.CPU }},
	{0, "system", "memory_percent", FieldMemory, func(s *Sample) *float64 { return &s.Memory }},
	{0, "system", "memory_available_mb", FieldMemoryAvailableMB, func(s *Sample) *float64 { return &s.MemoryAvailableMB }},
	{0, "system", "disk_percent", FieldDisk, func(s *Sample) *float64 { return &s.Disk }},
	{0, "system", "disk_free_gb", FieldDiskFreeGB, func(s *Sample) *float64 { return &s.DiskFreeGB }},
	{1, "process", "memory_rss_mb", FieldProcRSSMB, func(s *Sample) *float64 { return &s.ProcRSSMB }},
	{1, "process", "cpu_percent", FieldProcCPU, func(s *Sample) *float64 { return &s.ProcCPU }},
	{2, "load", "load1", FieldLoad1, func(s *Sample) *float64 { return &s.Load1 }},
	{2, "load", "cpus", FieldCPUs, func(s *Sample) *float64 { return &s.CPUs }},
}

// fastjson parsers are not safe for concurrent use but are costly to
// allocate per line, hence the pool for the one-off ParseSample.
var parserPool fastjson.ParserPool

// ParseSample parses one metrics line. Naive timestamps are read in loc (UTC
// when nil). Missing fields are allowed; present ones must be finite numbers
// (null counts as missing, as Python's json writes None).
func ParseSample(line []byte, loc *time.Location) (Sample, error) {
	p := parserPool.Get()
	defer parserPool.Put(p)
	return parseSample(p, line, loc)
}

func parseSample(p *fastjson.Parser, line []byte, loc *time.Location) (Sample, error) {
	var s Sample
	v, err := p.ParseBytes(line)
	if err != nil {
		return s, fmt.Errorf("invalid JSON: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return s, fmt.Errorf("not a JSON object but %s", v.Type())
	}
	ts := v.Get("timestamp")
	if ts == nil || ts.Type() != fastjson.TypeString {
		return s, ErrNoTimestamp
	}
	raw, _ := ts.StringBytes()
	if s.Time, err = ParseTimestamp(string(raw), loc); err != nil {
		return s, err
	}
	// Look each parent object up once: this runs for every line of the file.
	var objs [3]*fastjson.Value
	for i, name := range [...]string{"system", "process", "load"} {
		if objs[i], err = childObject(v, name); err != nil {
			return Sample{}, err
		}
	}
	for _, spec := range sampleFields {
		if err := readField(objs[spec.parent], spec, &s); err != nil {
			return Sample{}, err
		}
	}
	return s, nil
}

// childObject returns v's object member name, nil when absent or null.
func childObject(v *fastjson.Value, name string) (*fastjson.Value, error) {
	obj := v.Get(name)
	if obj == nil || obj.Type() == fastjson.TypeNull {
		return nil, nil
	}
	if obj.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%s: not an object but %s", name, obj.Type())
	}
	return obj, nil
}

func readField(obj *fastjson.Value, spec fieldSpec, s *Sample) error {
	if obj == nil {
		return nil
	}
	f := obj.Get(spec.key)
	if f == nil || f.Type() == fastjson.TypeNull {
		return nil
	}
	x, err := f.Float64()
	if err != nil {
		return fmt.Errorf("%s.%s: not a number: %s", spec.obj, spec.key, truncate(f.String(), 40))
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("%s.%s: not a finite number: %v", spec.obj, spec.key, x)
	}
	*spec.dst(s) = x
	s.Present |= spec.field
	return nil
}

// Timestamp layouts in the order they are tried. Go parses an optional
// fractional second after "05" even when the layout does not show one.
var (
	zonedLayouts = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07"}
	naiveLayout  = "2006-01-02T15:04:05"
)

// ParseTimestamp reads the ISO 8601 forms Python writes: with or without
// fractional seconds, with a zone ("Z", "+01:00", "+0100") or naive, with "T"
// or a space between date and time. Naive times are in loc (UTC when nil).
func ParseTimestamp(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(s) < len(naiveLayout) || len(s) > 64 {
		return time.Time{}, fmt.Errorf("timestamp %q: not ISO 8601", truncate(s, 64))
	}
	if s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if hasZone(s) {
		for _, layout := range zonedLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("timestamp %q: not ISO 8601", s)
	}
	t, err := time.ParseInLocation(naiveLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: not ISO 8601", s)
	}
	return t, nil
}

// hasZone looks past the seconds (and fraction) for Z or a signed offset.
func hasZone(s string) bool {
	tail := s[len(naiveLayout):]
	return strings.ContainsAny(tail, "Z+-z")
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
