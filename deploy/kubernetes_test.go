package deploy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const kubeDir = "kubernetes"

// TestKubernetesManifests: every document of deploy/kubernetes decodes
// strictly into its API type and passes every check.
func TestKubernetesManifests(t *testing.T) {
	s, err := loadManifests(kubeDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.problems() {
		t.Error(p)
	}
	var jobs []string
	for _, cj := range s.cronJobs {
		jobs = append(jobs, cj.Name)
	}
	// The three timers of `schedule install` but the sampler.
	if got, want := strings.Join(jobs, " "), "fossamaint-daily-backup fossamaint-notice fossamaint-weekly"; got != want {
		t.Errorf("CronJobs %q, want %q", got, want)
	}
}

// TestKubernetesChecksFail: each check catches a broken copy. Every case
// edits one file of a copy of the directory and names what the error must
// say.
func TestKubernetesChecksFail(t *testing.T) {
	const weekly = "cronjob-weekly.yaml"
	for _, tc := range []struct {
		name, file, old, new string
		want                 string
	}{
		{"unknown field", weekly, "concurrencyPolicy: Forbid", "concurrencyPolicy: Forbid\n  concurencyLimit: 1", `unknown field "concurencyLimit"`},
		{"misplaced field", weekly, "      backoffLimit: 0", "      backoffLimit: 0\n      schedule: x", `unknown field "schedule"`},
		{"wrong type", weekly, "backoffLimit: 0", "backoffLimit: none", "backoffLimit"},
		{"duplicate key", weekly, "  timeZone: Europe/Berlin", "  timeZone: Europe/Berlin\n  timeZone: UTC", `key "timeZone" already set`},
		{"unknown kind", "pvc-state.yaml", "kind: PersistentVolumeClaim", "kind: PersistentVolume", `unknown kind "v1" "PersistentVolume"`},
		{"unknown kustomization key", "kustomization.yaml", "namespace: fossawork", "namespaces: fossawork", `unknown field "namespaces"`},
		{"missing resource", "kustomization.yaml", "  - pvc-state.yaml", "  - pvc-state.yaml\n  - rbac.yaml", "resource rbac.yaml does not exist"},
		{"unlisted manifest", "kustomization.yaml", "  - cronjob-notice.yaml\n", "", "cronjob-notice.yaml is not in resources"},
		{"concurrency", weekly, "concurrencyPolicy: Forbid", "concurrencyPolicy: Allow", `concurrencyPolicy is "Allow"`},
		{"retries", weekly, "backoffLimit: 0", "backoffLimit: 6", "backoffLimit is not 0"},
		{"starting deadline", weekly, "startingDeadlineSeconds: 300", "", "startingDeadlineSeconds is not set"},
		{"schedule fields", weekly, `"0 2 * * 6"`, `"0 2 * 6"`, "has 4 fields"},
		{"schedule off the window", weekly, `"0 2 * * 6"`, `"0 3 * * 6"`, `schedule "0 3 * * 6" is not "0 2 * * 6"`},
		{"notice time", "cronjob-notice.yaml", `"0 2 * * 5"`, `"0 2 * * 6"`, `is not "0 2 * * 5"`},
		{"daily backup time", "cronjob-daily-backup.yaml", `"0 1 * * *"`, `"0 1 * * 6"`, `is not "0 1 * * *"`},
		{"bad zone", weekly, "timeZone: Europe/Berlin", "timeZone: Europe/Atlantis", `timeZone "Europe/Atlantis" is not an IANA zone`},
		{"zone not the window's", weekly, "timeZone: Europe/Berlin", "timeZone: UTC", "timeZone is not the window's zone Europe/Berlin"},
		{"no zone", weekly, "  timeZone: Europe/Berlin\n", "", "timeZone is not set"},
		{"deadline", weekly, "activeDeadlineSeconds: 18000", "activeDeadlineSeconds: 3600", "activeDeadlineSeconds is not 18000"},
		{"deadline with extend", "configmap.yaml", "overrun: postpone", "overrun: extend", "activeDeadlineSeconds is not 21600"},
		{"restart policy", weekly, "restartPolicy: Never", "restartPolicy: OnFailure", `restartPolicy is "OnFailure"`},
		{"root", weekly, "            runAsNonRoot: true", "            runAsNonRoot: false", "runAsNonRoot is not true"},
		{"seccomp", weekly, "              type: RuntimeDefault\n          # The data volume", "              type: Unconfined\n          # The data volume", "pod seccompProfile is not RuntimeDefault"},
		{"writable root", weekly, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem is not true"},
		{"escalation", weekly, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation is not false"},
		{"capabilities", weekly, "drop: [ALL]", "drop: [NET_RAW]", "capabilities do not drop ALL"},
		{"added capability", weekly, "drop: [ALL]", "drop: [ALL]\n                  add: [CHOWN]", "capabilities do not drop ALL (and add none)"},
		{"api token", weekly, "automountServiceAccountToken: false", "automountServiceAccountToken: true", "automountServiceAccountToken is not false"},
		{"mount without volume", weekly, "                - name: tmp\n                  mountPath: /tmp", "                - name: scratch\n                  mountPath: /tmp", `mounts volume "scratch"`},
		{"undefined claim", weekly, "claimName: fossamaint-state", "claimName: fossamaint-stat", "PersistentVolumeClaim fossamaint-stat is not defined"},
		{"undefined ConfigMap", weekly, "name: fossamaint-config", "name: fossamaint-conf", "ConfigMap fossamaint-conf is not defined"},
		{"read-only state", weekly, "mountPath: /var/lib/fossamaint", "mountPath: /var/lib/fossamaint\n                  readOnly: true", "/var/lib/fossamaint is written but on no writable volume"},
		{"no tmp", weekly, "                - name: TMPDIR\n                  value: /tmp", "                - name: TMPDIR\n                  value: /var/tmp", "/var/tmp is written but on no writable volume"},
		{"missing secret key", "secret.example.yaml", "  history-url:", "  history-uri:", "Secret fossamaint-secrets has no key history-url"},
		{"missing secret", weekly, "name: fossamaint-secrets\n                      key: notify-url", "name: fossamaint-secret\n                      key: notify-url", "Secret fossamaint-secret is not defined"},
		{"config unknown key", "configmap.yaml", "    reports_dir: logs/reports", "    report_dir: logs/reports", "report_dir"},
		{"config invalid", "configmap.yaml", "weekday: saturday", "weekday: caturday", "window.weekday"},
		{"config env unset", weekly, "- name: FOSSAMAINT_INSTALLATION_ID", "- name: FOSSAMAINT_INSTALLATION", "environment variable FOSSAMAINT_INSTALLATION_ID is not set"},
		{"config bad id", weekly, "value: fossawork-k8s-01", "value: Fossawork K8s", "installation.id"},
		{"config path", weekly, `"--config", /etc/fossamaint/fossamaint.yaml, weekly`, `"--config", /etc/fossamaint/config.yaml, weekly`, "has no key config.yaml"},
		{"unscheduled job", weekly, "/etc/fossamaint/fossamaint.yaml, weekly]", "/etc/fossamaint/fossamaint.yaml, report]", `runs "report": not a scheduled job`},
		{"manager", "configmap.yaml", "manager: none", "manager: systemd", "services.manager is systemd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTree(t, kubeDir)
			edit(t, filepath.Join(dir, tc.file), tc.old, tc.new)
			s, err := loadManifests(dir)
			var got []string
			if err != nil {
				got = []string{err.Error()}
			} else {
				got = s.problems()
			}
			for _, p := range got {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem says %q; got %q", tc.want, got)
		})
	}
}

// edit replaces old, which must occur in the file, by new.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q: the case no longer edits anything", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
}
