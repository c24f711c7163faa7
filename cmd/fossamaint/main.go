// Command fossamaint performs the weekly maintenance of a FossaWork V2
// installation. All logic lives in internal/; see internal/cli (cli.Run
// also handles SIGINT, SIGTERM and SIGHUP).
package main

import (
	"os"

	"github.com/fossawork/fossamaint/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
