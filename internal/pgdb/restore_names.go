package pgdb

import (
	"strings"
	"time"
	"unicode/utf8"
)

// maxIdent is the longest name PostgreSQL keeps (NAMEDATALEN - 1 bytes);
// a longer one is silently truncated, so names are clipped here first.
const maxIdent = 63

// stampLayout dates a copy Restore makes or keeps (UTC).
const stampLayout = "20060102_150405"

// Kinds of the databases Restore names after the target.
const (
	kindRestore  = "restore"
	kindReplaced = "replaced"
)

// datedName is <base>_<kind>_YYYYMMDD_HHMMSS, base clipped so that the
// whole fits in maxIdent bytes.
func datedName(base, kind string, at time.Time) string {
	return datedPrefix(base, kind) + at.UTC().Format(stampLayout)
}

// datedPrefix is what every datedName of base and kind starts with: the
// clipping depends only on the lengths of kind and the stamp, so the
// same for every date.
func datedPrefix(base, kind string) string {
	suffix := "_" + kind + "_"
	return clip(base, maxIdent-len(suffix)-len(stampLayout)) + suffix
}

// parseDated reads the date of a datedName of base and kind; ok is false
// for any other name.
func parseDated(base, kind, name string) (time.Time, bool) {
	rest, found := strings.CutPrefix(name, datedPrefix(base, kind))
	if !found || len(rest) != len(stampLayout) {
		return time.Time{}, false
	}
	at, err := time.Parse(stampLayout, rest)
	if err != nil {
		return time.Time{}, false
	}
	return at, true
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
