// Package notify sends fossamaint's notifications through shoutrrr
// (github.com/nicholas-fedor/shoutrrr, the maintained fork of
// containrrr/shoutrrr): one URL per destination (generic webhook, SMTP,
// Slack, Teams, Discord, Telegram, Pushover, Gotify, ntfy, ...), from
// notify.urls. It owns the transport and the events, not what a message
// says: package weekly writes the run's messages and the notice.
//
// Use: s := notify.New(cfg.Notify, secrets), then
// s.Send(ctx, notify.Message{Event: notify.Overrun, Title: ..., Body: ...}).
// Send delivers to every URL at once, retrying each with exponential
// backoff (1 s, 2 s, 4 s, ...) until it is taken or notify.timeout (30 s by
// default) is spent, and returns by then whatever the destinations do: a
// notification never fails the maintenance nor delays it beyond that
// budget. It returns one Result per destination (redacted URL, ok or the
// error, attempts, time); the caller records the failures (Failures), e.g.
// as a Warning finding of the run. An event notify.events does not list,
// or no URL, sends nothing (Wants says so beforehand); a nil *Sender sends
// nothing either. *Sender is also the engine's overrun notifier
// (runbook.OverrunNotifier: Overrun when window.overrun extends the
// window, RolledBack when it rolls the run back), by its method set alone,
// without importing runbook: `weekly` passes it, beside the stderr
// printer, as weekly.Options.Notifier (weekly.Notifiers); a failure there
// is the error the engine records as a warning.
//
// Secrets: every URL's secrets (config.NotifyURLSecrets) and the values
// New is given (the .env values) are removed from each message before it
// leaves and from every error; Results show the URLs redacted.
//
// Of fossamaint it imports config (the notify section, the URL secrets)
// and the helpers (human, redact); nothing else (internal/archtest checks
// this).
package notify
