package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/redact"
)

// Notify says where fossamaint sends its notifications (package notify):
// shoutrrr URLs, one per destination, the events sent, and the time a
// send may take, retries included.
type Notify struct {
	// URLs are shoutrrr service URLs (generic+https://..., smtp://...,
	// slack://..., telegram://...). Their secrets (user, password, tokens
	// in the path or query) are redacted everywhere (NotifyURLSecrets).
	URLs []string `yaml:"urls"`
	// Events are the events sent, of NotifyEvents.
	Events []string `yaml:"events"`
	// Timeout bounds one send to every URL, retries included: a
	// notification never delays the maintenance longer.
	Timeout Duration `yaml:"timeout"`
}

// NotifyEvents are the events fossamaint sends, in the order of a week.
var NotifyEvents = []string{"notice", "started", "overrun", "finished", "failed", "rolled_back"}

// NotifyServices are the shoutrrr services a URL's scheme may name (the
// part before "+"): written out here so that config imports no library;
// internal/notify's test keeps the list equal to shoutrrr's own.
var NotifyServices = []string{
	"bark", "discord", "generic", "googlechat", "gotify", "hangouts", "ifttt", "join", "lark",
	"logger", "matrix", "mattermost", "notifiarr", "ntfy", "opsgenie", "pagerduty",
	"pushbullet", "pushover", "rocketchat", "signal", "slack", "smtp", "teams", "telegram",
	"wecom", "zulip",
}

func defaultNotify() Notify {
	return Notify{URLs: []string{}, Events: slices.Clone(NotifyEvents), Timeout: Duration(30 * time.Second)}
}

func (c Config) validateNotify(add addFunc) {
	n := c.Notify
	for i, raw := range n.URLs {
		key := fmt.Sprintf("notify.urls[%d]", i)
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" {
			// The URL may hold a secret: never quote it.
			add(key, "is not a URL: write a shoutrrr URL such as generic+https://host/path or smtp://user:password@host:587/?from=a@b&to=c@d")
			continue
		}
		service, _, _ := strings.Cut(u.Scheme, "+")
		if !slices.Contains(NotifyServices, service) {
			add(key, "%q is not a shoutrrr service (%s)%s", service, strings.Join(NotifyServices, ", "), didYouMean(service, NotifyServices))
		}
	}
	for i, e := range n.Events {
		if !slices.Contains(NotifyEvents, e) {
			add(fmt.Sprintf("notify.events[%d]", i), "%q is not one of %s%s", e, strings.Join(NotifyEvents, ", "), didYouMean(e, NotifyEvents))
		}
	}
	if n.Timeout.D() <= 0 || n.Timeout.D() > 10*time.Minute {
		add("notify.timeout", "%s must be more than 0 and at most 10m: notifications must not hold up the maintenance", n.Timeout)
	}
}

// NotifyURLSecrets returns the secrets a shoutrrr URL holds, for the
// redaction layer: its password and a user name that looks like a token
// (telegram://TOKEN@telegram, pushover://shoutrrr:TOKEN@user), header and secret-named query values
// (generic's @Authorization=Bearer%20x), and path segments that look
// random (a Slack or Discord webhook's token). Values that are not
// redact.Plausible are left out.
func NotifyURLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		// A user name is a secret when it looks like a token
		// (telegram://123456:ABC...@telegram), not a login (mailer).
		if name := u.User.Username(); randomLooking(name) {
			out = append(out, name)
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	for k, vs := range u.Query() {
		if !redact.IsSecretName(k) && !strings.HasPrefix(k, "@") {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			// "Bearer x": the credential alone, wherever it is quoted.
			if _, cred, ok := strings.Cut(v, " "); ok {
				out = append(out, cred)
			}
		}
	}
	generic := strings.HasPrefix(u.Scheme, "generic")
	for i, seg := range strings.Split(strings.Trim(u.Path, "/"), "/") {
		// A generic webhook's path after its first segment is its
		// credential (Zapier's /hooks/catch/12345/abc9def/): shorter
		// tokens count there, when they are not a plain word.
		if randomLooking(seg) || (generic && i > 0 && len(seg) >= 5 && !plainWord(seg)) {
			out = append(out, seg)
		}
	}
	if u.Scheme == "pushover" {
		// pushover://shoutrrr:TOKEN@USERKEY/: the host is the user key.
		out = append(out, u.Hostname())
	}
	return slices.DeleteFunc(out, func(v string) bool { return !redact.Plausible(v) })
}

// plainWord is all lower-case letters and dashes ("catch", "webhook").
func plainWord(seg string) bool {
	return strings.Trim(seg, "abcdefghijklmnopqrstuvwxyz-") == ""
}

// randomLooking is a path segment or user name that is likely a token:
// long, or at least 8 characters with a digit (not "webhook" or "mailer").
func randomLooking(seg string) bool {
	return len(seg) >= 16 || (len(seg) >= 8 && strings.ContainsAny(seg, "0123456789"))
}

// NotifyURLRedacted is a notification URL safe to print: its secrets
// (NotifyURLSecrets) replaced by redact.Marker.
func NotifyURLRedacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redact.Marker
	}
	if strings.HasPrefix(u.Scheme, "generic") {
		// Short numeric tokens are not Plausible secrets for the
		// redaction of every output, but in this URL's path they are.
		segs := strings.Split(u.Path, "/")
		for i, seg := range segs {
			if i > 1 && seg != "" && !plainWord(seg) {
				segs[i] = redact.Marker
			}
		}
		u.Path, u.RawPath = strings.Join(segs, "/"), ""
		raw = u.String()
	}
	return redact.New(NotifyURLSecrets(raw)).URL(raw)
}

func (n Notify) redacted() Notify {
	n.URLs = slices.Clone(n.URLs)
	for i, u := range n.URLs {
		n.URLs[i] = NotifyURLRedacted(u)
	}
	return n
}
