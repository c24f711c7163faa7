package weekly

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// PrintNotifier is the overrun notifier that writes each message as one
// line on w ("overrun: ..." or "rolled back: ..."): for the operator
// watching the run, and the system journal of a timer's run. The
// stakeholders' channels (notify.urls) come on top of it.
func PrintNotifier(w io.Writer) runbook.OverrunNotifier { return printNotifier{w: w} }

type printNotifier struct{ w io.Writer }

func (p printNotifier) Overrun(_ context.Context, _ time.Time, reason string) error {
	_, err := fmt.Fprintf(p.w, "overrun: %s\n", reason)
	return err
}

func (p printNotifier) RolledBack(_ context.Context, _ time.Time, reason string) error {
	_, err := fmt.Fprintf(p.w, "rolled back: %s\n", reason)
	return err
}
