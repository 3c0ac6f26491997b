# ssh_lib.sh: shared by the t_ssh_*.sh scripts (sourced, not run): a real
# sshd (Debian's openssh-server) on loopback behind an emulated instance,
# and ssh and scp clients that read nothing of the machine's or the
# user's own ssh setup.
#
# ssh_start: throwaway host and user keys, an sshd_config and a client
#   config in $T/ssh, and /usr/sbin/sshd on a free loopback port
#   ($SSHD_PORT; call it after emu_start, as every port is chosen),
#   stopped by the cleanup trap. Logins are as the user running the test.
# ssh_instance ID [TAGS]: the JSON of one instance (for POST /_emu/world)
#   whose port 22 is the sshd.
# ssh_c ARGS, scp_c ARGS: ssh and scp with that client config: the host
#   key pinned (whatever name or port reaches it), batch mode, no agent,
#   nothing read from ~/.ssh or /etc/ssh.
# ssh_exchange WHAT HOST [OPTION...]: through HOST (ssh -o OPTIONs say
#   how it is reached) a command runs as it should, and $SSH_SIZE bytes
#   (20 MiB) go up and come back down by scp with equal sha256.
# ssh_login WHAT HOST [OPTION...]: the command alone, and nothing on
#   stderr.
#
# sshd needs, as root: its privilege separation user (sshd, made by the
# package) and /run/sshd, an empty root-owned directory it chroots the
# unauthenticated child into. The package's unit makes /run/sshd when the
# service starts; a machine (or container) that never ran the service has
# none. The test does not make it there: when it is missing, sshd runs in
# a private mount namespace of its own (unshare -m) on a tmpfs /run that
# has one, so nothing outside $T changes (a root that cannot make one
# skips the test). As another user, sshd has no privilege separation to
# set up and can only log in that user, which is all the tests need.
# Without PAM it checks nothing but the key; StrictModes is off because
# $T sits in /tmp, which is world-writable.
. "$top_srcdir/tests/lib.sh"

SSHD=/usr/sbin/sshd
SSH_DIR=$T/ssh
SSH_CONF=$SSH_DIR/ssh_config
SSH_SIZE=20971520
SSHD_PORT=
SSHD_PID=
SSH_ALIAS=gwt-sshd

for ssh_prog in "$SSHD" ssh scp ssh-keygen; do
	command -v "$ssh_prog" >/dev/null 2>&1 ||
	    fail "$ssh_prog is not installed (Debian: openssh-server and" \
	    "openssh-client)"
done
unset SSH_AUTH_SOCK SSH_AGENT_PID

ssh_start() {
	if ! SSH_USER=$(id -un 2>/dev/null); then
		echo "SKIP: uid $(id -u) has no name, and sshd logs in names"
		exit 77
	fi
	mkdir -p "$SSH_DIR" "$T/srv"
	ssh-keygen -q -t ed25519 -N '' -C "gwt host" -f "$SSH_DIR/host_key" ||
	    fail "ssh-keygen: the host key"
	ssh-keygen -q -t ed25519 -N '' -C "gwt user" -f "$SSH_DIR/id" ||
	    fail "ssh-keygen: the user key"
	cp "$SSH_DIR/id.pub" "$SSH_DIR/authorized_keys"
	# The name the client checks the host key under, whatever it dials.
	echo "$SSH_ALIAS $(cut -d ' ' -f 1,2 "$SSH_DIR/host_key.pub")" \
	    >"$SSH_DIR/known_hosts"
	SSHD_PORT=$(free_ports 1)
	cat >"$SSH_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1:$SSHD_PORT
HostKey $SSH_DIR/host_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
AllowUsers $SSH_USER
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthenticationMethods publickey
AllowAgentForwarding no
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
PrintLastLog no
UseDNS no
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
	cat >"$SSH_CONF" <<EOF
Host *
	User $SSH_USER
	HostKeyAlias $SSH_ALIAS
	UserKnownHostsFile $SSH_DIR/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	CheckHostIP no
	UpdateHostKeys no
	IdentityFile $SSH_DIR/id
	IdentitiesOnly yes
	IdentityAgent none
	PreferredAuthentications publickey
	BatchMode yes
	RequestTTY no
	ForwardAgent no
	ForwardX11 no
	ControlMaster no
	ControlPath none
	ConnectTimeout 60
	ConnectionAttempts 1
	LogLevel ERROR
EOF
	if [ "$(id -u)" -ne 0 ] || ssh_privsep_dir_ok; then
		SSH_NS=
	elif unshare -m true 2>/dev/null; then
		SSH_NS=yes
	else
		echo "SKIP: root, no /run/sshd and no mount namespace for one"
		exit 77
	fi
	(ssh_sshd -t -f "$SSH_DIR/sshd_config") >"$T/sshd-t.out" 2>&1 ||
	    fail "sshd -t: $(cat "$T/sshd-t.out")"
	ssh_sshd -D -e -f "$SSH_DIR/sshd_config" >>"$T/sshd.log" 2>&1 &
	SSHD_PID=$!
	lib_track "$SSHD_PID"
	# The pid file is written once the listener is bound.
	wait_for 30 "sshd on 127.0.0.1:$SSHD_PORT" ssh_sshd_up
	[ -s "$SSH_DIR/sshd.pid" ] || fail "sshd exited at start"
	expect_eq "sshd's pid" "$(cat "$SSH_DIR/sshd.pid")" "$SSHD_PID"
}

# Debian's sshd, as root, chroots into /run/sshd: root's, not writable by
# group or others.
ssh_privsep_dir_ok() {
	[ -d /run/sshd ] && [ -n "$(find /run/sshd -maxdepth 0 -user 0 \
	    ! -perm /022)" ]
}

# ssh_sshd ARGS: exec sshd, in its mount namespace when it needs one (sh
# execs sshd there too): run it in a subshell or in the background, where
# $! is then sshd's pid, which the trap stops.
ssh_sshd() {
	if [ -z "$SSH_NS" ]; then
		exec "$SSHD" "$@"
	fi
	exec unshare -m --propagation private sh -c '
	    mount -t tmpfs -o mode=0755 gwt-sshd /run &&
	    mkdir -m 0755 /run/sshd && exec "$@"' sh "$SSHD" "$@"
}

ssh_sshd_up() {
	[ -s "$SSH_DIR/sshd.pid" ] || ! kill -0 "$SSHD_PID" 2>/dev/null
}

ssh_instance() {
	echo "{\"id\": \"$1\", \"agent_version\": \"3.3.987.0\",
	    \"tags\": ${2:-{\"Name\": \"sshd\"\}},
	    \"ports\": {\"22\": \"127.0.0.1:$SSHD_PORT\"}}"
}

ssh_c() {
	ssh -F "$SSH_CONF" "$@"
}

scp_c() {
	scp -F "$SSH_CONF" "$@"
}

# ssh_sha FILE: its sha256.
ssh_sha() {
	sha256sum "$1" | cut -d ' ' -f 1
}

ssh_login() {
	sl_what=$1 sl_host=$2
	shift 2
	ssh_c "$@" "$sl_host" 'echo "logged in as $(id -un)"' \
	    >"$T/login.out" 2>"$T/login.err" ||
	    fail "$sl_what: ssh: $(cat "$T/login.err")"
	expect_eq "$sl_what: the command's output" "$(cat "$T/login.out")" \
	    "logged in as $SSH_USER"
	# The user's terminal: ssh, the ProxyCommand and the session say
	# nothing when all is well (gatewayd -W ends quietly on ssh's
	# SIGHUP at logout).
	[ ! -s "$T/login.err" ] ||
	    fail "$sl_what: on stderr: $(cat "$T/login.err")"
}

ssh_exchange() {
	se_what=$1 se_host=$2
	shift 2
	ssh_login "$se_what" "$se_host" "$@"
	rm -f "$T/up.bin" "$T/srv/up.bin" "$T/srv/down.bin" "$T/down.bin"
	head -c "$SSH_SIZE" /dev/urandom >"$T/up.bin"
	head -c "$SSH_SIZE" /dev/urandom >"$T/srv/down.bin"
	scp_c -q "$@" "$T/up.bin" "$se_host:$T/srv/up.bin" \
	    >"$T/scp.out" 2>&1 || fail "$se_what: scp up: $(cat "$T/scp.out")"
	expect_eq "$se_what: sha256 of the upload" \
	    "$(ssh_sha "$T/srv/up.bin")" "$(ssh_sha "$T/up.bin")"
	scp_c -q "$@" "$se_host:$T/srv/down.bin" "$T/down.bin" \
	    >"$T/scp.out" 2>&1 ||
	    fail "$se_what: scp down: $(cat "$T/scp.out")"
	expect_eq "$se_what: sha256 of the download" \
	    "$(ssh_sha "$T/down.bin")" "$(ssh_sha "$T/srv/down.bin")"
	rm -f "$T/up.bin" "$T/srv/up.bin" "$T/srv/down.bin" "$T/down.bin"
}
