#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Channels the namespaces alone do not close (issue 12, items 2 and 7), over
# real sshd and su sessions of two test users:
#  - socket(AF_VSOCK) fails with EAFNOSUPPORT inside (as the control, the
#    same user opens one outside any carrel);
#  - /var/tmp is the user's own: a file written there in one carrel is
#    invisible to the other user's carrel and to the host's /var/tmp, and is
#    there again in the same user's next session (su);
#  - /run/lock is private: neither the host's nor the other carrel's files;
#  - /dev/mqueue is the carrel's own: a queue made on the host does not show;
#  - /sys/class/net shows only the carrel's devices (the host has a veth pair);
#  - cgroup v1: /sys/fs/cgroup/memory and pids show no session directory;
#  - /run/user/UID is shared with the host, on purpose (INSTALL, section 7):
#    the user's own runtime directory shows, another user's stays closed;
#  - without a user namespace the holder runs as the session's user: a
#    process running as nobody on the host cannot signal it (EPERM).
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

# shellcheck source=t9x-lib.sh
. "$T_SHARE/t9x-lib.sh" # run.sh stages it
t9x_setup "t-94-channels" || t_finish

OUT=$T_WORK/out
U1=carreltest1
U2=carreltest2

# What runs inside: KEY=VALUE lines, then `end=TOKEN`, then (with --hold)
# waits for the test's release file.
#   t94-inside.sh TOKEN [--hold SECS]
INSIDE=$T9X/t94-inside.sh
cat >"$INSIDE" <<'EOF'
#!/bin/bash
tok=$1 me=$(id -un)
here=${BASH_SOURCE[0]%/*}
list() { ls -A "$1" 2>&1 | tr '\n' ' '; }
echo "begin=$tok"
"$here/t9x-aid" vsock | sed 's/^vsock errno=/vsock=/'
echo "before=$(cat "/var/tmp/t94-$me" 2>/dev/null)"
echo "$tok" >"/var/tmp/t94-$me" && echo "vartmp_write=ok"
echo "vartmp=$(list /var/tmp)"
: >"/run/lock/t94-$me" && echo "runlock_write=ok"
echo "runlock=$(list /run/lock)"
echo "mqueue_fs=$(stat -f -c %T /dev/mqueue 2>&1)"
echo "mqueue=$(list /dev/mqueue)"
echo "net=$(list /sys/class/net)"
echo "runuser_own=$(cat "/run/user/$(id -u)/t94" 2>&1)"
for d in /run/user/*; do
	[ "$d" != "/run/user/$(id -u)" ] && ls -A "$d" >/dev/null 2>&1 && echo "runuser_readable=$d"
done
echo "cgsessions=$(find /sys/fs/cgroup/memory/ /sys/fs/cgroup/pids/ -maxdepth 12 -type d \( -name 'session-*' -o -name 'user-*' \) 2>/dev/null | tr '\n' ' ')"
echo "session=${CARREL_SESSION-}"
echo "end=$tok"
if [ "${2:-}" = --hold ]; then
	end=$((SECONDS + ${3:-60}))
	while [ ! -e "/usr/local/carrel-test/release/$tok" ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.25; done
fi
exit 0
EOF
chmod 0755 "$INSIDE"

# has WORD LIST: LIST (space-separated) holds WORD.
has() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

# hold NAME USER TOKEN: an ssh session running the inside script, held
# open; sets BG_PID.  1 (after reporting) if it did not get to its end= line.
hold() {
	local name=$1 user=$2 tok=$3
	run_bg "$OUT/$tok" tssh "$user@carrel-test" "bash $INSIDE $tok --hold 120"
	if wait_probe 60 "$OUT/$tok" "$tok"; then
		ok "$name: session opens and the checks run"
		return 0
	fi
	not_ok "$name: session opens and the checks run" "$(dump "$OUT/$tok")" "sshd: $(sshd_tail)" "syslog: $(syslog_tail)"
	release "$tok"
	wait_pid 30 "$BG_PID"
	return 1
}

# end_session NAME TOKEN PID: release it; the client exits 0; teardown.
end_session() {
	local id
	id=$(pv "$OUT/$2" session)
	t9x_save_state "$id"
	release "$2"
	wait_pid 30 "$3"
	assert_torn_down "$1: after logout" "$id"
}

# ---------------------------------------------------------------- the host's side

snap=$(t9x_snapshot)
install -d -m 1777 "$T_WORK/release"
echo host >/var/tmp/t94-host
: >/run/lock/t94-host
t_on_exit "rm -f /var/tmp/t94-host /var/tmp/t94-$U1 /var/tmp/t94-$U2 /run/lock/t94-host /run/lock/t94-$U1 /run/lock/t94-$U2"
# The users' runtime directories, as logind would make them.
for u in "$U1" "$U2"; do
	d=/run/user/$(uid_of "$u")
	install -d -m 0755 /run/user && install -d -m 0700 -o "$u" -g "$u" "$d" && echo "runtime-$u" >"$d/t94"
done
t_on_exit "rm -rf /run/user/$(uid_of "$U1") /run/user/$(uid_of "$U2")"
# A host network device the carrels must not see (the suite's network
# namespace has only lo otherwise).
if ip link add t94a type veth peer name t94b 2>"$OUT/t94-veth.err"; then
	t_on_exit "ip link del t94a"
else
	diag "no veth pair: $(cat "$OUT/t94-veth.err")"
fi
# A host mqueue mount with a queue in it.  /dev is the host's: the mount
# point is made (and removed at exit) only where the host has none.
if [ ! -d /dev/mqueue ]; then
	mkdir -m 1777 /dev/mqueue && t_on_exit "rmdir /dev/mqueue"
fi
mq_ok=
if [ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" = mqueue ] || mount -t mqueue t94-mqueue /dev/mqueue; then
	[ "$(findmnt -n -o SOURCE /dev/mqueue 2>/dev/null)" = t94-mqueue ] && t_on_exit "umount /dev/mqueue"
	: >/dev/mqueue/t94hostq && mq_ok=1 && t_on_exit "rm -f /dev/mqueue/t94hostq"
fi
[ -n "$mq_ok" ] || diag "no host queue in /dev/mqueue"
# The control for vsock: outside any carrel the user opens one.
vsock_host=$(as "$U1" "$T9X/t9x-aid" vsock)
[ "$vsock_host" = "vsock errno=0" ] || diag "outside a carrel: $vsock_host (the vsock check cannot fail here)"
v1=
[ "$(stat -f -c %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ] && v1=1

# ---------------------------------------------------------------- two users at once (ssh)

t9x_phase "two users at once"
tok1=$(new_token t94a)
tok2=$(new_token t94b)
if hold "ssh $U1" "$U1" "$tok1"; then
	pid1=$BG_PID
	f1=$OUT/$tok1
	check_eq "ssh $U1: socket(AF_VSOCK) -> EAFNOSUPPORT" 97 "$(pv "$f1" vsock)"
	check_eq "ssh $U1: writes its /var/tmp" ok "$(pv "$f1" vartmp_write)"
	vt=$(pv "$f1" vartmp)
	if ! has t94-host "$vt" && has "t94-$U1" "$vt"; then
		ok "ssh $U1: /var/tmp is not the host's"
	else
		not_ok "ssh $U1: /var/tmp is not the host's" "inside: $vt"
	fi
	if [ ! -e "/var/tmp/t94-$U1" ] && [ "$(cat "/var/lib/carrel/vartmp/$(uid_of "$U1")/t94-$U1" 2>/dev/null)" = "$tok1" ]; then
		ok "ssh $U1: the file is in the user's own directory, not in the host's /var/tmp"
	else
		not_ok "ssh $U1: the file is in the user's own directory, not in the host's /var/tmp" \
			"host /var/tmp: $(ls -A /var/tmp | tr '\n' ' ')" "$(ls -la /var/lib/carrel/vartmp 2>&1)"
	fi
	st=$(stat -c '%U %a' /var/lib/carrel/vartmp 2>&1)/$(stat -c '%U %a' "/var/lib/carrel/vartmp/$(uid_of "$U1")" 2>&1)
	check_eq "ssh $U1: vartmp is root's 700, the user's directory the user's 700" "root 700/$U1 700" "$st"
	rl=$(pv "$f1" runlock)
	if [ "$(pv "$f1" runlock_write)" = ok ] && ! has t94-host "$rl" && [ ! -e "/run/lock/t94-$U1" ]; then
		ok "ssh $U1: /run/lock is private"
	else
		not_ok "ssh $U1: /run/lock is private" "inside: $rl" "host: $(ls -A /run/lock | tr '\n' ' ')"
	fi
	if [ -z "$mq_ok" ]; then
		skip "ssh $U1: /dev/mqueue is the carrel's own" "no host queue"
	elif [ "$(pv "$f1" mqueue_fs)" = mqueue ] && ! has t94hostq "$(pv "$f1" mqueue)"; then
		ok "ssh $U1: /dev/mqueue is the carrel's own (the host's queue does not show)"
	else
		not_ok "ssh $U1: /dev/mqueue is the carrel's own" "inside: $(pv "$f1" mqueue_fs): $(pv "$f1" mqueue)"
	fi
	check_eq "ssh $U1: /sys/class/net shows the carrel's lo only (host: $(ls /sys/class/net | tr '\n' ' '))" "lo " "$(pv "$f1" net)"
	check_eq "ssh $U1: its /run/user/UID is the host's (shared on purpose)" "runtime-$U1" "$(pv "$f1" runuser_own)"
	check_eq "ssh $U1: no other user's runtime directory can be read" "" "$(pv_all "$f1" runuser_readable)"
	if [ -z "$v1" ]; then
		skip "ssh $U1: no session directory under /sys/fs/cgroup" "not cgroup v1"
	else
		check_eq "ssh $U1: cgroup v1: no session or user directory under /sys/fs/cgroup/{memory,pids}" "" "$(pv "$f1" cgsessions)"
	fi

	if hold "ssh $U2 (while $U1 is in)" "$U2" "$tok2"; then
		pid2=$BG_PID
		f2=$OUT/$tok2
		vt=$(pv "$f2" vartmp)
		if has "t94-$U2" "$vt" && ! has "t94-$U1" "$vt" && ! has t94-host "$vt"; then
			ok "ssh $U2: /var/tmp shows neither $U1's file nor the host's"
		else
			not_ok "ssh $U2: /var/tmp shows neither $U1's file nor the host's" "inside: $vt"
		fi
		rl=$(pv "$f2" runlock)
		if has "t94-$U2" "$rl" && ! has "t94-$U1" "$rl" && ! has t94-host "$rl"; then
			ok "ssh $U2: /run/lock shows neither $U1's file nor the host's"
		else
			not_ok "ssh $U2: /run/lock shows neither $U1's file nor the host's" "inside: $rl"
		fi
		end_session "ssh $U2" "$tok2" "$pid2"
	fi
	end_session "ssh $U1" "$tok1" "$pid1"
fi

# ---------------------------------------------------------------- the next session (su)

t9x_phase "the same user's next session"
tok3=$(new_token t94c)
timeout 60 su - "$U1" -c "bash $INSIDE $tok3" </dev/null >"$OUT/$tok3" 2>&1
if has_line "$OUT/$tok3" "end=$tok3"; then
	check_eq "su - $U1: /var/tmp holds what the last session wrote" "$tok1" "$(pv "$OUT/$tok3" before)"
	check_eq "su - $U1: socket(AF_VSOCK) -> EAFNOSUPPORT" 97 "$(pv "$OUT/$tok3" vsock)"
	check_eq "su - $U1: /sys/class/net shows lo only" "lo " "$(pv "$OUT/$tok3" net)"
else
	not_ok "su - $U1: session runs" "$(dump "$OUT/$tok3")" "syslog: $(syslog_tail)"
fi

# ---------------------------------------------------------------- the holder without a user namespace

t9x_phase "holder without a user namespace"
conf=$(t9x_config nouserns 'namespaces = {mnt, pid, ipc, uts, net, cgroup}')
t9x_use_config "$conf"
tok4=$(new_token t94d)
if hold "ssh $U1, no user namespace" "$U1" "$tok4"; then
	pid4=$BG_PID
	f4=$OUT/$tok4
	id4=$(pv "$f4" session)
	holder=$(state_field "$id4" holder)
	huid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$holder/status" 2>/dev/null)
	u=$(uid_of "$U1")
	check_eq "no user namespace: the holder ($holder) runs as the session's user" "$u $u $u $u" "$huid"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- bash -c 'kill -0 "$1" 2>&1; echo "rc=$?"' _ "$holder")
	case $out in
	*"Operation not permitted"*rc=1) ok "no user namespace: a process running as nobody cannot signal the holder (EPERM)" ;;
	*) not_ok "no user namespace: a process running as nobody cannot signal the holder (EPERM)" "$out" ;;
	esac
	check_eq "no user namespace: socket(AF_VSOCK) -> EAFNOSUPPORT" 97 "$(pv "$f4" vsock)"
	check_eq "no user namespace: /var/tmp holds the user's file" "$tok3" "$(pv "$f4" before)"
	check_eq "no user namespace: /sys/class/net shows lo only" "lo " "$(pv "$f4" net)"
	if [ -n "$v1" ]; then
		check_eq "no user namespace: cgroup v1: no session directory under /sys/fs/cgroup" "" "$(pv "$f4" cgsessions)"
	fi
	end_session "ssh $U1, no user namespace" "$tok4" "$pid4"
fi
t9x_restore_pam

rm -rf "/var/lib/carrel/vartmp/$(uid_of "$U1")" "/var/lib/carrel/vartmp/$(uid_of "$U2")"
t9x_assert_nothing_left "t-94-channels" "$snap" 5
t_finish
