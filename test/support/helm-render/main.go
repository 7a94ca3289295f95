// helm-render renders a Helm chart's templates the way `helm template` does,
// for tests on a machine without the helm binary: Go's text/template with
// sprig's functions (Debian's golang-github-masterminds-sprig-dev) plus the
// functions Helm adds itself (include, tpl, required, toYaml, fromYaml,
// toJson, fromJson, lookup), values.yaml deep-merged with -f files (a null
// removes a key), numbers as Helm sees them (float64, via JSON), missing keys
// rendering as empty, and the built-in objects Release, Chart, Capabilities
// and Template. `lookup` finds nothing, as in `helm template`. It does not
// validate values.schema.json (the test does, with ajv) and has no
// subcharts, Files, or hooks, which the openhss chart does not use.
//
// Build (offline): GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm-render .
// Use: helm-render --chart DIR [--release NAME] [--namespace NS] [-f values.yaml]... [--notes]
// Prints every rendered manifest after "---\n# Source: <chart>/templates/<file>", or with
// --notes the rendered NOTES.txt alone.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type chartMeta struct {
	Name       string `yaml:"name"`
	Version    string `yaml:"version"`
	AppVersion string `yaml:"appVersion"`
	APIVersion string `yaml:"apiVersion"`
	Type       string `yaml:"type"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helm-render: "+format+"\n", args...)
	os.Exit(1)
}

// normalize turns YAML-decoded values into what JSON would give (Helm reads values that way).
func normalize(v interface{}) (map[string]interface{}, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if string(data) == "null" {
		return out, nil
	}
	err = json.Unmarshal(data, &out)
	return out, err
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return normalize(raw)
}

// merge: maps merge key by key, anything else replaces; an explicit null deletes.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for key, value := range src {
		if value == nil {
			delete(dst, key)
			continue
		}
		srcMap, srcIsMap := value.(map[string]interface{})
		dstMap, dstIsMap := dst[key].(map[string]interface{})
		if srcIsMap && dstIsMap {
			dst[key] = merge(dstMap, srcMap)
		} else {
			dst[key] = value
		}
	}
	return dst
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var chartDir, release, namespace string
	var valueFiles stringList
	notes := false
	release, namespace = "release-name", "default"
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		next := func() string {
			if i+1 >= len(args) {
				fail("%s needs a value", args[i])
			}
			i++
			return args[i]
		}
		switch args[i] {
		case "--chart":
			chartDir = next()
		case "--release":
			release = next()
		case "--namespace":
			namespace = next()
		case "-f", "--values":
			valueFiles = append(valueFiles, next())
		case "--notes":
			notes = true
		default:
			fail("unknown argument %q", args[i])
		}
	}
	if chartDir == "" {
		fail("--chart DIR is required")
	}

	var meta chartMeta
	metaBytes, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		fail("%v", err)
	}
	if err := yaml.Unmarshal(metaBytes, &meta); err != nil {
		fail("Chart.yaml: %v", err)
	}
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		fail("%v", err)
	}
	for _, file := range valueFiles {
		extra, err := readYAMLMap(file)
		if err != nil {
			fail("%v", err)
		}
		values = merge(values, extra)
	}

	root := template.New("gotpl")
	funcs := sprig.TxtFuncMap()
	// Helm removes these two: a chart must not read the machine's environment.
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		var raw interface{}
		if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		m, _ := normalize(raw)
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		data, _ := json.Marshal(v)
		return string(data)
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["required"] = func(message string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(message)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(message)
		}
		return v, nil
	}
	funcs["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf strings.Builder
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	root.Funcs(funcs).Option("missingkey=zero")

	templatesDir := filepath.Join(chartDir, "templates")
	entries, err := os.ReadDir(templatesDir)
	if err != nil {
		fail("%v", err)
	}
	var names []string
	for _, entry := range entries {
		if entry.IsDir() {
			continue
		}
		name := entry.Name()
		text, err := os.ReadFile(filepath.Join(templatesDir, name))
		if err != nil {
			fail("%v", err)
		}
		full := meta.Name + "/templates/" + name
		if _, err := root.New(full).Parse(string(text)); err != nil {
			fail("parse %s: %v", full, err)
		}
		names = append(names, name)
	}
	sort.Strings(names)

	var out strings.Builder
	for _, name := range names {
		// Partials (_*.tpl) only define templates; NOTES.txt is not a manifest (--notes renders it alone).
		if strings.HasPrefix(name, "_") || (name == "NOTES.txt") != notes {
			continue
		}
		full := meta.Name + "/templates/" + name
		data := map[string]interface{}{
			"Values": values,
			"Release": map[string]interface{}{
				"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1,
			},
			"Chart": map[string]interface{}{
				"Name": meta.Name, "Version": meta.Version, "AppVersion": meta.AppVersion, "APIVersion": meta.APIVersion, "Type": meta.Type,
			},
			"Capabilities": map[string]interface{}{
				"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"},
				"APIVersions": []string{"v1", "apps/v1"},
			},
			"Template": map[string]interface{}{"Name": full, "BasePath": meta.Name + "/templates"},
		}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, full, data); err != nil {
			fail("render %s: %v", full, err)
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(rendered) == "" {
			continue
		}
		if notes {
			out.WriteString(rendered)
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", full, strings.TrimSpace(rendered))
	}
	os.Stdout.WriteString(out.String())
}
