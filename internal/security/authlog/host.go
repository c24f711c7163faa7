package authlog

import (
	"net/netip"
	"strings"
)

// parseHost reads a client address or name at the start of s: IPv4, IPv6
// (bare or bracketed, v4-mapped unmapped, canonical form) or a DNS name as
// the log gave it. rest is what follows the host (a ":port" after a
// bracketed or IPv4 address is left in rest).
func parseHost(s string) (host, rest string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", s, false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil {
			return "", s, false
		}
		return addrString(a), s[end+1:], true
	}
	end := strings.IndexAny(s, " \t,;()\"'[]<>")
	if end < 0 {
		end = len(s)
	}
	tok := s[:end]
	h, n, ok := hostToken(tok)
	if !ok {
		return "", s, false
	}
	return h, s[n:], true
}

// hostToken validates a token as an address or a name; n is how much of
// it the host used (a trailing ":" or ":port" is not part of it).
func hostToken(tok string) (host string, n int, ok bool) {
	t := strings.TrimRight(tok, ":")
	if a, err := netip.ParseAddr(t); err == nil {
		return addrString(a), len(t), true
	}
	if i := strings.IndexByte(t, ':'); i > 0 {
		t = t[:i]
		if a, err := netip.ParseAddr(t); err == nil && a.Is4() {
			return addrString(a), i, true
		}
	}
	if isHostName(t) {
		return t, len(t), true
	}
	return "", 0, false
}

func addrString(a netip.Addr) string {
	if a.Is4In6() {
		a = a.Unmap()
	}
	return a.String()
}

// isHostName accepts what resolvers and fail2ban accept as a name:
// letters, digits, '.', '-', '_', starting and ending with a letter or
// digit ("192.030.0.6", not an address, is kept as the log wrote it).
func isHostName(s string) bool {
	if s == "" || len(s) > 253 || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// hostAfterLast reads the host after the last sep in s: where user input
// precedes the address, the last occurrence is the one sshd wrote.
func hostAfterLast(s, sep string) (host, rest string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", "", false
	}
	return parseHost(s[i+len(sep):])
}

// skipPortOn skips " port N" and " on ADDR [port N]" after an address.
func skipPortOn(s string) string {
	s = skipPort(s)
	if strings.HasPrefix(s, " on ") {
		_, rest := cutSpace(s[4:])
		if rest != "" {
			rest = " " + rest
		}
		s = skipPort(rest)
	}
	return s
}

func skipPort(s string) string {
	if strings.HasPrefix(s, " port ") {
		_, n := leadingInt(s[6:], 5)
		if n > 0 {
			return s[6+n:]
		}
	}
	return s
}

// tailHost reads "... HOST[ port N]" at the end of s, returning the host
// and the text before it.
func tailHost(s string) (host, head string, ok bool) {
	s = strings.TrimRight(s, " ")
	if i := strings.LastIndex(s, " port "); i >= 0 && allDigits(s[i+6:]) {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, ' ')
	h, rest, ok := parseHost(s[i+1:])
	if !ok || rest != "" {
		return "", "", false
	}
	if i < 0 {
		return h, "", true
	}
	return h, s[:i], true
}
