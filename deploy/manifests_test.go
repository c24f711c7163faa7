package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// kinds are the manifests the directory may hold, by apiVersion and kind,
// each decoded into its official API type. Any other kind is an error: a
// test that knows no type for it checks nothing.
var kinds = map[string]func() any{
	"batch/v1 CronJob":                  func() any { return &batchv1.CronJob{} },
	"v1 ConfigMap":                      func() any { return &corev1.ConfigMap{} },
	"v1 Secret":                         func() any { return &corev1.Secret{} },
	"v1 PersistentVolumeClaim":          func() any { return &corev1.PersistentVolumeClaim{} },
	"v1 ServiceAccount":                 func() any { return &corev1.ServiceAccount{} },
	"rbac.authorization.k8s.io/v1 Role": func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1 RoleBinding": func() any {
		return &rbacv1.RoleBinding{}
	},
}

// kustomization is the part of kustomize's Kustomization the directory
// uses (kustomize's own module is far larger than this test): decoded
// strictly, so a key it does not list fails rather than being ignored.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// manifestSet is what a kubernetes/ directory holds, decoded.
type manifestSet struct {
	dir        string
	kustomize  *kustomization
	cronJobs   []*batchv1.CronJob
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	pvcs       map[string]*corev1.PersistentVolumeClaim
	accounts   map[string]*corev1.ServiceAccount
	roles      map[string]*rbacv1.Role
	bindings   []*rbacv1.RoleBinding
	files      []string // the manifest files, base names
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// loadManifests decodes every YAML document of dir's *.yaml files. The
// first error stops it: a document that does not decode is not checked
// further.
func loadManifests(dir string) (*manifestSet, error) {
	s := &manifestSet{dir: dir, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		pvcs: map[string]*corev1.PersistentVolumeClaim{}, accounts: map[string]*corev1.ServiceAccount{},
		roles: map[string]*rbacv1.Role{}}
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.yaml in %s", dir)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(p)
		if name == "kustomization.yaml" {
			var k kustomization
			if err := decodeStrict(data, &k); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			s.kustomize = &k
			continue
		}
		s.files = append(s.files, name)
		for i, doc := range docSeparator.Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			if err := s.add([]byte(doc)); err != nil {
				return nil, fmt.Errorf("%s (document %d): %w", name, i+1, err)
			}
		}
	}
	return s, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// add decodes one document into the type its apiVersion and kind name.
func (s *manifestSet) add(doc []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return err
	}
	newObj, ok := kinds[head.APIVersion+" "+head.Kind]
	if !ok {
		return fmt.Errorf("unknown kind %q %q: the test decodes only %s", head.APIVersion, head.Kind, strings.Join(slices.Sorted(maps.Keys(kinds)), ", "))
	}
	obj := newObj()
	if err := decodeStrict(doc, obj); err != nil {
		return fmt.Errorf("%s: %w", head.Kind, err)
	}
	switch o := obj.(type) {
	case *batchv1.CronJob:
		s.cronJobs = append(s.cronJobs, o)
	case *corev1.ConfigMap:
		s.configMaps[o.Name] = o
	case *corev1.Secret:
		s.secrets[o.Name] = o
	case *corev1.PersistentVolumeClaim:
		s.pvcs[o.Name] = o
	case *corev1.ServiceAccount:
		s.accounts[o.Name] = o
	case *rbacv1.Role:
		s.roles[o.Name] = o
	case *rbacv1.RoleBinding:
		s.bindings = append(s.bindings, o)
	}
	return nil
}

// decodeStrict converts YAML to JSON (duplicate keys are errors) and
// decodes it with unknown fields rejected, as the API server's strict
// field validation does.
func decodeStrict(doc []byte, into any) error {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}
