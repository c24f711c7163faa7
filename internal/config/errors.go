package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/goccy/go-yaml/token"
)

// Error is a configuration problem at a position in a file. Its message
// reads file:line:column: key.path: what is wrong (file: key.path: ...
// when the key is not in the file and keeps its default).
type Error struct {
	File   string
	Line   int
	Column int
	// Key is the key path the problem is about ("window.duration",
	// "health.endpoints[0].url"); "" when it is about the whole file.
	Key string
	// Msg is the text after the position, the key path included.
	Msg string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors are all the problems found in one config file, in file order
// (problems about keys the file does not set come last). Load returns them
// together so that one `config validate` shows every mistake; errors.As
// finds the first *Error in them.
type Errors struct {
	List []*Error
}

func (es *Errors) Error() string {
	if len(es.List) == 1 {
		return es.List[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in %s:", len(es.List), es.List[0].File)
	for _, e := range es.List {
		b.WriteString("\n")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns each problem, for errors.As.
func (es *Errors) Unwrap() []error {
	out := make([]error, len(es.List))
	for i, e := range es.List {
		out[i] = e
	}
	return out
}

// All returns the problems err holds: the list of an *Errors, the one
// *Error, or nil when err is not a config error.
func All(err error) []*Error {
	var es *Errors
	if errors.As(err, &es) {
		return es.List
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// posError is a problem at a node, before the file name is known: Load
// and Parse make an *Error of it.
type posError struct {
	line, col int
	key       string // key path, "" for the document
	msg       string // without the key path
}

func (e *posError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.text()) }

// text is the message with its key path in front.
func (e *posError) text() string {
	if e.key == "" {
		return e.msg
	}
	return e.key + ": " + e.msg
}

func (e *posError) in(file string) *Error {
	return &Error{File: file, Line: e.line, Column: e.col, Key: e.key, Msg: e.text()}
}

// atToken makes a posError at tk (no position when tk has none).
func atToken(tk *token.Token, format string, a ...any) *posError {
	pe := &posError{msg: fmt.Sprintf(format, a...)}
	if tk != nil && tk.Position != nil {
		pe.line, pe.col = tk.Position.Line, tk.Position.Column
	}
	return pe
}

// sortErrors orders problems by position, those without one last (in the
// order found), and drops repeats (an alias repeats its anchor's problems).
func sortErrors(list []*Error) []*Error {
	slices.SortStableFunc(list, func(a, b *Error) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.CompactFunc(list, func(a, b *Error) bool { return *a == *b })
}

// suggest returns the candidate closest to name by edit distance (a
// swap of two neighbouring letters counts one), or "" when none is close
// enough to be a typo: at most 2 edits, and at most a third of the name
// (one for names of up to five letters). Case alone is one edit.
func suggest(name string, candidates []string) string {
	limit := min(2, max(1, len([]rune(name))/3))
	best, bestD := "", limit+1
	for _, c := range candidates {
		d := human.EditDistance(name, c)
		if strings.EqualFold(name, c) {
			d = 1
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
