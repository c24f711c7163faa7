package pgdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ClusterOptions say where and how StartCluster runs a private server.
type ClusterOptions struct {
	// Dir holds the cluster: Dir/data and Dir/server.log. It is made when
	// missing; a Dir/data already initialised is started as it is.
	Dir string
	// Bin holds initdb, pg_ctl and postgres; empty: ServerBin().
	Bin string
	// User is the operating-system user the server runs as when
	// fossamaint is root (initdb refuses root): empty picks "postgres"
	// when it exists, else "nobody". Ignored when not root.
	User string
	// Settings are extra postgresql.conf lines ("fsync = off").
	Settings []string
}

// Cluster is a server started by StartCluster: Unix socket only (no TCP),
// trust authentication on a socket directory only its user (and root)
// can enter, superuser "postgres".
type Cluster struct {
	Dir, DataDir, SocketDir, Bin string
	Port                         int
	// Superuser is the role initdb made.
	Superuser string
	cred      *syscall.Credential
	home      string
}

// StartCluster initialises (when needed) and starts a private server.
func StartCluster(ctx context.Context, o ClusterOptions) (*Cluster, error) {
	if o.Bin == "" {
		bin, err := ServerBin()
		if err != nil {
			return nil, err
		}
		o.Bin = bin
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, DataDir: filepath.Join(dir, "data"), Bin: o.Bin, Port: 5432, Superuser: "postgres"}
	if err := c.runAs(o.User); err != nil {
		return nil, err
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.DataDir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx, o.Settings); err != nil {
			c.removeSocketDir()
			return nil, err
		}
	} else if err := c.writeSocketSetting(); err != nil {
		c.removeSocketDir()
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		c.removeSocketDir()
		return nil, err
	}
	return c, nil
}

// runAs picks the user the server runs as (root only).
func (c *Cluster) runAs(name string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	var u *user.User
	var err error
	if name != "" {
		u, err = user.Lookup(name)
	} else if u, err = user.Lookup("postgres"); err != nil {
		u, err = user.Lookup("nobody")
	}
	if err != nil {
		return fmt.Errorf("PostgreSQL refuses to run as root and no user to run it as was found: %w (create a postgres user, or set its name)", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	c.home = c.Dir
	return nil
}

// prepareDirs makes Dir and the socket directory (a short private one:
// a socket path is limited to 107 bytes) owned by the server's user.
func (c *Cluster) prepareDirs() error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("making the cluster directory: %w", err)
	}
	sock, err := os.MkdirTemp("", "fmpg-")
	if err != nil {
		return fmt.Errorf("making the socket directory: %w (set TMPDIR to a writable directory)", err)
	}
	c.SocketDir = sock
	if c.cred == nil {
		return nil
	}
	for _, d := range []string{c.Dir, sock} {
		if err := os.Chown(d, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			c.removeSocketDir()
			return fmt.Errorf("giving %s to uid %d: %w", d, c.cred.Uid, err)
		}
	}
	if err := c.reachable(); err != nil {
		c.removeSocketDir()
		return err
	}
	return nil
}

// reachable checks that the server's user can enter every directory
// above Dir (a private temp dir above it would stop initdb with a less
// helpful message).
func (c *Cluster) reachable() error {
	for d := filepath.Dir(c.Dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Uid != c.cred.Uid {
				return fmt.Errorf("the PostgreSQL server runs as uid %d, which cannot enter %s (mode %v): make it searchable (chmod o+x) or put the cluster elsewhere", c.cred.Uid, d, st.Mode().Perm())
			}
		}
		if d == "/" || d == filepath.Dir(d) {
			return nil
		}
	}
}

func (c *Cluster) removeSocketDir() {
	if c.SocketDir != "" {
		_ = os.RemoveAll(c.SocketDir)
	}
}

// initdb makes the data directory: UTF8, C locale, trust on the socket
// (which only its user and root can reach), no TCP.
func (c *Cluster) initdb(ctx context.Context, settings []string) error {
	if _, err := c.run(ctx, "initdb", "-D", c.DataDir, "-U", c.Superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(c.DataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	conf := "\n# fossamaint private cluster\nlisten_addresses = ''\nport = " + strconv.Itoa(c.Port) + "\n"
	for _, s := range settings {
		conf += s + "\n"
	}
	if _, err := f.WriteString(conf); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return c.writeSocketSetting()
}

// writeSocketSetting points the server at this start's socket directory
// (postgresql.auto.conf, the file ALTER SYSTEM writes, read last).
func (c *Cluster) writeSocketSetting() error {
	if strings.ContainsAny(c.SocketDir, "'\\\n") {
		return fmt.Errorf("socket directory %q holds a quote or backslash: set TMPDIR to a plain path", c.SocketDir)
	}
	p := filepath.Join(c.DataDir, "postgresql.auto.conf")
	data := "# written by fossamaint for this start\nunix_socket_directories = '" + c.SocketDir + "'\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if c.cred != nil {
		return os.Chown(p, int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.DataDir, "-l", filepath.Join(c.Dir, "server.log"))
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("%w\nserver log:\n%s", err, tail(string(log), 2000))
	}
	return nil
}

// Stop stops the server (fast: connections are ended) and waits.
func (c *Cluster) Stop(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", c.DataDir)
	return err
}

// Close stops the server and removes its socket directory; the data
// directory stays.
func (c *Cluster) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.Stop(ctx)
	c.removeSocketDir()
	return err
}

// URL is the URL of database name as the superuser, over the socket.
func (c *Cluster) URL(name string) string {
	q := url.Values{"host": {c.SocketDir}, "port": {strconv.Itoa(c.Port)}}
	return (&url.URL{Scheme: "postgres", User: url.User(c.Superuser), Path: "/" + name, RawQuery: q.Encode()}).String()
}

// CreateDatabase makes database name (owned by the superuser).
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+QuoteIdent(name)); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

// RelationFile is the path of the first segment of a relation's data
// file (for a test that damages it with the server stopped).
func (c *Cluster) RelationFile(ctx context.Context, dbname, relation string) (string, error) {
	conn, err := connect(ctx, c.URL(dbname))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var rel string
	if err := conn.QueryRow(ctx, "SELECT pg_relation_filepath($1::regclass)", relation).Scan(&rel); err != nil {
		return "", fmt.Errorf("locating %s: %w", relation, err)
	}
	return filepath.Join(c.DataDir, rel), nil
}

// run runs a server program as the cluster's user.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, prog), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(cmd.Env, "HOME="+c.home)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, strings.TrimSpace(tail(string(out), 2000)))
	}
	return out, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
