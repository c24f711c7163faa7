package authlog

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const okLine = "Jun 14 08:00:00 h sshd[1]: Invalid user a from 192.0.2.1 port 2"

func TestScanLongAndBinaryLines(t *testing.T) {
	long := "Jun 14 08:00:00 h sshd[2]: Invalid user " + strings.Repeat("x", 300<<10) + " from 192.0.2.2"
	binary := string([]byte{0, 1, 2, 0xff, 0xfe, '\n' - 1, 0x7f}) + " sshd[3]: \x00Failed password for"
	input := strings.Join([]string{okLine, long, binary, "", okLine + "\r", "\xff\xfe\xfd", okLine}, "\n")
	var lines []int
	st, err := Scan(context.Background(), strings.NewReader(input), Options{Ref: ref, MaxLineBytes: 200 << 10}, func(f Failure) error {
		lines = append(lines, f.Line)
		if f.Host != "192.0.2.1" {
			t.Errorf("line %d: host %q", f.Line, f.Host)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 5, 7}; !equalInts(lines, want) {
		t.Errorf("failure lines %v, want %v", lines, want)
	}
	if st.Lines != 7 || st.LongLines != 1 || st.Failures != 3 || st.Bytes != int64(len(input)) {
		t.Errorf("stats %+v", st)
	}
}

// TestScanLongLineWithinLimit: a line of a few MB is read whole.
func TestScanLongLineWithinLimit(t *testing.T) {
	long := "Jun 14 08:00:00 h sshd[2]: Invalid user " + strings.Repeat("y", 3<<20) + " from 192.0.2.3"
	st, err := Scan(context.Background(), strings.NewReader(long), Options{Ref: ref}, func(f Failure) error {
		if f.Host != "192.0.2.3" || len(f.User) != maxUserBytes {
			t.Errorf("got %s user len %d", f.Host, len(f.User))
		}
		return nil
	})
	if err != nil || st.Failures != 1 || st.LongLines != 0 {
		t.Fatalf("%+v %v", st, err)
	}
}

func TestScanStops(t *testing.T) {
	input := strings.Repeat(okLine+"\n", 5000)
	stop := errors.New("enough")
	n := 0
	_, err := Scan(context.Background(), strings.NewReader(input), Options{Ref: ref}, func(Failure) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("callback error: %v after %d", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, strings.NewReader(input), Options{Ref: ref}, func(Failure) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestScanFile(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("# rotated\n" + okLine + "\n"))
	zw.Close()
	gz := filepath.Join(dir, "auth.log.2.gz")
	if err := os.WriteFile(gz, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := ScanFile(context.Background(), gz, Options{Ref: ref, Location: time.UTC}, func(f Failure) error {
		if f.Line != 2 {
			t.Errorf("line %d", f.Line)
		}
		return nil
	})
	if err != nil || st.Failures != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	missing := filepath.Join(dir, "nope.log")
	if _, err := ScanFile(context.Background(), missing, Options{}, func(Failure) error { return nil }); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, []byte("\x1f\x8b\x08\x00garbage"), 0o600)
	if _, err := ScanFile(context.Background(), bad, Options{}, func(Failure) error { return nil }); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt gzip: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestScanSinceAndSummarizeFiles(t *testing.T) {
	dir := t.TempDir()
	week := filepath.Join(dir, "auth.log")
	content := "Jun  1 08:00:00 h sshd[1]: Invalid user old from 192.0.2.1\n" +
		"Jun 14 08:00:00 h sshd[2]: Invalid user new from 192.0.2.2\n" +
		"h sshd[3]: Invalid user undated from 192.0.2.3"
	if err := os.WriteFile(week, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{Ref: ref, Location: time.UTC, Since: ref.AddDate(0, 0, -7)}
	sum, files, err := SummarizeFiles(context.Background(), []string{week, filepath.Join(dir, "missing.log")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failures != 2 || len(sum.Hosts) != 2 || sum.Hosts[0].Host != "192.0.2.2" {
		t.Errorf("summary %+v", sum)
	}
	if len(files) != 2 || files[0].Err != nil || files[0].Stats.Older != 1 || files[0].Stats.Lines != 3 || files[1].Err == nil {
		t.Errorf("files %+v", files)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := SummarizeFiles(ctx, []string{week}, opts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
