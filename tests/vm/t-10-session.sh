#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# An ssh login through sshd-carrel-test on a systemd host, with the default
# cgroup_parent = auto (= systemd here): the carrel's cgroup is logind's
# session scope, the limits are user-UID.slice's properties, set by systemd;
# the keeper has a scope of its own; logind still registers the session and
# pam_systemd still releases it; nothing is left after logout.
. /root/carrel/tests/vm/guest/vmlib.sh

cur=$(journal_cursor)
if ! open_session alice; then
	not_ok "ssh login of alice through sshd-carrel-test" "$(session_failure)"
	t_finish
fi
ok "ssh login of alice through sshd-carrel-test (carrel session $S_ID)"

xsid=$(kv "$S_OUT" xdg_session_id)
scope=$(loginctl show-session "$xsid" -p Scope --value 2>/dev/null)
slice=user-$S_UID.slice
ucg=$CG/user.slice/$slice
check_eq "state file: cgroup_mode=systemd (auto on a systemd host)" systemd "$(state_field "$S_ID" cgroup_mode)"
check_eq "the carrel's unit is logind's scope for the session" "$scope" "$(state_field "$S_ID" unit)"
dirs=$(state_cgroups "$S_ID")
check_eq "its cgroup is that scope's" "$ucg/$scope" "$dirs"
check_eq "the session's shell is in it" "/user.slice/$slice/$scope" "$(cg_of_pid "$S_PID")"
holder=$(state_field "$S_ID" holder)
keeper=$(state_field "$S_ID" keeper)
check_eq "the holder was born in it (clone3 CLONE_INTO_CGROUP)" "/user.slice/$slice/$scope" "$(cg_of_pid "$holder")"
check_eq "the keeper is in a scope of its own" "/system.slice/carrel-keeper-$S_ID.scope" "$(cg_of_pid "$keeper")"
check_eq "inside, /proc/self/cgroup is the cgroup namespace's root" "0::/" "$(kv "$S_OUT" cgroup | tr -d ' ')"
check_eq "inside, /sys/fs/cgroup is the carrel's own cgroup2 mount" own "$(kv "$S_OUT" cgfs)"
if [ "$(kv "$S_OUT" net)" != "$(readlink /proc/1/ns/net)" ]; then ok "inside, a net namespace of its own"; else not_ok "inside, a net namespace of its own"; fi

# The limits: properties of the slice (systemctl show) and its cgroup files.
want_show="CPUQuotaPerSecUSec=500ms CPUWeight=123 IOWeight=77 MemoryMax=67108864 MemorySwapMax=0 TasksMax=64"
check_eq "systemctl show $slice has carrel.d's limits" "$want_show" "$(slice_limits "$slice")"
check_limit_files "" "$ucg"
if ls /run/systemd/system.control/"$slice".d/*.conf >/dev/null 2>&1; then
	ok "they are runtime properties (/run/systemd/system.control/$slice.d)"
else
	not_ok "they are runtime properties (/run/systemd/system.control/$slice.d)"
fi
bad=$(find "$CG" -maxdepth 4 -type d -name carrel 2>/dev/null | head -n 3)
check_eq "carrel made no cgroup directory of its own" "" "$bad"

# logind.
xrd=$(kv "$S_OUT" xdg_runtime_dir)
check_eq "XDG_RUNTIME_DIR is set in the session" "/run/user/$S_UID" "$xrd"
if [ -n "$xsid" ] && loginctl list-sessions --no-legend | awk -v s="$xsid" -v u=alice '$1 == s && $3 == u { f = 1 } END { exit !f }'; then
	ok "loginctl list-sessions lists the session ($xsid)"
else
	not_ok "loginctl list-sessions lists the session" "XDG_SESSION_ID=$xsid" "$(loginctl list-sessions --no-legend)"
fi
check_eq "logind's session is active" active "$(loginctl show-session "$xsid" -p State --value 2>/dev/null)"
check_eq "its scope $scope is active" active "$(systemctl show "$scope" -p ActiveState --value 2>/dev/null)"
units=$(carrel_units "$S_ID" | tr '\n' ' ')
check_eq "systemd lists the keeper's scope" "carrel-keeper-$S_ID.scope " "$units"

close_session
expect_no_leftovers 10 "after logout: no process, state file, unit or cgroup left" alice "$S_ID" "$dirs"
expect_logind_gone "logind's session is gone after logout" "$xsid"
rel=$(journal_since "$cur" | grep -F 'pam_systemd' | grep -F 'Failed to release session')
check_eq "pam_systemd releases logind's session at logout (sshd's monitor never left the scope)" "" "$rel"
errs=$(journal_errors_since "$cur")
check_eq "no error in the journal" "" "$errs"
journal_since "$cur" | grep -Ei 'carrel-helper|carrel-keeper|pam_systemd' | head -n 20 | while read -r l; do diag "journal: $l"; done
t_finish
