package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerateLargerSizes checks medium (skipped with -short or -race) and large
// (only with FOSSAMAINT_SANDBOX_LARGE=1: minutes and gigabytes).
func TestGenerateLargerSizes(t *testing.T) {
	tests := []struct {
		size       Size
		workOrders int
	}{
		{Medium, 170_000},
		{Large, 1_700_000},
	}
	for _, tt := range tests {
		t.Run(string(tt.size), func(t *testing.T) {
			if testing.Short() || raceEnabled {
				t.Skip("-short or -race: medium takes minutes under the race detector")
			}
			if tt.size == Large && os.Getenv("FOSSAMAINT_SANDBOX_LARGE") == "" {
				t.Skip("set FOSSAMAINT_SANDBOX_LARGE=1 to generate 2M work orders")
			}
			inst, err := Generate(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "demo"),
				Size: tt.size, Now: testNow, Seed: 1, Executable: "fossamaint"})
			if err != nil {
				t.Fatal(err)
			}
			if inst.WorkOrders != tt.workOrders || inst.FreelistRatio <= 0.10 {
				t.Errorf("%d work orders, freelist %.3f; want %d and > 0.10", inst.WorkOrders, inst.FreelistRatio, tt.workOrders)
			}
			t.Logf("%s: %d work orders, %d dispensers, %d log bytes, freelist %.3f", tt.size, inst.WorkOrders, inst.Dispensers, inst.LogBytes, inst.FreelistRatio)
		})
	}
}
