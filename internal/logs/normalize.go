package logs

import (
	"net/netip"
	"strings"
)

// Mask replaces each variable part of a message in NormalizeMessage.
const Mask = "<*>"

// maxPatternBytes bounds a normalised message so a multi-megabyte message
// cannot become a multi-megabyte map key.
const maxPatternBytes = 512

// NormalizeMessage masks the parts of a message that vary between otherwise
// identical events — numbers, times, dates, IP addresses, UUIDs and hex ids,
// and the digits inside words like `tech052` — so that they group together:
// "Database locked while updating work order eca06060-6516" becomes
// "Database locked while updating work order <*>". It is a deliberately
// simple masker; structural pattern mining builds on top of it elsewhere.
func NormalizeMessage(msg string) string {
	var b strings.Builder
	b.Grow(min(len(msg), maxPatternBytes))
	for i := 0; i < len(msg) && b.Len() < maxPatternBytes; {
		if !isTokenByte(msg[i]) {
			b.WriteByte(msg[i])
			i++
			continue
		}
		j := i + 1
		for j < len(msg) && (isTokenByte(msg[j]) || joins(msg, j)) {
			j++
		}
		writeToken(&b, msg[i:j])
		i = j
	}
	s := b.String()
	if len(s) > maxPatternBytes {
		s = strings.ToValidUTF8(s[:maxPatternBytes], "")
	}
	return s
}

func writeToken(b *strings.Builder, tok string) {
	var hasDigit, hasLetter, allHex, numeric = false, false, true, true
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case isDigit(c):
			hasDigit = true
		case isJoiner(c):
		case isLetter(c):
			hasLetter, numeric = true, false
			allHex = allHex && (c|0x20) >= 'a' && (c|0x20) <= 'f'
		default:
			allHex, numeric = false, false
		}
	}
	switch {
	case !hasDigit:
		b.WriteString(tok)
	case numeric, allHex && hasLetter && len(tok) >= 4 && !strings.Contains(tok, "."), isIP(tok):
		b.WriteString(Mask)
	default:
		maskDigitRuns(b, tok)
	}
}

// maskDigitRuns masks runs of two or more digits inside a word (`tech052`)
// but keeps single digits that are part of a name (`sqlite3`, `v1`).
func maskDigitRuns(b *strings.Builder, tok string) {
	for i := 0; i < len(tok); {
		if !isDigit(tok[i]) {
			b.WriteByte(tok[i])
			i++
			continue
		}
		j := i
		for j < len(tok) && isDigit(tok[j]) {
			j++
		}
		if j-i >= 2 {
			b.WriteString(Mask)
		} else {
			b.WriteString(tok[i:j])
		}
		i = j
	}
}

func isIP(tok string) bool {
	if !strings.ContainsAny(tok, ".:") {
		return false
	}
	_, err := netip.ParseAddr(tok)
	return err == nil
}

// joins reports whether msg[j] links two parts of one token: `10.0.0.1`,
// `02:14:07`, `eca06060-6516`, and the `::` of an IPv6 address.
func joins(msg string, j int) bool {
	if !isJoiner(msg[j]) || j+1 >= len(msg) {
		return false
	}
	if isTokenByte(msg[j+1]) {
		return true
	}
	return msg[j] == ':' && msg[j+1] == ':' && j+2 < len(msg) && isTokenByte(msg[j+2])
}

func isTokenByte(c byte) bool { return isAlnum(c) || c == '_' }

func isJoiner(c byte) bool { return c == '-' || c == '.' || c == ':' }

// clientIP returns the entry's client address without a port, taken from
// the request fields or, failing that, the first address in the message
// (pipe-shaped lines carry it only there: "... from 203.0.113.7: bad password").
func clientIP(e *Entry) string {
	if ip, ok := parseIP(e.ClientIP); ok {
		return ip
	}
	return firstIP(e.Message)
}

func parseIP(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String(), true
	}
	return "", false
}

func firstIP(msg string) string {
	for _, tok := range strings.FieldsFunc(msg, isIPDelimiter) {
		tok = strings.TrimRight(tok, ".:")
		if !strings.ContainsAny(tok, ".:") {
			continue
		}
		if ip, ok := parseIP(tok); ok {
			return ip
		}
	}
	return ""
}

func isIPDelimiter(r rune) bool {
	switch r {
	case ' ', '\t', ',', ';', '(', ')', '"', '\'', '=', '<', '>', '/':
		return true
	}
	return false
}
