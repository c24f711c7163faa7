package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateNotify(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    Notify
		want []string // "key: message fragment"
	}{
		{"defaults", defaultNotify(), nil},
		{"good urls", Notify{URLs: []string{"generic+https://h/x", "smtp://u:p@h:25/?to=a@b", "telegram://t@telegram?chats=@c"},
			Events: []string{"started"}, Timeout: Duration(time.Second)}, nil},
		{"unknown service", Notify{URLs: []string{"slak://token@channel"}, Events: NotifyEvents, Timeout: Duration(time.Second)},
			[]string{`notify.urls[0]: "slak" is not a shoutrrr service`, "did you mean slack?"}},
		{"not a URL, not quoted", Notify{URLs: []string{"no scheme s3cret"}, Events: NotifyEvents, Timeout: Duration(time.Second)},
			[]string{"notify.urls[0]: is not a URL"}},
		{"unknown event", Notify{Events: []string{"finshed"}, Timeout: Duration(time.Second)},
			[]string{`notify.events[0]: "finshed" is not one of`, "did you mean finished?"}},
		{"no budget", Notify{Events: NotifyEvents}, []string{"notify.timeout: 0s must be more than 0 and at most 10m"}},
		{"budget too long", Notify{Events: NotifyEvents, Timeout: Duration(time.Hour)}, []string{"notify.timeout: 1h must be"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			Config{Notify: tc.n}.validateNotify(func(key, format string, a ...any) {
				got = append(got, key+": "+fmt.Sprintf(format, a...))
			})
			all := strings.Join(got, "\n")
			if len(tc.want) == 0 && len(got) > 0 {
				t.Fatalf("problems: %s", all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q lack %q", all, w)
				}
			}
			if strings.Contains(all, "s3cret") {
				t.Errorf("a problem quotes the URL: %s", all)
			}
		})
	}
}

func TestNotifyURLSecrets(t *testing.T) {
	for _, tc := range []struct {
		url        string
		secrets    []string
		notSecrets []string
	}{
		{"smtp://mailer:Pa55word@mail.example.com:587/?from=a@example.com&to=b@example.com",
			[]string{"Pa55word"}, []string{"mailer", "mail.example.com", "a@example.com"}},
		{"telegram://123456789:AAEabcdefghijklmnop@telegram?chats=@ops",
			[]string{"AAEabcdefghijklmnop"}, []string{"telegram", "@ops"}},
		{"discord://abcdefghijklmnopqrstuvwx@123456789012", []string{"abcdefghijklmnopqrstuvwx"}, nil},
		{"generic+https://hooks.example.com/services/T0AB12CD/B0XY98ZZ/abcdefghijklmnopqrstuvwx",
			[]string{"T0AB12CD", "B0XY98ZZ", "abcdefghijklmnopqrstuvwx"}, []string{"services", "hooks.example.com"}},
		{"generic://h.example.com/webhook?@Authorization=Bearer%20tok3nvalue&template=json",
			[]string{"Bearer tok3nvalue", "tok3nvalue"}, []string{"webhook", "json"}},
		{"ntfy://user:s3cretpw@ntfy.example.com/alerts?token=tk_abcdef", []string{"s3cretpw", "tk_abcdef"}, []string{"alerts", "user"}},
		// 12345 is not Plausible for every output's redaction; the
		// URL's own display hides it (TestNotifyURLRedacted).
		{"generic+https://hooks.zapier.com/hooks/catch/12345/b9xq2/", []string{"b9xq2"}, []string{"hooks", "catch"}},
		{"pushover://shoutrrr:azGDORePK8gMaC0QOYAMyEEuzJnyUi@uQiRzpo4DXghDmr9QzzfQu27cmVRsG/?devices=phone",
			[]string{"azGDORePK8gMaC0QOYAMyEEuzJnyUi", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"}, []string{"shoutrrr", "phone"}},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got := NotifyURLSecrets(tc.url)
			for _, s := range tc.secrets {
				if !slices.Contains(got, s) {
					t.Errorf("secrets %q lack %q", got, s)
				}
			}
			for _, s := range tc.notSecrets {
				if slices.Contains(got, s) {
					t.Errorf("secrets %q hold %q, which is not one", got, s)
				}
			}
			red := NotifyURLRedacted(tc.url)
			for _, s := range tc.secrets {
				if strings.Contains(red, s) {
					t.Errorf("redacted %q shows %q", red, s)
				}
			}
		})
	}
}

// The config's secrets, which every output redacts, include the URLs';
// config show prints them redacted.
func TestNotifySecretsReachRedaction(t *testing.T) {
	cfg := Default()
	cfg.Notify.URLs = []string{"smtp://mailer:Pa55word@mail.example.com:587/?to=b@example.com"}
	if !slices.Contains(Secrets(cfg), "Pa55word") {
		t.Errorf("Secrets = %q", Secrets(cfg))
	}
	red := Redacted(cfg)
	if strings.Contains(red.Notify.URLs[0], "Pa55word") || !strings.Contains(red.Notify.URLs[0], "mail.example.com:587") {
		t.Errorf("Redacted URL %q", red.Notify.URLs[0])
	}
	if !strings.Contains(cfg.Notify.URLs[0], "Pa55word") {
		t.Error("Redacted changed the original config")
	}
}

// TestNotifyURLRedacted: a generic webhook's path after its first
// segment is shown redacted, short numeric tokens included.
func TestNotifyURLRedacted(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"generic+https://hooks.zapier.com/hooks/catch/12345/b9xq2/", "generic+https://hooks.zapier.com/hooks/catch/[REDACTED]/[REDACTED]/"},
		{"generic+http://127.0.0.1:8080/hook", "generic+http://127.0.0.1:8080/hook"},
		{"smtp://mailer:Pa55word@mail.example.com:587/?to=b@example.com", "smtp://mailer:[REDACTED]@mail.example.com:587/?to=b@example.com"},
	} {
		if got := NotifyURLRedacted(tc.url); got != tc.want {
			t.Errorf("NotifyURLRedacted(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}
