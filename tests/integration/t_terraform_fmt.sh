#!/bin/sh
# contrib/terraform stays as terraform fmt leaves it, keeps its shape, and
# builds the users' policy by gatewayctl policy's rules. Debian has no
# terraform: tests/tools/hclfmt, built here from Debian's hclwrite (the
# formatter terraform fmt uses), checks the layout of every file and
# fails on a mis-indented copy; its -lint checks the shape (each regional
# resource once per region through provider 6's region argument, no
# provider alias, provider ~> 6, variables declared and used); the README
# names every variable and output. Where terraform is installed, terraform
# fmt -check agrees, and terraform console evaluates the module's policy
# rules for the targets of a running gatewayd, whose gatewayctl policy
# must give the same statements. No AWS, no registry.
. "$top_srcdir/tests/lib.sh"

TF=$top_srcdir/contrib/terraform
HCL=/usr/share/gocode/src/github.com/hashicorp/hcl/v2/hclwrite
command -v go >/dev/null ||
    fail "no go (Debian's golang-go: contrib/deps.sh test)"
[ -d "$HCL" ] ||
    fail "no $HCL (golang-github-hashicorp-hcl-v2-dev: contrib/deps.sh test)"

# Offline, in GOPATH mode against Debian's packaged sources.
(cd "$top_srcdir/tests/tools/hclfmt" &&
    GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS='' GOPROXY=off \
    GOENV=off GOCACHE="$T/gocache" go build -o "$T/hclfmt" .) \
    >"$T/build.out" 2>&1 || fail "building hclfmt: $(cat "$T/build.out")"
HCLFMT=$T/hclfmt

find "$TF" \( -name '*.tf' -o -name '*.tftest.hcl' \) | sort >"$T/files"
for f in versions.tf variables.tf main.tf outputs.tf \
    examples/jumpbox/main.tf; do
	grep -qx "$TF/$f" "$T/files" || fail "no contrib/terraform/$f"
done
# shellcheck disable=SC2046 # one word per file; no spaces in these names
"$HCLFMT" -check -diff $(cat "$T/files") >"$T/fmt.out" 2>&1 ||
    fail "not formatted (hclfmt -w FILE fixes it): $(cat "$T/fmt.out")"
ok "$(wc -l <"$T/files") files formatted"

# It can fail: a line indented one space too far, a misaligned '='.
mkdir "$T/bad"
sed '0,/^  type /s//   type /' "$TF/variables.tf" >"$T/bad/variables.tf"
sed '0,/^  name = /s//  name  = /' "$TF/main.tf" >"$T/bad/main.tf"
cmp -s "$TF/variables.tf" "$T/bad/variables.tf" && fail "sed changed nothing"
cmp -s "$TF/main.tf" "$T/bad/main.tf" && fail "sed changed nothing (main)"
rc=0
"$HCLFMT" -check "$T/bad/variables.tf" "$T/bad/main.tf" \
    "$TF/versions.tf" >"$T/bad.out" 2>&1 || rc=$?
expect_eq "hclfmt -check on mis-formatted copies" "$rc" 1
expect_eq "files named" "$(cat "$T/bad.out")" \
    "$(printf '%s\n%s' "$T/bad/variables.tf" "$T/bad/main.tf")"
printf 'variable "x" {\n  type = string\n' >"$T/bad/broken.tf"
rc=0
"$HCLFMT" -check "$T/bad/broken.tf" >"$T/broken.out" 2>&1 || rc=$?
expect_eq "hclfmt -check on a file that does not parse" "$rc" 2
grep -q "broken.tf:" "$T/broken.out" || fail "no place: $(cat "$T/broken.out")"
ok "mis-indented, misaligned and broken copies are caught"

# The shape. The module and the example, each a directory of its own.
grep '\.tf$' "$T/files" >"$T/tf"
# shellcheck disable=SC2046
"$HCLFMT" -lint $(cat "$T/tf") >"$T/lint.out" 2>&1 ||
    fail "hclfmt -lint: $(cat "$T/lint.out")"
lint_fails() {	# lint_fails WHAT WANT: the copy in $T/lint fails, says WANT
	rc=0
	"$HCLFMT" -lint "$T"/lint/*.tf >"$T/lint.out" 2>&1 || rc=$?
	expect_eq "hclfmt -lint, $1" "$rc" 1
	grep -q -F -- "$2" "$T/lint.out" ||
	    fail "lint, $1: want '$2', got: $(cat "$T/lint.out")"
	rm -rf "$T/lint"
}
lint_copy() {
	mkdir "$T/lint"
	cp "$TF"/*.tf "$T/lint/"
}
lint_copy
awk '/^resource "aws_kms_alias"/ { a = 1 }
    a && /^  region   = each.key$/ { a = 0; next } { print }' \
    "$TF/logging.tf" >"$T/lint/logging.tf"
lint_fails "a resource without region" \
    'resource aws_kms_alias.sessions is regional'
lint_copy
sed 's/^  region   = each.key$/  region   = "eu-west-1"/' "$TF/main.tf" \
    >"$T/lint/main.tf"
lint_fails "region not each.key" 'resource aws_ssm_document.prefs is regional'
lint_copy
printf 'provider "aws" {\n  alias  = "west"\n  region = "us-west-2"\n}\n' \
    >"$T/lint/west.tf"
printf 'data "aws_region" "w" {\n  provider = aws.west\n}\n' >>"$T/lint/west.tf"
lint_fails "a provider alias" 'provider alias'
lint_copy
sed 's/"~> 6.0"/"~> 5.0"/' "$TF/versions.tf" >"$T/lint/versions.tf"
lint_fails "provider 5" 'not ~> 6.x'
lint_copy
printf 'variable "spare" {\n  type = string\n}\n' >>"$T/lint/variables.tf"
lint_fails "an unused variable" 'variable spare is never used'
lint_copy
sed 's/var\.log_group_name/var.log_group/' "$TF/logging.tf" \
    >"$T/lint/logging.tf"
lint_fails "an undeclared variable" 'var.log_group is not declared'
ok "lint: the module's shape holds; six broken copies are caught"

# The README says what every variable and output is.
for name in $(sed -n 's/^\(variable\|output\) "\([a-z_0-9]*\)".*/\2/p' \
    "$TF/variables.tf" "$TF/outputs.tf"); do
	grep -q -F "\`$name\`" "$TF/README.md" ||
	    fail "contrib/terraform/README.md does not name $name"
done
ok "the README names every variable and output"

if ! command -v terraform >/dev/null 2>&1; then
	ok "no terraform: terraform fmt and the policy cross-check not run"
	exit 0
fi
# terraform, offline: no registry, no checkpoint, no user's CLI config.
: >"$T/tfrc"
tf() {
	TF_CLI_CONFIG_FILE=$T/tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 \
	    terraform "$@"
}
tf fmt -check -recursive -diff "$TF" >"$T/tffmt.out" 2>&1 ||
    fail "terraform fmt -check: $(cat "$T/tffmt.out")"
rc=0
tf fmt -check "$T/bad/variables.tf" >"$T/tffmt.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "terraform fmt passed the mis-indented copy"
ok "terraform fmt -check agrees ($(tf version | head -1))"

# The rules: gatewayctl policy of a config, and the module's for the same
# targets. A tag key that camel-cases like another gets Sid ...2 in both.
aws_offline_env
printf '[profile ops]\nrole_arn = %s\nsource_profile = default\n' \
    arn:aws:iam::123456789012:role/gateway-ops >"$AWS_CONFIG_FILE"
ECS=ecs:prod_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f-2531612879
# shellcheck disable=SC2046 # seven ports, one word each
set -- $(free_ports 7)
write_conf "region = us-east-1"
conf_forward ssm web "127.0.0.1:$1" i-0123456789abcdef0 80
conf_forward ssm bastion "127.0.0.1:$2" tag:Name=bastion 22
conf_forward ssm db "127.0.0.1:$3" tag:Name=db-jump 5432 \
    remote_host=db.internal
conf_forward ssm t1 "127.0.0.1:$4" tag:team-name=db 22
conf_forward ssm t2 "127.0.0.1:$5" tag:team_name=web 22
conf_forward ssm task "127.0.0.1:$6" "$ECS" 8080 region=eu-west-1
conf_forward ssm onprem "127.0.0.1:$7" mi-0123456789abcdef0 22 \
    region=eu-west-1 document=Custom-PortDocument profile=ops
start_gatewayd
gwctl policy --account 123456789012 >"$T/gatewayctl.json" 2>"$T/notes" ||
    fail "gatewayctl policy: $(cat "$T/notes")"

mkdir "$T/rules"
cp "$TF/variables.tf" "$TF/policy.tf" "$T/rules/"
printf 'locals {\n  account_id = "000000000000"\n  partition  = "aws"\n}\n' \
    >"$T/rules/stub.tf"
cat >"$T/rules/t.auto.tfvars.json" <<EOF2
{"regions": ["us-east-1", "eu-west-1"],
 "policy_account_id": "123456789012",
 "role_arns": ["arn:aws:iam::123456789012:role/gateway-ops"],
 "targets": [
  {"region": "us-east-1", "target": "i-0123456789abcdef0"},
  {"region": "us-east-1", "target": "tag:Name=bastion"},
  {"region": "us-east-1", "target": "tag:Name=db-jump",
   "remote_host": "db.internal"},
  {"region": "us-east-1", "target": "tag:team-name=db"},
  {"region": "us-east-1", "target": "tag:team_name=web"},
  {"region": "eu-west-1", "target": "$ECS"},
  {"region": "eu-west-1", "target": "mi-0123456789abcdef0",
   "document": "Custom-PortDocument"}]}
EOF2
echo 'jsonencode([for i, s in local.policy_statements :
    merge(s, { sid = local.policy_sids[i] })])' | tr -d '\n' >"$T/expr"
echo >>"$T/expr"
(cd "$T/rules" && tf console <"$T/expr") >"$T/module.out" 2>&1 ||
    fail "terraform console: $(cat "$T/module.out")"
"$PY" - "$T/gatewayctl.json" "$T/module.out" <<'EOF2' ||
import json, sys

def norm_gw(st):
    res = st["Resource"]
    cond = {op: {k: v if isinstance(v, list) else [v]
        for k, v in kv.items()} for op, kv in st.get("Condition", {}).items()}
    return (st["Sid"], st["Effect"], sorted(st["Action"]),
        sorted(res if isinstance(res, list) else [res]), cond)

def norm_tf(st):
    cond = {}
    for c in st["conditions"]:
        cond.setdefault(c["test"], {})[c["variable"]] = c["values"]
    return (st["sid"], "Allow", sorted(st["actions"]),
        sorted(st["resources"]), cond)

gw = [norm_gw(s) for s in json.load(open(sys.argv[1]))["Statement"]]
tf = [norm_tf(s) for s in json.loads(json.loads(open(sys.argv[2]).read()))]
if gw != tf:
    for a, b in zip(gw, tf):
        if a != b:
            print("gatewayctl:", a, "\nmodule:    ", b)
    print(len(gw), "statements from gatewayctl,", len(tf), "from the module")
    sys.exit(1)
print(len(gw), "statements,", " ".join(s[0] for s in gw))
EOF2
    fail "the module's policy is not gatewayctl's"
ok "the module's policy rules give gatewayctl policy's statements"
