package sandbox

import (
	"os"
	"testing"
)

// TestEstimateOfSmall: the estimate the demo prints before generating is
// within a factor of 1.5 of what the small tree holds.
func TestEstimateOfSmall(t *testing.T) {
	inst := smallInstallation(t)
	est, ok := EstimateOf(Small)
	if !ok {
		t.Fatal("no estimate for small")
	}
	fi, err := os.Stat(inst.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	within := func(what string, est, got int64) {
		if got == 0 || float64(est) > 1.5*float64(got) || float64(got) > 1.5*float64(est) {
			t.Errorf("%s: estimated %d bytes, generated %d", what, est, got)
		}
	}
	within("database", est.DBBytes, fi.Size())
	within("logs", est.LogBytes, inst.LogBytes)
	if est.WorkOrders != 20_000 {
		t.Errorf("estimate %d work orders, want 20000", est.WorkOrders)
	}
	if _, ok := EstimateOf("huge"); ok {
		t.Error("an unknown size has no estimate")
	}
}
