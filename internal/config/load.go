package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
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

// Load reads path, decodes it strictly over Default(), expands ${ENV}
// references, makes Root absolute (relative to the file's directory) and
// validates the result.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Config{}, fmt.Errorf("%s: %w (create one with `fossamaint config init > %s`)", path, ErrNotFound, path)
		}
		return Config{}, fmt.Errorf("reading config %s: %w", path, err)
	}
	cfg, err := Parse(path, data, os.LookupEnv)
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
	return cfg, nil
}

// Parse decodes data (named name in errors) over Default(). Unknown keys,
// duplicate keys and type mismatches are errors with line and column.
func Parse(name string, data []byte, lookup func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict())
		if err := dec.Decode(&cfg); err != nil {
			return Config{}, positioned(name, err)
		}
	}
	if err := expandEnv(reflect.ValueOf(&cfg).Elem(), lookup); err != nil {
		return Config{}, &Error{File: name, Msg: err.Error()}
	}
	return cfg, nil
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
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Root, p)
}
