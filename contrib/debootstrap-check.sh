#!/bin/sh
# debootstrap-check.sh DEB: install the package into a throwaway Debian 12
# root (debootstrap --variant=minbase bookworm, from the mirror this
# machine's apt uses), check what it installed and that gatewayd -n
# accepts the shipped config, give it the state the service would make
# (StateDirectory, RuntimeDirectory, AWS credentials), purge it, and
# check that nothing is left: no file dpkg -L listed, no /etc/gatewayd,
# /var/lib/gatewayd or /run/gatewayd, no gatewayd user or group. Run as
# root; needs debootstrap and the network to the Debian mirror. A few
# minutes; contrib/test.sh runs it when GATEWAYD_DEBOOTSTRAP_CHECK=1.
set -eu

[ $# -eq 1 ] && [ -f "$1" ] || {
	echo "usage: contrib/debootstrap-check.sh gatewayd_VERSION_ARCH.deb" >&2
	exit 2
}
deb=$(readlink -f "$1")
mirror=$(apt-cache policy 2>/dev/null |
    awk '$3 == "bookworm/main" { print $2; exit }')
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/gatewayd-root.XXXXXX)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT INT TERM
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() {
	echo "ok: $*"
}
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}

echo "debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" \
    >"$root.debootstrap.log" 2>&1 || {
	tail -n 30 "$root.debootstrap.log"
	fail "debootstrap"
}
rm -f "$root.debootstrap.log"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
ok "a minimal bookworm root in $root"

in_root apt-get update -q >/dev/null
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
    >"$root/tmp/install.log" 2>&1 || {
	cat "$root/tmp/install.log"
	fail "apt-get install"
}
in_root dpkg -L gatewayd >"$root/tmp/files"
ok "installed $(in_root dpkg-query -W -f '${Package} ${Version}' gatewayd):" \
    "$(wc -l <"$root/tmp/files") paths"

for f in /usr/sbin/gatewayd /usr/bin/gatewayctl \
    /lib/systemd/system/gatewayd.service /etc/gatewayd/gatewayd.conf \
    /usr/share/man/man8/gatewayd.8.gz /usr/share/man/man8/gatewayctl.8.gz \
    /usr/share/man/man5/gatewayd.conf.5.gz \
    /usr/share/bash-completion/completions/gatewayctl \
    /usr/share/zsh/vendor-completions/_gatewayctl \
    /usr/share/doc/gatewayd/examples/gatewayd.conf.example; do
	grep -qx "$f" "$root/tmp/files" || fail "the package lacks $f"
done
in_root dpkg-query -W -f '${Conffiles}\n' gatewayd |
    grep -q "^ /etc/gatewayd/gatewayd.conf " ||
    fail "/etc/gatewayd/gatewayd.conf is not a conffile"
ok "binaries, unit, man pages, completions, example; gatewayd.conf a conffile"

in_root gatewayd -V
in_root gatewayctl --version
in_root gatewayd -n -f /etc/gatewayd/gatewayd.conf >"$root/tmp/n.out" ||
    fail "gatewayd -n on the shipped config"
ok "gatewayd -n -f /etc/gatewayd/gatewayd.conf: $(grep -c . "$root/tmp/n.out") lines"

user=$(in_root getent passwd gatewayd) || fail "no gatewayd user"
case $user in
gatewayd:x:*:*:*:/var/lib/gatewayd:/usr/sbin/nologin) ;;
*)	fail "gatewayd user: $user" ;;
esac
in_root getent group gatewayd >/dev/null || fail "no gatewayd group"
[ "$(in_root stat -c '%U:%G %a' /etc/gatewayd/aws)" = "root:gatewayd 750" ] ||
    fail "/etc/gatewayd/aws: $(in_root stat -c '%U:%G %a' /etc/gatewayd/aws)"
ok "user $user; /etc/gatewayd/aws root:gatewayd 0750"
in_root bash -c '. /usr/share/bash-completion/completions/gatewayctl &&
    COMP_WORDS=(gatewayctl st) COMP_CWORD=1 && _gatewayctl &&
    [ "${COMPREPLY[*]}" = status ]' || fail "bash completion"
ok "bash completion loads and completes"

# What the running service and its admin would have left.
in_root install -d -o gatewayd -g gatewayd -m 0750 /var/lib/gatewayd/.aws/sso
in_root install -d -o gatewayd -g gatewayd /run/gatewayd
echo cache >"$root/var/lib/gatewayd/.aws/sso/token.json"
printf '[default]\naws_access_key_id = AKIAEXAMPLE\n' \
    >"$root/etc/gatewayd/aws/credentials"
ok "made /var/lib/gatewayd, /run/gatewayd, /etc/gatewayd/aws/credentials"

in_root apt-get purge -y -q gatewayd >"$root/tmp/purge.log" 2>&1 || {
	cat "$root/tmp/purge.log"
	fail "apt-get purge"
}
status=$(in_root dpkg-query -W -f '${db:Status-Abbrev}' gatewayd 2>/dev/null ||
    true)
case $status in
""|"un "*|"pn "*) ;;
*)	fail "dpkg still knows gatewayd: $status" ;;
esac
left=
while read -r f; do
	[ -e "$root$f" ] || [ -L "$root$f" ] || continue
	# Shared directories (/usr/share/man, /lib -> usr/lib) stay.
	[ -d "$root$f" ] && case $f in *gatewayd*) ;; *) continue ;; esac
	left="$left $f"
done <"$root/tmp/files"
[ -z "$left" ] || fail "left after purge:$left"
for d in /etc/gatewayd /var/lib/gatewayd /run/gatewayd; do
	[ ! -e "$root$d" ] || fail "left after purge: $d"
done
! in_root getent passwd gatewayd >/dev/null || fail "the gatewayd user stays"
! in_root getent group gatewayd >/dev/null || fail "the gatewayd group stays"
ok "purged: no packaged file, no /etc/gatewayd, /var/lib/gatewayd," \
    "/run/gatewayd, no gatewayd user or group"
