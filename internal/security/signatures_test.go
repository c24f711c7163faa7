package security

import (
	"reflect"
	"strings"
	"testing"
)

func TestMatchSignatures(t *testing.T) {
	tests := []struct {
		in   string
		want []SignatureMatch
	}{
		{"/api/work-orders?id=1' OR '1'='1", []SignatureMatch{{SQLInjection, "'"}}},
		{"/api/work-orders?id=1%27%20OR%20%271%27%3D%271", []SignatureMatch{{SQLInjection, "'"}}},
		{"/api/work-orders?id=1%2527%2520or%25201%253D1", []SignatureMatch{{SQLInjection, "'"}}},
		{"/x?id=1+UNION+SELECT+password+FROM+users", []SignatureMatch{{SQLInjection, "union select"}}},
		{"/x?id=1 UnIoN/**/SeLeCt 1", []SignatureMatch{{SQLInjection, "union select"}}},
		{"/x?id=1 union/*bypass*/all/**/select 1", []SignatureMatch{{SQLInjection, "union all select"}}},
		{"/x?id=1%20AND%20SLEEP(5)", []SignatureMatch{{SQLInjection, "sleep("}}},
		{"/x?id=1;--", []SignatureMatch{{SQLInjection, ";--"}}},
		{"/x?q=admin'--", []SignatureMatch{{SQLInjection, "'--"}}},
		{"/x?q=select table_name from information_schema.tables", []SignatureMatch{{SQLInjection, "information_schema"}}},
		{"/x?q='or''='", []SignatureMatch{{SQLInjection, "'"}}},
		{"/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", []SignatureMatch{{XSS, "<script"}}},
		{"/search?q=%253CScRiPt%253E", []SignatureMatch{{XSS, "<script"}}},
		{"/r?next=JavaScript:alert(1)", []SignatureMatch{{XSS, "javascript:"}}},
		{"/x?q=<img src=x onerror=alert(1)>", []SignatureMatch{{XSS, "<img src"}}},
		{"/x?q=%u003Cscript%u003E", []SignatureMatch{{XSS, "<script"}}},
		{"/files?path=../../etc/passwd", []SignatureMatch{{PathTraversal, "../"}}},
		{"/files?path=..%2f..%2fetc%2fshadow", []SignatureMatch{{PathTraversal, "../"}}},
		{"/files?path=%252e%252e%252fboot.ini", []SignatureMatch{{PathTraversal, "../"}}},
		{"/files?path=..%c0%afetc", []SignatureMatch{{PathTraversal, "..\xc0\xaf"}}},
		{"/files?path=..\\..\\windows", []SignatureMatch{{PathTraversal, "..\\"}}},
		{"/static/%2Fetc%2Fpasswd", []SignatureMatch{{PathTraversal, "/etc/passwd"}}},
		{"/export?f=a.pdf;cat /etc/hosts", []SignatureMatch{{CodeInjection, ";cat "}}},
		{"/export?f=%24%28id%29", []SignatureMatch{{CodeInjection, "$("}}},
		{"/export?f=`whoami`", []SignatureMatch{{CodeInjection, "`"}}},
		{"/x?code=eval(base64_decode('x'))", []SignatureMatch{{CodeInjection, "eval("}}},
		{"/x?p=%253C%253Fphp%2520echo%25201%253F%253E", []SignatureMatch{{CodeInjection, "<?php"}}},
		{"User-Agent: ${jndi:ldap://x/a}", []SignatureMatch{{CodeInjection, "${jndi:"}}},
		{"/x?a=../../etc/passwd&b=<script>&c=' or 1=1&d=$(id)", []SignatureMatch{
			{SQLInjection, "'"}, {XSS, "<script"}, {PathTraversal, "../"}, {CodeInjection, "$("}}},
		// Benign look-alikes.
		{"GET /api/work-orders?status=completed 200 12ms", nil},
		{"Retrieval(batch 4) finished; can't find 'a' or 'b' in the cache", nil},
		{"time.sleep(5) before retry", nil},
		{"Slow query detected: 3000 ms for SELECT on work_orders", nil},
		{"Dispenser 1/2 automation progress 50%", nil},
		{"/api/search?q=c%2B%2B+books", nil},
		{"price is $5 (USD)", nil},
		{"a single ` backtick", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := MatchSignatures(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MatchSignatures(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeInto(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/a?q=a+b", "/a?q=a b"},
		{"/a+b?q=1", "/a+b?q=1"}, // '+' is a space only in the query
		{"%41%42", "ab"},
		{"%2541", "a"},
		{"%252541", "a"},
		{"%25252541", "a"},          // four rounds
		{"%2525252541", "%41"},      // the fifth is not done
		{"%zz%4", "%zz%4"},          // malformed escapes stay
		{"%u0041%U00e9", "a\u00e9"}, // IIS %uXXXX; upper-case 'U' too
		{"A\t\n  B", "a b"},
		{"union/**/select", "union select"},
		{"a/*unterminated", "a/*unterminated"},
		{"x%00y", "x y"},
	}
	for _, tt := range tests {
		if got := string(normalizeInto(nil, tt.in)); got != tt.want {
			t.Errorf("normalizeInto(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScannerOf(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap"},
		{"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)", "nikto"},
		{"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "nmap"},
		{"BurpSuite Professional", "burpsuite"},
		{"Havij", "havij"},
		{"Mozilla/5.0 Acunetix-Aspect", "acunetix"},
		{"Mozilla/5.0 (compatible; Nuclei - Open-source project)", "nuclei"},
		{"unmapped-client/1.0", ""},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ScannerOf(tt.ua); got != tt.want {
			t.Errorf("ScannerOf(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

func TestSecretKinds(t *testing.T) {
	listed := []string{"listedsecretvalue42", "abc"} // "abc" is too short to search
	tests := []struct {
		in   string
		want []string
	}{
		{"POST /login body username=x&password=hunter2hunter2", []string{SecretPair}},
		{`payload {"password": "hunter2"}`, []string{SecretPair}},
		{"Loaded DB_PASSWORD=s3cr3t", []string{SecretPair}},
		{"GET /reset?token=8f14e45fceea167a", []string{SecretPair}},
		{"api_key=wf_live_9f8e7d6c5b4a", []string{SecretPair}},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig123", []string{SecretBearer}},
		{"connect postgresql://fossa:S3cretDb@db:5432/x", []string{SecretURL}},
		{"key is listedsecretvalue42 here", []string{SecretListed}},
		{`{"password": 12345678}`, []string{SecretPair}},
		{"password=[hunter2]", []string{SecretPair}},
		{`password="correct horse battery"`, []string{SecretPair}},
		// Already masked, prose, or a key that only ends like one.
		{"password=[REDACTED] token=*** secret=<hidden>", nil},
		{"Password reset requested for tech001", nil},
		{"WWW-Authenticate: Bearer realm=\"api\"", nil},
		{"Bearer authentication required", nil},
		{"cwdpwd=/srv/app", nil},
		{"SELECT username,hashed_password FROM users", nil},
		{"abc", nil},
	}
	red := newRedactor(listed)
	for _, tt := range tests {
		if got := secretKinds(tt.in, secretHinted(tt.in), listed); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("secretKinds(%q) = %v, want %v", tt.in, got, tt.want)
		}
		// What detection flags, the redaction layer removes: the report
		// quoting it as evidence must not show it.
		if r := red.redact(tt.in); secretKinds(r, true, listed) != nil {
			t.Errorf("redacted %q is %q, which still holds %v", tt.in, r, secretKinds(r, true, listed))
		}
	}
}

func TestRedactorExample(t *testing.T) {
	r := newRedactor([]string{"listedsecretvalue42", "listedsecret", "ab"})
	tests := []struct{ in, want string }{
		{"username=tech002&password=hunter2hunter2", "username=tech002&password=[REDACTED]"},
		{"key listedsecretvalue42 and listedsecret ab", "key [REDACTED] and [REDACTED] ab"},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x", "Authorization: Bearer [REDACTED]"},
		{"postgresql://fossa:S3cret@db/x", "postgresql://fossa:[REDACTED]@db/x"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	for _, tt := range tests {
		if got := r.example(tt.in); got != tt.want {
			t.Errorf("example(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := r.example(strings.Repeat("é", 400))
	if len(long) > maxExampleBytes+len("…") || !strings.HasSuffix(long, "…") || strings.ContainsRune(long, '\uFFFD') {
		t.Errorf("long example cut badly: %d bytes, %q...", len(long), long[:20])
	}
}

func FuzzMatchSignatures(f *testing.F) {
	for _, s := range []string{
		"/api/work-orders?id=1%2527%2520or%25201%253D1%253B--",
		"/search?q=%253Cimg%2520src%253Dx%2520onerror%253Dalert(1)%253E",
		"/files?path=%252e%252e%252f..%c0%af%u002e",
		"union/**/select `id` $( eval( <?php ${jndi:",
		"'or''=' ' or 1=1 \" and \"a\"=\"a",
		"%%%u%u12%2", "/*/*/**/*/", "\xff\xfe\x00+?+",
		strings.Repeat("%25", 50) + "41",
	} {
		f.Add(s)
	}
	red := newRedactor([]string{"hunter2hunter2"})
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzLen {
			return
		}
		norm := normalizeInto(nil, s)
		if len(norm) > len(s) {
			t.Fatalf("normalising %q grew it to %q", s, norm)
		}
		for _, m := range MatchSignatures(s) {
			if !strings.Contains(string(norm), m.Pattern) {
				t.Fatalf("MatchSignatures(%q) reports %q, absent from %q", s, m.Pattern, norm)
			}
		}
		secretKinds(s, secretHinted(s), []string{"hunter2hunter2"})
		if out := red.redact(s); strings.Contains(out, "hunter2hunter2") {
			t.Fatalf("redact(%q) = %q still holds the secret", s, out)
		}
	})
}

func secretHinted(s string) bool {
	var hits [4]string
	return defaultMatcher.match(normalizeInto(nil, s), &hits)&(1<<flagSecretHint) != 0
}

// TestMatcherFlags: the phrase flags the scan reads from the same pass.
func TestMatcherFlags(t *testing.T) {
	tests := []struct {
		in   string
		want uint16
	}{
		{"Authentication failed for x", 1 << flagAuthFailure},
		{"Login successful", 1 << flagAuthSuccess},
		{"GET /api/auth/validate 401", 1 << flagValidate},
		{"Rate limit exceeded for 10.0.0.1", 1 << flagRateLimit},
		{"Too Many Requests", 1 << flagRateLimit},
		{"token expired", 1 << flagSecretHint},
		{"login%20failed from 1.2.3.4", 1 << flagAuthFailure},
		{"all quiet", 0},
	}
	for _, tt := range tests {
		var hits [4]string
		if got := defaultMatcher.match(normalizeInto(nil, tt.in), &hits); got != tt.want {
			t.Errorf("match(%q) = %b, want %b", tt.in, got, tt.want)
		}
	}
}
