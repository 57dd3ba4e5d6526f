#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# An ssh login through sshd-carrel-test on a systemd host: the carrel's
# cgroup on the v2 hierarchy with the configured limits, logind's session
# still registered, and nothing left after logout.
. /root/carrel/tests/vm/guest/vmlib.sh

cur=$(journal_cursor)
if ! open_session alice; then
	not_ok "ssh login of alice through sshd-carrel-test" "$(session_failure)"
	t_finish
fi
ok "ssh login of alice through sshd-carrel-test (carrel session $S_ID)"

dirs=$(state_cgroups "$S_ID")
ucg=$(dirname "$dirs")
check_eq "one cgroup, on the v2 hierarchy, $CG/carrel/user-$S_UID/session-$S_ID" \
	"$CG/carrel/user-$S_UID/session-$S_ID" "$dirs"
check_eq "the session's shell is in it" "${dirs#"$CG"}" "$(cg_of_pid "$S_PID")"
check_eq "inside, /proc/self/cgroup is the cgroup namespace's root" "0::/" "$(kv "$S_OUT" cgroup | tr -d ' ')"

check_eq "memory.max" 67108864 "$(cat "$ucg/memory.max" 2>&1)"
check_eq "memory.swap.max" 0 "$(cat "$ucg/memory.swap.max" 2>&1)"
check_eq "pids.max" 64 "$(cat "$ucg/pids.max" 2>&1)"
check_eq "cpu.max" "50000 100000" "$(cat "$ucg/cpu.max" 2>&1)"
check_eq "cpu.weight" 123 "$(cat "$ucg/cpu.weight" 2>&1)"
check_eq "io.weight" "default 77" "$(cat "$ucg/io.weight" 2>&1)"

# logind.
xsid=$(kv "$S_OUT" xdg_session_id)
xrd=$(kv "$S_OUT" xdg_runtime_dir)
check_eq "XDG_RUNTIME_DIR is set in the session" "/run/user/$S_UID" "$xrd"
if [ -n "$xsid" ] && loginctl list-sessions --no-legend | awk -v s="$xsid" -v u=alice '$1 == s && $3 == u { f = 1 } END { exit !f }'; then
	ok "loginctl list-sessions lists the session ($xsid)"
else
	not_ok "loginctl list-sessions lists the session" "XDG_SESSION_ID=$xsid" "$(loginctl list-sessions --no-legend)"
fi
scope=$(loginctl show-session "$xsid" -p Scope --value 2>/dev/null)
state=$(loginctl show-session "$xsid" -p State --value 2>/dev/null)
check_eq "logind's session is active" active "$state"
sstate=$(systemctl show "$scope" -p ActiveState --value 2>/dev/null)
check_eq "its scope $scope is active" active "$sstate"
diag "scope $scope: $(systemctl show "$scope" -p ControlGroup -p SubState --value 2>/dev/null | tr '\n' ' ')"
diag "processes left in $scope: $(cat "$CG/user.slice/user-$S_UID.slice/$scope/cgroup.procs" 2>/dev/null | tr '\n' ' ')"

close_session
if wait_until 10 no_leftovers alice "$S_ID" "$dirs" "$ucg"; then
	ok "after logout: no process, state file or cgroup left"
else
	not_ok "after logout: no process, state file or cgroup left" "$(leftovers alice "$S_ID" "$dirs" "$ucg")"
fi
gone() { ! loginctl list-sessions --no-legend | awk -v s="$xsid" '$1 == s { f = 1 } END { exit !f }'; }
if wait_until 10 gone; then
	ok "logind's session is gone after logout"
else
	not_ok "logind's session is gone after logout" "$(loginctl list-sessions --no-legend)"
fi

rel=$(journal_since "$cur" | grep -F 'pam_systemd' | grep -F 'Failed to release session')
if [ -z "$rel" ]; then
	ok "pam_systemd releases logind's session at logout"
else
	not_ok "pam_systemd releases logind's session at logout" "$rel" \
		"(pam_carrel moved sshd's monitor out of the session scope; pam_systemd finds the session by the caller's cgroup)"
fi
errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then
	ok "no error in the journal"
else
	not_ok "no error in the journal" "$errs"
fi
journal_since "$cur" | grep -Ei 'carrel-helper|cgroup|pam_systemd|logind' | head -n 30 | sed 's/^/journal: /' | while read -r l; do diag "$l"; done
t_finish
