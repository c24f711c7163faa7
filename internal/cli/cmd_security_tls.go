package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/security"
)

type tlsFlags struct {
	asJSON  bool
	timeout time.Duration
	caFile  string
	key     string
}

func (a *app) securityTLSCmd() *cobra.Command {
	var f tlsFlags
	c := &cobra.Command{
		Use:   "tls [flags] [TARGET...]",
		Short: "Certificate files and live TLS endpoints: expiry, chain, hostname, key match, weak keys and signatures",
		Long: `Checks certificate files (PEM bundles or DER, leaf first) and live endpoints
(host:port, or host:port,sni to send and verify another name). For each:
days to expiry (warning under thresholds.tls_warn_days, critical under
thresholds.tls_critical_days), expired or not yet valid, a chain that does
not reach a trusted root (self-signed, untrusted root, or an intermediate
missing from the file or from what the server sends), the hostname, a key
file that does not match (security.tls_keys or --key), RSA keys under 2048
bits, ECDSA under 256, and MD5 or SHA-1 signatures.

Roots are the system's, or security.tls_ca_file, or --ca-file. Endpoints
are read with verification off so that every problem is named; the chain
is then verified here.

Without TARGETs, the configured security.tls_certs and tls_endpoints are
checked. A TARGET containing ':' that is not an existing file is an
endpoint.

Exits 0 when all is well, 1 on warnings, 2 on critical problems.`,
		Example: `  fossamaint security tls
  fossamaint security tls --json /etc/ssl/certs/fossawork.crt
  fossamaint security tls --key /etc/ssl/private/fossawork.key /etc/ssl/certs/fossawork.crt
  fossamaint security tls fossawork.example.com:443 127.0.0.1:8443,fossawork.example.com`,
		Args: cobra.ArbitraryArgs, // targets; none: the configured ones
		RunE: func(cmd *cobra.Command, args []string) error { return a.runSecurityTLS(cmd.Context(), f, args) },
	}
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON")
	c.Flags().DurationVar(&f.timeout, "timeout", security.DefaultTLSTimeout, "connect and handshake timeout per endpoint")
	c.Flags().StringVar(&f.caFile, "ca-file", "", "PEM roots to verify against instead of the system's (default: security.tls_ca_file)")
	c.Flags().StringVar(&f.key, "key", "", "private key of the one certificate file named")
	return c
}

func (a *app) runSecurityTLS(ctx context.Context, f tlsFlags, args []string) error {
	in, err := a.installation()
	if err != nil {
		if len(args) == 0 {
			return withCode(ExitUsage, fmt.Errorf("%w (or name the certificates and endpoints to check)", err))
		}
		// The TARGETs alone, with the default thresholds: no configured
		// key or CA file applies.
		if in, err = defaultInstallation(); err != nil {
			return err
		}
		in.Security.TLSKeys, in.Security.TLSCAFile = nil, ""
	}
	opts := security.TLSOptions{Now: a.now(), WarnDays: in.Thresholds.TLSWarnDays,
		CriticalDays: in.Thresholds.TLSCriticalDays, Timeout: f.timeout}
	caFile := f.caFile
	if caFile == "" {
		caFile = in.Security.TLSCAFile
	}
	if caFile != "" {
		if opts.Roots, err = security.LoadCAFile(caFile); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	targets, err := tlsTargets(in.Security, args, f.key)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		fmt.Fprintln(a.stdout, "No certificates or endpoints to check: security.tls_certs and tls_endpoints are empty.")
		return nil
	}
	reports := security.CheckTLS(ctx, targets, opts)
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.asJSON {
		err = a.encodeList("reports", reports)
	} else {
		err = writeTLSReports(a.stdout, reports)
	}
	if err != nil {
		return err
	}
	return exitSilently(tlsExitCode(reports))
}

// tlsTargets are the arguments, or the configured certificates and
// endpoints. Keys come from security.tls_keys by resolved path, or --key.
func tlsTargets(sec install.Security, args []string, key string) ([]security.TLSTarget, error) {
	keys := make(map[string]string, len(sec.TLSKeys))
	for cert, k := range sec.TLSKeys {
		keys[filepath.Clean(cert)] = k
	}
	if len(args) == 0 {
		if key != "" {
			return nil, usageErr("--key needs the certificate file named as the one TARGET")
		}
		certs := make([]string, len(sec.TLSCerts))
		for i, c := range sec.TLSCerts {
			certs[i] = filepath.Clean(c)
		}
		t, err := security.TLSTargets(certs, keys, sec.TLSEndpoints)
		if err != nil {
			return nil, withCode(ExitUsage, err)
		}
		return t, nil
	}
	var out []security.TLSTarget
	for _, arg := range args {
		t, err := tlsTarget(arg, keys)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if key != "" {
		if len(out) != 1 || out[0].Kind != security.TLSKindFile {
			return nil, usageErr("--key goes with exactly one certificate file")
		}
		out[0].KeyFile = key
	}
	return out, nil
}

func tlsTarget(arg string, keys map[string]string) (security.TLSTarget, error) {
	_, statErr := os.Stat(arg)
	if strings.Contains(arg, ":") && errors.Is(statErr, fs.ErrNotExist) {
		t, err := security.ParseTLSEndpoint(arg)
		if err != nil {
			return t, usageErr("%v", err)
		}
		return t, nil
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		return security.TLSTarget{}, usageErr("%s: no such certificate file (an endpoint is host:port)", arg)
	}
	t := security.TLSTarget{Kind: security.TLSKindFile, Target: arg, KeyFile: keys[filepath.Clean(arg)]}
	if abs, err := filepath.Abs(arg); err == nil && t.KeyFile == "" {
		t.KeyFile = keys[abs]
	}
	return t, nil
}

func tlsExitCode(reports []security.TLSReport) int {
	code := ExitOK
	for _, r := range reports {
		switch r.Severity() {
		case finding.Critical:
			return ExitFail
		case finding.Warning:
			code = ExitWarn
		}
	}
	return code
}

// writeTLSReports renders one block per target.
func writeTLSReports(w io.Writer, reports []security.TLSReport) error {
	var b strings.Builder
	for i, r := range reports {
		if i > 0 {
			b.WriteString("\n")
		}
		head := r.Target
		if r.Kind == security.TLSKindEndpoint && r.ServerName != "" {
			head += " (endpoint, name " + r.ServerName
			if r.Protocol != "" {
				head += ", " + r.Protocol
			}
			head += ")"
		} else {
			head += " (" + r.Kind + ")"
		}
		fmt.Fprintf(&b, "%s: %s\n", head, strings.ToUpper(r.Severity().String()))
		if r.Subject != "" {
			fmt.Fprintf(&b, "  subject   %s\n  issuer    %s\n", r.Subject, r.Issuer)
			if len(r.DNSNames) > 0 {
				fmt.Fprintf(&b, "  names     %s\n", strings.Join(r.DNSNames, ", "))
			}
			fmt.Fprintf(&b, "  valid     %s to %s (%d days left)\n", r.NotBefore.UTC().Format(time.DateOnly), r.NotAfter.UTC().Format(time.DateOnly), r.DaysLeft)
			verdict := "not verified"
			if r.Verified {
				verdict = "verified"
			}
			fmt.Fprintf(&b, "  chain     %s, leaf first:\n", verdict)
			for _, c := range r.Chain {
				fmt.Fprintf(&b, "              %s\n", c)
			}
		}
		if r.KeyFile != "" {
			fmt.Fprintf(&b, "  key       %s\n", r.KeyFile)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  [%s] %s\n", p.Severity, p.Message)
			if p.Recommendation != "" {
				fmt.Fprintf(&b, "      -> %s\n", p.Recommendation)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
