package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/weekly"
)

// With FOSSAMAINT_TEST_REBOOT=PROGRAM in a script's environment, the
// reboot commands run PROGRAM with the real argv as its arguments,
// instead of rebooting the machine the tests run on.
func init() {
	if prog := os.Getenv("FOSSAMAINT_TEST_REBOOT"); prog != "" {
		testReboot = weekly.RebootCommands{Now: []string{prog, "systemctl", "reboot"},
			Schedule: func(d time.Duration, msg string) []string {
				return []string{prog, "systemd-run", fmt.Sprintf("--on-active=%d", int(d.Seconds())), "systemctl", "reboot"}
			}}
	}
}
