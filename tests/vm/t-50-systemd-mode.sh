#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The proposed cgroup_parent = systemd mode, through helper/cgroup_systemd.c
# (not yet wired into the helper; driven here by tests/vm/guest/cgsd.c):
# per-user limits as runtime properties of logind's user-UID.slice, set over
# D-Bus, visible in systemctl show and in the slice's cgroup files, holding,
# surviving daemon-reload; freeze, thaw and kill through the session scope.
# bob logs in through the system's own sshd (port 22, no pam_carrel), so
# what is measured is systemd's doing alone.
. /root/carrel/tests/vm/guest/vmlib.sh

CGSD=$V/cgsd
if gcc -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -D_GNU_SOURCE -I"$TREE/conf" -I"$TREE/helper" \
	-o "$CGSD" "$TREE/tests/vm/guest/cgsd.c" "$TREE/helper/cgroup_systemd.c" \
	$(pkg-config --cflags --libs libsystemd) 2>/root/vmtest/cgsd.err; then
	ok "helper/cgroup_systemd.c builds with -Werror against libsystemd $(pkg-config --modversion libsystemd)"
else
	not_ok "helper/cgroup_systemd.c builds" "$(cat /root/vmtest/cgsd.err)"
	t_finish
fi

cur=$(journal_cursor)
export USSH_PORT=22
if ! open_session bob "$V/vmaid spin 90 2"; then
	not_ok "bob's plain ssh session comes up" "$(session_failure)"
	t_finish
fi
xsid=$(kv "$S_OUT" xdg_session_id)
scope=$(loginctl show-session "$xsid" -p Scope --value)
slice=user-$S_UID.slice
scg=$CG/user.slice/$slice/$scope
sl=$CG/user.slice/$slice
check_eq "cg_systemd_unit_of names the session's scope" "unit=$scope cgroup=/user.slice/$slice/$scope" "$("$CGSD" unit-of "$S_PID" | tr '\n' ' ' | sed 's/ $//')"

out=$("$CGSD" limits "$S_UID" 67108864 0 64 50 123 77 2>&1)
if [ $? = 0 ]; then ok "cg_systemd_set_user_limits on $slice ($out)"; else not_ok "cg_systemd_set_user_limits on $slice" "$out"; fi

want_show="MemoryMax=67108864 MemorySwapMax=0 TasksMax=64 CPUQuotaPerSecUSec=500ms CPUWeight=123 IOWeight=77"
show() { systemctl show "$slice" -p MemoryMax -p MemorySwapMax -p TasksMax -p CPUQuotaPerSecUSec -p CPUWeight -p IOWeight | sort -k1,1 | tr '\n' ' ' | sed 's/ $//'; }
want_show=$(echo "$want_show" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
files() { for f in memory.max memory.swap.max pids.max cpu.max cpu.weight io.weight; do printf '%s=%s;' "$f" "$(cat "$sl/$f" 2>&1)"; done; }
want_files="memory.max=67108864;memory.swap.max=0;pids.max=64;cpu.max=50000 100000;cpu.weight=123;io.weight=default 77;"
check_eq "systemctl show $slice has the limits" "$want_show" "$(show)"
check_eq "$slice's cgroup files hold them" "$want_files" "$(files)"
dropins=$(ls /run/systemd/system.control/$slice.d/ 2>/dev/null | tr '\n' ' ')
if [ -n "$dropins" ]; then ok "they are runtime drop-ins in /run/systemd/system.control/$slice.d ($dropins)"; else not_ok "runtime drop-ins exist"; fi

# They hold.
out=$(ussh bob "$V/vmaid memhog 200; echo rc=\$?" 2>&1)
if printf '%s\n' "$out" | grep -qx 'rc=137'; then ok "memory: a 200 MiB hog is killed under the slice's MemoryMax"; else not_ok "memory: the hog is killed" "$out"; fi
out=$(ussh bob "$V/vmaid forkloop 200 20" 2>&1)
forked=$(printf '%s\n' "$out" | sed -n 's/^forked=\([0-9]*\).*/\1/p')
if [ -n "$forked" ] && [ "$forked" -lt 64 ]; then ok "pids: a fork loop stops under TasksMax ($out)"; else not_ok "pids: a fork loop stops under TasksMax" "$out"; fi
u0=$(cpu_usage "$scg"); sleep 2; u1=$(cpu_usage "$scg"); d=$((u1 - u0))
if [ "$d" -ge 400000 ] && [ "$d" -le 1400000 ]; then ok "cpu: two busy loops get half a CPU ($d us in 2 s)"; else not_ok "cpu: two busy loops get half a CPU" "$d us in 2 s"; fi

systemctl daemon-reload
check_eq "after daemon-reload: systemctl show unchanged" "$want_show" "$(show)"
check_eq "after daemon-reload: cgroup files unchanged" "$want_files" "$(files)"

# Freeze, thaw, kill through the scope.
frozen() { [ "$(awk '$1 == "frozen" { print $2 }' "$scg/cgroup.events")" = "$1" ]; }
if out=$("$CGSD" freeze "$scope" 2>&1) && wait_until 5 frozen 1; then
	u0=$(cpu_usage "$scg"); sleep 1; u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -lt 20000 ]; then ok "FreezeUnit $scope stops it ($((u1 - u0)) us in 1 s; $(systemctl show "$scope" -p FreezerState))"
	else not_ok "FreezeUnit $scope stops it" "$((u1 - u0)) us in 1 s"; fi
else
	not_ok "FreezeUnit $scope" "$out" "$(cat "$scg/cgroup.events")"
fi
if out=$("$CGSD" thaw "$scope" 2>&1) && wait_until 5 frozen 0; then
	u0=$(cpu_usage "$scg"); sleep 1; u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -gt 100000 ]; then ok "ThawUnit $scope lets it run ($((u1 - u0)) us in 1 s)"
	else not_ok "ThawUnit $scope lets it run" "$((u1 - u0)) us in 1 s"; fi
else
	not_ok "ThawUnit $scope" "$out" "$(cat "$scg/cgroup.events")"
fi
out=$("$CGSD" kill "$scope" 2>&1)
if wait_pid 20 "$S_SSH"; then ok "KillUnit $scope ends the session"; else not_ok "KillUnit $scope ends the session" "$out"; fi
empty() { [ ! -d "$scg" ] || [ -z "$(cat "$scg/cgroup.procs" 2>/dev/null)" ]; }
if wait_until 10 empty; then ok "no process left in $scope"; else not_ok "no process left in $scope" "$(cat "$scg/cgroup.procs")"; fi

errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then ok "no error in the journal"; else not_ok "no error in the journal" "$errs"; fi

# The keeper's own scope: a process started in root's ssh session scope is
# moved to carrel-keeper-ID.scope in system.slice, and the scope goes away
# with it.
sleep 300 &
kp=$!
t_track_pid "$kp"
kid=vmtest$$
from=$(cg_of_pid "$kp")
out=$("$CGSD" keeper-scope "$kp" "$kid" 2>&1)
moved() { [ "$(cg_of_pid "$kp")" = "/system.slice/carrel-keeper-$kid.scope" ]; }
if wait_until 10 moved; then
	ok "cg_systemd_keeper_scope moves the keeper from $from to /system.slice/carrel-keeper-$kid.scope"
else
	not_ok "cg_systemd_keeper_scope moves the keeper to its own scope" "$out" "now in $(cg_of_pid "$kp")"
fi
kill "$kp"
collected() { [ "$(systemctl show "carrel-keeper-$kid.scope" -p LoadState --value)" = not-found ]; }
if wait_until 10 collected; then ok "its scope is gone when it exits"; else not_ok "its scope is gone when it exits" "$(systemctl show "carrel-keeper-$kid.scope" -p ActiveState -p LoadState)"; fi

# Back to Debian's defaults.
systemctl revert "$slice" >/dev/null 2>&1
check_eq "systemctl revert $slice drops the runtime limits" "MemoryMax=infinity" "$(systemctl show "$slice" -p MemoryMax)"
t_finish
