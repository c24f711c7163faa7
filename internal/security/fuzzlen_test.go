package security

// maxFuzzLen bounds the inputs of this package's slowest fuzz targets, as
// libFuzzer's -max_len does; Go's fuzzer has no such limit. Without one
// the mutator grows inputs to kilobytes, and when such an input reaches
// coverage that depends on its length (often in the standard library,
// which is instrumented too), minimising it tries O(n²) cuts, each paying
// a walk of the whole coverage map (53,000 counters here): both workers
// then spend the rest of a 45 s run minimising and report no execs.
// bench/README.md, "Fuzzing", has the measurements. 256 bytes hold every
// construct of a dotenv line or a request line many times over.
const maxFuzzLen = 256
