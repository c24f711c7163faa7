package cli

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/install"
)

// TestFleetReaderKeepsTheChain: serve's /fleet reader redacts its errors
// but keeps their chain, so that the page can tell a timeout (the
// "no answer within" note) from a refusal. The central database here is
// a loopback listener that accepts and never answers.
func TestFleetReaderKeepsTheChain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg := config.Default()
	cfg.Root = t.TempDir()
	cfg.History.URL = "postgres://fleet:s3cretpw@" + ln.Addr().String() + "/fleet"
	a := &app{stdout: os.Stdout, stderr: os.Stderr, now: time.Now}
	read, closeFleet, err := a.fleetReader(&install.Installation{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFleet()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = read(ctx, time.Now(), 12)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a read past its deadline: %v, want context.DeadlineExceeded in its chain", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("the error shows the password: %v", err)
	}
}
