package perf

import (
	"math"
	"strings"
	"testing"
	"time"
)

var cet = time.FixedZone("CET", 3600)

func TestParseSample(t *testing.T) {
	full := `"system": {"cpu_percent": 12.5, "memory_percent": 41.2, "memory_available_mb": 9120.4, "disk_percent": 63.0, "disk_free_gb": 88.1}, "process": {"memory_rss_mb": 310.2, "cpu_percent": 3.1}`
	all := FieldCPU | FieldMemory | FieldMemoryAvailableMB | FieldDisk | FieldDiskFreeGB | FieldProcRSSMB | FieldProcCPU
	tests := []struct {
		name    string
		line    string
		want    time.Time
		present Field
		cpu     float64
		err     string
	}{
		{"naive in loc", `{"timestamp": "2025-01-11T14:00:00", ` + full + `}`, time.Date(2025, 1, 11, 14, 0, 0, 0, cet), all, 12.5, ""},
		{"fraction", `{"timestamp": "2025-01-11T14:00:00.123456", ` + full + `}`, time.Date(2025, 1, 11, 14, 0, 0, 123456000, cet), all, 12.5, ""},
		{"zulu", `{"timestamp": "2025-01-11T14:00:00Z", ` + full + `}`, time.Date(2025, 1, 11, 14, 0, 0, 0, time.UTC), all, 12.5, ""},
		{"offset colon", `{"timestamp": "2025-01-11T14:00:00.5+02:00", ` + full + `}`, time.Date(2025, 1, 11, 12, 0, 0, 5e8, time.UTC), all, 12.5, ""},
		{"offset no colon", `{"timestamp": "2025-01-11T14:00:00-0500", ` + full + `}`, time.Date(2025, 1, 11, 19, 0, 0, 0, time.UTC), all, 12.5, ""},
		{"space separator", `{"timestamp": "2025-01-11 14:00:00", "system": {"cpu_percent": 7}}`, time.Date(2025, 1, 11, 14, 0, 0, 0, cet), FieldCPU, 7, ""},
		{"no system", `{"timestamp": "2025-01-11T14:00:00"}`, time.Date(2025, 1, 11, 14, 0, 0, 0, cet), 0, 0, ""},
		{"nulls are missing", `{"timestamp": "2025-01-11T14:00:00", "system": {"cpu_percent": null, "disk_percent": 5}, "process": null}`, time.Date(2025, 1, 11, 14, 0, 0, 0, cet), FieldDisk, 0, ""},
		{"string value", `{"timestamp": "2025-01-11T14:00:00", "system": {"cpu_percent": "12.5"}}`, time.Time{}, 0, 0, "system.cpu_percent: not a number"},
		{"NaN", `{"timestamp": "2025-01-11T14:00:00", "system": {"cpu_percent": NaN}}`, time.Time{}, 0, 0, "not a finite number"},
		{"system not object", `{"timestamp": "2025-01-11T14:00:00", "system": [1]}`, time.Time{}, 0, 0, "system: not an object"},
		{"no timestamp", `{"system": {"cpu_percent": 1}}`, time.Time{}, 0, 0, "no timestamp"},
		{"numeric timestamp", `{"timestamp": 1736600000}`, time.Time{}, 0, 0, "no timestamp"},
		{"bad timestamp", `{"timestamp": "yesterday at noon, roughly"}`, time.Time{}, 0, 0, "not ISO 8601"},
		{"bad zone", `{"timestamp": "2025-01-11T14:00:00+25:99"}`, time.Time{}, 0, 0, "not ISO 8601"},
		{"array", `[1, 2]`, time.Time{}, 0, 0, "not a JSON object"},
		{"pipe log line", `2025-01-13 02:14:07 | ERROR    | fossawork.api | x:1 | boom`, time.Time{}, 0, 0, "invalid JSON"},
		{"empty", ``, time.Time{}, 0, 0, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSample([]byte(tt.line), cet)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.Time.Equal(tt.want) || s.Present != tt.present || s.CPU != tt.cpu {
				t.Fatalf("got time %v present %b cpu %v; want %v %b %v", s.Time, s.Present, s.CPU, tt.want, tt.present, tt.cpu)
			}
		})
	}
}

func TestParseSampleAllFields(t *testing.T) {
	line := `{"timestamp": "2025-01-11T14:00:00", "system": {"cpu_percent": 12.5, "memory_percent": 41.2, "memory_available_mb": 9120.4, "disk_percent": 63.0, "disk_free_gb": 88.1}, "process": {"memory_rss_mb": 310.2, "cpu_percent": 3.1}}`
	s, err := ParseSample([]byte(line), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Sample{Time: time.Date(2025, 1, 11, 14, 0, 0, 0, time.UTC), CPU: 12.5, Memory: 41.2, MemoryAvailableMB: 9120.4,
		Disk: 63, DiskFreeGB: 88.1, ProcRSSMB: 310.2, ProcCPU: 3.1, Present: s.Present}
	if s != want || !s.Has(FieldProcCPU) || !s.Has(FieldMemoryAvailableMB) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
}

func FuzzParseSample(f *testing.F) {
	f.Add([]byte(`{"timestamp": "2025-01-11T14:00:00", "system": {"cpu_percent": 12.5, "memory_percent": 41.2}}`))
	f.Add([]byte(`{"timestamp": "2025-01-11T14:00:00.999+01:00", "system": {"disk_percent": 1e3}, "process": {"cpu_percent": -0}}`))
	f.Add([]byte(`{"timestamp": "2025-01-11 14:00:00Z", "system": null}`))
	f.Add([]byte(`{"timestamp": "2025-01-11T14:00:00", "system": {"cpu_percent": Infinity}}`))
	f.Add([]byte("\xff\xfe{\"timestamp\": \"\xff\"}"))
	f.Add([]byte(`2025-01-13 02:14:07 | ERROR    | fossawork.api | x:1 | boom`))
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := ParseSample(line, cet)
		if err != nil {
			return
		}
		if s.Time.IsZero() {
			t.Fatalf("accepted a sample without time: %q", line)
		}
		for _, v := range []float64{s.CPU, s.Memory, s.MemoryAvailableMB, s.Disk, s.DiskFreeGB, s.ProcRSSMB, s.ProcCPU} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value accepted from %q", line)
			}
		}
	})
}
