package pgdb

import (
	"slices"
	"strconv"
	"strings"
)

// tocTypes are the entry types pg_dump writes into a table of contents
// (the "desc" of each entry, pg_dump.c and pg_backup_archiver.c, 9.6 to
// 18). Several are more than one word and some begin with another
// ("TABLE DATA", "TABLE"): parseTOC tries the longest first.
var tocTypes = sortedLongestFirst([]string{
	"ACCESS METHOD", "ACL", "ACL LANGUAGE", "AGGREGATE", "BLOB", "BLOB COMMENTS",
	"BLOB METADATA", "BLOBS", "CAST", "CHECK CONSTRAINT", "COLLATION", "COMMENT",
	"CONSTRAINT", "CONVERSION", "DATABASE", "DATABASE PROPERTIES", "DEFAULT",
	"DEFAULT ACL", "DOMAIN", "DUMMY TYPE", "ENCODING", "EVENT TRIGGER", "EXTENSION",
	"FK CONSTRAINT", "FOREIGN DATA WRAPPER", "FOREIGN SERVER", "FOREIGN TABLE",
	"FUNCTION", "INDEX", "INDEX ATTACH", "LARGE OBJECT", "LARGE OBJECTS",
	"MATERIALIZED VIEW", "MATERIALIZED VIEW DATA", "OPERATOR", "OPERATOR CLASS",
	"OPERATOR FAMILY", "POLICY", "PROCEDURAL LANGUAGE", "PROCEDURE", "PUBLICATION",
	"PUBLICATION TABLE", "PUBLICATION TABLES IN SCHEMA", "ROW SECURITY", "RULE",
	"SCHEMA", "SEARCHPATH", "SECURITY LABEL", "SEQUENCE", "SEQUENCE OWNED BY",
	"SEQUENCE SET", "SERVER", "SHELL TYPE", "STATISTICS", "STATISTICS DATA",
	"STDSTRINGS", "SUBSCRIPTION", "SUBSCRIPTION TABLE", "TABLE", "TABLE ATTACH",
	"TABLE DATA", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY",
	"TEXT SEARCH PARSER", "TEXT SEARCH TEMPLATE", "TRANSFORM", "TRIGGER", "TYPE",
	"USER MAPPING", "VIEW",
})

func sortedLongestFirst(s []string) []string {
	slices.SortStableFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}

// parseTOC counts the entries of pg_restore --list output by type. An
// entry line is "ID; TABLEOID OID TYPE SCHEMA NAME OWNER"; lines that
// begin with ';' are comments (the header, entries a list file left
// out). Names may hold spaces, so the type is the longest known type the
// line's fourth field starts with; an unknown one counts under its first
// word. Lines of any other shape are not entries and are skipped.
func parseTOC(out string) map[string]int {
	counts := map[string]int{}
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\r\n")
		if typ, ok := tocEntryType(line); ok {
			counts[typ]++
		}
	}
	return counts
}

// tocEntryType is the type of one entry line.
func tocEntryType(line string) (string, bool) {
	id, rest, ok := strings.Cut(line, "; ")
	if !ok || !isDigits(id) {
		return "", false
	}
	// TABLEOID and OID.
	for range 2 {
		var num string
		num, rest, ok = strings.Cut(rest, " ")
		if !ok || !isDigits(num) {
			return "", false
		}
	}
	for _, t := range tocTypes {
		if after, found := strings.CutPrefix(rest, t); found && (after == "" || after[0] == ' ') {
			return t, true
		}
	}
	word, _, _ := strings.Cut(rest, " ")
	if word == "" {
		return "", false
	}
	return word, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
