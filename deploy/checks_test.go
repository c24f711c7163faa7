package deploy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/schedule"
)

// checks are the semantic checks of a decoded directory, each returning
// its problems: what strict decoding cannot see.
var checks = []struct {
	name string
	run  func(*manifestSet) []string
}{
	{"kustomization", checkKustomization},
	{"job policy", checkJobPolicy},
	{"security context", checkSecurity},
	{"volumes", checkVolumes},
	{"secrets", checkSecretRefs},
	{"config", checkConfig},
}

// problems runs every check.
func (s *manifestSet) problems() []string {
	var out []string
	for _, c := range checks {
		for _, p := range c.run(s) {
			out = append(out, c.name+": "+p)
		}
	}
	return out
}

// checkKustomization: kustomization.yaml lists every manifest but the
// examples (a Secret's real values are the operator's), and only files
// that exist.
func checkKustomization(s *manifestSet) []string {
	k := s.kustomize
	if k == nil {
		return []string{"no kustomization.yaml"}
	}
	var out []string
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		out = append(out, fmt.Sprintf("apiVersion/kind %s %s is not kustomize.config.k8s.io/v1beta1 Kustomization", k.APIVersion, k.Kind))
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join(s.dir, r)); err != nil {
			out = append(out, fmt.Sprintf("resource %s does not exist", r))
		}
	}
	for _, f := range s.files {
		if !strings.HasSuffix(f, ".example.yaml") && !slices.Contains(k.Resources, f) {
			out = append(out, fmt.Sprintf("%s is not in resources", f))
		}
	}
	return out
}

// checkJobPolicy: no two runs at once, no blind retry, no late start, a
// deadline, a valid schedule in a real zone.
func checkJobPolicy(s *manifestSet) []string {
	var out []string
	if len(s.cronJobs) == 0 {
		return []string{"no CronJob"}
	}
	for _, cj := range s.cronJobs {
		bad := func(format string, a ...any) { out = append(out, cj.Name+": "+fmt.Sprintf(format, a...)) }
		if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
			bad("concurrencyPolicy is %q, not Forbid", cj.Spec.ConcurrencyPolicy)
		}
		if d := cj.Spec.StartingDeadlineSeconds; d == nil || *d <= 0 {
			bad("startingDeadlineSeconds is not set")
		}
		js := cj.Spec.JobTemplate.Spec
		if js.BackoffLimit == nil || *js.BackoffLimit != 0 {
			bad("backoffLimit is not 0: a failed run must not be repeated blindly")
		}
		if d := js.ActiveDeadlineSeconds; d == nil || *d <= 0 {
			bad("activeDeadlineSeconds is not set")
		}
		if rp := js.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever {
			bad("restartPolicy is %q, not Never", rp)
		}
		if f := strings.Fields(cj.Spec.Schedule); len(f) != 5 {
			bad("schedule %q has %d fields, not 5", cj.Spec.Schedule, len(f))
		}
		if cj.Spec.TimeZone == nil || *cj.Spec.TimeZone == "" {
			bad("timeZone is not set: the schedule would follow the controller's zone")
		} else if _, err := time.LoadLocation(*cj.Spec.TimeZone); err != nil || *cj.Spec.TimeZone == "Local" {
			bad("timeZone %q is not an IANA zone", *cj.Spec.TimeZone)
		}
		if len(js.Template.Spec.Containers) != 1 {
			bad("%d containers, want the one fossamaint container", len(js.Template.Spec.Containers))
		}
	}
	return out
}

// checkSecurity: non-root, read-only root, no capabilities, the runtime's
// seccomp profile, no API token (the run talks to no API server).
func checkSecurity(s *manifestSet) []string {
	var out []string
	for _, cj := range s.cronJobs {
		pod := cj.Spec.JobTemplate.Spec.Template.Spec
		bad := func(format string, a ...any) { out = append(out, cj.Name+": "+fmt.Sprintf(format, a...)) }
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			bad("pod securityContext.runAsNonRoot is not true")
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			bad("pod seccompProfile is not RuntimeDefault")
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			bad("automountServiceAccountToken is not false")
		}
		for _, c := range pod.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				bad("%s: readOnlyRootFilesystem is not true", c.Name)
			}
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				bad("%s: allowPrivilegeEscalation is not false", c.Name)
			}
			if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				bad("%s: capabilities do not drop ALL (and add none)", c.Name)
			}
		}
	}
	return out
}

// checkVolumes: every mount names a volume, every volume's ConfigMap or
// claim is defined here, but the application's data claim, mounted at the
// config's root.
func checkVolumes(s *manifestSet) []string {
	var out []string
	for _, cj := range s.cronJobs {
		pod := cj.Spec.JobTemplate.Spec.Template.Spec
		bad := func(format string, a ...any) { out = append(out, cj.Name+": "+fmt.Sprintf(format, a...)) }
		vols := map[string]corev1.Volume{}
		for _, v := range pod.Volumes {
			vols[v.Name] = v
		}
		root := ""
		if cfg, err := s.config(cj); err == nil {
			root = cfg.Root
		}
		for _, c := range pod.Containers {
			for _, m := range c.VolumeMounts {
				v, ok := vols[m.Name]
				if !ok {
					bad("%s mounts volume %q, which the pod does not define", c.Name, m.Name)
					continue
				}
				if cm := v.ConfigMap; cm != nil {
					if _, ok := s.configMaps[cm.Name]; !ok {
						bad("volume %s: ConfigMap %s is not defined", v.Name, cm.Name)
					}
				}
				if pvc := v.PersistentVolumeClaim; pvc != nil {
					if _, ok := s.pvcs[pvc.ClaimName]; !ok && filepath.Clean(m.MountPath) != root {
						bad("volume %s: PersistentVolumeClaim %s is not defined (only the application's data, mounted at root %s, comes from elsewhere)", v.Name, pvc.ClaimName, root)
					}
				}
			}
		}
	}
	return out
}

// checkSecretRefs: every secretKeyRef names a key of the example Secret.
func checkSecretRefs(s *manifestSet) []string {
	var out []string
	for _, cj := range s.cronJobs {
		for _, c := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				ref := secretRef(e)
				if ref == nil {
					continue
				}
				sec, ok := s.secrets[ref.Name]
				if !ok {
					out = append(out, fmt.Sprintf("%s: %s: Secret %s is not defined (secret.example.yaml)", cj.Name, e.Name, ref.Name))
					continue
				}
				if _, ok := secretValue(sec, ref.Key); !ok {
					out = append(out, fmt.Sprintf("%s: %s: Secret %s has no key %s", cj.Name, e.Name, ref.Name, ref.Key))
				}
			}
		}
	}
	return out
}

func secretRef(e corev1.EnvVar) *corev1.SecretKeySelector {
	if e.ValueFrom == nil {
		return nil
	}
	return e.ValueFrom.SecretKeyRef
}

func secretValue(sec *corev1.Secret, key string) (string, bool) {
	if v, ok := sec.StringData[key]; ok {
		return v, true
	}
	v, ok := sec.Data[key]
	return string(v), ok
}

// env is the container's environment as the config's ${VAR} sees it:
// literal values, and Secret values from the example Secret.
func (s *manifestSet) env(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		if ref := secretRef(e); ref != nil {
			if sec, ok := s.secrets[ref.Name]; ok {
				if v, ok := secretValue(sec, ref.Key); ok {
					out[e.Name] = v
				}
			}
			continue
		}
		if e.ValueFrom == nil {
			out[e.Name] = e.Value
		}
	}
	return out
}

// configPath is the value of the container's --config argument.
func configPath(c corev1.Container) string {
	args := slices.Concat(c.Command, c.Args)
	for i, a := range args {
		if a == "--config" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
	}
	return ""
}

// subcommand is what the container runs after the global flags.
func subcommand(c corev1.Container) string {
	args := slices.Concat(c.Command, c.Args)
	var rest []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--config" {
			i++
			continue
		}
		rest = append(rest, args[i])
	}
	return strings.Join(rest, " ")
}

// config is the fossamaint config the CronJob's container reads: the
// ConfigMap key its --config path names through a volume mount, parsed by
// fossamaint's own loader with the container's environment, and validated.
func (s *manifestSet) config(cj *batchv1.CronJob) (config.Config, error) {
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		return config.Config{}, fmt.Errorf("no container")
	}
	c := pod.Containers[0]
	path := configPath(c)
	if path == "" {
		return config.Config{}, fmt.Errorf("the container gives no --config")
	}
	for _, m := range c.VolumeMounts {
		key, ok := strings.CutPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/")
		if !ok {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			cm, ok := s.configMaps[v.ConfigMap.Name]
			if !ok {
				return config.Config{}, fmt.Errorf("ConfigMap %s is not defined", v.ConfigMap.Name)
			}
			data, ok := cm.Data[key]
			if !ok {
				return config.Config{}, fmt.Errorf("ConfigMap %s has no key %s (--config %s)", cm.Name, key, path)
			}
			env := s.env(c)
			cfg, err := config.Parse("ConfigMap "+cm.Name+" "+key, []byte(data), func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			})
			if err != nil {
				return cfg, err
			}
			return cfg, cfg.Validate()
		}
	}
	return config.Config{}, fmt.Errorf("--config %s is in no ConfigMap volume the container mounts", path)
}

// checkConfig: the config parses and validates with each job's
// environment; the schedules are the times the systemd timers use for
// that window, in its zone; the weekly deadline is the window plus what
// the weekly unit allows; everything the run writes is on a writable
// volume; the services are the operator's (no API access is granted).
func checkConfig(s *manifestSet) []string {
	var out []string
	for _, cj := range s.cronJobs {
		bad := func(format string, a ...any) { out = append(out, cj.Name+": "+fmt.Sprintf(format, a...)) }
		cfg, err := s.config(cj)
		if err != nil {
			bad("config: %v", err)
			continue
		}
		spec, err := cfg.Window.Spec()
		if err != nil {
			bad("window: %v", err)
			continue
		}
		if tz := cj.Spec.TimeZone; tz == nil || *tz != spec.Location.String() {
			bad("timeZone is not the window's zone %s", spec.Location)
		}
		c := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
		w := runbook.Window{Weekday: spec.Weekday, Hour: spec.Hour, Minute: spec.Minute, Duration: spec.Duration, Location: spec.Location}
		want, deadline, known := jobTiming(subcommand(c), w, cfg)
		if !known {
			bad("runs %q: not a scheduled job (weekly, notice, backup create --kind daily)", subcommand(c))
			continue
		}
		if cj.Spec.Schedule != want {
			bad("schedule %q is not %q, the %s time of the window %s", cj.Spec.Schedule, want, subcommand(c), cfg.Window.Start)
		}
		if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; deadline > 0 && (d == nil || *d != deadline) {
			bad("activeDeadlineSeconds is not %d (the window, an hour for a hung run, any extension)", deadline)
		}
		if cfg.Services.Manager != "none" {
			bad("services.manager is %s: these manifests grant no API access to stop or start the application; use none", cfg.Services.Manager)
		}
		out = append(out, prefixed(cj.Name+": ", unwritable(c, cfg))...)
	}
	return out
}

// jobTiming is the cron schedule the job must have (the schedule
// package's events, the ones the systemd timers and the daemon use) and
// the weekly run's deadline: its unit's TimeoutStartSec.
func jobTiming(sub string, w runbook.Window, cfg config.Config) (cron string, deadline int64, ok bool) {
	var e schedule.Event
	switch sub {
	case strings.Join(schedule.JobArgs["weekly"], " "):
		e = schedule.WeeklyEvent(w)
		limit := w.Duration + time.Hour
		if cfg.Window.Overrun == "extend" {
			limit += cfg.Window.MaxExtension.D()
		}
		deadline = int64(limit / time.Second)
	case strings.Join(schedule.JobArgs["notice"], " "):
		e = schedule.NoticeEvent(w, cfg.Window.Notice.D())
	case strings.Join(schedule.JobArgs["daily-backup"], " "):
		e = schedule.DailyBackupEvent(w)
	default:
		return "", 0, false
	}
	dow := fmt.Sprint(int(e.Weekday))
	if e.Daily {
		dow = "*"
	}
	return fmt.Sprintf("%d %d * * %s", e.Minute, e.Hour, dow), deadline, true
}

// unwritable lists the directories the run writes that no writable
// volume holds: with a read-only root file system they would fail.
func unwritable(c corev1.Container, cfg config.Config) []string {
	paths := []string{cfg.Path(cfg.StateDir), cfg.Path(cfg.ReportsDir), filepath.Dir(cfg.Path(cfg.Database.Path)),
		cfg.Path(cfg.Logs.Dir), cfg.Path(cfg.Backups.Dir), filepath.Dir(cfg.Metrics.TextfilePath(cfg.Path(cfg.StateDir)))}
	tmp := "/tmp"
	for _, e := range c.Env {
		if e.Name == "TMPDIR" {
			tmp = e.Value
		}
	}
	paths = append(paths, tmp)
	var out []string
	for _, p := range paths {
		ok := false
		for _, m := range c.VolumeMounts {
			if rel, err := filepath.Rel(m.MountPath, p); err == nil && (rel == "." || filepath.IsLocal(rel)) && !m.ReadOnly {
				ok = true
			}
		}
		if !ok {
			out = append(out, fmt.Sprintf("%s is written but on no writable volume (readOnlyRootFilesystem)", p))
		}
	}
	return out
}

func prefixed(p string, list []string) []string {
	for i := range list {
		list[i] = p + list[i]
	}
	return list
}
