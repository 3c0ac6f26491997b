// hclfmt: `terraform fmt -check` for machines without terraform (Debian
// 12 packages none). terraform fmt lays files out with hclwrite's
// formatter, which Debian does package (golang-github-hashicorp-hcl-v2-
// dev); this runs the same formatter. terraform fmt also rewrites a few
// legacy forms (quoted types, "${var.x}" alone in a string): the module
// in contrib/terraform uses none of them, and where terraform is
// installed the test runs it as well.
//
//	hclfmt FILE             print FILE formatted
//	hclfmt -check FILE...   name each file that is not formatted; exit 1
//	hclfmt -check -diff ... the same, with the differences (diff -u)
//	hclfmt -w FILE...       rewrite the files that are not formatted
//	hclfmt -lint FILE...    the module's structural rules (lint.go)
//
// A file that does not parse is an error (exit 2), never reformatted:
// the formatter would mangle it, as terraform fmt knows.
//
// Built by tests/integration/t_terraform_fmt.sh with GO111MODULE=off
// against Debian's GOPATH (/usr/share/gocode), offline.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

var (
	check = flag.Bool("check", false, "list unformatted files, exit 1 if any")
	diff  = flag.Bool("diff", false, "with -check: show the differences")
	write = flag.Bool("w", false, "rewrite unformatted files")
	lint  = flag.Bool("lint", false, "check the module's structural rules")
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: hclfmt [-check [-diff] | -w | -lint] FILE...")
	os.Exit(2)
}

// parse reads path and reports whether it is valid native HCL syntax.
func parse(path string) ([]byte, *hcl.File, bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hclfmt: %v\n", err)
		return nil, nil, false
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		for _, d := range diags {
			fmt.Fprintf(os.Stderr, "%s: %s; %s\n", d.Subject, d.Summary,
				d.Detail)
		}
		return nil, nil, false
	}
	return src, f, true
}

// showDiff prints diff -u of path and its formatted text.
func showDiff(path string, out []byte) {
	tmp, err := os.CreateTemp("", "hclfmt.*.tf")
	if err != nil {
		fmt.Fprintf(os.Stderr, "hclfmt: %v\n", err)
		return
	}
	defer os.Remove(tmp.Name())
	tmp.Write(out)
	tmp.Close()
	cmd := exec.Command("diff", "-u", "--label", path, "--label",
		path+" (formatted)", path, tmp.Name())
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Run() // diff exits 1 when the files differ, which they do
}

func main() {
	flag.Usage = usage
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 || (*check && *write) || (*diff && !*check) ||
		(*lint && (*check || *write)) ||
		(!*check && !*write && !*lint && len(files) != 1) {
		usage()
	}
	if *lint {
		os.Exit(lintFiles(files))
	}
	status := 0
	for _, path := range files {
		src, _, ok := parse(path)
		if !ok {
			status = 2
			continue
		}
		out := hclwrite.Format(src)
		switch {
		case !*check && !*write:
			os.Stdout.Write(out)
		case bytes.Equal(src, out):
		case *write:
			if err := os.WriteFile(path, out, 0644); err != nil {
				fmt.Fprintf(os.Stderr, "hclfmt: %v\n", err)
				status = 2
			}
		default:
			fmt.Println(path)
			if *diff {
				showDiff(path, out)
			}
			if status == 0 {
				status = 1
			}
		}
	}
	os.Exit(status)
}
