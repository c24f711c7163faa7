package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Error is a configuration problem at a position in a file. Its message
// reads file:line:column: what is wrong.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ErrNotFound is wrapped when the config file does not exist.
var ErrNotFound = errors.New("config file not found")

// Load reads path (at most MaxFileSize bytes), decodes it strictly over
// Default(), expands ${ENV} references, makes Root absolute (relative to
// the file's directory), validates the result and checks that the
// directories it names are directories where they exist.
func Load(path string) (Config, error) {
	data, err := readFile(path)
	if err != nil {
		return Config{}, err
	}
	cfg, body, err := parse(path, data, os.LookupEnv)
	if err != nil {
		return Config{}, err
	}
	if !filepath.IsAbs(cfg.Root) {
		abs, err := filepath.Abs(filepath.Join(filepath.Dir(path), cfg.Root))
		if err != nil {
			return Config{}, fmt.Errorf("%s: resolving root %q: %w", path, cfg.Root, err)
		}
		cfg.Root = abs
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkDirs(path, cfg, body); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// readFile reads the config, refusing more than MaxFileSize bytes while
// reading: a Stat first would miss a file that grows, a pipe or a device.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w (create one with `fossamaint config init > %s`)", path, ErrNotFound, path)
		}
		return nil, fmt.Errorf("reading config %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading config %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf(
			"larger than %d MiB (a fossamaint config is a few KiB): is this the right file?", MaxFileSize>>20)}
	}
	return data, nil
}

// Parse decodes data (named name in errors) over Default(). Unknown keys,
// duplicate keys, type mismatches and documents beyond the limits (see
// MaxDepth, MaxValues) are errors with line and column. A leading UTF-8
// byte order mark is ignored.
func Parse(name string, data []byte, lookup func(string) (string, bool)) (Config, error) {
	cfg, _, err := parse(name, data, lookup)
	return cfg, err
}

// parse is Parse, also returning the document's tree (nil when empty) so
// that later checks can point at a key.
func parse(name string, data []byte, lookup func(string) (string, bool)) (Config, ast.Node, error) {
	doc, err := readDocument(data)
	if err != nil {
		return Config{}, nil, positioned(name, err)
	}
	return decodeDocument(name, doc, lookup)
}

// decodeDocument is the second half of parse, after the document is read.
func decodeDocument(name string, doc document, lookup func(string) (string, bool)) (Config, ast.Node, error) {
	cfg := Default()
	body, err := doc.body()
	if err != nil {
		return Config{}, nil, positioned(name, err)
	}
	if body != nil {
		if err := decodeInto(body, &cfg); err != nil {
			return Config{}, nil, positioned(name, err)
		}
	}
	if err := expandEnv(reflect.ValueOf(&cfg).Elem(), lookup); err != nil {
		return Config{}, nil, &Error{File: name, Msg: err.Error()}
	}
	return cfg, body, nil
}

func positioned(name string, err error) error {
	if e, ok := asPosError(name, err); ok {
		return e
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{File: name, Msg: strings.TrimSpace(ye.GetMessage())}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{File: name, Msg: err.Error()}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${NAME} and ${NAME:-default} in every string of v.
// A bare $ is left alone so passwords and URLs keep their dollar signs.
func expandEnv(v reflect.Value, lookup func(string) (string, bool)) error {
	switch v.Kind() {
	case reflect.String:
		var missing []string
		out := envRef.ReplaceAllStringFunc(v.String(), func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			if val, ok := lookup(m[1]); ok && val != "" {
				return val
			}
			if m[2] != "" {
				return m[3]
			}
			missing = append(missing, m[1])
			return ""
		})
		if len(missing) > 0 {
			return fmt.Errorf("environment variable %s is not set (set it, or write ${%s:-default})", missing[0], missing[0])
		}
		v.SetString(out)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if err := expandEnv(v.Field(i), lookup); err != nil {
				return err
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if err := expandEnv(v.Index(i), lookup); err != nil {
				return err
			}
		}
	}
	return nil
}

// Path resolves p against Root: absolute paths stay as they are.
func (c Config) Path(p string) string {
	// A URL (postgres://user:pw@host/db) is not a path under root: joined,
	// it would read root/postgres:/user:pw@host/db, which neither opens
	// nor redacts as a URL.
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
		return p
	}
	return filepath.Join(c.Root, p)
}
