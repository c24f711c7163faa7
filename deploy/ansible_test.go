package deploy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
)

const ansibleDir = "ansible"

// ansiblePlaybook finds ansible-playbook: a test without it skips, but
// fails under CI, whose .ci/run installs Debian's ansible-core.
func ansiblePlaybook(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-playbook is not installed, and CI is set: .ci/run installs ansible-core")
		}
		t.Skip("ansible-playbook is not installed (apt-get install ansible-core)")
	}
	return p
}

// playbook runs ansible-playbook in dir with args and a private
// ANSIBLE_HOME, and returns its output and error.
func playbook(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ansiblePlaybook(t), args...)
	cmd.Dir = dir
	home := t.TempDir()
	// A config of its own: none of the user's or the machine's applies.
	cfgFile := filepath.Join(home, "ansible.cfg")
	if err := os.WriteFile(cfgFile, []byte("[defaults]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOME="+home, "ANSIBLE_LOCAL_TEMP="+home+"/tmp",
		"ANSIBLE_REMOTE_TEMP="+home+"/remote", "ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_CONFIG="+cfgFile)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestAnsibleSyntax: the playbook, the role and the example inventory
// pass ansible-playbook --syntax-check, and a broken copy does not.
func TestAnsibleSyntax(t *testing.T) {
	if out, err := playbook(t, ansibleDir, "--syntax-check", "-i", "inventory", "site.yml"); err != nil {
		t.Fatalf("syntax check: %v\n%s", err, out)
	}
	for _, tc := range []struct{ name, file, old, new, want string }{
		{"unknown module", "roles/fossamaint/tasks/main.yml", "ansible.builtin.stat:", "ansible.builtin.stats:", "ansible.builtin.stats"},
		{"two actions", "roles/fossamaint/tasks/main.yml", "  ansible.builtin.set_fact:", "  ansible.builtin.debug:\n  ansible.builtin.set_fact:", "conflicting action statements"},
		{"missing role", "site.yml", "    - fossamaint", "    - fossamaint_agent", "fossamaint_agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTree(t, ansibleDir)
			edit(t, filepath.Join(dir, tc.file), tc.old, tc.new)
			out, err := playbook(t, dir, "--syntax-check", "-i", "inventory", "site.yml")
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("syntax check of the broken copy: err %v, output without %q:\n%s", err, tc.want, out)
			}
		})
	}
}

// TestAnsibleRole runs the role for real on this machine (connection
// local) with every path in a temporary directory, as the example
// inventory's first host: the binary is copied and its checksum checked,
// the config written and validated by the binary, and the units written by
// `schedule install`. Only systemd is left alone (fossamaint_systemd:
// false: no daemon-reload, no enable): no systemd runs here.
func TestAnsibleRole(t *testing.T) {
	ansiblePlaybook(t)
	if testing.Short() {
		t.Skip("builds fossamaint and runs ansible-playbook three times")
	}
	tmp := t.TempDir()
	dir, vars := roleFixture(t, tmp)
	out, err := runRole(t, dir, vars, nil)
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	checkInstalled(t, tmp)

	// Again: nothing changes.
	out, err = runRole(t, dir, vars, nil)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`fw-berlin-001\s*: ok=\d+\s+changed=0\s`).MatchString(out) {
		t.Errorf("the second run changed something:\n%s", out)
	}

	// A binary that is not the one named stops the play.
	out, err = runRole(t, dir, vars, map[string]any{"fossamaint_binary_sha256": strings.Repeat("0", 64)})
	if err == nil || !strings.Contains(out, "not "+strings.Repeat("0", 64)) {
		t.Errorf("a wrong checksum did not stop the play (err %v):\n%s", err, out)
	}
}

// roleFixture is a copy of deploy/ansible whose inventory has the first
// example host on a local connection, and the variables that put every
// path the role writes under tmp.
func roleFixture(t *testing.T, tmp string) (dir string, vars map[string]any) {
	t.Helper()
	bin := buildStatic(t, filepath.Join(sharedDir, "static"))
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	dir = copyTree(t, ansibleDir)
	inventory := "fossawork:\n  hosts:\n    fw-berlin-001:\n      ansible_connection: local\n      ansible_python_interpreter: /usr/bin/python3\n"
	if err := os.WriteFile(filepath.Join(dir, "inventory", "hosts.yml"), []byte(inventory), 0o600); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	group, err := user.LookupGroupId(me.Gid)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(tmp, "opt", "fossawork")
	for _, d := range []string{filepath.Join(root, "backend"), filepath.Join(tmp, "bin"), filepath.Join(tmp, "units")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return dir, map[string]any{
		"ansible_become":                      false,
		"fossamaint_systemd":                  false,
		"fossamaint_binary_src":               bin,
		"fossamaint_binary_sha256":            hex.EncodeToString(sum[:]),
		"fossamaint_binary":                   filepath.Join(tmp, "bin", "fossamaint"),
		"fossamaint_config_dir":               filepath.Join(tmp, "etc"),
		"fossamaint_config":                   filepath.Join(tmp, "etc", "fossamaint.yaml"),
		"fossamaint_unit_dir":                 filepath.Join(tmp, "units"),
		"fossamaint_state_dir":                filepath.Join(tmp, "state"),
		"fossamaint_root":                     root,
		"fossamaint_owner":                    me.Username,
		"fossamaint_group":                    group.Name,
		"fossamaint_offsite_credentials_file": filepath.Join(tmp, "etc", "aws-credentials"),
	}
}

// runRole runs site.yml with vars and extra (which wins) as extra vars.
func runRole(t *testing.T, dir string, vars, extra map[string]any) (string, error) {
	t.Helper()
	all := map[string]any{}
	maps.Copy(all, vars)
	maps.Copy(all, extra)
	js, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "vars.json")
	if err := os.WriteFile(p, js, 0o600); err != nil {
		t.Fatal(err)
	}
	return playbook(t, dir, "-i", "inventory", "site.yml", "-e", "@"+p)
}

// checkInstalled checks what the role wrote under tmp.
func checkInstalled(t *testing.T, tmp string) {
	t.Helper()
	for path, mode := range map[string]os.FileMode{
		"bin/fossamaint":      0o755,
		"etc":                 0o750 | os.ModeDir,
		"etc/fossamaint.yaml": 0o640,
		"etc/aws-credentials": 0o600,
		"state":               0o700 | os.ModeDir,
	} {
		fi, err := os.Stat(filepath.Join(tmp, path))
		if err != nil {
			t.Error(err)
			continue
		}
		if fi.Mode() != mode {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), mode)
		}
	}
	cfg, err := config.Check(filepath.Join(tmp, "etc", "fossamaint.yaml"))
	if err != nil {
		t.Fatalf("the written config: %v", err)
	}
	if id := config.InstallationID(cfg); id != "fw-berlin-001" {
		t.Errorf("installation id %q, want the host_vars' fw-berlin-001", id)
	}
	if !cfg.Backups.Offsite.Enabled() || cfg.History.URL == "" || len(cfg.Notify.URLs) != 1 {
		t.Errorf("the group_vars' offsite, history and notify are not in the config: %+v %+v %v", cfg.Backups.Offsite, cfg.History, cfg.Notify.URLs)
	}
	timer, err := os.ReadFile(filepath.Join(tmp, "units", "fossamaint-weekly.timer"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(timer, []byte("OnCalendar=Sat *-*-* 02:00:00 Europe/Berlin")) {
		t.Errorf("the weekly timer is not at the host's window:\n%s", timer)
	}
	creds, err := os.ReadFile(filepath.Join(tmp, "etc", "aws-credentials"))
	if err != nil || !bytes.Contains(creds, []byte("aws_access_key_id = AKIAEXAMPLEKEYID0000")) {
		t.Errorf("credentials file: %v\n%s", err, creds)
	}
}

// copyTree copies dir's tree into a temporary directory.
func copyTree(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	if err := os.CopyFS(out, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	return out
}
