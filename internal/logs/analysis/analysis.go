package analysis

import (
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/logs/patterns"
	"github.com/fossawork/fossamaint/internal/redact"
)

// Options select the window and the thresholds.
type Options struct {
	From, To time.Time
	Location *time.Location
	// Threshold is the error count above which the week calls for an
	// investigation (the seed's 100).
	Threshold int
	// Workers bounds the files read at once (default: the CPU count).
	Workers int
	// Previous is the previous analysis, for new_patterns; nil if none.
	Previous *Analysis
	// Redactor removes secrets from the quoted examples and templates
	// (labelled secrets only when nil): the analysis is written to disk.
	Redactor *redact.Redactor
	// Unreadable are the directories and files discovery could not read
	// (logs.DiscoverReadable); they are reported in FileErrors with the
	// files that could not be read to their end.
	Unreadable []logs.FileError
}

// Analysis is the weekly log analysis report.
type Analysis struct {
	From           time.Time            `json:"from"`
	To             time.Time            `json:"to"`
	FilesRead      int                  `json:"files_read"`
	FilesSkipped   int                  `json:"files_skipped"`
	BytesRead      int64                `json:"bytes_read"`
	Lines          int                  `json:"lines"`
	Entries        int                  `json:"entries_in_window"`
	MalformedLines int                  `json:"malformed_lines"`
	Malformed      []logs.MalformedFile `json:"malformed,omitempty"`
	// FileErrors are "path: reason" for each file or directory that could
	// not be read (wholly or to its end), in path order: what they hold is
	// missing from the counts.
	FileErrors  []string       `json:"file_errors,omitempty"`
	ByLevel     map[string]int `json:"by_level"`
	ByLogger    map[string]int `json:"by_logger"`
	ByDay       map[string]int `json:"by_day"`
	ByHour      [24]int        `json:"by_hour"`
	ErrorsTotal int            `json:"errors_total"`
	Patterns    []Pattern      `json:"patterns"`
	NewPatterns []Pattern      `json:"new_patterns"`
	// PreviousFrom is the window start of the analysis new_patterns was
	// compared with; zero when there was none.
	PreviousFrom time.Time `json:"previous_from,omitzero"`
	Investigate  bool      `json:"investigate"`
	Threshold    int       `json:"threshold"`
	// Untracked counts error messages beyond the bounded pattern table.
	Untracked int `json:"untracked_messages,omitempty"`
}

// Pattern is one template of error and critical messages.
type Pattern struct {
	ID        string    `json:"id"`
	Template  string    `json:"template"`
	Level     string    `json:"level"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Example   string    `json:"example"`
	Loggers   []string  `json:"loggers"`
	Category  string    `json:"category"`
}

// maxKeys bounds the per-message-shape table of each worker.
const maxKeys = 20000

// Analyze reads files and returns the analysis of [o.From, o.To).
func Analyze(ctx context.Context, files []logs.File, o Options) (*Analysis, error) {
	if o.Location == nil {
		o.Location = time.Local
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	miner := patterns.New(patterns.Options{})
	jobs := make(chan logs.File)
	parts := make([]*partial, workers)
	var wg sync.WaitGroup
	for i := range parts {
		parts[i] = newPartial()
		wg.Add(1)
		go func(p *partial) {
			defer wg.Done()
			for f := range jobs {
				p.readFile(ctx, f, o, miner)
			}
		}(parts[i])
	}
	skipped := 0
feed:
	for _, f := range files {
		if outside(f, o) {
			skipped++
			continue
		}
		select {
		case jobs <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := merge(parts, miner, o)
	a.FilesSkipped = skipped
	return a, nil
}

// outside reports whether a file named for a day cannot hold entries of
// the window (a day of slack for producers in another zone).
func outside(f logs.File, o Options) bool {
	if f.Day.IsZero() {
		return false
	}
	day := time.Date(f.Day.Year(), f.Day.Month(), f.Day.Day(), 0, 0, 0, 0, o.Location)
	return (!o.To.IsZero() && day.After(o.To.Add(24*time.Hour))) || (!o.From.IsZero() && day.Add(48*time.Hour).Before(o.From))
}

// partial is one worker's counts. The hot per-entry counters are keyed by
// numbers (level, year*1000+yearday) and turned into strings at merge time:
// formatting a date per entry cost more than parsing its line.
type partial struct {
	a       Analysis
	levels  map[logs.Level]int
	days    map[int]int
	lastLog string
	logCnt  int
	shapes  map[string]*shape
	over    int
	errs    []logs.FileError
	clock   hourCache
}

// hourCache remembers the local hour of the last entry: working out a
// time's day and hour in a zone costs more than parsing most lines, and
// consecutive entries nearly always share their hour.
type hourCache struct {
	from, to  int64 // the cached hour, [from, to) in Unix seconds
	day, hour int
}

// place returns t's day (year*1000 + day of year) and hour in loc.
func (c *hourCache) place(t time.Time, loc *time.Location) (day, hour int) {
	if u := t.Unix(); u >= c.from && u < c.to {
		return c.day, c.hour
	}
	t = t.In(loc)
	start := t.Truncate(time.Second).Add(-time.Duration(t.Minute()*60+t.Second()) * time.Second)
	c.from, c.to = start.Unix(), start.Unix()+3600
	// A change of offset inside the hour (a zone that shifts by half an
	// hour) ends the cached span there.
	if _, end := t.ZoneBounds(); !end.IsZero() && end.Unix() < c.to {
		c.to = end.Unix()
	}
	if zs, _ := t.ZoneBounds(); zs.Unix() > c.from {
		c.from = zs.Unix()
	}
	c.day, c.hour = t.Year()*1000+t.YearDay(), t.Hour()
	return c.day, c.hour
}

type shape struct {
	example     string
	level       logs.Level
	count       int
	first, last time.Time
	loggers     map[string]bool
}

func newPartial() *partial {
	return &partial{a: Analysis{ByLevel: map[string]int{}, ByLogger: map[string]int{}, ByDay: map[string]int{}},
		levels: map[logs.Level]int{}, days: map[int]int{}, shapes: map[string]*shape{}}
}

func (p *partial) readFile(ctx context.Context, f logs.File, o Options, miner *patterns.Miner) {
	rc, err := logs.Open(f.Path)
	if err != nil {
		p.errs = append(p.errs, logs.FileError{Path: f.Path, Err: err})
		return
	}
	defer rc.Close()
	r := logs.NewReader(rc, logs.ReaderOptions{Location: o.Location, DetailFrom: logs.LevelError})
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return
		}
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.errs = append(p.errs, logs.FileError{Path: f.Path, Err: err})
			break
		}
		p.add(e, o, miner)
	}
	st := r.Stats()
	p.a.FilesRead++
	p.a.BytesRead += st.Bytes
	p.a.Lines += st.Lines
	if st.Malformed > 0 {
		p.a.MalformedLines += st.Malformed
		p.a.Malformed = append(p.a.Malformed, logs.MalformedFile{Path: f.Path, Count: st.Malformed, Lines: st.MalformedLines})
	}
}

func (p *partial) add(e logs.Entry, o Options, miner *patterns.Miner) {
	if !e.HasTime || e.Time.Before(o.From) || (!o.To.IsZero() && !e.Time.Before(o.To)) {
		return
	}
	p.a.Entries++
	p.levels[e.Level]++
	if e.Logger != "" {
		p.countLogger(e.Logger)
	}
	day, hour := p.clock.place(e.Time, o.Location)
	p.days[day]++
	p.a.ByHour[hour]++
	if e.Level < logs.LevelError {
		return
	}
	p.a.ErrorsTotal++
	miner.Add(e.Message)
	key := logs.NormalizeMessage(e.Message)
	s, ok := p.shapes[key]
	if !ok {
		if len(p.shapes) >= maxKeys {
			p.over++
			return
		}
		s = &shape{example: e.Message, first: e.Time, last: e.Time, loggers: map[string]bool{}}
		p.shapes[key] = s
	}
	s.count++
	s.level = max(s.level, e.Level)
	if e.Time.Before(s.first) {
		s.first = e.Time
	}
	if e.Time.After(s.last) {
		s.last = e.Time
	}
	if e.Logger != "" && len(s.loggers) < 8 {
		s.loggers[e.Logger] = true
	}
}

// countLogger counts one entry of logger; runs of one logger (the usual
// case) are counted without a map lookup per entry.
func (p *partial) countLogger(l string) {
	if l != p.lastLog || p.logCnt == 0 {
		p.flushLogger()
		p.lastLog = l
	}
	p.logCnt++
}

// flushLogger adds the current run of one logger to the map.
func (p *partial) flushLogger() {
	if p.logCnt > 0 {
		p.a.ByLogger[p.lastLog] += p.logCnt
		p.logCnt = 0
	}
}

// finish turns the numeric counters into the report's strings.
func (p *partial) finish(loc *time.Location) {
	p.flushLogger()
	for l, n := range p.levels {
		p.a.ByLevel[l.String()] += n
	}
	for k, n := range p.days {
		d := time.Date(k/1000, 1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, k%1000-1)
		p.a.ByDay[d.Format(time.DateOnly)] += n
	}
}

// merge adds the workers' counts and folds message shapes into the mined
// templates.
func merge(parts []*partial, miner *patterns.Miner, o Options) *Analysis {
	a := &Analysis{From: o.From, To: o.To, Threshold: o.Threshold,
		ByLevel: map[string]int{}, ByLogger: map[string]int{}, ByDay: map[string]int{}}
	byID := map[string]*Pattern{}
	errs := slices.Clone(o.Unreadable)
	for _, p := range parts {
		p.finish(o.Location)
		a.FilesRead += p.a.FilesRead
		a.BytesRead += p.a.BytesRead
		a.Lines += p.a.Lines
		a.Entries += p.a.Entries
		a.MalformedLines += p.a.MalformedLines
		a.Malformed = append(a.Malformed, p.a.Malformed...)
		errs = append(errs, p.errs...)
		a.ErrorsTotal += p.a.ErrorsTotal
		a.Untracked += p.over
		addMap(a.ByLevel, p.a.ByLevel)
		addMap(a.ByLogger, p.a.ByLogger)
		addMap(a.ByDay, p.a.ByDay)
		for h, n := range p.a.ByHour {
			a.ByHour[h] += n
		}
		for _, s := range p.shapes {
			t, ok := miner.Match(s.example)
			if !ok {
				t = patterns.Template{ID: "unmatched", Template: s.example}
			}
			foldShape(byID, t, s)
		}
	}
	for _, pt := range byID {
		sort.Strings(pt.Loggers)
		pt.Category = Category(pt.Template)
		pt.Template, pt.Example = o.Redactor.String(pt.Template), o.Redactor.String(pt.Example)
		a.Patterns = append(a.Patterns, *pt)
	}
	sort.Slice(a.Patterns, func(i, j int) bool {
		if a.Patterns[i].Count != a.Patterns[j].Count {
			return a.Patterns[i].Count > a.Patterns[j].Count
		}
		return a.Patterns[i].ID < a.Patterns[j].ID
	})
	sort.Slice(a.Malformed, func(i, j int) bool { return a.Malformed[i].Path < a.Malformed[j].Path })
	a.FileErrors = fileErrors(errs)
	a.Investigate = o.Threshold > 0 && a.ErrorsTotal > o.Threshold
	a.NewPatterns = newPatterns(a.Patterns, o.Previous)
	if o.Previous != nil {
		a.PreviousFrom = o.Previous.From
	}
	if a.Patterns == nil {
		a.Patterns = []Pattern{}
	}
	return a
}

// fileErrors words each error as "path: reason", in path order. The
// reason drops the layers that repeat the path ("opening log PATH:",
// "open PATH:"), which every error from logs.Open and os carries.
func fileErrors(errs []logs.FileError) []string {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	var out []string
	for _, e := range errs {
		reason := e.Err.Error()
		if i := strings.LastIndex(reason, e.Path+": "); i >= 0 {
			reason = reason[i+len(e.Path)+2:]
		}
		out = append(out, e.Path+": "+reason)
	}
	return out
}

func foldShape(byID map[string]*Pattern, t patterns.Template, s *shape) {
	pt, ok := byID[t.ID]
	if !ok {
		pt = &Pattern{ID: t.ID, Template: t.Template, Example: s.example, FirstSeen: s.first, LastSeen: s.last}
		byID[t.ID] = pt
	}
	pt.Count += s.count
	if lv := s.level.String(); pt.Level == "" || s.level > levelOf(pt.Level) {
		pt.Level = lv
	}
	if s.first.Before(pt.FirstSeen) {
		pt.FirstSeen, pt.Example = s.first, s.example
	}
	if s.last.After(pt.LastSeen) {
		pt.LastSeen = s.last
	}
	for l := range s.loggers {
		if !slices.Contains(pt.Loggers, l) {
			pt.Loggers = append(pt.Loggers, l)
		}
	}
	if pt.Loggers == nil {
		pt.Loggers = []string{}
	}
}

func levelOf(s string) logs.Level {
	l, _ := logs.ParseLevel(s)
	return l
}

func newPatterns(cur []Pattern, prev *Analysis) []Pattern {
	out := []Pattern{}
	if prev == nil {
		return out
	}
	seen := map[string]bool{}
	for _, p := range prev.Patterns {
		seen[p.ID] = true
	}
	for _, p := range cur {
		if !seen[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

func addMap(dst, src map[string]int) {
	for k, v := range src {
		dst[k] += v
	}
}

// categories are upstream's rules, applied to the template: the first
// category with a matching keyword wins.
var categories = []struct {
	name  string
	words []string
}{
	{"security", []string{"injection", "xss", "attack", "forbidden", "csrf", "suspicious", "blocked ip", "rate limit", "too many requests"}},
	{"authentication", []string{"auth", "login", "credential", "password", "token", "unauthorized", "session expired", "permission denied"}},
	{"database", []string{"database", "sqlite", "sql", "query", "locked", "integrity", "constraint", "transaction", "deadlock", "connection pool"}},
	{"performance", []string{"slow", "timeout", "timed out", "latency", "memory", "cpu", "exceeded", "took"}},
	{"automation", []string{"automation", "playwright", "browser", "scrap", "form field", "dispenser", "workfossa", "selector", "page.goto"}},
}

// Category classifies a template; "uncategorized" when no rule matches.
func Category(template string) string {
	low := strings.ToLower(template)
	for _, c := range categories {
		for _, w := range c.words {
			if strings.Contains(low, w) {
				return c.name
			}
		}
	}
	return "uncategorized"
}
