// Command perfserve runs the loopback servers bench/perfbench.sh measures
// HTTP benchmarkers on:
//
//	perfserve -stall 127.0.0.1:18081 -trivial 127.0.0.1:18082
//
// -stall serves perf.StallHandler (5 ms answers, every request stalled
// up to 500 ms in the last quarter of each 2 s cycle: the server of
// internal/perf's stall-server test); -trivial answers "ok" at once. It
// prints "ready" when both listen and runs until signalled.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fossawork/fossamaint/internal/perf"
)

func main() {
	stall := flag.String("stall", "127.0.0.1:18081", "address of the stall server")
	trivial := flag.String("trivial", "127.0.0.1:18082", "address of the trivial server")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	handlers := map[string]http.Handler{
		*stall: perf.StallHandler{Now: time.Now, Epoch: time.Now(), Cycle: 2 * time.Second, Service: 5 * time.Millisecond},
		*trivial: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("ok\n"))
		}),
	}
	for addr, h := range handlers {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "perfserve:", err)
			os.Exit(1)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}
	fmt.Println("ready")
	<-ctx.Done()
}
