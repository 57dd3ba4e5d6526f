#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cgroup_parent = systemd (the default here) beside systemd's own work: do
# daemon-reload, transient units wanting cpu and io, set-property on
# user.slice and daemon-reexec leave the carrel's session where it is and
# its limits in force, with no fight over controllers (systemd logs its
# cgroup writes at debug level: they are looked at) and no journal error?
. /root/carrel/tests/vm/guest/vmlib.sh

cur=$(journal_cursor)
if ! open_session alice; then
	not_ok "alice's session comes up" "$(session_failure)"
	t_finish
fi
scg=$CG$(cg_of_pid "$S_PID")
slice=user-$S_UID.slice
ucg=$CG/user.slice/$slice
xsid=$(kv "$S_OUT" xdg_session_id)
snap() {
	printf 'show=%s\n' "$(slice_limits "$slice")"
	printf 'user.slice.subtree_control=%s\n' "$(cat "$CG/user.slice/cgroup.subtree_control")"
	printf 'slice.subtree_control=%s\n' "$(cat "$ucg/cgroup.subtree_control")"
	for f in memory.max memory.swap.max pids.max cpu.max cpu.weight io.weight; do
		printf 'slice.%s=%s\n' "$f" "$(cat "$ucg/$f" 2>&1)"
	done
	printf 'shell.cgroup=%s\n' "$(cg_of_pid "$S_PID")"
}
before=$(snap)
diag "before: $(echo $before)"
systemd-analyze log-level debug
t_on_exit "systemd-analyze log-level info"

step() { # NAME CMD...: run a systemd operation, then compare
	local name=$1 after
	shift
	"$@" >/dev/null 2>&1
	sleep 1
	after=$(snap)
	if [ "$after" = "$before" ]; then
		ok "$name leaves the carrel's unit and limits as they were"
	else
		not_ok "$name leaves the carrel's unit and limits as they were" \
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
check_eq "systemd never fails to set up a controller" "" "$fights"
out=$(ussh alice "$V/vmaid memhog 200; echo rc=\$?" 2>&1)
if printf '%s\n' "$out" | grep -qx 'rc=137'; then ok "memory_max still holds after all of them"; else not_ok "memory_max still holds after all of them" "$out"; fi
check_eq "logind's session is still active" active "$(loginctl show-session "$xsid" -p State --value 2>&1)"
check_eq "the keeper's scope is still active" active "$(systemctl show "carrel-keeper-$S_ID.scope" -p ActiveState --value 2>&1)"
close_session
systemd-analyze log-level info
systemctl revert user.slice >/dev/null 2>&1
expect_no_leftovers 10 "after logout: no process, state file, unit or cgroup left" alice "$S_ID" "$scg"
errs=$(journal_errors_since "$cur")
check_eq "no error in the journal" "" "$errs"
t_finish
