// The structural rules of contrib/terraform, the ones that make it the
// module the issue asked for and that formatting cannot see. Each
// directory given is one module (or example):
//   - every regional resource or data source (aws_*, but IAM and the
//     few global ones) has for_each and region = each.key: one block for
//     every region, through provider 6's per-resource region;
//   - no provider meta-argument, providers map or provider alias: no
//     provider configuration per region;
//   - required_providers asks for aws ~> 6.x (region needs 6.0);
//   - every var.NAME used is declared, and every one declared is used.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Global in provider 6 (its enhanced-region-support guide): no region.
var globalPrefixes = []string{"aws_iam_", "aws_caller_identity",
	"aws_partition"}

type module struct {
	declared map[string]hcl.Range
	used     map[string]hcl.Range
}

var problems int

func problem(rng hcl.Range, format string, args ...interface{}) {
	fmt.Printf("%s:%d: %s\n", rng.Filename, rng.Start.Line,
		fmt.Sprintf(format, args...))
	problems++
}

func regional(typ string) bool {
	if !strings.HasPrefix(typ, "aws_") {
		return false
	}
	for _, p := range globalPrefixes {
		if strings.HasPrefix(typ, p) {
			return false
		}
	}
	return true
}

// isEachKey reports whether expr is exactly each.key.
func isEachKey(expr hclsyntax.Expression) bool {
	t, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() || len(t) != 2 || t.RootName() != "each" {
		return false
	}
	a, ok := t[1].(hcl.TraverseAttr)
	return ok && a.Name == "key"
}

// uses records every var.NAME in body, nested blocks included.
func (m *module) uses(body *hclsyntax.Body) {
	for _, a := range body.Attributes {
		for _, t := range a.Expr.Variables() {
			if t.RootName() != "var" || len(t) < 2 {
				continue
			}
			if n, ok := t[1].(hcl.TraverseAttr); ok {
				if _, seen := m.used[n.Name]; !seen {
					m.used[n.Name] = t.SourceRange()
				}
			}
		}
	}
	for _, b := range body.Blocks {
		m.uses(b.Body)
	}
}

func lintResource(b *hclsyntax.Block) {
	if len(b.Labels) != 2 {
		return
	}
	name := b.Type + " " + b.Labels[0] + "." + b.Labels[1]
	if _, ok := b.Body.Attributes["provider"]; ok {
		problem(b.DefRange(), "%s: provider meta-argument (one "+
			"provider, region per resource)", name)
	}
	if !regional(b.Labels[0]) {
		return
	}
	region, ok := b.Body.Attributes["region"]
	if _, each := b.Body.Attributes["for_each"]; !each || !ok ||
		!isEachKey(region.Expr) {
		problem(b.DefRange(), "%s is regional: it needs for_each "+
			"and region = each.key", name)
	}
}

func lintTerraform(b *hclsyntax.Block) {
	for _, rp := range b.Body.Blocks {
		if rp.Type != "required_providers" {
			continue
		}
		a, ok := rp.Body.Attributes["aws"]
		if !ok {
			continue
		}
		v, diags := a.Expr.Value(nil)
		ver := ""
		if !diags.HasErrors() && v.Type().IsObjectType() &&
			v.Type().HasAttribute("version") {
			ver = v.GetAttr("version").AsString()
		}
		if !strings.HasPrefix(ver, "~> 6.") {
			problem(a.SrcRange, "required_providers aws: version %q, "+
				"not ~> 6.x (per-resource region needs 6.0)", ver)
		}
	}
}

func lintFile(m *module, f *hcl.File) {
	body := f.Body.(*hclsyntax.Body)
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable":
			if len(b.Labels) == 1 {
				m.declared[b.Labels[0]] = b.DefRange()
			}
			continue // its own validation is no use of it
		case "resource", "data":
			lintResource(b)
		case "module":
			if _, ok := b.Body.Attributes["providers"]; ok {
				problem(b.DefRange(), "module %s: providers map "+
					"(no provider per region)", b.Labels[0])
			}
		case "provider":
			if _, ok := b.Body.Attributes["alias"]; ok {
				problem(b.DefRange(), "provider alias: use the "+
					"resources' region instead")
			}
		case "terraform":
			lintTerraform(b)
		}
		m.uses(b.Body)
	}
}

func lintFiles(files []string) int {
	mods := map[string]*module{}
	var dirs []string
	for _, path := range files {
		_, f, ok := parse(path)
		if !ok {
			return 2
		}
		dir := filepath.Dir(path)
		m := mods[dir]
		if m == nil {
			m = &module{map[string]hcl.Range{}, map[string]hcl.Range{}}
			mods[dir] = m
			dirs = append(dirs, dir)
		}
		lintFile(m, f)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		m := mods[dir]
		var names []string
		for n := range m.used {
			names = append(names, n)
		}
		for n := range m.declared {
			names = append(names, n)
		}
		sort.Strings(names)
		for i, n := range names {
			if i > 0 && names[i-1] == n {
				continue
			}
			if rng, ok := m.used[n]; ok {
				if _, decl := m.declared[n]; !decl {
					problem(rng, "var.%s is not declared", n)
				}
			} else {
				problem(m.declared[n], "variable %s is never used", n)
			}
		}
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "hclfmt -lint: %d problem(s)\n", problems)
		return 1
	}
	return 0
}
