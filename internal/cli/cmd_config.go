package cli

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/redact"
)

// loadConfig reads the config and, the first time, tells the output
// redaction the installation's secrets.
func (a *app) loadConfig() (config.Config, error) { return a.readConfig(config.Load) }

// readConfig reads the config with load (config.Load, or config.Check for
// `config validate`).
func (a *app) readConfig(load func(string) (config.Config, error)) (config.Config, error) {
	cfg, err := load(a.configPath)
	if err != nil {
		return cfg, withCode(ExitUsage, err)
	}
	if a.secretsOf == "" {
		r := redact.New(a.secrets(cfg))
		for _, w := range a.outputs {
			w.SetRedactor(r)
		}
	}
	return cfg, nil
}

// secrets are the installation's secret values (see install.Secrets), read
// once per .env file; an unreadable one is a warning, not a failure.
func (a *app) secrets(cfg config.Config) []string {
	env := cfg.Path(cfg.Security.EnvFile)
	if a.secretsOf == env {
		return a.secretList
	}
	secrets, err := install.Secrets(cfg)
	if err != nil {
		fmt.Fprintln(a.stderr, "fossamaint: warning: values from the .env file are not known to redaction:", err)
	}
	a.secretsOf, a.secretList = env, secrets
	return secrets
}

func (a *app) configCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Write, check and show the configuration",
		Example: `  fossamaint config init > /etc/fossamaint/fossamaint.yaml
  fossamaint config validate --config /etc/fossamaint/fossamaint.yaml
  fossamaint config show --json`,
	}
	c.AddCommand(a.configInitCmd(), a.configValidateCmd(), a.configShowCmd())
	return c
}

func (a *app) configInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "init",
		Short:   "Print a commented default configuration",
		Example: "  fossamaint config init > fossamaint.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := config.Commented()
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}
}

func (a *app) configValidateCmd() *cobra.Command {
	var asJSON bool
	validate := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration file: every problem at once, each at file:line:column with its key",
		Long: `Reads the configuration as every command does and reports every problem in
one go, sorted by line, each as FILE:LINE:COLUMN: key.path: what is wrong
(an unknown key with the nearest valid one). Beyond what every command
checks (root is an existing directory, directory keys do not name files),
it wants the database's directory to exist.`,
		Example: "  fossamaint config validate --config fossamaint.yaml --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Loaded and resolved as every command does, plus Check's
			// paths: what passes here, the other commands accept.
			_, err := a.checkedInstallation()
			if asJSON {
				if jerr := a.encodeJSON(validateReport(a.configPath, err)); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(a.stdout, "%s: ok\n", a.configPath)
			}
			return nil
		},
	}
	validate.Flags().BoolVar(&asJSON, "json", false, "print the verdict and every problem as JSON")
	return validate
}

// configProblem is one problem of `config validate --json`.
type configProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

type validateOutput struct {
	File string `json:"file"`
	OK   bool   `json:"ok"`
	// Error is the whole text, as printed on stderr; Problems each one.
	Error    string          `json:"error,omitempty"`
	Problems []configProblem `json:"problems"`
}

func validateReport(file string, err error) validateOutput {
	out := validateOutput{File: file, OK: err == nil, Problems: []configProblem{}}
	if err == nil {
		return out
	}
	out.Error = err.Error()
	list := config.All(err)
	for _, e := range list {
		out.Problems = append(out.Problems, configProblem{File: e.File, Line: e.Line, Column: e.Column, Key: e.Key, Message: e.Msg})
	}
	if len(list) == 0 {
		out.Problems = append(out.Problems, configProblem{File: file, Message: err.Error()})
	}
	return out
}

func (a *app) configShowCmd() *cobra.Command {
	var asJSON bool
	show := &cobra.Command{
		Use:     "show",
		Short:   "Print the effective configuration (defaults applied, secrets redacted)",
		Example: "  fossamaint config show --config fossamaint.yaml --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			b, err := config.Marshal(config.Redacted(cfg))
			if err != nil {
				return err
			}
			if asJSON {
				if b, err = yaml.YAMLToJSON(b); err != nil {
					return err
				}
				var out bytes.Buffer
				if err := json.Indent(&out, b, "", "  "); err != nil {
					return err
				}
				b = append(out.Bytes(), '\n')
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return show
}
