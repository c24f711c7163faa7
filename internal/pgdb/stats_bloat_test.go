package pgdb

import (
	"math"
	"testing"
)

func TestEstimateBloat(t *testing.T) {
	// A row of 59 bytes of data: 24 + 59 = 83, MAXALIGNed 88, plus its
	// line pointer: 92 bytes, 88 rows to a page.
	row := heapTupleBytes(59)
	if row != 92 {
		t.Fatalf("heapTupleBytes(59) = %v, want 92", row)
	}
	tables := []struct {
		name            string
		bytes, live, dd int64
		row, want       float64
	}{
		{"tiny", 7 * pageBytes, 10, 1000, row, 0},
		{"packed", 100 * pageBytes, 8877, 0, row, 0},
		{"half empty", 200 * pageBytes, 8877, 0, row, 50},
		{"never analysed: the dead share", 100 * pageBytes, 600, 400, 0, 40},
		{"never analysed, empty", 100 * pageBytes, 0, 0, 0, 0},
		{"more rows than fit: no bloat", 10 * pageBytes, 100000, 0, row, 0},
	}
	for _, tt := range tables {
		if got := estimateTableBloat(tt.bytes, tt.live, tt.dd, tt.row); math.Abs(got-tt.want) > 0.5 {
			t.Errorf("table %s: %.2f%%, want %.0f%%", tt.name, got, tt.want)
		}
	}
	// An int4 key: 8 + 4 = 12, MAXALIGNed 16, plus 4: 20 bytes; at 90%
	// of 8152 bytes, 100,000 entries take 273 leaf pages, 274 with the
	// metapage.
	indexes := []struct {
		name                    string
		bytes, n                int64
		width                   float64
		wantAtLeast, wantAtMost float64
	}{
		{"fresh", 274 * pageBytes, 100000, 4, 0, 0.5},
		{"twice the size", 548 * pageBytes, 100000, 4, 49.5, 50.5},
		{"unknown width", 548 * pageBytes, 100000, 0, 0, 0},
		{"tiny", 7 * pageBytes, 100000, 4, 0, 0},
		{"deduplicated: smaller than estimated", 100 * pageBytes, 100000, 4, 0, 0},
	}
	for _, tt := range indexes {
		if got := estimateIndexBloat(tt.bytes, tt.n, tt.width); got < tt.wantAtLeast || got > tt.wantAtMost {
			t.Errorf("index %s: %.2f%%, want %.1f..%.1f", tt.name, got, tt.wantAtLeast, tt.wantAtMost)
		}
	}
	if got := xidLeft(1000); got != 2147483647-3000000-1000 {
		t.Errorf("xidLeft(1000) = %d", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
