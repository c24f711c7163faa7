package config

import "testing"

func TestMetricsTextfilePath(t *testing.T) {
	cases := []struct{ textfile, want string }{
		{"fossamaint.prom", "/var/lib/fossamaint/fossamaint.prom"}, // the default: under state_dir
		{"/var/lib/node_exporter/textfile/fossamaint.prom", "/var/lib/node_exporter/textfile/fossamaint.prom"},
		{"sub/f.prom", "/var/lib/fossamaint/sub/f.prom"},
		{"", ""}, // disabled
	}
	for _, c := range cases {
		if got := (Metrics{Textfile: c.textfile}).TextfilePath("/var/lib/fossamaint"); got != c.want {
			t.Errorf("TextfilePath(%q) = %q, want %q", c.textfile, got, c.want)
		}
	}
	if got := Default().Metrics.TextfilePath("/var/lib/fossamaint"); got != "/var/lib/fossamaint/fossamaint.prom" {
		t.Errorf("default textfile %q", got)
	}
}
