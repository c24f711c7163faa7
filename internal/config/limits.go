package config

// Bounds on what Load and Parse accept. A fossamaint config is a few
// kilobytes holding a few hundred values nested four or five deep; these
// limits are far above that and far below what makes the YAML library's
// cost explode: its parser is quadratic in nesting depth (40 KB of "["
// took 2.6 GB and 17 s) and its decoder expands every alias in full.
const (
	// MaxFileSize is the largest config file Load reads.
	MaxFileSize = 1 << 20
	// MaxDepth bounds the nesting of mappings and sequences, block and
	// flow together.
	MaxDepth = 64
	// MaxValues bounds the values of a document (mapping entries,
	// sequence items, collections), counting each alias as many times as
	// the values it stands for.
	MaxValues = 10000
	// MaxLines bounds the lines, comments and blank ones too: the library
	// makes a token of every comment (a MiB of "#" lines took 150 MB).
	MaxLines = 20000
)
