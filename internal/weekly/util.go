package weekly

import (
	"os"
	"strconv"

	"github.com/fossawork/fossamaint/internal/human"
)

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func removeQuietly(path string) { _ = os.Remove(path) }

// signedPercent is a change in percent with its sign: "+79%", "-39%".
func signedPercent(p float64) string {
	if p > 0 {
		return "+" + human.Percent(p)
	}
	return human.Percent(p)
}

// limitPercent shows a configured threshold as it was configured ("80%",
// "61.5%"): rounding it could make a value above it read as equal.
func limitPercent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" }
