package pgdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// ErrNoPrivilege is wrapped when pg_restore was refused a privilege
// (SQLSTATE 42501, "permission denied", "must be owner"): the dump may
// well be sound, but this database user cannot show it. "Could not
// verify", never ErrBadDump.
var ErrNoPrivilege = errors.New("the database user lacks a privilege the restore needs")

// toolExtensions are the extensions fossamaint itself may have installed
// in the application's database (amcheck for Check, pgstattuple for
// ReadStats): only a superuser may create them, so a restore by the
// database's owner leaves them out (restoreDump).
var toolExtensions = []string{"amcheck", "pgstattuple"}

// restoreDump runs pg_restore of path into the database at rawURL with
// args, without the EXTENSION entries of toolExtensions and their
// comments (pg_restore --list, then --use-list without those lines). It
// returns the extensions it left out. With reinstall it then creates
// them in the restored database when the user may (a failure to is not
// an error: Check and ReadStats say so when they need them).
//
// A failure for want of a privilege wraps ErrNoPrivilege and says which;
// any other failure of pg_restore is its *ToolError.
func restoreDump(ctx context.Context, tools Tools, rawURL, path string, reinstall bool, args ...string) ([]string, error) {
	out, err := runTool(ctx, tools, "pg_restore", "", "--list", path)
	if err != nil {
		return nil, err
	}
	list, skipped := withoutToolExtensions(string(out))
	f, err := os.CreateTemp("", "fossamaint-restore-*.list")
	if err != nil {
		return nil, fmt.Errorf("writing pg_restore's list of entries: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.WriteString(list)
	if err := errors.Join(werr, f.Close()); err != nil {
		return nil, fmt.Errorf("writing pg_restore's list of entries %s: %w", f.Name(), err)
	}
	argv := append(slices.Clone(args), "--use-list="+f.Name(), path)
	if _, err := runTool(ctx, tools, "pg_restore", rawURL, argv...); err != nil {
		return skipped, privilegeError(ctx, err)
	}
	if reinstall {
		reinstallExtensions(ctx, rawURL, skipped)
	}
	return skipped, nil
}

// withoutToolExtensions comments out ("; ") the entries of a pg_restore
// --list that create a toolExtensions extension or comment on one, and
// names them.
func withoutToolExtensions(list string) (string, []string) {
	var b strings.Builder
	var skipped []string
	for line := range strings.Lines(list) {
		if name, ok := toolExtensionEntry(strings.TrimRight(line, "\r\n")); ok {
			b.WriteString(";" + line)
			if !slices.Contains(skipped, name) {
				skipped = append(skipped, name)
			}
			continue
		}
		b.WriteString(line)
	}
	return b.String(), skipped
}

// toolExtensionEntry says whether an entry line is "EXTENSION - NAME" or
// "COMMENT - EXTENSION NAME" of one of toolExtensions, and which.
func toolExtensionEntry(line string) (string, bool) {
	typ, ok := tocEntryType(line)
	if !ok || (typ != "EXTENSION" && typ != "COMMENT") {
		return "", false
	}
	_, rest, _ := strings.Cut(line, " "+typ+" ")
	f := strings.Fields(rest)
	switch {
	case typ == "EXTENSION" && len(f) >= 2 && f[0] == "-" && slices.Contains(toolExtensions, f[1]):
		return f[1], true
	case typ == "COMMENT" && len(f) >= 3 && f[0] == "-" && f[1] == "EXTENSION" && slices.Contains(toolExtensions, f[2]):
		return f[2], true
	}
	return "", false
}

// reinstallExtensions creates names in the database at rawURL, each as
// far as the user may.
func reinstallExtensions(ctx context.Context, rawURL string, names []string) {
	if len(names) == 0 {
		return
	}
	conn, err := connect(ctx, rawURL)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	for _, n := range names {
		_, _ = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+QuoteIdent(n))
	}
}

// privilegeMarkers are what pg_restore prints when the server refused a
// privilege (SQLSTATE 42501 insufficient_privilege, and "must be owner"
// of an object the user may not alter).
var privilegeMarkers = []string{"42501", "permission denied", "must be owner", "must be superuser", "must be member of role"}

// privilegeError turns a pg_restore failure for want of a privilege into
// an ErrNoPrivilege error naming it (no longer a *ToolError: the dump is
// not shown bad); other errors are returned as they are.
func privilegeError(ctx context.Context, err error) error {
	var te *ToolError
	if ctx.Err() != nil || !errors.As(err, &te) {
		return err
	}
	low := strings.ToLower(te.Stderr)
	if !slices.ContainsFunc(privilegeMarkers, func(m string) bool { return strings.Contains(low, m) }) {
		return err
	}
	return fmt.Errorf("%w: pg_restore was refused: %s (the dump itself may be sound: grant the privilege, or restore as a superuser or the objects' owner, to test it)",
		ErrNoPrivilege, refusal(te.Stderr))
}

// refusal is the server's ERROR line (and its HINT) from pg_restore's
// stderr, or its end when there is none.
func refusal(stderr string) string {
	var keep []string
	for line := range strings.Lines(stderr) {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "ERROR:"); i >= 0 {
			keep = append(keep, strings.Join(strings.Fields(line[i:]), " "))
		} else if strings.HasPrefix(line, "HINT:") || strings.HasPrefix(line, "Command was:") {
			keep = append(keep, strings.Join(strings.Fields(line), " "))
		}
	}
	if len(keep) == 0 {
		return strings.TrimSpace(tail(stderr, 500))
	}
	return strings.Join(keep, "; ")
}
