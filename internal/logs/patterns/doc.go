// Package patterns owns log pattern mining: grouping messages into
// templates whose variable parts read `<*>`, with one configuration for
// every log family (no per-format regexes or thresholds).
//
// Mining has two stages. Masking, per line and allocation-free: each word is
// cut at brackets, quotes, `=`, `,` and `;`, and every piece that carries a
// digit (numbers, IPs, times, hex and UUIDs, ids such as blk_123), is a path
// or URL, is the value of key=value, or is a quoted phrase becomes `<*>`;
// masks joined by number punctuation fold into one, as do runs of masked
// words, and month and weekday names next to a mask go with the timestamp.
// Lines with the same masked text form a shape, counted in a map.
//
// Grouping, over the distinct shapes once all lines are in: shapes of the
// same word count are anchored on the words that share their most common
// frequency (an event's constant words occur exactly as often as the event;
// variable values are rarer), and each anchored group is split on positions
// with fewer than three distinct words, while positions with more, or whose
// words differ only in masked parts, become `<*>`. The first word splits
// unless masked, since messages start with their constant text. Groups that
// render to the same template merge.
//
// Memory is bounded by Options.MaxShapes: when reached, shapes are merged
// into their templates and, if still too many, the least used fold into an
// overflow template.
//
// The package reads files through internal/logs (Open, ParseLine) and must
// not import internal/runbook, internal/weekly, internal/cli or any other
// domain package.
package patterns
