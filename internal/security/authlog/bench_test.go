package authlog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// noise is what most of an auth.log holds: sessions, cron, sudo.
var noise = []string{
	"Mar  9 10:17:01 gw CRON[12345]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
	"Mar  9 10:17:01 gw CRON[12345]: pam_unix(cron:session): session closed for user root",
	"Mar  9 10:18:44 gw sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update",
	"Mar  9 10:18:45 gw systemd-logind[612]: New session 42 of user alice.",
	"Mar  9 10:18:46 gw sshd[2222]: Accepted publickey for alice from 192.0.2.10 port 50123 ssh2: ED25519 SHA256:abcdef",
	"Mar  9 10:18:47 gw sshd[2222]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
	"Mar  9 10:18:48 gw systemd[1]: Started session-42.scope - Session 42 of User alice.",
}

// BenchmarkScan reads the fixtures (failures of every source) diluted in
// three times as many ordinary auth.log lines, and reports lines per second.
func BenchmarkScan(b *testing.B) {
	var sb strings.Builder
	for range 8 {
		sb.WriteString(strings.Join(noise, "\n") + "\n")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.log"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		sb.Write(raw)
	}
	chunk := sb.String()
	input := strings.Repeat(chunk, 200)
	lines := strings.Count(input, "\n")
	opts := Options{Ref: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	b.SetBytes(int64(len(input)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Scan(context.Background(), strings.NewReader(input), opts, func(Failure) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
