package cli

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// progress prints one line per finished step on w. On a terminal it also
// shows the step in progress and colours the status; piped, it writes
// plain lines only.
type progress struct {
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w)}
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
	runbook.StatusSkipped: "90", runbook.StatusPostponed: "35",
}

func (p *progress) event(ev runbook.Event) {
	name := ev.Phase + "/" + ev.Step
	if !ev.Done {
		if p.tty {
			fmt.Fprintf(live(p.w), "\r\033[K  ...   %s", name)
		}
		return
	}
	st := ev.Result.Status
	word := fmt.Sprintf("%-9s", st)
	if p.tty {
		word = fmt.Sprintf("\033[%sm%s\033[0m", statusColour[st], word)
		fmt.Fprint(live(p.w), "\r\033[K")
	}
	extra := ""
	if n := len(ev.Result.Findings); n > 0 {
		extra = fmt.Sprintf("  %d finding(s)", n)
	}
	if ev.Result.Note != "" {
		extra += "  " + ev.Result.Note
	}
	fmt.Fprintf(p.w, "  %s %-36s %6.2fs%s\n", word, name, ev.Result.DurationSeconds, extra)
}
