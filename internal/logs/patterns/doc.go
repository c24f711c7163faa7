// Package patterns owns log pattern mining: grouping messages into
// templates whose variable parts read `<*>`, with one configuration for
// every log family (no per-format regexes or thresholds).
//
// Mining has two stages. Masking, per line and allocation-free: each word is
// cut at brackets, quotes, `=`, `,` and `;`, and every piece that carries a
// digit (numbers, IPs, times, hex and UUIDs, ids such as blk_123), is a path
// or URL, is a host or file with a port or line (`api.example.com:443`), is
// the value of key=value (quoted or bracketed values included) or is a
// quoted phrase becomes `<*>`; masks joined by number punctuation fold into
// one, and month and weekday names next to a mask go with the timestamp. A
// parameter written as several words is one mask: a size or duration with
// its unit (`1.2 KB`, `<1 sec`), and runs of words that are masks and
// punctuation only when they continue one another (a list `1, 2, 3`, the
// rest of a bracket `(/srv/Station Data/x):`). Lines with the same masked
// text form a shape, counted in a map.
//
// Grouping, over the distinct shapes once all lines are in: shapes of the
// same word count are anchored on the words that share their most common
// frequency (an event's constant words occur exactly as often as the event;
// variable values are rarer), and each anchored group is split on positions
// with fewer than three distinct words, while positions with more, or whose
// words differ only in masked parts, become `<*>`. The first word splits
// unless masked or, with three or more values, unless its words are all
// dotted names (a process, host or component: `chrome.exe`,
// `com.example.sync:`), since messages otherwise start with their constant
// text. Groups whose templates differ only in words that are masks and
// punctuation merge, whatever their length: a parameter that is sometimes
// there (`bytes (<*>) sent` and `bytes sent`) does not make another event.
//
// Memory is bounded by Options.MaxShapes: when reached, shapes are merged
// into their templates and, if still too many, the least used fold into an
// overflow template.
//
// The package reads files through internal/logs (Open, ParseLine); of
// fossamaint it imports only that and the leaf helpers, and must not import
// internal/runbook, internal/weekly, internal/cli or any other domain
// package. internal/archtest checks these rules.
package patterns
