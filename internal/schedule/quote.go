package schedule

import (
	"fmt"
	"strings"
)

// commandLine writes argv as an ExecStart= value that systemd splits back
// into exactly argv, with no shell involved (systemd.service(5), "Command
// lines"): each word that is empty or holds a space, quote, backslash or
// control character is double-quoted with C escapes; "%" is doubled (a
// specifier otherwise) and "$" too (an environment variable otherwise).
// The first word must be an absolute path: a leading "-", "@", "+", "!"
// or ":" would be read as a prefix, and systemd looks nothing up in PATH
// for us.
func commandLine(argv []string) (string, error) {
	if len(argv) == 0 || !strings.HasPrefix(argv[0], "/") {
		return "", fmt.Errorf("the command %q must start with an absolute path", argv)
	}
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = quoteWord(a)
	}
	return strings.Join(words, " "), nil
}

func quoteWord(s string) string { return quote(s, true) }

// quote escapes "%" always and "$" when dollars (settings that expand
// environment variables), then double-quotes a word that needs it.
func quote(s string, dollars bool) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if dollars {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	if s != "" && !strings.ContainsFunc(s, needsQuotes) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuotes(r rune) bool {
	return r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '\\' || r == ';'
}

// pathValue writes one entry of a whitespace-separated path list such as
// ReadWritePaths= (quotes and C escapes as in ExecStart=, "%" a specifier,
// no "$" expansion). optional prefixes "-": a path that does not exist
// then does not keep the unit from starting.
func pathValue(p string, optional bool) string {
	if optional {
		p = "-" + p
	}
	return quote(p, false)
}
