package cli

import (
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rogpeppe/go-internal/testscript"
)

// freePort sets an environment variable to a free loopback port:
// freeport VAR. (Another process could take it before serve does; on a
// test machine that does not happen in practice.)
func freePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("no free port: %v", err)
	}
	defer ln.Close()
	ts.Setenv(args[0], strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// httpGet is curl for the serve script: httpget [-bearer TOKEN] [-accept
// TYPE] [-post] [-csrf PAGE] [-prom] URL CODE [REGEXP]. It waits up to
// 10 s for the server to listen, then asserts the status and that the
// body matches REGEXP. -csrf sends the CSRF token of PAGE (a path on the
// same server, fetched with the same token); -prom parses the body as
// the Prometheus text format (what promtool check metrics reads).
func httpGet(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("httpget", flag.ContinueOnError)
	bearerTok := fs.String("bearer", "", "")
	accept := fs.String("accept", "", "")
	post := fs.Bool("post", false, "")
	csrfPage := fs.String("csrf", "", "")
	prom := fs.Bool("prom", false, "")
	if err := fs.Parse(args); err != nil || neg || fs.NArg() < 2 || fs.NArg() > 3 {
		ts.Fatalf("usage: httpget [-bearer TOKEN] [-accept TYPE] [-post] [-csrf PAGE] [-prom] URL CODE [REGEXP]")
	}
	url, want := fs.Arg(0), fs.Arg(1)
	header := http.Header{}
	if *bearerTok != "" {
		header.Set("Authorization", "Bearer "+*bearerTok)
	}
	if *accept != "" {
		header.Set("Accept", *accept)
	}
	if *csrfPage != "" {
		base := url[:strings.Index(url[len("http://"):], "/")+len("http://")]
		_, page := fetch(ts, http.MethodGet, base+*csrfPage, header)
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			ts.Fatalf("no CSRF token on %s", *csrfPage)
		}
		header.Set("X-CSRF-Token", m[1])
	}
	method := http.MethodGet
	if *post {
		method = http.MethodPost
	}
	code, body := fetch(ts, method, url, header)
	if strconv.Itoa(code) != want {
		ts.Fatalf("%s %s: %d, want %s\n%s", method, url, code, want, body)
	}
	if fs.NArg() == 3 && !regexp.MustCompile(fs.Arg(2)).MatchString(body) {
		ts.Fatalf("%s %s: the body does not match %q:\n%s", method, url, fs.Arg(2), body)
	}
	if *prom {
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(body))
		if err != nil || len(families) == 0 {
			ts.Fatalf("%s is not the Prometheus text format (%d families): %v", url, len(families), err)
		}
	}
}

func fetch(ts *testscript.TestScript, method, url string, header http.Header) (int, string) {
	client := &http.Client{Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			ts.Fatalf("%s %s: %v", method, url, err)
		}
		req.Header = header.Clone()
		res, err := client.Do(req)
		if errors.Is(err, syscall.ECONNREFUSED) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			ts.Fatalf("%s %s: %v", method, url, err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			ts.Fatalf("%s %s: reading the body: %v", method, url, err)
		}
		return res.StatusCode, string(b)
	}
}
