package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// progress prints one line per finished step on w. On a terminal it also
// shows the step in progress and colours the status; piped, it writes
// plain lines only. NO_COLOR (any non-empty value), --no-color and
// TERM=dumb turn every escape sequence off: the status is not coloured
// and the in-progress line is overwritten with spaces instead of
// "\033[K"; on a dumb terminal it is not drawn at all.
type progress struct {
	w     io.Writer
	style termStyle
	// drawn is the length of the in-progress line on screen (no escapes).
	drawn int
}

// newProgress is the progress of a run on the app's stderr.
func (a *app) newProgress() *progress {
	return &progress{w: a.stderr, style: a.styleOf(a.stderr)}
}

// termStyle is what may be drawn on a writer.
type termStyle struct {
	// live: an in-progress line that the next line replaces (a
	// terminal that is not dumb).
	live bool
	// escapes: colours and "\033[K" (a terminal, colour not turned off).
	escapes bool
}

// styleOf decides, once per writer, what may be drawn on w.
func (a *app) styleOf(w io.Writer) termStyle {
	if !isTerminal(w) {
		return termStyle{}
	}
	dumb := os.Getenv("TERM") == "dumb"
	noColour := a.noColor || os.Getenv("NO_COLOR") != "" || dumb
	return termStyle{live: !dumb, escapes: !noColour}
}

// live is where the in-progress line is drawn: straight to the terminal,
// since the redacting Writer holds text until its newline. It shows only
// phase and step names.
func live(w io.Writer) io.Writer {
	if rw, ok := w.(*redact.Writer); ok {
		return rw.Underlying()
	}
	return w
}

// isTerminal reports whether w (or the writer a redact.Writer wraps) is a
// terminal.
func isTerminal(w io.Writer) bool {
	if rw, ok := w.(*redact.Writer); ok {
		w = rw.Underlying()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var statusColour = map[runbook.Status]string{
	runbook.StatusOK: "32", runbook.StatusWarn: "33", runbook.StatusFail: "31",
	runbook.StatusSkipped: "90", runbook.StatusPostponed: "35", runbook.StatusInterrupted: "35",
}

// clearLive removes the in-progress line, with "\033[K" or with spaces.
func (p *progress) clearLive() {
	switch {
	case p.drawn == 0:
	case p.style.escapes:
		fmt.Fprint(live(p.w), "\r\033[K")
	default:
		fmt.Fprint(live(p.w), "\r"+strings.Repeat(" ", p.drawn)+"\r")
	}
	p.drawn = 0
}

func (p *progress) event(ev runbook.Event) {
	name := ev.Phase + "/" + ev.Step
	if !ev.Done {
		if p.style.live {
			p.clearLive()
			line := "  ...   " + name
			fmt.Fprint(live(p.w), line)
			p.drawn = len(line)
		}
		return
	}
	st := ev.Result.Status
	label := string(st)
	if ev.Result.NotNeeded() {
		// Skipped because all is well (the corruption procedure of a
		// healthy database): not something to worry about.
		label = "not needed"
	}
	word := fmt.Sprintf("%-11s", label)
	p.clearLive()
	if p.style.escapes {
		colour := statusColour[st]
		if ev.Result.NotNeeded() {
			colour = statusColour[runbook.StatusOK]
		}
		word = fmt.Sprintf("\033[%sm%s\033[0m", colour, word)
	}
	extra := ""
	if n := len(ev.Result.Findings); n > 0 {
		extra = "  " + human.Count(n, "finding", "findings")
	}
	if ev.Result.Note != "" {
		extra += "  " + ev.Result.Note
	}
	fmt.Fprintf(p.w, "  %s %-36s %6.2fs%s\n", word, name, ev.Result.DurationSeconds, extra)
}
