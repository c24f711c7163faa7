package sqlitedb

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestCheckFile(t *testing.T) {
	ctx := context.Background()
	good := testkit.MakeDBIn(t, t.TempDir(), 50)
	for _, full := range []bool{false, true} {
		res, err := CheckFile(ctx, good, full)
		if err != nil || !res.OK {
			t.Fatalf("CheckFile(full=%v) of a sound file: %+v, %v", full, res, err)
		}
	}
	if err := QuickCheckFile(ctx, good); err != nil {
		t.Fatalf("QuickCheckFile of a sound file: %v", err)
	}
	garbage := testkit.WriteFile(t, filepath.Join(t.TempDir(), "garbage.db"), []byte(strings.Repeat("not sqlite ", 500)), 0o600)
	if err := QuickCheckFile(ctx, garbage); !errors.Is(err, ErrNotDatabase) {
		t.Fatalf("QuickCheckFile of garbage: %v, want ErrNotDatabase", err)
	}
}
