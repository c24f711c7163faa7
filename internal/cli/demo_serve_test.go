package cli

import (
	"io"
	"net/http"
	"os"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// httpSave fetches URL into FILE, asserting a 200, for grep and promtool
// to read; with -wait DURATION it first polls the URL until it answers,
// for as long as DURATION (a server the script started in the background
// that first does other work, as demo --serve runs the demo):
// httpsave [-wait DURATION] URL FILE
func httpSave(ts *testscript.TestScript, neg bool, args []string) {
	wait := time.Duration(0)
	if len(args) > 2 && args[0] == "-wait" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		wait, args = d, args[2:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: httpsave [-wait DURATION] URL FILE")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	deadline := time.Now().Add(wait)
	for {
		res, err := client.Get(args[0])
		if err == nil {
			body, rerr := io.ReadAll(res.Body)
			res.Body.Close()
			ts.Check(rerr)
			if res.StatusCode != http.StatusOK {
				ts.Fatalf("GET %s: %s\n%s", args[0], res.Status, body)
			}
			ts.Check(os.WriteFile(ts.MkAbs(args[1]), body, 0o644))
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("GET %s: %v (waited %s)", args[0], err, wait)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
