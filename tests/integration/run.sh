#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# carrel's root integration suite: real sshd, login, su and pamtester load
# the freshly built pam_carrel.so, and the t-*.sh scripts check what the
# sessions see and what they leave behind.
#
#   sudo tests/integration/run.sh        (after `make`; exit 77 = cannot run here)
#
# The host is never touched.  run.sh runs in three stages:
#   outer   (host)       checks that the suite can run; makes a child cgroup
#                        "carrel-test.PID" beneath the cgroup it runs in, in
#                        every hierarchy carrel may use, so that sessions
#                        (cgroup_parent = self) land in a subtree of its own;
#                        afterwards reports and removes whatever is left there.
#   --enter              moves itself into those child cgroups and re-executes
#                        itself in new mount and network namespaces.
#   --inner (namespace)  tmpfs over /usr/local, /run, /tmp, /home, /var/log;
#                        copies of passwd/shadow/group/gshadow with the test
#                        users and of /etc/pam.d with the carrel line are
#                        bind-mounted over the originals; a /dev/log listener;
#                        the built helper (0755) and carrel-user (4755)
#                        installed at their compiled-in paths; sshd on 127.0.0.1 (in the private network
#                        namespace); then every t-*.sh.
# Everything the sessions need is copied into /usr/local/share/carrel-test:
# the repository may sit where the test users cannot go.
set -u

T_SELF=$(readlink -f "$0")
T_HERE=$(dirname "$T_SELF")
T_REPO=$(cd "$T_HERE/../.." && pwd)
# From the repository, or from the copy made inside the namespace.
if [ -f "$T_HERE/../lib.sh" ]; then . "$T_HERE/../lib.sh"; else . "$T_HERE/lib.sh"; fi

T_SCRIPT_TIMEOUT=${T_SCRIPT_TIMEOUT:-300}
T_SUITE_TIMEOUT=${T_SUITE_TIMEOUT:-1500}

# USER UID: the test users; carreltest3 is exempt through group carrelexempt.
T_USERS="carreltest1:61001 carreltest2:61002 carreltest3:61003"
T_EXEMPT_GROUP=carrelexempt:61010

# mount_of, cg_discover
. "$T_HERE/../cg-discover.sh"

outer() {
	if [ "$(id -u)" != 0 ]; then
		echo "# SKIP integration tests: they need root"
		exit 77
	fi
	local t missing=()
	for t in unshare ip ps ssh ssh-keygen scp sftp tmux pamtester login su cc timeout awk install; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ -x /usr/sbin/sshd ] || missing+=(/usr/sbin/sshd)
	[ -x /usr/lib/openssh/sftp-server ] || missing+=(/usr/lib/openssh/sftp-server)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "# SKIP integration tests: missing ${missing[*]}"
		exit 77
	fi
	if [ ! -f "$T_REPO/pam_module/pam_carrel.so" ] || [ ! -f "$T_REPO/helper/carrel-helper" ] ||
		[ ! -f "$T_REPO/setuid/carrel-user" ]; then
		not_ok "integration: pam_module/pam_carrel.so, helper/carrel-helper and setuid/carrel-user are built (run make)"
		t_finish
	fi
	if ! unshare --user --map-root-user true 2>/dev/null; then
		echo "# SKIP integration tests: user namespaces are not usable here"
		exit 77
	fi

	local rc_cg=0 made=()
	cg_make_own T "carrel-test.$$" || rc_cg=$?
	if [ "$rc_cg" = 2 ]; then
		echo "# SKIP integration tests: no memory and pids cgroup hierarchies found"
		exit 77
	elif [ "$rc_cg" != 0 ]; then
		echo "# SKIP integration tests: cannot create a cgroup beneath $CG_OWN_FAILED"
		exit 77
	fi
	read -r -a made <<<"$CG_OWN_DIRS"
	export T_TESTCG_DIRS="${made[*]}"
	# Also on an early exit (the checks below do the same, and report).
	t_on_exit "for d in ${made[*]}; do find \"\$d\" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null; rmdir \"\$d\" 2>/dev/null; done"
	export T_CG_MEMORY T_CG_PIDS T_CG_CPU="${T_CG_CPU:-}" T_CG_CPUACCT="${T_CG_CPUACCT:-}" \
		T_CG_FREEZER="${T_CG_FREEZER:-}" T_CG_BLKIO="${T_CG_BLKIO:-}" T_CG_UNIFIED="${T_CG_UNIFIED:-}" \
		T_CG_CPUSET="${T_CG_CPUSET:-}" T_CG_DEVICES="${T_CG_DEVICES:-}"

	# The helper's state directory (STATEDIR, compiled in; the default):
	# a tmpfs covers it in the namespace; made here only as a mount point.
	if [ ! -d /var/lib/carrel ]; then
		mkdir -m 0755 /var/lib/carrel && t_on_exit "rmdir /var/lib/carrel"
	fi

	t_run "integration suite" "$T_SUITE_TIMEOUT" bash "$T_SELF" --enter

	# Whatever is left in our cgroup subtree was started by this suite.
	local procs=() left=() d p
	mapfile -t procs < <(cg_own_procs "${made[@]}")
	if [ ${#procs[@]} -eq 0 ]; then
		ok "integration: no process left after the suite"
	else
		not_ok "integration: no process left after the suite" "${procs[@]}"
		# A frozen process does not die until thawed.
		find "$T_CG_FREEZER" -name freezer.state 2>/dev/null | while read -r f; do echo THAWED >"$f"; done
		for p in "${procs[@]}"; do kill -KILL "${p%% *}" 2>/dev/null; done
		sleep 0.5
	fi
	mapfile -t left < <(cg_own_carrel_dirs "${made[@]}")
	if [ ${#left[@]} -eq 0 ]; then
		ok "integration: no carrel cgroup left after the suite"
	else
		not_ok "integration: no carrel cgroup left after the suite" "${left[@]}"
	fi
	for d in "${made[@]}"; do
		find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null || diag "could not remove $d"
	done
	t_finish
}

enter() {
	local d
	for d in $T_TESTCG_DIRS; do
		echo "$BASHPID" >"$d/cgroup.procs" || { echo "# cannot join $d" >&2; exit 1; }
	done
	exec unshare --mount --net --propagation private -- bash "$T_SELF" --inner
}

# ---------------------------------------------------------------- namespace

T_WORK=/usr/local/carrel-test
T_SHARE=/usr/local/share/carrel-test
T_PORT=2222

# Stage everything the tests use into a fresh /usr/local (the repository may be
# under a directory that is about to be covered, or not traversable by the
# test users); the working directory keeps the repository reachable meanwhile.
setup_stage() {
	mount -t tmpfs -o mode=0755 carrel-test-usr-local /usr/local || return 1
	mkdir -p "$T_WORK"/{bin,lib,conf,log,ssh,sshd,state,tmp} "$T_SHARE" /usr/local/libexec/carrel
	mkdir -m 1777 "$T_WORK/out"
	mkdir -m 0755 "$T_WORK/release"
	# As `make install` does: the helper root-only, carrel-user set-user-ID.
	install -o root -g root -m 0755 helper/carrel-helper /usr/local/libexec/carrel/carrel-helper || return 1
	install -o root -g root -m 4755 setuid/carrel-user /usr/local/libexec/carrel/carrel-user || return 1
	install -o root -g root -m 0711 holder/carrel-holder /usr/local/libexec/carrel/carrel-holder || return 1
	install -o root -g root -m 0644 net/carrel-net.so /usr/local/libexec/carrel/carrel-net.so || return 1
	install -m 0644 pam_module/pam_carrel.so "$T_WORK/lib/pam_carrel.so" || return 1
	# The hostile-caller driver, for tests that call the helper directly.
	if [ -x tests/hostile/helper_call ]; then
		install -m 0755 tests/hostile/helper_call "$T_SHARE/helper_call" || return 1
	fi
	# The admin CLI, where t-80-carrelctl.sh looks for it (when built).
	if [ -f ctl/carrelctl ]; then
		mkdir -p /usr/local/sbin
		install -o root -g root -m 0755 ctl/carrelctl /usr/local/sbin/carrelctl || return 1
	fi
	install -m 0644 tests/lib.sh tests/integration/common.sh "$T_SHARE/" || return 1
	install -m 0755 tests/integration/probe.sh tests/integration/limits.sh tests/integration/t-*.sh tests/integration/run.sh "$T_SHARE/" || return 1
	install -m 0644 tests/integration/t9x-lib.sh tests/integration/t9x-aid.c tests/integration/t9x-userns-probe.sh "$T_SHARE/" || return 1
	# The carrelctl tests' helpers, and the Prometheus text format checker of t-85-top.sh.
	install -m 0644 tests/integration/ctl-lib.sh tests/integration/promcheck.awk "$T_SHARE/" || return 1
	# The chaos, fault and load drivers (tests/chaos/) for t-96-*.sh and t-97-*.sh.
	install -m 0644 tests/chaos/*.c "$T_SHARE/" && install -m 0755 tests/chaos/*.sh "$T_SHARE/" || return 1
	if [ -x tests/unit/seccomp_probe ]; then install -m 0755 tests/unit/seccomp_probe "$T_SHARE/" || return 1; fi
	# The egress/shaping driver (tests/net/) for t-61-netpol.sh.
	if [ -x tests/net/netpol-drive ]; then install -m 0755 tests/net/netpol-drive "$T_SHARE/" || return 1; fi
	cc -O2 -Wall -Wextra -o "$T_SHARE/testaid" tests/integration/testaid.c || return 1
	install -o root -g root -m 4755 "$T_SHARE/testaid" "$T_SHARE/testaid-suid" || return 1
}

# The host directories the sessions write to, each a fresh tmpfs.
setup_mounts() {
	mount -t tmpfs -o mode=1777 carrel-test-tmp /tmp || return 1
	mount -t tmpfs -o mode=0755 carrel-test-run /run || return 1
	mount -t tmpfs -o mode=0755 carrel-test-home /home || return 1
	mount -t tmpfs -o mode=0755 carrel-test-log /var/log || return 1
	mount -t tmpfs -o mode=1777 carrel-test-shm /dev/shm || return 1
	mount -t tmpfs -o mode=1777 carrel-test-vartmp /var/tmp || return 1
	mount -t tmpfs -o mode=0755 carrel-test-state /var/lib/carrel || return 1
	mkdir -m 0755 /run/sshd
	mkdir -m 1777 /run/lock
	install -m 0664 -g utmp /dev/null /run/utmp
	install -m 0664 -g utmp /dev/null /var/log/wtmp
	install -m 0664 -g utmp /dev/null /var/log/lastlog
	install -m 0660 -g utmp /dev/null /var/log/btmp
	install -m 0644 /dev/null /var/log/faillog
	echo host >/tmp/carrel-host-marker
	echo host >/dev/shm/carrel-host-marker
}

setup_users() {
	local f u name uid
	for f in passwd shadow group gshadow; do
		[ -e "/etc/$f" ] || continue
		cp -p "/etc/$f" "$T_WORK/etc-$f"
		sed -i '/^carreltest[0-9]*:/d; /^carrelexempt:/d' "$T_WORK/etc-$f"
	done
	for u in $T_USERS ${T_EXEMPT_GROUP}; do
		uid=${u#*:}
		if awk -F: -v id="$uid" '$3 == id { found = 1 } END { exit !found }' "$T_WORK/etc-passwd" "$T_WORK/etc-group"; then
			echo "# uid/gid $uid is taken on this machine" >&2
			return 1
		fi
	done
	for u in $T_USERS; do
		name=${u%:*}
		uid=${u#*:}
		echo "$name:x:$uid:$uid:carrel test user:/home/$name:/bin/bash" >>"$T_WORK/etc-passwd"
		echo "$name:*:19000:0:99999:7:::" >>"$T_WORK/etc-shadow"
		echo "$name:x:$uid:" >>"$T_WORK/etc-group"
		[ -e "$T_WORK/etc-gshadow" ] && echo "$name:!::" >>"$T_WORK/etc-gshadow"
	done
	echo "${T_EXEMPT_GROUP%:*}:x:${T_EXEMPT_GROUP#*:}:carreltest3" >>"$T_WORK/etc-group"
	[ -e "$T_WORK/etc-gshadow" ] && echo "${T_EXEMPT_GROUP%:*}:!::carreltest3" >>"$T_WORK/etc-gshadow"
	for f in passwd shadow group gshadow; do
		[ -e "$T_WORK/etc-$f" ] && { mount --bind "$T_WORK/etc-$f" "/etc/$f" || return 1; }
	done

	ssh-keygen -q -t ed25519 -N '' -C carrel-test-client -f "$T_WORK/ssh/id_ed25519" || return 1
	for u in $T_USERS; do
		name=${u%:*}
		uid=${u#*:}
		install -d -o "$uid" -g "$uid" -m 0700 "/home/$name" "/home/$name/.ssh"
		install -o "$uid" -g "$uid" -m 0600 "$T_WORK/ssh/id_ed25519.pub" "/home/$name/.ssh/authorized_keys"
	done
}

# write_config DIR CONTENT...: a root-owned 0644 carrel.conf in its own directory.
write_config() {
	local dir=$T_WORK/conf/$1
	shift
	install -d -m 0755 "$dir"
	printf '%s\n' "$@" >"$dir/carrel.conf"
	chmod 0644 "$dir/carrel.conf"
}

setup_configs() {
	local common=(
		'# written by tests/integration/run.sh'
		'cgroup_parent = self'
		'namespaces = {mnt, pid, ipc, uts, net, cgroup, user}'
		'exempt_users = {"root"}'
		'exempt_groups = {"carrelexempt"}'
		'limits {'
		'    memory_max = 64M'
		'    memory_swap_max = 0'
		'    pids_max = 64'
		'    cpu_max = 50%'
		'}'
		'user "carreltest2" {'
		'    limits {'
		'        pids_max = 48'
		'    }'
		'}'
	)
	write_config good "${common[@]}" 'on_error = deny'
	write_config allow "${common[@]}" 'on_error = allow'
	write_config mode666 "${common[@]}" 'on_error = deny'
	chmod 0666 "$T_WORK/conf/mode666/carrel.conf"
	write_config broken "${common[@]}" 'on_error = deny' 'limits { memory_max = = 64M }'
	# A section left open at the end of the file.
	write_config unclosed "${common[@]}" 'on_error = deny' 'limits {' '    memory_max = 64M'
	T_CONF=$T_WORK/conf/good/carrel.conf
}

setup_pam() {
	local d=$T_WORK/pam.d line svc conf
	cp -a /etc/pam.d "$d" || return 1
	# The host may already use carrel: the tests decide where it runs.
	find "$d" -type f -exec sed -i "/pam_carrel/d" {} +
	line="session required $T_WORK/lib/pam_carrel.so config=$T_CONF debug"
	# sshd's post-auth child joins the user namespace in pam_setcred, which
	# sshd runs only through the auth stack: hence the auth line.
	{ cat "$d/sshd"; echo "auth optional $T_WORK/lib/pam_carrel.so"; echo "$line"; } >"$d/sshd-carrel-test"
	echo "$line" >>"$d/login"
	echo "$line" >>"$d/su"
	# su-l normally includes su: a second carrel line there would open two carrels.
	grep -Eq '^[[:space:]]*(session[[:space:]]+(include|substack)[[:space:]]+su|@include[[:space:]]+su)[[:space:]]*$' "$d/su-l" ||
		echo "$line" >>"$d/su-l"
	for svc in good allow mode666 broken unclosed; do
		conf=$T_WORK/conf/$svc/carrel.conf
		name=carrel-test-$svc
		[ "$svc" = good ] && name=carrel-test
		printf '%s\n' 'auth required pam_permit.so' 'account required pam_permit.so' \
			"session required $T_WORK/lib/pam_carrel.so config=$conf debug" >"$d/$name"
	done
	mount --bind "$d" /etc/pam.d
}

# A datagram listener where syslog(3) writes, so the module's messages can be read.
setup_devlog() {
	T_SYSLOG=$T_WORK/log/syslog
	local p=/dev/log sock
	[ -L "$p" ] && p=$(readlink -m "$p")
	: >"$T_SYSLOG"
	if [ -e "$p" ]; then
		sock=$T_WORK/devlog.sock
	else
		mkdir -p "$(dirname "$p")"
		sock=$p
	fi
	"$T_SHARE/testaid" devlog "$sock" "$T_SYSLOG" >"$T_WORK/log/devlog.out" 2>&1 </dev/null &
	T_DEVLOG_PID=$!
	t_track_pid "$T_DEVLOG_PID"
	wait_until 5 grep -q listening "$T_WORK/log/devlog.out" || return 1
	if [ "$sock" != "$p" ]; then
		mount --bind "$sock" "$p" || return 1
	else
		case $p in
		/run/* | /tmp/*) ;; # our tmpfs
		*)
			local ino
			ino=$(stat -c %i "$p")
			t_on_exit "[ \"\$(stat -c %i '$p' 2>/dev/null)\" = '$ino' ] && rm -f '$p'"
			;;
		esac
	fi
}

setup_sshd() {
	local cfg=$T_WORK/sshd/sshd_config
	ssh-keygen -q -t ed25519 -N '' -C carrel-test-host -f "$T_WORK/sshd/host_ed25519" || return 1
	ln -s /usr/sbin/sshd "$T_WORK/bin/sshd-carrel-test"
	cat >"$cfg" <<EOF
ListenAddress 127.0.0.1
HostKey $T_WORK/sshd/host_ed25519
PidFile $T_WORK/sshd/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
StrictModes yes
UseDNS no
PrintMotd no
X11Forwarding no
MaxStartups 50
MaxSessions 10
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	echo "carrel-test $(cut -d' ' -f1,2 "$T_WORK/sshd/host_ed25519.pub")" >"$T_WORK/ssh/known_hosts"
	T_SSH_CONFIG=$T_WORK/ssh/config
	cat >"$T_SSH_CONFIG" <<EOF
Host carrel-test
    HostName 127.0.0.1
    Port $T_PORT
    HostKeyAlias carrel-test
    IdentityFile $T_WORK/ssh/id_ed25519
    IdentitiesOnly yes
    IdentityAgent none
    UserKnownHostsFile $T_WORK/ssh/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    UpdateHostKeys no
    BatchMode yes
    ConnectTimeout 10
    ServerAliveInterval 5
    ServerAliveCountMax 3
    LogLevel ERROR
EOF
	T_SSHD_LOG=$T_WORK/log/sshd.log
	"$T_WORK/bin/sshd-carrel-test" -t -f "$cfg" -p "$T_PORT" || return 1
	"$T_WORK/bin/sshd-carrel-test" -D -e -f "$cfg" -p "$T_PORT" </dev/null >>"$T_SSHD_LOG" 2>&1 &
	T_SSHD_PID=$!
	t_track_pid "$T_SSHD_PID"
	wait_until 10 grep -q "Server listening on 127.0.0.1 port $T_PORT" "$T_SSHD_LOG"
}

write_env() {
	local v
	{
		for v in T_WORK T_SHARE T_PORT T_CONF T_SSH_CONFIG T_SYSLOG T_SSHD_PID T_SSHD_LOG \
			T_RUNNER_PID T_CG_MEMORY T_CG_PIDS T_CG_CPU T_CG_CPUACCT T_CG_FREEZER T_CG_BLKIO \
			T_CG_UNIFIED T_CG_CPUSET T_CG_DEVICES; do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
		echo "export T_MODULE=$T_WORK/lib/pam_carrel.so"
		echo "export T_HELPER=/usr/local/libexec/carrel/carrel-helper"
		echo "export T_USER_BIN=/usr/local/libexec/carrel/carrel-user"
		echo "export T_TESTAID=$T_SHARE/testaid"
		echo "export TERM=xterm LANG=C LC_ALL=C"
		echo "export TMPDIR=$T_WORK/tmp"
	} >"$T_WORK/env.sh"
}

inner() {
	cd "$T_REPO" || exit 1
	ip link set lo up || { not_ok "integration setup: loopback up"; t_finish; }
	setup_stage || { not_ok "integration setup: copy and build into /usr/local"; t_finish; }
	# Orphans (double-forked keepers) are reaped by the suite, at once.
	exec "$T_SHARE/testaid" subreaper bash "$T_SHARE/run.sh" --inner-b
}

# host_mounts: the mount points of the test namespace, one a line.
host_mounts() { awk '{ print $5 }' /proc/self/mountinfo | sort; }

inner_b() {
	T_RUNNER_PID=$$
	local step
	for step in setup_mounts setup_users setup_configs setup_pam setup_devlog setup_sshd write_env; do
		if ! "$step"; then
			not_ok "integration setup: $step" "$(tail -n 20 "$T_WORK/log/sshd.log" 2>/dev/null)"
			t_finish
		fi
	done
	ok "integration setup: users, pam.d, configs, /dev/log listener, sshd on port $T_PORT"
	# shellcheck source=common.sh
	. "$T_SHARE/common.sh"
	cd / || exit 1

	local t name only=${CARREL_TESTS:-} mounts0 links0
	# What the sessions must not add to the host (here: the test's namespaces).
	mounts0=$(host_mounts)
	links0=$(ip -o link | awk -F': ' '{ print $2 }')
	for t in "$T_SHARE"/t-*.sh; do
		name=$(basename "$t" .sh)
		if [ -n "$only" ] && [[ " $only " != *" $name "* ]]; then continue; fi
		echo "# --- $name"
		local t0=$SECONDS
		t_run "$name" "$T_SCRIPT_TIMEOUT" bash "$t"
		diag "$name took $((SECONDS - t0))s"
		if wait_until 5 no_sessions; then
			ok "$name: no session left behind"
		else
			not_ok "$name: no session left behind" "$(ls -la "$SESSIONS_DIR")" "$(head -n 50 "$SESSIONS_DIR"/* 2>/dev/null)"
			local s p
			for s in "$SESSIONS_DIR"/*; do
				for p in $(awk -F= '$1 == "keeper" || $1 == "holder" { print $2 }' "$s" 2>/dev/null); do
					kill -KILL "$p" 2>/dev/null
				done
			done
		fi
		local users
		users=$(find /run/carrel/users -mindepth 1 ! -name '*.lock' 2>/dev/null)
		if [ -z "$users" ]; then ok "$name: no per-user state left"; else not_ok "$name: no per-user state left" "$users"; fi
		# Only a mount added is left behind: one that disappears (a
		# mount of the host's, gone meanwhile) is none of the suite's.
		if [ -z "$(comm -13 <(echo "$mounts0") <(host_mounts))" ]; then
			ok "$name: no mount left on the host"
		else
			not_ok "$name: no mount left on the host" "$(diff <(echo "$mounts0") <(host_mounts))"
		fi
		if [ "$(ip -o link | awk -F': ' '{ print $2 }')" = "$links0" ]; then
			ok "$name: no network device left on the host"
		else
			not_ok "$name: no network device left on the host" "$(ip -o link)"
		fi
	done
	if [ -n "${CARREL_TEST_KEEP_LOGS:-}" ]; then
		mkdir -p "$CARREL_TEST_KEEP_LOGS" && cp -r "$T_WORK/log" "$T_WORK/out" "$CARREL_TEST_KEEP_LOGS/" 2>/dev/null
	fi
	t_finish
}

case "${1:-}" in
--inner) inner ;;
--inner-b) inner_b ;;
--enter) enter ;;
*) outer ;;
esac
