#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Issue 12's hostile-user fixes, checked where the path differs under
# systemd (cgroup v2, logind, the user manager's carrel without a pid
# namespace), over the VM's real sshd-carrel-test and su.  The host suites
# (tests/integration/t-92 to t-94, t-80) perform the same attacks on the
# build machines; here each fix is checked on the systemd path:
#   - inside an ssh carrel of alice: socket(AF_VSOCK) -> EAFNOSUPPORT;
#     /var/tmp the user's own (not the host's, not bob's) and kept across
#     logins; /run/lock private; /sys/class/net shows lo only (sysfs
#     remounted for the net namespace); /sys/fs/cgroup shows the carrel's
#     own cgroup2 only; /run/user/UID: the user's own, no one else's;
#   - the holder runs as alice (not nobody): neither bob nor nobody can
#     signal it;
#   - carrel-user status and enter as alice: only alice's carrels;
#   - the user manager's carrel (user@2001.service): a private /var/tmp;
#   - su - under chrt --idle, taskset, nice: the keeper and holder run with
#     the default scheduling, nice 0 and every CPU;
#   - pam_carrel listed twice (su-l and the su it includes): one carrel.
# Each check says why it would fail without its fix.
. /root/carrel/tests/vm/guest/vmlib.sh

W=/root/vmtest/t50
rm -rf "$W"
mkdir -p "$W"
A=alice B=bob
AUID=$(id -u $A) BUID=$(id -u $B)
VARTMP=/var/lib/carrel/vartmp
CARREL_USER=/usr/local/libexec/carrel/carrel-user
CARRELCTL=$(command -v carrelctl)
ALL_CPUS=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/1/status)
as_user() { # USER CMD...: outside any carrel, as USER
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups --reset-env -- "$@"
}

# socket(AF_VSOCK): python3 is not in the image; a tiny C program.
cat >"$W/vsock.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	printf("%d\n", fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
	return 0;
}
C
if ! gcc -O2 -Wall -o "$V/t50-vsock" "$W/vsock.c" 2>"$W/gcc.err"; then
	not_ok "the vsock probe builds in the guest" "$(cat "$W/gcc.err")"
fi
t_on_exit "rm -f $V/t50-vsock $V/t50-probe.sh"

# The probe, run as the user inside a carrel: KEY=VALUE lines, then
# probe_end=TOKEN.
cat >"$V/t50-probe.sh" <<PROBE
#!/bin/bash
tok=\$1 me=\$(id -un) uid=\$(id -u)
list() { ls -A "\$1" 2>/dev/null | tr '\n' ' '; }
echo "p_vsock=\$($V/t50-vsock)"
echo "p_vartmp_before=\$(cat "/var/tmp/t50-\$me" 2>/dev/null)"
echo "\$tok" >"/var/tmp/t50-\$me" && echo "p_vartmp_write=ok"
echo "p_vartmp=\$(list /var/tmp)"
: >"/run/lock/t50-\$me" && echo "p_runlock_write=ok"
echo "p_runlock=\$(list /run/lock)"
echo "p_sysnet=\$(list /sys/class/net)"
echo "p_cgtype=\$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)"
echo "p_cgunits=\$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -regex '.*\.\(slice\|scope\|service\)' -printf '%P ' 2>/dev/null)"
echo "\$tok" >"/run/user/\$uid/t50-\$tok" && echo "p_runuser_own=ok"
o=
for d in /run/user/*; do
	[ "\$d" != "/run/user/\$uid" ] && ls -A "\$d" >/dev/null 2>&1 && o+="\$d "
done
echo "p_runuser_others=\$o"
echo "probe_end=\$tok"
PROBE
chmod 755 "$V/t50-probe.sh"
probe_done() { has "$1" "probe_end=$2"; }

# Marks on the host that no carrel may see.
echo host >/var/tmp/t50-host
: >/run/lock/t50-host
rm -f "$VARTMP/$AUID/t50-$A" "$VARTMP/$BUID/t50-$B"
t_on_exit "rm -f /var/tmp/t50-host /var/tmp/t50-$A /var/tmp/t50-$B /run/lock/t50-host /run/lock/t50-$A /run/lock/t50-$B $VARTMP/$AUID/t50-$A $VARTMP/$BUID/t50-$B"
# The users' managers are stopped at the end (t-60 starts from none).
t_on_exit "loginctl terminate-user $A $B; systemctl stop user@$AUID.service user@$BUID.service"

# The control for vsock: outside any carrel the user opens one (where the
# kernel has vsock; otherwise the check cannot fail here, and says so).
vsock_host=$(as_user "$AUID" "$V/t50-vsock" 2>&1)
[ "$vsock_host" = 0 ] || diag "outside a carrel socket(AF_VSOCK) gives errno $vsock_host: the vsock check cannot fail on this kernel"

cur=$(journal_cursor)

# --- 1. alice's ssh carrel, held open ---------------------------------------------------
ptok=$(new_token)
if ! open_session $A bash "$V/t50-probe.sh" "$ptok"; then
	not_ok "ssh login of $A through sshd-carrel-test" "$(session_failure)"
	t_finish
fi
A_OUT=$S_OUT A_ID=$S_ID A_TOKEN=$S_TOKEN A_SSH=$S_SSH
A_DIRS=$(state_cgroups "$A_ID")
ok "ssh login of $A through sshd-carrel-test (carrel $A_ID)"
if ! wait_until 60 probe_done "$A_OUT" "$ptok"; then
	not_ok "the probe runs in $A's carrel" "$(tr -d '\r' <"$A_OUT" | tail -n 10)"
fi
A_PTOK=$ptok

# The default seccomp filter refuses AF_VSOCK (a channel to the hypervisor
# and its other guests that no namespace covers); the old filter let the
# socket be made: errno 0 here where the control above opened one.
check_eq "ssh $A: socket(AF_VSOCK) -> EAFNOSUPPORT (97)" 97 "$(kv "$A_OUT" p_vsock)"
# /var/tmp: the old code left the host's /var/tmp shared (the file landed
# there, t50-host was listed).
check_eq "ssh $A: writes its /var/tmp" ok "$(kv "$A_OUT" p_vartmp_write)"
vt=$(kv "$A_OUT" p_vartmp)
case " $vt " in
*" t50-host "*) not_ok "ssh $A: /var/tmp is not the host's" "inside: $vt" ;;
*) ok "ssh $A: /var/tmp is not the host's (inside: $vt)" ;;
esac
if [ ! -e "/var/tmp/t50-$A" ] && [ "$(cat "$VARTMP/$AUID/t50-$A" 2>/dev/null)" = "$A_PTOK" ]; then
	ok "ssh $A: the file is in $VARTMP/$AUID, not in the host's /var/tmp"
else
	not_ok "ssh $A: the file is in $VARTMP/$AUID, not in the host's /var/tmp" \
		"host /var/tmp: $(ls -A /var/tmp | tr '\n' ' ')" "$(ls -la "$VARTMP" "$VARTMP/$AUID" 2>&1)"
fi
# /run/lock: the old code shared /run/lock with the host (t50-host seen,
# the carrel's file landing on the host).
rl=$(kv "$A_OUT" p_runlock)
case " $rl " in
*" t50-host "*) not_ok "ssh $A: /run/lock is private" "inside: $rl" ;;
*) if [ "$(kv "$A_OUT" p_runlock_write)" = ok ] && [ ! -e "/run/lock/t50-$A" ]; then
	ok "ssh $A: /run/lock is private (writable, not the host's)"
else
	not_ok "ssh $A: /run/lock is private" "inside: $rl" "write: $(kv "$A_OUT" p_runlock_write)" "host: $(ls -A /run/lock | tr '\n' ' ')"
fi ;;
esac
# sysfs: with the host's /sys left mounted, /sys/class/net lists the
# host's devices (the VM's virtio NIC), not the net namespace's.
check_eq "ssh $A: /sys/class/net shows lo only (host: $(ls /sys/class/net | tr '\n' ' '))" "lo " "$(kv "$A_OUT" p_sysnet)"
# cgroup: on v2 the holder mounts a cgroup2 of its own, rooted at the
# carrel's cgroup namespace; the host's mount would show user.slice,
# system.slice, init.scope and every session's scope.
check_eq "ssh $A: /sys/fs/cgroup is a cgroup2" cgroup2fs "$(kv "$A_OUT" p_cgtype)"
check_eq "ssh $A: /sys/fs/cgroup shows no unit of the host's (the carrel's cgroup only)" "" "$(kv "$A_OUT" p_cgunits)"
# /run/user/UID: the user's own, shared with the host on purpose (INSTALL,
# section 7); no other user's is readable.
own_rt=$(cat "/run/user/$AUID/t50-$A_PTOK" 2>/dev/null)
rm -f "/run/user/$AUID/t50-$A_PTOK"
check_eq "ssh $A: /run/user/$AUID is the user's own, the host's (shared on purpose)" "ok $A_PTOK" "$(kv "$A_OUT" p_runuser_own) $own_rt"

# --- 2. the holder ------------------------------------------------------------------------
# It drops to the session's user; the old code ran it as nobody, whom every
# process running as nobody on the host could stop or kill.
holder=$(state_field "$A_ID" holder)
check_eq "the holder ($holder) runs as $A (uid $AUID), not nobody" "$AUID $AUID $AUID $AUID" \
	"$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$holder/status" 2>/dev/null)"
for who in "$B:$BUID" "nobody:65534"; do
	# shellcheck disable=SC2016 # expanded by the inner shell
	out=$(as_user "${who#*:}" bash -c 'kill -0 "$1" 2>&1; echo "rc=$?"' _ "$holder")
	case $out in
	*"Operation not permitted"*rc=1) ok "${who%%:*} cannot signal the holder (EPERM)" ;;
	*) not_ok "${who%%:*} cannot signal the holder (EPERM)" "$out" ;;
	esac
done

# --- 3. bob's ssh carrel, held open -----------------------------------------------------
ptok=$(new_token)
if open_session $B bash "$V/t50-probe.sh" "$ptok" && wait_until 60 probe_done "$S_OUT" "$ptok"; then
	B_OUT=$S_OUT B_ID=$S_ID
	B_DIRS=$(state_cgroups "$B_ID")
	ok "ssh login of $B (carrel $B_ID)"
	vt=$(kv "$B_OUT" p_vartmp)
	case " $vt " in
	*" t50-$A "* | *" t50-host "*) not_ok "ssh $B: /var/tmp shows neither $A's file nor the host's" "inside: $vt" ;;
	*) ok "ssh $B: /var/tmp shows neither $A's file nor the host's" ;;
	esac
	rl=$(kv "$B_OUT" p_runlock)
	case " $rl " in
	*" t50-$A "* | *" t50-host "*) not_ok "ssh $B: /run/lock shows neither $A's file nor the host's" "inside: $rl" ;;
	*) ok "ssh $B: /run/lock shows neither $A's file nor the host's" ;;
	esac
	check_eq "ssh $B: no other user's /run/user/UID is readable" "" "$(kv "$B_OUT" p_runuser_others)"
	rm -f "/run/user/$BUID/t50-$ptok"
else
	not_ok "ssh login of $B through sshd-carrel-test" "$(session_failure)"
	B_ID='' B_DIRS=''
fi

# --- 4. carrel-user status and enter as alice ------------------------------------------
# status keeps the state files whose uid is the caller's (take()); without
# that filter bob's carrel would be listed to alice.
out=$(as_user "$AUID" "$CARREL_USER" status 2>&1)
ids=$(printf '%s\n' "$out" | awk '$1 == "carrel-state" { print $2 }' | sort | tr '\n' ' ')
uids=$(printf '%s\n' "$out" | awk -F= '$1 == "uid" { print $2 }' | sort -u | tr '\n' ' ')
case " $ids " in
*" $A_ID "*) ok "carrel-user status as $A lists $A's carrel $A_ID (all: $ids)" ;;
*) not_ok "carrel-user status as $A lists $A's carrel $A_ID" "$out" ;;
esac
check_eq "carrel-user status as $A lists only carrels of uid $AUID" "$AUID " "$uids"
if [ -n "$B_ID" ]; then
	case " $ids " in
	*" $B_ID "*) not_ok "carrel-user status as $A does not list $B's carrel $B_ID" "$out" ;;
	*) ok "carrel-user status as $A does not list $B's carrel $B_ID" ;;
	esac
	out=$(as_user "$AUID" "$CARREL_USER" status "$B_ID" 2>&1; echo "rc=$?")
	case $out in
	*"no session $B_ID of yours"*rc=1) ok "carrel-user status $B_ID as $A: no session of yours" ;;
	*) not_ok "carrel-user status $B_ID as $A: no session of yours" "$out" ;;
	esac
	out=$(as_user "$AUID" timeout 30 "$CARREL_USER" enter "$B_ID" id -u 2>&1; echo "rc=$?")
	case $out in
	*rc=0* | *"$BUID"*) not_ok "carrel-user enter $B_ID (bob's) as $A is refused" "$out" ;;
	*) ok "carrel-user enter $B_ID (bob's) as $A is refused ($(printf "%s " "$out"))" ;;
	esac
	lst=$(as_user "$AUID" "$CARRELCTL" list 2>&1)
	# By the ID column: a word match anywhere also hit the STARTED time
	# (bob's id 25 in "19:25").
	listed=$(printf '%s\n' "$lst" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')
	if [[ " $listed " == *" $A_ID "* && " $listed " != *" $B_ID "* ]]; then
		ok "carrelctl list as $A: $A_ID, not $B_ID"
	else
		not_ok "carrelctl list as $A: $A_ID, not $B_ID" "$lst"
	fi
fi
out=$(as_user "$AUID" timeout 30 "$CARREL_USER" enter "$A_ID" sh -c 'id -u; readlink /proc/self/ns/net' 2>&1)
check_eq "carrel-user enter $A_ID as $A: as $A, in its net namespace" \
	"$AUID $(readlink "/proc/$holder/ns/net")" "$(printf '%s\n' "$out" | tr '\n' ' ' | sed 's/ $//')"

# --- 5. the user manager's carrel -----------------------------------------------------------
# user@UID.service (systemd-user PAM) gets a carrel without a pid
# namespace (README 4); its /var/tmp is the user's own all the same, and
# its /run/lock private.  Without the fix both were the host's: t50-host
# would be listed there.
if wait_until 30 systemctl is-active --quiet "user@$AUID.service"; then
	mgr=$(systemctl show "user@$AUID.service" -p MainPID --value)
	mvt=$(ls -A "/proc/$mgr/root/var/tmp" 2>&1 | tr '\n' ' ')
	if [ "$(readlink "/proc/$mgr/ns/mnt")" = "$(readlink /proc/1/ns/mnt)" ]; then
		not_ok "the user manager ($mgr) is in a mount namespace of its own" "$(readlink "/proc/$mgr/ns/mnt")"
	else
		case " $mvt " in
		*" t50-host "*) not_ok "the user manager's /var/tmp is not the host's" "its /var/tmp: $mvt" ;;
		*) ok "the user manager's /var/tmp is not the host's (its /var/tmp: $mvt)" ;;
		esac
		check_eq "the user manager's /var/tmp is $A's own ($VARTMP/$AUID: the ssh carrel's file)" "$A_PTOK" \
			"$(cat "/proc/$mgr/root/var/tmp/t50-$A" 2>&1)"
		mrl=$(ls -A "/proc/$mgr/root/run/lock" 2>&1 | tr '\n' ' ')
		case " $mrl " in
		*" t50-host "*) not_ok "the user manager's /run/lock is private" "its /run/lock: $mrl" ;;
		*) ok "the user manager's /run/lock is private" ;;
		esac
	fi
else
	not_ok "user@$AUID.service starts" "$(systemctl status "user@$AUID.service" 2>&1 | tail -n 10)"
fi

# --- 6. logout; /var/tmp kept for the next login ---------------------------------------------
close_session # bob's (the last opened)
[ -n "$B_ID" ] && expect_no_leftovers 15 "after $B's logout: nothing of $B_ID left" $B "$B_ID" "$B_DIRS"
S_TOKEN=$A_TOKEN S_SSH=$A_SSH close_session
expect_no_leftovers 15 "after $A's logout: nothing of $A_ID left" $A "$A_ID" "$A_DIRS"
ptok=$(new_token)
timeout 90 ssh -i "$KEY" -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	-o BatchMode=yes -o ConnectTimeout=20 "$A@127.0.0.1" "bash $V/t50-probe.sh $ptok" >"$W/again.out" 2>&1 </dev/null
if probe_done "$W/again.out" "$ptok"; then
	check_eq "ssh $A again: /var/tmp holds what the last login wrote" "$A_PTOK" "$(kv "$W/again.out" p_vartmp_before)"
	check_eq "ssh $A again: socket(AF_VSOCK) -> EAFNOSUPPORT" 97 "$(kv "$W/again.out" p_vsock)"
	rm -f "/run/user/$AUID/t50-$ptok"
else
	not_ok "ssh $A again: the probe runs" "$(tr -d '\r' <"$W/again.out" | tail -n 5)"
fi

# --- 7. su - under chrt --idle, taskset, nice ----------------------------------------------
# The helper resets what su's caller set (scheduling, nice, affinity, ...)
# first thing (helper/main.c); the keeper and the holder it starts inherit
# that.  Without the reset both ran SCHED_IDLE at nice 19 on CPU 0 only:
# a user slowing every carrel of theirs' root side to a crawl.  (The helper
# itself lives too briefly to be caught here after its reset without a
# race: the host's t-93 checks it, on a pty that holds it.)
PAMSAVE=$W/pam
mkdir -p "$PAMSAVE"
cp -p /etc/pam.d/su /etc/pam.d/su-l "$PAMSAVE/"
t_on_exit "cp -p $PAMSAVE/su $PAMSAVE/su-l /etc/pam.d/"
grep -q '^session[[:space:]].*pam_carrel' /etc/pam.d/su || echo 'session required pam_carrel.so' >>/etc/pam.d/su
stat_field() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f$(($2 - 2)); }
check_clean() { # NAME PID
	local name=$1 q=$2 bad=() pol aff
	pol=$(chrt -p "$q" 2>&1 | awk -F': ' '/policy/ { print $2 }')
	[ "$pol" = SCHED_OTHER ] || bad+=("policy $pol")
	[ "$(stat_field "$q" 19)" = 0 ] || bad+=("nice $(stat_field "$q" 19)")
	aff=$(awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$q/status")
	[ "$aff" = "$ALL_CPUS" ] || bad+=("affinity $aff, not $ALL_CPUS")
	if [ ${#bad[@]} -eq 0 ]; then ok "su - under chrt --idle, taskset, nice: the $name ($q) runs SCHED_OTHER, nice 0, CPUs $ALL_CPUS"
	else not_ok "su - under chrt --idle, taskset, nice: the $name ($q) runs SCHED_OTHER, nice 0, CPUs $ALL_CPUS" "${bad[@]}"; fi
}
tok=$(new_token)
chrt --idle 0 taskset -c 0 nice -n 19 su - $A -c "bash $V/hold.sh $tok 120" >"$W/su.out" 2>&1 </dev/null &
SU=$!
t_track_pid "$SU"
t_on_exit "touch $V/release/$tok"
up() { has "$W/su.out" "ready=$tok" || ! kill -0 "$SU" 2>/dev/null; }
wait_until 90 up
if has "$W/su.out" "ready=$tok" && id=$(kv "$W/su.out" carrel) && [ -n "$id" ]; then
	ok "su - under chrt --idle, taskset, nice: a carrel ($id)"
	dirs=$(state_cgroups "$id")
	# The control: su's caller's settings reached the session's own shell.
	sh=$(pgrep -u $A -f "hold.sh $tok" | head -n1)
	diag "the session's shell ($sh): $(chrt -p "$sh" 2>&1 | awk -F': ' '/policy/ { print $2 }'), nice $(stat_field "$sh" 19), CPUs $(awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$sh/status" 2>/dev/null)"
	check_clean keeper "$(state_field "$id" keeper)"
	check_clean holder "$(state_field "$id" holder)"
	touch "$V/release/$tok"
	wait_pid 30 "$SU"
	expect_no_leftovers 15 "su -: nothing of $id left" $A "$id" "$dirs"
else
	not_ok "su - under chrt --idle, taskset, nice: a carrel" "$(tr -d '\r' <"$W/su.out" | tail -n 5)" "$(session_failure)"
	touch "$V/release/$tok"
	wait_pid 30 "$SU"
fi

# --- 8. pam_carrel listed twice -----------------------------------------------------------
# su-l includes su, which has pam_carrel; a second line in su-l itself
# makes the module run twice for one login.  The second call must see the
# first carrel (pam data) and open none; the old code opened a second carrel
# (nested, two keepers) or refused the login.
grep '^session[[:space:]].*pam_carrel' /etc/pam.d/su | head -n1 >>/etc/pam.d/su-l
diag "/etc/pam.d/su-l: $(grep -Ev '^[[:space:]]*(#|$)' /etc/pam.d/su-l | tr '\n' ';')"
cur2=$(journal_cursor)
tok=$(new_token)
timeout 90 su - $A -c "bash $V/hold.sh $tok 0" >"$W/twice.out" 2>&1 </dev/null
rc=$?
id=$(kv "$W/twice.out" carrel)
# (Only su's: pam_systemd in common-session may start alice's manager,
# whose carrel is another login's.)
opened=$(journal_since "$cur2" | grep -cE " open session=[^ ]* user=$A uid=[0-9]+ service=su(-l)? ")
if [ $rc = 0 ] && has "$W/twice.out" "ready=$tok" && [ -n "$id" ] && [ "$(kv "$W/twice.out" net)" != "$(readlink /proc/1/ns/net)" ] &&
	[ "$opened" = 1 ]; then
	ok "pam_carrel listed twice (su-l and su): su - opens one carrel ($id)"
else
	not_ok "pam_carrel listed twice (su-l and su): su - opens one carrel" "exit $rc, carrel '$id', opened $opened" \
		"$(tr -d '\r' <"$W/twice.out" | tail -n 5)" "$(journal_since "$cur2" | grep -E 'carrel|su\[' | tail -n 8)"
fi
[ -n "$id" ] && expect_no_leftovers 15 "listed twice: nothing of $id left" $A "$id"
cp -p "$PAMSAVE/su" "$PAMSAVE/su-l" /etc/pam.d/

journal_errors_since "$cur" | head -n 20 | while read -r l; do diag "journal error: $l"; done
t_finish
