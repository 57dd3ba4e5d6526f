#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# carrel's own cgroup tree beside systemd's: do systemd's reloads, re-exec and
# slice changes clobber it or fight it (controllers disabled, limits lost,
# journal errors)?  First with cgroup_parent = "/" (the default: carrel/ at
# the root of the hierarchy), then with cgroup_parent = self (carrel/ inside
# logind's session-N.scope, which systemd has not delegated).
. /root/carrel/tests/vm/guest/vmlib.sh

snap() { # CGDIR: what systemd could change
	local d=$1
	printf 'root.subtree_control=%s\n' "$(cat $CG/cgroup.subtree_control)"
	printf 'carrel.subtree_control=%s\n' "$(cat "$d/../../cgroup.subtree_control" 2>&1)"
	printf 'user.subtree_control=%s\n' "$(cat "$d/../cgroup.subtree_control" 2>&1)"
	for f in memory.max memory.swap.max pids.max cpu.max cpu.weight io.weight; do
		printf 'user.%s=%s\n' "$f" "$(cat "$d/../$f" 2>&1)"
	done
	printf 'session.has_shell=%s\n' "$(grep -qx "$S_PID" "$d/cgroup.procs" 2>/dev/null && echo yes || echo no)"
}

hog_killed() { ussh alice "$V/vmaid memhog 200; echo rc=\$?" 2>&1 | grep -qx 'rc=137'; }

# --- cgroup_parent = "/" ------------------------------------------------------
cur=$(journal_cursor)
if ! open_session alice; then
	not_ok "alice's session comes up" "$(session_failure)"
	t_finish
fi
scg=$CG$(cg_of_pid "$S_PID")
xsid=$(kv "$S_OUT" xdg_session_id)
scope=$(loginctl show-session "$xsid" -p Scope --value 2>/dev/null)
before=$(snap "$scg")
diag "before: $(echo $before)"
# systemd logs its cgroup writes at debug level only: look at them.
systemd-analyze log-level debug
t_on_exit "systemd-analyze log-level info"

step() { # NAME CMD...: run a systemd operation, then compare
	local name=$1 after
	shift
	"$@" >/dev/null 2>&1
	sleep 1
	after=$(snap "$scg")
	if [ "$after" = "$before" ]; then
		ok "parent /: $name leaves carrel's cgroups, controllers and limits as they were"
	else
		not_ok "parent /: $name leaves carrel's cgroups, controllers and limits as they were" \
			"$(diff <(echo "$before") <(echo "$after") | grep '^[<>]')"
	fi
}
step "systemctl daemon-reload" systemctl daemon-reload
step "a transient unit wanting cpu and io (systemd-run -p CPUWeight -p IOWeight)" \
	systemd-run --wait -p CPUWeight=50 -p IOWeight=50 true
step "daemon-reload after it" systemctl daemon-reload
step "systemctl set-property --runtime user.slice (CPUWeight, TasksMax)" \
	systemctl set-property --runtime user.slice CPUWeight=90 TasksMax=100000
step "systemctl daemon-reexec" systemctl daemon-reexec
systemd-analyze log-level debug
fights=$(journal_since "$cur" | grep -E 'systemd\[1\]: Failed to (disable|enable) controller' | sort | uniq -c | head -n 5)
if [ -z "$fights" ]; then
	ok "parent /: systemd does not try to change the controllers carrel enabled"
else
	not_ok "parent /: systemd does not try to change the controllers carrel enabled" "$fights"
fi
if hog_killed; then ok "parent /: memory_max still holds after all of them"; else not_ok "parent /: memory_max still holds after all of them"; fi
check_eq "parent /: logind's session is still active" active "$(loginctl show-session "$xsid" -p State --value 2>&1)"
diag "scope $scope: $(systemctl show "$scope" -p ActiveState -p SubState --value 2>&1 | tr '\n' ' '), procs in it: $(cat "$CG/user.slice/user-$S_UID.slice/$scope/cgroup.procs" 2>&1 | tr '\n' ' ')"
close_session
systemd-analyze log-level info
systemctl revert user.slice >/dev/null 2>&1
wait_until 10 no_leftovers alice "$S_ID" "$scg"
sleep 2
diag "after the last carrel session: root cgroup.subtree_control = $(cat $CG/cgroup.subtree_control) (during it: $(echo "$before" | sed -n 's/^root.subtree_control=//p'))"
errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then ok "parent /: no error in the journal"; else not_ok "parent /: no error in the journal" "$errs"; fi

# --- cgroup_parent = self -------------------------------------------------------
cur=$(journal_cursor)
printf 'cgroup_parent = self\n' >/etc/security/carrel.d/60-vmtest-self.conf
t_on_exit "rm -f /etc/security/carrel.d/60-vmtest-self.conf"
if open_session alice; then
	scg=$CG$(cg_of_pid "$S_PID")
	xsid=$(kv "$S_OUT" xdg_session_id)
	scope=$(loginctl show-session "$xsid" -p Scope --value 2>/dev/null)
	case $scg in
	"$CG/user.slice/user-$S_UID.slice/$scope/carrel/user-$S_UID/session-$S_ID") ok "parent self: the session is in <$scope>/carrel/user-$S_UID/session-$S_ID" ;;
	*) not_ok "parent self: the session is in <session scope>/carrel/user-UID/session-ID" "got $scg" ;;
	esac
	before=$(snap "$scg")
	diag "before: $(echo $before)"
	for op in "daemon-reload" "daemon-reexec"; do
		systemctl $op >/dev/null 2>&1
		sleep 1
		after=$(snap "$scg")
		if [ "$after" = "$before" ]; then
			ok "parent self: systemctl $op leaves carrel's cgroups, controllers and limits as they were"
		else
			not_ok "parent self: systemctl $op leaves carrel's cgroups, controllers and limits as they were" \
				"$(diff <(echo "$before") <(echo "$after") | grep '^[<>]')"
		fi
	done
	check_eq "parent self: logind's session is still active" active "$(loginctl show-session "$xsid" -p State --value 2>&1)"
	close_session
	wait_until 10 no_leftovers alice "$S_ID" "$scg"
else
	not_ok "parent self: an ssh login works on a systemd host" "$(session_failure)"
fi
rm -f /etc/security/carrel.d/60-vmtest-self.conf
errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then ok "parent self: no error in the journal"; else not_ok "parent self: no error in the journal" "$errs"; fi
t_finish
