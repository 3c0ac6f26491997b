#!/bin/sh
# The shell completions load and complete: gatewayctl's commands, flags
# and (from a running gatewayd) forward names in bash, for connect's
# target too but not the on-demand ones; gatewayd's options; the zsh
# files parse (zsh -n) when zsh is there.
. "$top_srcdir/tests/lib.sh"

BASHC=$top_srcdir/contrib/completion/bash
ZSHC=$top_srcdir/contrib/completion/zsh
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }

# complete FILE FUNCTION WORD...: what bash offers for the last word.
complete_words() {
	file=$1 func=$2
	shift 2
	bash -c '
		. "$1" || exit 1
		func=$2
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		"$func" || exit 1
		echo "${COMPREPLY[*]}"' complete "$file" "$func" "$@"
}

expect() {
	want=$1
	shift
	got=$(complete_words "$@") || fail "completion failed for $*"
	[ "$got" = "$want" ] || fail "complete $*: \"$got\", not \"$want\""
}

expect "status reload up down events whoami connect policy login logout" \
    "$BASHC/gatewayctl" _gatewayctl gatewayctl ""
expect "status" "$BASHC/gatewayctl" _gatewayctl gatewayctl st
expect "-h --help -s -t -V --version" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -
expect "" "$BASHC/gatewayctl" _gatewayctl gatewayctl -t ""
expect "status reload up down events whoami connect policy login logout" \
    "$BASHC/gatewayctl" _gatewayctl gatewayctl -t 5 ""
expect "--json --names" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl status --
expect "--profile --json" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl whoami ""
expect "--profile" "$BASHC/gatewayctl" _gatewayctl gatewayctl login ""
expect "--region --profile --remote-host" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl connect --
expect "" "$BASHC/gatewayctl" _gatewayctl gatewayctl connect --region ""
expect "--remote-host" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl connect --region eu-west-1 --rem
expect "" "$BASHC/gatewayctl" _gatewayctl gatewayctl connect i-0abc --
expect "--json --account" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl policy --
expect "-d -f -h --help -L -n --profile --region -V --version -W" \
    "$BASHC/gatewayd" _gatewayd gatewayd ""
expect "-W" "$BASHC/gatewayd" _gatewayd gatewayd -W
expect "" "$BASHC/gatewayd" _gatewayd gatewayd -W ""
ok "bash: commands, flags, connect's options, gatewayd's options"

# Forward names come from the daemon named by -s.
echo_forward web
PATH=$top_builddir/gatewayd:$PATH
export PATH
expect "web" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -s "$GW_CONTROL" down ""
expect "" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -s "$GW_CONTROL" down web ""
expect "web" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -s "$GW_CONTROL" connect ""
expect "web" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -s "$GW_CONTROL" connect --region eu-west-1 w
expect "" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -s "$GW_CONTROL" connect web ""
expect "web" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl -s "$GW_CONTROL" policy --json ""
[ "$(gwctl status --names)" = "web" ] || fail "status --names"
stop_gatewayd
ok "bash: forward names from gatewayctl status --names, for connect too"

# connect offers no on-demand forward ("~TARGET:PORT"): it takes none by
# name. A gatewayctl that lists one, as a daemon with sessions would:
mkdir "$T/bin"
cat >"$T/bin/gatewayctl" <<'EOF'
#!/bin/sh
printf '%s\n' db '~i-0123456789abcdef0:22' web
EOF
chmod +x "$T/bin/gatewayctl"
PATH=$T/bin:$PATH
expect "db web" "$BASHC/gatewayctl" _gatewayctl gatewayctl connect ""
expect "db ~i-0123456789abcdef0:22 web" "$BASHC/gatewayctl" _gatewayctl \
    gatewayctl down ""
ok "bash: connect's targets leave the on-demand forwards out"

if command -v zsh >/dev/null 2>&1; then
	for f in "$ZSHC/_gatewayctl" "$ZSHC/_gatewayd"; do
		zsh -n "$f" || fail "zsh -n $f"
	done
	ok "zsh: the completions parse"
fi
