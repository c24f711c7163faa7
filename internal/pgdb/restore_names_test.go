package pgdb

import (
	"strings"
	"testing"
	"time"
)

// DatedName fits PostgreSQL's 63 bytes; a clipped base is followed by a
// hash of the whole name (never splitting a character), so two long
// names sharing a prefix get different names; ParseDated reads the date
// back and takes no other name.
func TestDatedNames(t *testing.T) {
	at := time.Date(2026, 12, 5, 2, 3, 4, 0, time.FixedZone("CET", 3600))
	long := strings.Repeat("w", 70)
	// A multi-byte character across the cut (byte 31): never split.
	multi := strings.Repeat("a", 30) + "é" + "tailtailtail"
	tests := []struct {
		base, kind, want string
	}{
		{"fossawork", KindReplaced, "fossawork_replaced_20261205_010304"},
		{"fossawork", KindRestore, "fossawork_restore_20261205_010304"},
		{strings.Repeat("x", 38), KindReplaced, strings.Repeat("x", 38) + "_replaced_20261205_010304"},
		{long, KindReplaced, strings.Repeat("w", 31) + "_4c6302_replaced_20261205_010304"},
		{long, KindRestore, strings.Repeat("w", 32) + "_4c6302_restore_20261205_010304"},
		{multi, KindReplaced, strings.Repeat("a", 30) + "_82cfd1_replaced_20261205_010304"},
	}
	for _, tt := range tests {
		got := DatedName(tt.base, tt.kind, at)
		if got != tt.want {
			t.Errorf("DatedName(%q, %s) = %q, want %q", tt.base, tt.kind, got, tt.want)
		}
		if len(got) > maxIdent {
			t.Errorf("%q is %d bytes, longer than PostgreSQL keeps", got, len(got))
		}
		back, ok := ParseDated(tt.base, tt.kind, got)
		if !ok || !back.Equal(at) {
			t.Errorf("ParseDated(%q) = %v, %v; want %v", got, back, ok, at.UTC())
		}
	}
	for _, name := range []string{"fossawork", "fossawork_replaced_", "fossawork_replaced_2026", "fossawork_replaced_20261205_010304_x",
		"fossawork_restore_20261205_010304", "fossaworkx_replaced_20261205_010304", "fossawork_replaced_20261305_010304"} {
		if _, ok := ParseDated("fossawork", KindReplaced, name); ok {
			t.Errorf("ParseDated took %q as a kept database of fossawork", name)
		}
	}
}

// Two names of 40 bytes and more that share their first 38 bytes (a
// clipped base alone would be the same) get different kept names, and
// neither's is taken as the other's.
func TestDatedNamesOfLongNamesDoNotCollide(t *testing.T) {
	at := time.Date(2026, 12, 5, 2, 3, 4, 0, time.UTC)
	a := strings.Repeat("p", 38) + "_one"
	b := strings.Repeat("p", 38) + "_two"
	for _, kind := range []string{KindReplaced, KindRestore} {
		na, nb := DatedName(a, kind, at), DatedName(b, kind, at)
		if na == nb {
			t.Errorf("%s and %s share the %s name %s", a, b, kind, na)
		}
		if _, ok := ParseDated(a, kind, nb); ok {
			t.Errorf("%s's %s name %s taken as %s's", b, kind, nb, a)
		}
	}
}
