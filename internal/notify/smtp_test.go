package notify

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aiosmtpd starts Debian's python3-aiosmtpd on a free loopback port,
// storing what it receives in a maildir, and returns the port and the
// maildir. Without the module the test is skipped, unless CI is set.
func aiosmtpd(t *testing.T) (int, string) {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import aiosmtpd").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-aiosmtpd is missing (%v): .ci/run installs it", err)
		}
		t.Skipf("python3-aiosmtpd is missing (%v): apt-get install python3-aiosmtpd", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	maildir := filepath.Join(t.TempDir(), "mail")
	cmd := exec.Command(py, "-m", "aiosmtpd", "-n", "-l", fmt.Sprintf("127.0.0.1:%d", port),
		"-c", "aiosmtpd.handlers.Mailbox", maildir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return port, maildir
		}
		if time.Now().After(deadline) {
			t.Fatalf("aiosmtpd did not listen on port %d: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSendSMTP(t *testing.T) {
	port, maildir := aiosmtpd(t)
	url := fmt.Sprintf("smtp://127.0.0.1:%d/?from=fossamaint@example.com&to=ops@example.com&auth=None&encryption=None&usestarttls=no", port)
	s := sender([]string{url}, 10*time.Second, "envS3cretValue")
	rs := s.Send(context.Background(), Message{Event: Notice, Title: "Maintenance Saturday 02:00",
		Body: "The window opens Saturday 02:00; secret envS3cretValue stays home."})
	if len(rs) != 1 || !rs[0].OK {
		t.Fatalf("results %+v", rs)
	}
	files, _ := filepath.Glob(filepath.Join(maildir, "new", "*"))
	if len(files) != 1 {
		t.Fatalf("maildir holds %d messages, want 1", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	mail := string(b)
	for _, want := range []string{"Subject: Maintenance Saturday 02:00", "To: ops@example.com", "The window opens Saturday 02:00"} {
		if !strings.Contains(mail, want) {
			t.Errorf("mail lacks %q:\n%s", want, mail)
		}
	}
	if strings.Contains(mail, "envS3cretValue") {
		t.Errorf("mail carries the secret:\n%s", mail)
	}
}
