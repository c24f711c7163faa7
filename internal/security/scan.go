package security

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/logs"
)

// Scan defaults: fail2ban's maxretry and findtime, the seed's weekly
// investigation threshold, and how many sources failing for one user make
// a distributed attack.
const (
	DefaultMaxRetry           = 5
	DefaultFindTime           = 10 * time.Minute
	DefaultWeeklyThreshold    = 50
	DefaultDistributedSources = 5
)

// ScanOptions select the logs and window of a Scan and its thresholds.
// Zero thresholds take the defaults above.
type ScanOptions struct {
	// Files are the application logs, as logs.Discover lists them.
	Files []logs.File
	// From and To bound the window [From, To) by each entry's own
	// timestamp; a zero bound is open.
	From, To time.Time
	// Location is where naive timestamps are read (time.Local when nil).
	Location *time.Location
	// MaxRetry failures from one source within FindTime are a brute-force burst.
	MaxRetry int
	FindTime time.Duration
	// WeeklyThreshold: more failed logins than this in the window means
	// "investigate" (the seed's 50 a week).
	WeeklyThreshold int
	// DistributedSources distinct sources failing for one user in the
	// window are a distributed attack.
	DistributedSources int
	// Secrets are values (from .env, config) whose appearance in a log
	// line is a finding; they are also redacted from every example.
	Secrets []string
	// Unreadable are the directories and files discovery could not read
	// (logs.DiscoverReadable): reported like the files that could not be
	// read, since what they hold is missing from the scan.
	Unreadable []logs.FileError
}

// Scan streams the application logs once and reports failed logins, brute
// force, distributed attacks, attack signatures, scanners, rate limiting
// and secrets written to logs, with findings. Memory is bounded whatever
// the input: one line, one entry, and tables capped per kind. A file that
// cannot be read is a finding, not an error; a cancelled ctx returns what
// was found so far with ctx's error.
func Scan(ctx context.Context, opts ScanOptions) (ScanReport, error) {
	opts = withDefaults(opts)
	s := newScanState(opts)
	for _, u := range opts.Unreadable {
		s.rep.FileErrors = append(s.rep.FileErrors, ScanFileError{Path: u.Path, Error: u.Err.Error()})
	}
	var files []*logs.File
	for i := range opts.Files {
		if dayOverlaps(&opts.Files[i], opts) {
			files = append(files, &opts.Files[i])
		} else {
			s.rep.FilesSkipped++
		}
	}
	err := s.scanFiles(ctx, files)
	return s.finish(), err
}

func withDefaults(o ScanOptions) ScanOptions {
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.MaxRetry <= 0 {
		o.MaxRetry = DefaultMaxRetry
	}
	if o.FindTime <= 0 {
		o.FindTime = DefaultFindTime
	}
	if o.WeeklyThreshold <= 0 {
		o.WeeklyThreshold = DefaultWeeklyThreshold
	}
	if o.DistributedSources <= 0 {
		o.DistributedSources = DefaultDistributedSources
	}
	return o
}

// nameDaySlack widens the day a file is named for: the producer's zone
// may differ from Location and handlers roll over late.
const nameDaySlack = 24 * time.Hour

// dayOverlaps reports whether a file named for a day can hold entries in
// the window; undated files always can.
func dayOverlaps(f *logs.File, o ScanOptions) bool {
	if f.Day.IsZero() {
		return true
	}
	y, m, d := f.Day.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, o.Location).Add(-nameDaySlack)
	end := time.Date(y, m, d+1, 0, 0, 0, 0, o.Location).Add(nameDaySlack)
	return (o.To.IsZero() || start.Before(o.To)) && (o.From.IsZero() || end.After(o.From))
}

// scanState accumulates one Scan.
type scanState struct {
	opts     ScanOptions
	rep      ScanReport
	red      *redactor
	fails    *failureTable
	sigs     [4]*familyAcc
	scanners map[scannerKey]*scannerAcc
	uaCache  map[string]string
	rate     *counter
	secrets  map[string]*secretAcc
	tbHints  map[string]bool
	tbKinds  map[string][]string
	// reused buffers for the normalised message and path
	nmsg, npath normalizer
	// the entry being classified and its source, worked out on demand
	cur     *logs.Entry
	src     string
	srcDone bool
}

func newScanState(o ScanOptions) *scanState {
	s := &scanState{
		opts: o,
		rep: ScanReport{
			From: o.From, To: o.To, MaxRetry: o.MaxRetry, FindTimeSeconds: o.FindTime.Seconds(),
			WeeklyThreshold: o.WeeklyThreshold, DistributedSources: o.DistributedSources,
		},
		red:      newRedactor(o.Secrets),
		fails:    newFailureTable(),
		scanners: map[scannerKey]*scannerAcc{},
		uaCache:  map[string]string{},
		rate:     newCounter(),
		secrets:  map[string]*secretAcc{},
		tbHints:  map[string]bool{},
		tbKinds:  map[string][]string{},
	}
	for i := range s.sigs {
		s.sigs[i] = &familyAcc{patterns: map[string]int{}, sources: newCounter()}
	}
	return s
}

// parsed is a run of entries of one file, or (last) how its reading ended.
type parsed struct {
	entries []logs.Entry
	last    bool
	stats   logs.Stats
	openErr error // the file could not be opened
	readErr error // reading stopped early (not EOF)
}

// scanFiles parses files in parallel, a few ahead of the classifier, and
// classifies their entries in file order, so results never depend on
// scheduling: parsing is most of the work, classification keeps one state.
func (s *scanState) scanFiles(ctx context.Context, files []*logs.File) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chans := make([]chan parsed, len(files))
	for i := range chans {
		chans[i] = make(chan parsed, 4)
	}
	sem := make(chan struct{}, max(1, runtime.NumCPU()))
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1) // the launcher itself, so its Adds never race Wait
	go func() {
		defer wg.Done()
		for i, f := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for _, c := range chans[i:] {
					close(c)
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				parseFile(ctx, f, s.opts.Location, chans[i])
			}()
		}
	}()
	for i, f := range files {
		for p := range chans[i] {
			for j := range p.entries {
				s.entry(f, &p.entries[j])
			}
			if p.last {
				s.fileDone(f, p)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// parseFile reads one file into batches on out and closes it.
func parseFile(ctx context.Context, f *logs.File, loc *time.Location, out chan<- parsed) {
	defer close(out)
	rc, err := logs.Open(f.Path)
	if err != nil {
		out <- parsed{last: true, openErr: err}
		return
	}
	defer rc.Close()
	r := logs.NewReader(ctxio.Reader(ctx, rc), logs.ReaderOptions{Location: loc})
	const batch = 512
	buf := make([]logs.Entry, 0, batch)
	for {
		e, err := r.Next()
		if err == nil {
			if buf = append(buf, e); len(buf) == batch {
				select {
				case out <- parsed{entries: buf}:
				case <-ctx.Done():
					return
				}
				buf = make([]logs.Entry, 0, batch)
			}
			continue
		}
		p := parsed{entries: buf, last: true, stats: r.Stats()}
		if !errors.Is(err, io.EOF) {
			p.readErr = err
		}
		select {
		case out <- p:
		case <-ctx.Done():
		}
		return
	}
}

// fileDone adds one file's reading statistics and errors.
func (s *scanState) fileDone(f *logs.File, p parsed) {
	if p.openErr != nil {
		s.rep.FileErrors = append(s.rep.FileErrors, ScanFileError{Path: f.Path, Error: p.openErr.Error()})
		return
	}
	s.rep.FilesRead++
	s.rep.BytesRead += p.stats.Bytes
	s.rep.Lines += p.stats.Lines
	s.rep.Entries += p.stats.Entries
	s.rep.MalformedLines += p.stats.Malformed
	if p.readErr != nil && !errors.Is(p.readErr, context.Canceled) && !errors.Is(p.readErr, context.DeadlineExceeded) {
		s.rep.FileErrors = append(s.rep.FileErrors, ScanFileError{Path: f.Path, Error: p.readErr.Error()})
	}
}

func (s *scanState) inWindow(e *logs.Entry) bool {
	if s.opts.From.IsZero() && s.opts.To.IsZero() {
		return true
	}
	if !e.HasTime {
		s.rep.Untimed++
		return false
	}
	return (s.opts.From.IsZero() || !e.Time.Before(s.opts.From)) &&
		(s.opts.To.IsZero() || e.Time.Before(s.opts.To))
}

// entry classifies one entry in every way at once, so each is read once.
func (s *scanState) entry(f *logs.File, e *logs.Entry) {
	if !s.inWindow(e) {
		return
	}
	s.rep.InWindow++
	s.cur, s.src, s.srcDone = e, "", false
	var hits, pathHits [4]string
	nmsg := s.nmsg.normalize(e.Message)
	msg := defaultMatcher.match(nmsg, &hits)
	var path uint16
	if e.Path != "" {
		// Request logs repeat the path in the message: one pass will do.
		if npath := s.npath.normalize(e.Path); !bytes.Contains(nmsg, npath) {
			path = defaultMatcher.match(npath, &pathHits)
		}
	}
	if isFailedLogin(msg, path) {
		s.fails.add(s.source(), UserOf(e.User, e.Message), e.Time)
	}
	for i := range families {
		switch {
		case msg&(1<<i) != 0:
		case path&(1<<i) != 0:
			hits[i] = pathHits[i]
		default:
			continue
		}
		s.sigs[i].add(hits[i], s.source(), s.exampleOf(f, e))
	}
	s.scanner(e)
	if e.StatusCode == 429 || msg&(1<<flagRateLimit) != 0 {
		s.rep.RateLimited++
		s.rate.add(s.source())
	}
	s.secretsIn(f, e, msg&(1<<flagSecretHint) != 0, path&(1<<flagSecretHint) != 0)
}

// source is the current entry's client address, worked out once.
func (s *scanState) source() string {
	if !s.srcDone {
		s.src, s.srcDone = SourceOf(s.cur.ClientIP, s.cur.Message), true
	}
	return s.src
}

// exampleOf quotes the message, with the path in front when the message
// does not hold it.
func (s *scanState) exampleOf(f *logs.File, e *logs.Entry) Example {
	text := e.Message
	if e.Path != "" && !strings.Contains(text, e.Path) {
		text = e.Path + " " + text
	}
	return Example{Time: e.Time, Source: s.source(), File: f.Path, Line: e.Line, Text: capRaw(text)}
}

func (s *scanState) scanner(e *logs.Entry) {
	if e.UserAgent == "" {
		return
	}
	name, ok := s.uaCache[e.UserAgent]
	if !ok {
		name = ScannerOf(e.UserAgent)
		if len(s.uaCache) < maxUACache {
			s.uaCache[e.UserAgent] = name
		}
	}
	if name == "" {
		return
	}
	k := scannerKey{name: name, ua: capRaw(e.UserAgent)}
	if _, ok := s.scanners[k]; !ok && len(s.scanners) >= maxScannerUAs {
		k.ua = "" // past the bound, counted under the scanner's name alone
	}
	acc := s.scanners[k]
	if acc == nil {
		acc = &scannerAcc{sources: newCounter()}
		s.scanners[k] = acc
	}
	acc.count++
	widen(&acc.first, &acc.last, e.Time)
	acc.sources.add(s.source())
}

// exceptionHint reports whether a traceback holds a word a labelled secret
// starts with. Tracebacks repeat word for word thousands of times, so the
// answer is remembered per text (a bounded table); running the secret
// patterns on every traceback cost more than the rest of the scan.
func (s *scanState) exceptionHint(tb string) bool {
	if tb == "" {
		return false
	}
	if v, ok := s.tbHints[tb]; ok {
		return v
	}
	low := strings.ToLower(tb)
	hint := false
	for _, w := range secretHintWords {
		if strings.Contains(low, w) {
			hint = true
			break
		}
	}
	if len(s.tbHints) < maxTracebackHints && len(tb) <= maxCachedTraceback {
		s.tbHints[tb] = hint
	}
	return hint
}

// maxTracebackHints bounds the traceback tables (tbHints, tbKinds).
const maxTracebackHints = 4096

// maxCachedTraceback bounds the tracebacks remembered (the caches hold at
// most maxTracebackHints of them: 16 MiB); longer ones are searched again.
const maxCachedTraceback = 4 << 10

// exceptionKinds is secretKinds for a traceback, remembered: the same
// traceback is logged verbatim thousands of times, and the secret regexes
// on it were a quarter of a scan's time.
func (s *scanState) exceptionKinds(tb string, hint bool) []string {
	if kinds, ok := s.tbKinds[tb]; ok {
		return kinds
	}
	kinds := secretKinds(tb, hint, s.opts.Secrets)
	if len(s.tbKinds) < maxTracebackHints && len(tb) <= maxCachedTraceback {
		s.tbKinds[tb] = kinds
	}
	return kinds
}

// secretsIn looks for secrets in the message, the path (unless the
// message holds it) and the exception; the regular expressions run only on
// texts the matcher flagged, and on exceptions, which it does not read.
func (s *scanState) secretsIn(f *logs.File, e *logs.Entry, msgHint, pathHint bool) {
	for i, t := range [...]struct {
		raw  string
		hint bool
	}{{e.Message, msgHint}, {e.Path, pathHint && !strings.Contains(e.Message, e.Path)}, {e.Exception, s.exceptionHint(e.Exception)}} {
		if t.raw == "" || (!t.hint && len(s.opts.Secrets) == 0) {
			continue
		}
		var kinds []string
		if i == 2 { // the exception
			kinds = s.exceptionKinds(t.raw, t.hint)
		} else {
			kinds = secretKinds(t.raw, t.hint, s.opts.Secrets)
		}
		for _, kind := range kinds {
			acc := s.secrets[kind]
			if acc == nil {
				acc = &secretAcc{}
				s.secrets[kind] = acc
			}
			acc.add(f.Path, Example{Time: e.Time, Source: s.source(), File: f.Path, Line: e.Line, Text: capRaw(t.raw)})
		}
	}
}
