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
)

// ErrNotFound is wrapped when the config file does not exist.
var ErrNotFound = errors.New("config file not found")

// Load reads path (at most MaxFileSize bytes), decodes it strictly over
// Default(), expands ${ENV} references, makes Root absolute (relative to
// the file's directory), validates the result, checks that root is a
// directory and that the directories it names are directories where they
// exist. It reports every problem at once (an *Errors), each at its key's
// file:line:column.
func Load(path string) (Config, error) { return load(path, false) }

// Check is Load plus the checks of `config validate` on the paths an
// installation already has (see requiredPaths): what passes Check, every
// command accepts.
func Check(path string) (Config, error) { return load(path, true) }

func load(path string, required bool) (Config, error) {
	data, err := readFile(path)
	if err != nil {
		return Config{}, err
	}
	doc, err := readDocument(data)
	if err != nil {
		return Config{}, positioned(path, err)
	}
	d, err := decodeDocument(path, doc, os.LookupEnv)
	if err != nil {
		return Config{}, err
	}
	cfg := d.cfg
	if !filepath.IsAbs(cfg.Root) {
		abs, err := filepath.Abs(filepath.Join(filepath.Dir(path), cfg.Root))
		if err != nil {
			return Config{}, fmt.Errorf("%s: resolving root %q: %w", path, cfg.Root, err)
		}
		cfg.Root = abs
	}
	errs := d.errs
	for _, p := range cfg.problems() {
		if !isFailed(p.key, d.failed) {
			errs = append(errs, d.tree.errorAt(path, p.key, p.msg))
		}
	}
	errs = append(errs, checkPaths(path, cfg, d, required)...)
	if len(errs) > 0 {
		return Config{}, &Errors{List: sortErrors(errs)}
	}
	return cfg, nil
}

// isFailed says whether key is, is inside or holds a key that failed to
// decode: its value is then a default, and a problem with it is noise.
func isFailed(key string, failed []string) bool {
	for _, f := range failed {
		if key == f || strings.HasPrefix(f, key+".") || strings.HasPrefix(f, key+"[") ||
			strings.HasPrefix(key, f+".") || strings.HasPrefix(key, f+"[") {
			return true
		}
	}
	return false
}

// errorAt makes a problem with key an *Error at the key's position in the
// file: where the file sets it, or a key it is compared with, or the
// nearest enclosing key; no position when the file sets none of them.
func (t tree) errorAt(file, key, msg string) *Error {
	e := &Error{File: file, Key: key, Msg: key + ": " + msg}
	tk, exact := t.locate(key)
	if rel, ok := relatedKeys[key]; ok && !exact {
		if rtk, rexact := t.locate(rel); rexact {
			tk = rtk
		}
	}
	if tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
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
// duplicate keys, type mismatches, bad values and documents beyond the
// limits (see MaxDepth, MaxValues) are errors with line and column, all of
// them at once (an *Errors). A leading UTF-8 byte order mark is ignored.
func Parse(name string, data []byte, lookup func(string) (string, bool)) (Config, error) {
	doc, err := readDocument(data)
	if err != nil {
		return Config{}, positioned(name, err)
	}
	d, err := decodeDocument(name, doc, lookup)
	if err != nil {
		return Config{}, err
	}
	if len(d.errs) > 0 {
		return Config{}, &Errors{List: sortErrors(d.errs)}
	}
	return d.cfg, nil
}

// decoded is a decoded document: the config (keys with a problem keep
// their default), the tree to find keys in, the problems and the key
// paths that failed.
type decoded struct {
	cfg    Config
	tree   tree
	errs   []*Error
	failed []string
}

// decodeDocument decodes a document read by readDocument over Default()
// and expands ${ENV} references. Its error is a problem that stops
// everything (a second document, a tag, too many values); the problems of
// single keys are in errs.
func decodeDocument(name string, doc document, lookup func(string) (string, bool)) (decoded, error) {
	d := decoded{cfg: Default()}
	body, aliases, err := doc.body()
	if err != nil {
		return d, positioned(name, err)
	}
	d.tree = tree{body: body, aliases: aliases}
	if body != nil {
		errs, failed := decodeInto(body, &d.cfg, aliases)
		for _, pe := range errs {
			d.errs = append(d.errs, pe.in(name))
		}
		d.failed = failed
	}
	expandEnv(reflect.ValueOf(&d.cfg).Elem(), "", lookup, func(key, msg string) {
		d.errs = append(d.errs, d.tree.errorAt(name, key, msg))
		d.failed = append(d.failed, key)
	})
	return d, nil
}

func positioned(name string, err error) error {
	var pe *posError
	if errors.As(err, &pe) {
		return pe.in(name)
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

// expandEnv replaces ${NAME} and ${NAME:-default} in every string of v,
// the value at key path, and reports each unset variable with its key.
// A bare $ is left alone so passwords and URLs keep their dollar signs.
func expandEnv(v reflect.Value, path string, lookup func(string) (string, bool), report func(key, msg string)) {
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
		for _, name := range missing {
			report(path, fmt.Sprintf("environment variable %s is not set (set it, or write ${%s:-default})", name, name))
		}
		if len(missing) == 0 {
			v.SetString(out)
		}
	case reflect.Struct:
		f := fieldsOf(v.Type())
		for _, name := range f.names {
			expandEnv(v.Field(f.index[name]), joinKey(path, name), lookup, report)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			expandEnv(v.Index(i), fmt.Sprintf("%s[%d]", path, i), lookup, report)
		}
	}
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
