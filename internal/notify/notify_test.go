package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"

	"github.com/fossawork/fossamaint/internal/config"
)

// hook is a real loopback webhook: it records each request's body and
// answers the first fail requests with 500.
type hook struct {
	mu     sync.Mutex
	bodies []string
	titles []string
	fail   int
	hang   time.Duration
}

func newHook(t *testing.T, fail int, hang time.Duration) (*hook, string) {
	h := &hook{fail: fail, hang: hang}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.titles = append(h.titles, r.URL.Query().Get("title"))
		n := len(h.bodies)
		h.mu.Unlock()
		if h.hang > 0 {
			select {
			case <-time.After(h.hang):
			case <-release:
			}
		}
		if n <= h.fail {
			http.Error(w, "try later", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	// Cleanups run last first: a hanging handler is let go before Close
	// waits for it.
	t.Cleanup(func() { close(release) })
	return h, srv.URL
}

func (h *hook) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bodies)
}

func sender(urls []string, timeout time.Duration, secrets ...string) *Sender {
	s := New(config.Notify{URLs: urls, Events: config.NotifyEvents, Timeout: config.Duration(timeout)}, secrets)
	s.SetBackoff(20 * time.Millisecond)
	return s
}

func TestSendWebhook(t *testing.T) {
	for _, tc := range []struct {
		name         string
		fail         int
		wantOK       bool
		wantAttempts int
	}{
		{"delivered at once", 0, true, 1},
		{"delivered after two 500s", 2, true, 3},
		{"never taken within the budget", 1000, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, base := newHook(t, tc.fail, 0)
			s := sender([]string{"generic+" + base + "/hook"}, 400*time.Millisecond, "s3cretEnvValue")
			start := time.Now()
			rs := s.Send(context.Background(), Message{Event: Started, Title: "t", Body: "run started; key s3cretEnvValue"})
			if took := time.Since(start); took > 900*time.Millisecond {
				t.Errorf("Send took %v, budget 400ms", took)
			}
			if len(rs) != 1 || rs[0].OK != tc.wantOK {
				t.Fatalf("results %+v, want ok=%v", rs, tc.wantOK)
			}
			if tc.wantAttempts > 0 && rs[0].Attempts != tc.wantAttempts {
				t.Errorf("attempts %d, want %d", rs[0].Attempts, tc.wantAttempts)
			}
			if !tc.wantOK && (rs[0].Attempts < 3 || !strings.Contains(rs[0].Error, "500")) {
				t.Errorf("a refused send: %+v, want several attempts and the status", rs[0])
			}
			for _, b := range h.got() {
				if strings.Contains(b, "s3cretEnvValue") || !strings.Contains(b, "run started; key [REDACTED]") {
					t.Errorf("delivered body %q: want the secret redacted", b)
				}
			}
		})
	}
}

func TestSendGivesUpOnAHangingDestinationWithinTheBudget(t *testing.T) {
	_, base := newHook(t, 0, 5*time.Second)
	_, good := newHook(t, 0, 0)
	s := sender([]string{"generic+" + base + "/slow", "generic+" + good + "/ok"}, 300*time.Millisecond)
	start := time.Now()
	rs := s.Send(context.Background(), Message{Event: Finished, Body: "done"})
	if took := time.Since(start); took > time.Second {
		t.Errorf("Send took %v with a 300ms budget", took)
	}
	if rs[0].OK || !strings.Contains(rs[0].Error, "budget") || !rs[1].OK {
		t.Errorf("results %+v: want the hanging one failed with the budget named, the other delivered", rs)
	}
	if f := Failures(rs); len(f) != 1 || f[0].URL != rs[0].URL {
		t.Errorf("Failures = %+v", f)
	}
}

func TestSendRespectsEvents(t *testing.T) {
	h, base := newHook(t, 0, 0)
	s := New(config.Notify{URLs: []string{"generic+" + base}, Events: []string{"failed"}, Timeout: config.Duration(time.Second)}, nil)
	if rs := s.Send(context.Background(), Message{Event: Started, Body: "x"}); rs != nil {
		t.Errorf("an event not in notify.events was sent: %+v", rs)
	}
	if rs := s.Send(context.Background(), Message{Event: Test, Body: "x"}); len(rs) != 1 || !rs[0].OK {
		t.Errorf("the test message must always go: %+v", rs)
	}
	if len(h.got()) != 1 {
		t.Errorf("hook got %d messages, want 1", len(h.got()))
	}
	var none *Sender
	if none.Wants(Test) || none.Send(context.Background(), Message{Event: Test}) != nil {
		t.Error("a nil Sender must send nothing")
	}
}

func TestBadURLIsAResultNotAPanic(t *testing.T) {
	s := sender([]string{"telegram://x:y@telegram", "generic://"}, time.Second)
	rs := s.Send(context.Background(), Message{Event: Test, Body: "x"})
	for _, r := range rs {
		if r.OK || r.Error == "" {
			t.Errorf("result %+v: want an error", r)
		}
	}
}

func TestRedactedDestinations(t *testing.T) {
	s := sender([]string{
		"generic+https://hooks.example.com/services/T0AB12CD/B0XY98ZZ/abcdefghijklmnopqrstuvwx",
		"smtp://mailer:Pa55word@mail.example.com:587/?from=a@example.com&to=b@example.com",
		"telegram://123456:AAEabcdefghijk@telegram?chats=@ops",
		"generic://hooks.example.com/x?@Authorization=Bearer%20tok3nvalue123",
	}, time.Second)
	for _, d := range s.Destinations() {
		for _, secret := range []string{"abcdefghijklmnop", "Pa55word", "AAEabcdefghijk", "tok3nvalue123", "T0AB12CD"} {
			if strings.Contains(d, secret) {
				t.Errorf("destination %q shows %q", d, secret)
			}
		}
	}
	if d := s.Destinations()[1]; !strings.Contains(d, "mail.example.com:587") {
		t.Errorf("destination %q: the host should stay readable", d)
	}
}

// config.NotifyServices is written out (config imports no library): it
// must stay shoutrrr's list.
func TestConfigServicesAreShoutrrrs(t *testing.T) {
	got := (&router.ServiceRouter{}).ListServices()
	slices.Sort(got)
	want := slices.Sorted(slices.Values(config.NotifyServices))
	if !slices.Equal(got, want) {
		t.Errorf("shoutrrr services %q, config.NotifyServices %q", got, want)
	}
	var events []string
	for _, e := range []Event{Notice, Started, Overrun, Finished, Failed, RolledBack} {
		events = append(events, string(e))
	}
	if !slices.Equal(events, config.NotifyEvents) {
		t.Errorf("events %q, config.NotifyEvents %q", events, config.NotifyEvents)
	}
}

// Sender is the engine's overrun notifier (runbook.OverrunNotifier): an
// extension or rollback goes to every destination; one that does not take
// it is the error, named.
func TestOverrunAndRolledBack(t *testing.T) {
	h, base := newHook(t, 0, 0)
	end := time.Date(2026, 11, 28, 7, 30, 0, 0, time.UTC)
	s := sender([]string{"generic+" + base + "/o"}, time.Second)
	if err := s.Overrun(context.Background(), end, "3 steps left need 1h 30m"); err != nil {
		t.Fatal(err)
	}
	if err := s.RolledBack(context.Background(), end, "the window closed during database/optimize"); err != nil {
		t.Fatal(err)
	}
	got := h.got()
	if len(got) != 2 || !strings.Contains(got[0], "now ends Sat 2026-11-28 07:30 UTC") || !strings.Contains(got[0], "3 steps left") ||
		!strings.Contains(got[1], "restored its rollback point") {
		t.Errorf("delivered %q", got)
	}
	bad := sender([]string{"generic+http://127.0.0.1:1/x"}, 100*time.Millisecond)
	if err := bad.Overrun(context.Background(), end, "x"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("a refused overrun: %v", err)
	}
	var none *Sender
	if err := none.Overrun(context.Background(), end, "x"); err != nil {
		t.Errorf("a nil Sender: %v", err)
	}
}
