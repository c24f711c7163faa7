// Package perf owns resource measurements of the maintained host: parsing the
// application's performance-metrics JSON lines, the weekly trend report over
// them, evaluating that report against thresholds, and the top processes by
// CPU and memory right now: the whole host's (TopProcesses), or only given
// process trees (TopProcessesOf: an installation's services by their pid
// files); the sampler that writes that JSON-lines file (Monitor,
// HostSampler, Appender) with the threshold check of its latest samples
// (Check); and the HTTP benchmark of the configured endpoints (Bench).
//
// It returns plain domain structs (TrendReport, Finding, Proc); internal/weekly
// turns them into runbook Results, graded with internal/finding's
// severities. Of fossamaint it imports only the leaf helpers (lines,
// redact, finding); it must not import internal/runbook,
// internal/weekly, internal/cli or any other fossamaint domain package.
// internal/archtest checks these rules.
//
// # Trend window
//
// The seed averages "tail -168" lines as "last week". That is wrong whenever
// the sampler stopped, ran twice, or the file holds other cadences: Trends
// keeps the samples whose timestamp falls in [from, to), whatever their
// position in the file. Naive timestamps (the upstream default) are read in
// the location the caller passes, normally the maintenance window's zone.
//
// # Memory bound
//
// The file is streamed through a 64 KiB bufio.Reader; a line longer than
// MaxLineBytes is skipped (and counted as malformed) without being held in
// memory. For the percentiles Trends keeps two float64 slices (CPU and memory)
// of the samples inside the window only: 16 bytes per in-window sample, 2.7 KiB
// for a week at the upstream hourly cadence and 9.7 MB even at one sample per
// second. That is exact and small enough that a streaming quantile sketch
// (approximate, harder to audit in a report) is not worth it.
//
// # Percentiles
//
// Nearest-rank: the p-th percentile of N sorted values is the value at rank
// ceil(p/100 × N) (1-based). It is always an observed sample, never an
// interpolation, so "p95 CPU 97 %" points at something that happened.
//
// # Gaps
//
// The upstream sampler writes one sample per hour. The window is cut into
// hourly slots starting at from; a slot is covered when at least one sample
// falls in it. Missing slots, not raw line counts, measure gaps, so a sampler
// that runs more often than hourly does not hide a silent day.
//
// # The sampler
//
// Monitor writes upstream's line shape (plus a "load" object) on a
// monotonic ticker, stamping lines with the wall clock; Appender opens the
// file O_APPEND per line, writes the line in one write, fsyncs, and rotates
// FILE to FILE.1 by size, so the file is never truncated and a reader of
// FILE always finds the newest samples. Check reads FILE.1 and FILE.
//
// # HTTP benchmark without coordinated omission
//
// Bench is open-loop: request i is due at start + i/rate whether or not
// the earlier ones have answered, and its latency runs from that due time
// to the end of the response body. A closed-loop client (hey, ab, wrk)
// waits for each answer before sending the next request, so a server
// stall of 500 ms costs it one slow sample where real users would have
// queued 25 requests behind it (at 50/s); its p99 hides the stall. The
// stall-server test (bench_stall_test.go, on StallHandler, which
// bench/perfserve also serves to hey and vegeta) shows both side by side.
// Latencies go to an HDR histogram (github.com/HdrHistogram/hdrhistogram-go,
// 1 µs to 10 min at 3 significant digits: fixed memory, exact merging of
// the endpoints into the overall figures). Bench is bounded: at most
// MaxBenchRequests, MaxBenchDuration and MaxBenchRate, and MaxInFlight
// requests at once; when that cap is reached the later requests wait and
// the result says the rate was not sustained (their latency still counts
// from their due time). Only GET is ever sent; the auth header value is
// never part of a result or an error. A cancelled context stops the
// schedule and returns what was measured; requests cut by it are not
// samples. When the first 20 requests all failed to connect (every
// endpoint down), the benchmark stops there and says so. Requests carry
// the User-Agent fossamaint-bench, so the
// application's access log tells them apart.
//
// # Week over week
//
// BenchFile is reports/performance-benchmark-YYYYMMDD.json (the seed's
// name): the weekly run's benchmark with its preflight and postflight
// ones; PreviousBenchFile finds the newest of an earlier day. CompareBench
// compares p50, p95 and p99 per endpoint: a percentile regressed when it
// is slower by more than the threshold percentage and by at least a floor,
// and it is compared at all only when both sides answered enough requests
// for it (10, 100, 500): the p99 of 40 requests is their maximum, and two
// maxima differ by chance.
//
// # What we never do
//
// The seed runs `sync && echo 3 > /proc/sys/vm/drop_caches` when memory is
// "high". Dropping the page cache only makes the next reads slow; it frees
// nothing the kernel would not reclaim by itself. Memory pressure is reported
// as a finding and nothing is ever done about it here.
//
// Command lines of top processes are truncated and have secrets redacted
// (--password=..., token=..., URL credentials) before they leave this package,
// because they end up in reports and notifications.
package perf
