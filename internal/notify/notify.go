package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/redact"
)

// Event is what a message is about; notify.events selects the events sent.
type Event string

// The events, in the order of a week (config.NotifyEvents). Test is
// `fossamaint notify test`, sent whatever notify.events says.
const (
	Notice     Event = "notice"
	Started    Event = "started"
	Overrun    Event = "overrun"
	Finished   Event = "finished"
	Failed     Event = "failed"
	RolledBack Event = "rolled_back"
	Test       Event = "test"
)

// Message is one notification: its event, a one-line title (used by the
// services that have one: email subject, Slack, Telegram, ...) and the
// body.
type Message struct {
	Event Event
	Title string
	Body  string
}

// Result is how one destination took a message.
type Result struct {
	// URL is the destination, redacted (config.NotifyURLRedacted).
	URL   string `json:"url"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Attempts counts the tries, the first included (0: the URL could not
	// be used at all).
	Attempts int           `json:"attempts"`
	Elapsed  human.Seconds `json:"seconds"`
}

// Sender sends messages to the configured destinations. A nil *Sender is
// valid and sends nothing.
type Sender struct {
	urls    []string
	events  []string
	timeout time.Duration
	red     *redact.Redactor
	// backoff is the wait before the first retry; it doubles after each.
	backoff time.Duration
}

// New returns the Sender for cfg. secrets are the values no message or
// error may show (the .env values and the config's secrets, which
// include the URLs' own).
func New(cfg config.Notify, secrets []string) *Sender {
	all := slices.Clone(secrets)
	for _, u := range cfg.URLs {
		all = append(all, config.NotifyURLSecrets(u)...)
	}
	timeout := cfg.Timeout.D()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Sender{urls: slices.Clone(cfg.URLs), events: slices.Clone(cfg.Events), timeout: timeout,
		red: redact.New(all), backoff: time.Second}
}

// SetBackoff sets the wait before the first retry (default 1s); tests
// shorten it.
func (s *Sender) SetBackoff(d time.Duration) { s.backoff = d }

// Destinations are the redacted URLs, in config order.
func (s *Sender) Destinations() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.urls))
	for i, u := range s.urls {
		out[i] = config.NotifyURLRedacted(u)
	}
	return out
}

// Timeout is the budget of one Send.
func (s *Sender) Timeout() time.Duration {
	if s == nil {
		return 0
	}
	return s.timeout
}

// Wants reports whether a message of event e goes anywhere: some URL is
// configured and notify.events lists e (Test always is).
func (s *Sender) Wants(e Event) bool {
	if s == nil || len(s.urls) == 0 {
		return false
	}
	return e == Test || slices.Contains(s.events, string(e))
}

// Redact removes the secrets the Sender knows from text.
func (s *Sender) Redact(text string) string {
	if s == nil {
		return redact.String(text)
	}
	return s.red.String(text)
}

// Send delivers m to every destination at once, each retried with
// exponential backoff until it is taken or the budget (notify.timeout)
// is spent; it returns no later than the budget after it was called,
// whatever the destinations do. It returns one Result per destination,
// nil when m's event is not wanted. The message is redacted first: a
// secret the Sender knows never leaves. Send never fails: a failed
// delivery is a Result the caller reports (Failures).
func (s *Sender) Send(ctx context.Context, m Message) []Result {
	if !s.Wants(m.Event) {
		return nil
	}
	m.Title, m.Body = s.red.String(m.Title), s.red.String(m.Body)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out := make([]Result, len(s.urls))
	var wg sync.WaitGroup
	for i, u := range s.urls {
		wg.Go(func() { out[i] = s.sendOne(ctx, u, m) })
	}
	wg.Wait()
	return out
}

func (s *Sender) sendOne(ctx context.Context, rawURL string, m Message) (res Result) {
	start := time.Now()
	res = Result{URL: config.NotifyURLRedacted(rawURL)}
	defer func() { res.Elapsed = human.Seconds(time.Since(start)) }()
	svc, err := (&router.ServiceRouter{}).Locate(rawURL)
	if err != nil {
		res.Error = s.red.String(fmt.Sprintf("cannot use this URL: %v (check its syntax in the shoutrrr documentation of the service)", err))
		return res
	}
	wait := s.backoff
	for {
		res.Attempts++
		err := attempt(ctx, svc, m)
		if err == nil {
			res.OK, res.Error = true, ""
			return res
		}
		res.Error = s.red.String(err.Error())
		deadline, _ := ctx.Deadline()
		if ctx.Err() != nil || time.Until(deadline) < wait {
			if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
				res.Error += fmt.Sprintf(" (gave up after %d attempts in the %s budget, notify.timeout)", res.Attempts, human.Duration(s.timeout))
			}
			return res
		}
		select {
		case <-ctx.Done():
			return res
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// attempt sends once. The services take no context, so a send that
// hangs is left behind when ctx ends (its goroutine ends with the
// service's own timeout or the process).
func attempt(ctx context.Context, svc types.Service, m Message) error {
	params := types.Params{}
	if m.Title != "" {
		params.SetTitle(m.Title)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Send(m.Body, &params) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer: %w", context.Cause(ctx))
	}
}

// Failures are the results that were not delivered.
func Failures(rs []Result) []Result {
	return slices.DeleteFunc(slices.Clone(rs), func(r Result) bool { return r.OK })
}

// Overrun sends the overrun event: the window now ends at revisedEnd, and
// why (runbook.OverrunNotifier, which the engine calls when
// window.overrun extends the window). A destination that did not take it
// makes the error, which names it; nothing wanted is no error.
func (s *Sender) Overrun(ctx context.Context, revisedEnd time.Time, reason string) error {
	return sendErr(s.Send(ctx, Message{Event: Overrun,
		Title: "FossaWork maintenance window extended to " + revisedEnd.Format("Mon 15:04 MST"),
		Body:  fmt.Sprintf("The maintenance window now ends %s.\n%s", revisedEnd.Format("Mon 2006-01-02 15:04 MST"), reason)}))
}

// RolledBack sends the rolled_back event when the run stops at the
// window's end and restores its rollback point (runbook.OverrunNotifier).
func (s *Sender) RolledBack(ctx context.Context, at time.Time, reason string) error {
	return sendErr(s.Send(ctx, Message{Event: RolledBack,
		Title: "FossaWork maintenance rolled back",
		Body:  fmt.Sprintf("The maintenance run stopped at %s and restored its rollback point (the report says what was restored and checked).\n%s", at.Format("Mon 2006-01-02 15:04 MST"), reason)}))
}

// sendErr is the error of a send's failures, each with its destination.
func sendErr(rs []Result) error {
	var errs []error
	for _, f := range Failures(rs) {
		errs = append(errs, fmt.Errorf("%s: %s", f.URL, f.Error))
	}
	return errors.Join(errs...)
}
