package logs

import (
	"context"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/human"
)

// SummaryOptions select the window and detail of a Summary.
type SummaryOptions struct {
	// From and To bound the window [From, To) by each entry's own
	// timestamp. A zero bound is open.
	From, To time.Time
	// Location is where naive timestamps and file-name days are read
	// (time.Local when nil).
	Location *time.Location
	// MinLevel is the lowest level grouped into TopMessages (LevelError
	// when unset).
	MinLevel Level
	// TopN is how many message patterns to keep (10 when <= 0).
	TopN int
}

// Summary is what Summarize counted. Window counts cover entries whose
// timestamp is in [From, To); line counts cover every line read.
type Summary struct {
	From, To     time.Time
	FilesRead    int
	FilesSkipped int // named for a day entirely outside the window; not opened
	BytesRead    int64

	Lines, Entries, Continuations, Blank int

	InWindow int
	// Untimed entries have no timestamp, so cannot be placed in a bounded
	// window; they are counted here and nowhere else (unless the window is
	// unbounded on both sides).
	Untimed int

	ByLevel        map[Level]int
	ByStream       map[string]int
	ErrorsByStream map[string]int
	// Errors counts entries at ERROR or above.
	Errors                int
	FirstError, LastError time.Time
	TopMessages           []MessageCount
	// DistinctMessages is the number of patterns seen at MinLevel or above;
	// UntrackedMessages counts entries past the pattern table's bound.
	DistinctMessages  int
	UntrackedMessages int

	// AuthFailures counts messages saying "authentication failed", "login
	// failed" or "invalid credentials", at any level.
	AuthFailures     int
	AuthFailuresByIP []IPCount

	MalformedLines int
	Malformed      []MalformedFile
	FileErrors     []FileError
}

// MessageCount is one normalised message pattern.
type MessageCount struct {
	Pattern     string
	Count       int
	Level       Level  // the highest level it was logged at
	Example     string // the first message seen with this pattern
	Stream      string // the stream of the first occurrence
	First, Last time.Time
}

// IPCount is a client address and how often it appeared; IP is "" when the
// entry named no address.
type IPCount struct {
	IP    string
	Count int
}

// MalformedFile is the evidence for malformed lines in one file.
type MalformedFile struct {
	Path  string `json:"path"`
	Count int    `json:"count"`
	Lines []int  `json:"lines"` // the first MaxMalformedLines line numbers
}

// LinesText names the malformed lines as a person reads them: "line 29",
// "lines 29, 31 and 40", "lines 29, 31, 40 and 7 more"; "7 lines" when no
// number was kept.
func (m MalformedFile) LinesText() string {
	if len(m.Lines) == 0 {
		return human.Count(m.Count, "line", "lines")
	}
	parts := make([]string, 0, len(m.Lines)+1)
	for _, n := range m.Lines {
		parts = append(parts, strconv.Itoa(n))
	}
	if more := m.Count - len(m.Lines); more > 0 {
		parts = append(parts, strconv.Itoa(more)+" more")
	}
	if len(parts) == 1 {
		return "line " + parts[0]
	}
	return "lines " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// FileError is a file that could not be read (wholly or to its end).
type FileError struct {
	Path string
	Err  error
}

// authFailurePhrases are matched case-insensitively; they are what upstream
// logs on a failed login.
var authFailurePhrases = []string{"authentication failed", "login failed", "invalid credentials"}

// maxTracked bounds the pattern and address tables against hostile input.
const maxTracked = 10000

// nameDaySlack widens the day a file is named for before it is skipped: the
// name's day is the producer's, which may be in another zone than Location,
// and a handler may roll over some seconds after midnight.
const nameDaySlack = 24 * time.Hour

// Summarize streams every file and counts what happened in the window. A file
// that cannot be read is listed in FileErrors and the rest are still read.
// Cancelling ctx stops within one read buffer (64 KiB) and returns what was
// counted so far with ctx's error.
func Summarize(ctx context.Context, files []File, opts SummaryOptions) (Summary, error) {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.MinLevel == LevelUnknown {
		opts.MinLevel = LevelError
	}
	if opts.TopN <= 0 {
		opts.TopN = 10
	}
	acc := newAccumulator(opts)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return acc.finish(), err
		}
		if !nameOverlaps(f, opts) {
			acc.s.FilesSkipped++
			continue
		}
		if err := acc.file(ctx, f); err != nil {
			return acc.finish(), err
		}
	}
	return acc.finish(), nil
}

// nameOverlaps reports whether the day a file is named for (widened by
// nameDaySlack) can hold entries in the window. Undated files always can.
func nameOverlaps(f File, opts SummaryOptions) bool {
	if f.Day.IsZero() {
		return true
	}
	y, m, d := f.Day.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, opts.Location).Add(-nameDaySlack)
	end := time.Date(y, m, d+1, 0, 0, 0, 0, opts.Location).Add(nameDaySlack)
	if !opts.To.IsZero() && !start.Before(opts.To) {
		return false
	}
	return opts.From.IsZero() || end.After(opts.From)
}

type accumulator struct {
	opts     SummaryOptions
	s        Summary
	patterns map[string]*MessageCount
	ips      map[string]int
}

func newAccumulator(opts SummaryOptions) *accumulator {
	return &accumulator{
		opts: opts,
		s: Summary{
			From: opts.From, To: opts.To,
			ByLevel: map[Level]int{}, ByStream: map[string]int{}, ErrorsByStream: map[string]int{},
		},
		patterns: map[string]*MessageCount{},
		ips:      map[string]int{},
	}
}

// file reads one file; only a cancelled ctx is returned as an error.
func (a *accumulator) file(ctx context.Context, f File) error {
	rc, err := Open(f.Path)
	if err != nil {
		a.s.FileErrors = append(a.s.FileErrors, FileError{Path: f.Path, Err: err})
		return nil
	}
	defer rc.Close()
	a.s.FilesRead++
	r := NewReader(ctxio.Reader(ctx, rc), ReaderOptions{Location: a.opts.Location})
	for {
		e, err := r.Next()
		if err != nil {
			a.addStats(f, r.Stats())
			switch {
			case errors.Is(err, io.EOF):
				return nil
			case ctx.Err() != nil:
				return ctx.Err()
			}
			a.s.FileErrors = append(a.s.FileErrors, FileError{Path: f.Path, Err: err})
			return nil
		}
		a.entry(f, &e)
	}
}

func (a *accumulator) addStats(f File, st Stats) {
	a.s.BytesRead += st.Bytes
	a.s.Lines += st.Lines
	a.s.Entries += st.Entries
	a.s.Continuations += st.Continuations
	a.s.Blank += st.Blank
	a.s.MalformedLines += st.Malformed
	if st.Malformed > 0 {
		a.s.Malformed = append(a.s.Malformed, MalformedFile{Path: f.Path, Count: st.Malformed, Lines: st.MalformedLines})
	}
}

func (a *accumulator) inWindow(e *Entry) bool {
	if a.opts.From.IsZero() && a.opts.To.IsZero() {
		return true
	}
	if !e.HasTime {
		a.s.Untimed++
		return false
	}
	return (a.opts.From.IsZero() || !e.Time.Before(a.opts.From)) &&
		(a.opts.To.IsZero() || e.Time.Before(a.opts.To))
}

func (a *accumulator) entry(f File, e *Entry) {
	if !a.inWindow(e) {
		return
	}
	a.s.InWindow++
	a.s.ByLevel[e.Level]++
	a.s.ByStream[f.Stream]++
	if e.Level >= LevelError {
		a.s.Errors++
		a.s.ErrorsByStream[f.Stream]++
		if e.HasTime {
			if a.s.FirstError.IsZero() || e.Time.Before(a.s.FirstError) {
				a.s.FirstError = e.Time
			}
			if e.Time.After(a.s.LastError) {
				a.s.LastError = e.Time
			}
		}
	}
	if e.Level >= a.opts.MinLevel {
		a.pattern(f, e)
	}
	if isAuthFailure(e.Message) {
		a.s.AuthFailures++
		ip := clientIP(e)
		if _, ok := a.ips[ip]; ok || len(a.ips) < maxTracked {
			a.ips[ip]++
		}
	}
}

func (a *accumulator) pattern(f File, e *Entry) {
	key := NormalizeMessage(e.Message)
	mc, ok := a.patterns[key]
	if !ok {
		if len(a.patterns) >= maxTracked {
			a.s.UntrackedMessages++
			return
		}
		mc = &MessageCount{Pattern: key, Example: e.Message, Stream: f.Stream, First: e.Time, Last: e.Time}
		a.patterns[key] = mc
	}
	mc.Count++
	mc.Level = max(mc.Level, e.Level)
	if e.HasTime {
		if mc.First.IsZero() || e.Time.Before(mc.First) {
			mc.First = e.Time
		}
		if e.Time.After(mc.Last) {
			mc.Last = e.Time
		}
	}
}

func (a *accumulator) finish() Summary {
	s := a.s
	s.DistinctMessages = len(a.patterns)
	s.TopMessages = make([]MessageCount, 0, len(a.patterns))
	for _, mc := range a.patterns {
		s.TopMessages = append(s.TopMessages, *mc)
	}
	sort.Slice(s.TopMessages, func(i, j int) bool {
		x, y := s.TopMessages[i], s.TopMessages[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Pattern < y.Pattern
	})
	if len(s.TopMessages) > a.opts.TopN {
		s.TopMessages = s.TopMessages[:a.opts.TopN]
	}
	s.AuthFailuresByIP = make([]IPCount, 0, len(a.ips))
	for ip, n := range a.ips {
		s.AuthFailuresByIP = append(s.AuthFailuresByIP, IPCount{IP: ip, Count: n})
	}
	sort.Slice(s.AuthFailuresByIP, func(i, j int) bool {
		x, y := s.AuthFailuresByIP[i], s.AuthFailuresByIP[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.IP < y.IP
	})
	return s
}

// IsAuthFailure reports whether a message records a failed authentication.
func IsAuthFailure(msg string) bool { return isAuthFailure(msg) }

func isAuthFailure(msg string) bool {
	for _, p := range authFailurePhrases {
		if containsFoldASCII(msg, p) {
			return true
		}
	}
	return false
}

// containsFoldASCII is strings.Contains ignoring ASCII case without
// allocating a lowered copy of every message; sub must be lower case.
func containsFoldASCII(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 != sub[0] {
			continue
		}
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
