package patterns

import "testing"

func TestTokenizeMasks(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain words", "Connection closed by peer", "Connection closed by peer"},
		{"number", "retry 3 of 5", "retry <*> of <*>"},
		{"negative and float", "offset -12 took 0.25", "offset <*> took <*>"},
		{"unit after a number", "took 0.25 s", "took <*>"},
		{"size in brackets", "sent 1190 bytes (1.16 KB) ok", "sent <*> bytes (<*>) ok"},
		{"path with a space", "update (/var/lib/Station Data/s12.rrd): late", "update (<*>): late"},
		{"list with commas", "IRQs 3, 4, 5, 7", "IRQs <*>"},
		{"value and bracketed value stay apart", "from 10.0.0.1 (host-1.example.net) up", "from <*> (<*>) up"},
		{"ipv4 with port", "connect to 192.168.10.2:8080 failed", "connect to <*> failed"},
		{"host with port", "api.example.com:443 open through proxy gw.example.com:3128", "<*> open through proxy <*>"},
		{"ip in brackets", "from host [10.0.0.1] rejected", "from host [<*>] rejected"},
		{"ipv6", "peer fe80::1ff:fe23:4567:890a up", "peer <*> up"},
		{"hex id", "object 0x7ffde3a0 freed", "object <*> freed"},
		{"uuid", "order 3f2504e0-4f89-11d3-9a0c-0305e82c3301 saved", "order <*> saved"},
		{"identifier with number", "worker_17 started job-2291", "<*> started <*>"},
		{"time and date", "at 2025-01-13 02:14:07,123 done", "at <*> done"},
		{"weekday and month next to a time", "login at Sun Jul 24 02:38:22 2005", "login at <*>"},
		{"month alone is text", "May I help", "May I help"},
		{"absolute path", "opened /var/lib/fossawork/db.sqlite ok", "opened <*> ok"},
		{"url", "GET https://example.com/api failed", "GET <*> failed"},
		{"key=value", "auth failure; user=bob rhost=h1.example.com tty=ssh", "auth failure; user=<*> rhost=<*> tty=<*>"},
		{"empty value stays", "logname= uid=0", "logname= uid=<*>"},
		{"nested key=value", "session opened by LOGIN(uid=0)", "session opened by LOGIN(uid=<*>)"},
		{"quoted value", `release tag="View Lock", name="x" ws=WorkSource{10113}, uid=7.`, "release tag=<*>, name=<*> ws=<*>, uid=<*>."},
		{"key:number", "onExtend:1514038530000 done", "onExtend:<*> done"},
		{"quoted phrase is one variable", `unknown command "make coffee now" from 7`, `unknown command "<*>" from <*>`},
		{"apostrophe is not a quote", "can't find child 12", "can't find child <*>"},
		{"list of numbers", "ids 1,2,3 removed", "ids <*> removed"},
		{"wildcard runs fold", "delete blk_1 blk_2 blk_3 now", "delete <*> now"},
		{"sentence punctuation kept", "finished in 12s.", "finished in <*>."},
		{"unit glued to number", "took 15ms", "took <*>"},
		{"blank", "   ", ""},
		{"whitespace collapses", "a\t b  c", "a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tok tokenizer
			tok.tokenize(tt.in)
			if got := string(tok.key); got != tt.want {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := len(tok.wordList()); n != len(tok.ends) {
				t.Errorf("wordList has %d words, ends %d", n, len(tok.ends))
			}
		})
	}
}

func TestTokenizeBoundsHugeMessages(t *testing.T) {
	var tok tokenizer
	long := make([]byte, 0, 1<<20)
	for i := 0; len(long) < 1<<20; i++ {
		long = append(long, "word "...)
	}
	tok.tokenize(string(long))
	if len(tok.ends) > maxWords {
		t.Fatalf("%d words kept, want at most %d", len(tok.ends), maxWords)
	}
	tok.tokenize(string(make([]byte, 1<<20)))
	if len(tok.key) > maxWords*(maxWordBytes+1) {
		t.Fatalf("key of %d bytes", len(tok.key))
	}
}
