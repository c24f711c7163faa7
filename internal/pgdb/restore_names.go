package pgdb

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// maxIdent is the longest name PostgreSQL keeps (NAMEDATALEN - 1 bytes);
// a longer one is silently truncated, so names are clipped here first.
const maxIdent = 63

// stampLayout dates a copy Restore makes or keeps (UTC).
const stampLayout = "20060102_150405"

// hashLen is how many hex digits of the sha256 of a base name follow it
// when it is clipped, so that two long names sharing their first bytes
// do not share copies or kept databases.
const hashLen = 6

// Kinds of the databases Restore names after the target.
const (
	// KindRestore is the copy a restore fills before switching it in.
	KindRestore = "restore"
	// KindReplaced is the database a restore replaced and kept.
	KindReplaced = "replaced"
)

// DatedName is the name Restore gives the database of kind (KindRestore
// or KindReplaced) it makes for base at at: <base>_<kind>_YYYYMMDD_HHMMSS
// (UTC). When that would not fit in PostgreSQL's 63 bytes, base is
// clipped and followed by _ and 6 hex digits of its sha256. Restore,
// ReplacedDatabases, recovery and the dry run of a restore all name these
// databases with it.
func DatedName(base, kind string, at time.Time) string {
	return DatedPrefix(base, kind) + at.UTC().Format(stampLayout)
}

// DatedPrefix is what every DatedName of base and kind starts with: the
// clipping depends only on the lengths of base, kind and the stamp, so it
// is the same for every date.
func DatedPrefix(base, kind string) string {
	suffix := "_" + kind + "_"
	room := maxIdent - len(suffix) - len(stampLayout)
	if len(base) <= room {
		return base + suffix
	}
	sum := sha256.Sum256([]byte(base))
	return clip(base, room-1-hashLen) + "_" + hex.EncodeToString(sum[:])[:hashLen] + suffix
}

// ParseDated reads the date of a DatedName of base and kind; ok is false
// for any other name.
func ParseDated(base, kind, name string) (at time.Time, ok bool) {
	rest, found := strings.CutPrefix(name, DatedPrefix(base, kind))
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
