#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cgroup_parent = systemd (the default here): the limits of
# carrel.d/50-vmtest.conf, set by systemd on user-UID.slice, hold: memory (a
# hog is OOM-killed, no swap), pids (a fork loop stops), cpu (two busy loops
# get half a CPU); carrelctl limits changes them through systemd and they
# survive daemon-reload; carrelctl freeze and thaw go through systemd's
# FreezeUnit (cgroup.freeze of the session's scope); carrelctl kill ends
# the carrel and leaves nothing.
. /root/carrel/tests/vm/guest/vmlib.sh

cur=$(journal_cursor)
# A session that spins 2 processes for 90 s.
if ! open_session alice "$V/vmaid spin 90 2"; then
	not_ok "alice's spinning session comes up" "$(session_failure)"
	t_finish
fi
scg=$CG$(cg_of_pid "$S_PID")
slice=user-$S_UID.slice
ucg=$CG/user.slice/$slice
unit=$(state_field "$S_ID" unit)
check_eq "the session's cgroup is its unit's, in $slice" "$ucg/$unit" "$scg"

# memory.
oom0=$(awk '$1 == "oom_kill" { print $2 }' "$ucg/memory.events")
out=$(ussh alice "$V/vmaid memhog 200; echo rc=\$?" 2>&1)
oom1=$(awk '$1 == "oom_kill" { print $2 }' "$ucg/memory.events")
if printf '%s\n' "$out" | grep -qx 'rc=137' && ! printf '%s\n' "$out" | grep -qx 'touched=200'; then
	ok "memory: a 200 MiB hog is killed under MemoryMax 64M ($(printf '%s\n' "$out" | grep touched= | tail -n1))"
else
	not_ok "memory: a 200 MiB hog is killed under MemoryMax 64M" "$out"
fi
if [ -n "$oom0" ] && [ "${oom1:-0}" -gt "$oom0" ]; then
	ok "memory: $slice's memory.events oom_kill counted it ($oom0 -> $oom1)"
else
	not_ok "memory: $slice's memory.events oom_kill counted it" "before $oom0 after $oom1"
fi
check_eq "memory: no swap for the user (memory.swap.max)" 0 "$(cat "$ucg/memory.swap.max")"

# pids.
out=$(ussh alice "$V/vmaid forkloop 200 20" 2>&1)
forked=$(printf '%s\n' "$out" | sed -n 's/^forked=\([0-9]*\).*/\1/p')
if [ -n "$forked" ] && [ "$forked" -lt 64 ] && printf '%s\n' "$out" | grep -q 'errno=Resource temporarily unavailable'; then
	ok "pids: a loop of 200 forks stops under TasksMax 64 ($out)"
else
	not_ok "pids: a loop of 200 forks stops under TasksMax 64" "$out"
fi

# cpu: two spinners, CPUQuota 50%: about 1 s of CPU in 2 s (up to 4 s
# without; emulation makes the period bookkeeping coarse, hence the bounds).
u0=$(cpu_usage "$scg")
sleep 2
u1=$(cpu_usage "$scg")
d=$((u1 - u0))
if [ "$d" -ge 400000 ] && [ "$d" -le 1400000 ]; then
	ok "cpu: two busy loops get half a CPU under cpu_max 50% (${d} us in 2 s)"
else
	not_ok "cpu: two busy loops get half a CPU under cpu_max 50%" "usage_usec grew by $d in 2 s" "$(cat "$ucg/cpu.max" "$scg/cpu.stat")"
fi
thr=$(awk '$1 == "nr_throttled" { print $2 }' "$ucg/cpu.stat")
if [ "${thr:-0}" -gt 0 ]; then ok "cpu: $slice's cpu.stat nr_throttled > 0 ($thr)"; else not_ok "cpu: cpu.stat nr_throttled > 0" "$(cat "$ucg/cpu.stat")"; fi

# carrelctl limits: through systemd, kept across daemon-reload.
out=$(carrelctl limits alice --cpu-max 150% --pids-max 80 2>&1)
check_eq "carrelctl limits alice --cpu-max 150% --pids-max 80 succeeds" "" "$out"
check_eq "systemd has the new limits" \
	"CPUQuotaPerSecUSec=1.500000s CPUWeight=123 IOWeight=77 MemoryMax=67108864 MemorySwapMax=0 TasksMax=80" \
	"$(slice_limits "$slice")"
systemctl daemon-reload
check_eq "after daemon-reload: cpu.max and pids.max as set" "150000 100000/80" "$(cat "$ucg/cpu.max")/$(cat "$ucg/pids.max")"
carrelctl limits alice --cpu-max 50% --pids-max 64 >/dev/null 2>&1

# freeze / thaw: carrelctl -> FreezeUnit -> cgroup.freeze of the scope.
frozen() { [ "$(awk '$1 == "frozen" { print $2 }' "$scg/cgroup.events")" = "$1" ]; }
out=$(carrelctl freeze "$S_ID" 2>&1)
if [ -z "$out" ] && wait_until 5 frozen 1; then
	check_eq "freeze: the scope's cgroup.freeze is 1" 1 "$(cat "$scg/cgroup.freeze")"
	check_eq "freeze: systemd knows ($unit FreezerState)" frozen "$(systemctl show "$unit" -p FreezerState --value)"
	u0=$(cpu_usage "$scg")
	sleep 1
	u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -lt 20000 ]; then
		ok "freeze: carrelctl freeze stops the session ($((u1 - u0)) us in 1 s)"
	else
		not_ok "freeze: carrelctl freeze stops the session" "usage grew by $((u1 - u0)) us in 1 s"
	fi
else
	not_ok "freeze: carrelctl freeze $S_ID" "$out" "$(cat "$scg/cgroup.events")"
fi
out=$(carrelctl thaw "$S_ID" 2>&1)
if [ -z "$out" ] && wait_until 5 frozen 0; then
	u0=$(cpu_usage "$scg")
	sleep 1
	u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -gt 100000 ]; then
		ok "thaw: carrelctl thaw lets it run again ($((u1 - u0)) us in 1 s)"
	else
		not_ok "thaw: carrelctl thaw lets it run again" "usage grew by $((u1 - u0)) us in 1 s"
	fi
	check_eq "thaw: systemd knows" running "$(systemctl show "$unit" -p FreezerState --value)"
else
	not_ok "thaw: carrelctl thaw $S_ID" "$out" "$(cat "$scg/cgroup.events")"
fi

# kill, of a frozen carrel: the keeper thaws the scope (the login process
# is in it and must log out).
carrelctl freeze "$S_ID" >/dev/null 2>&1
out=$(carrelctl kill "$S_ID" 2>&1)
check_eq "kill: carrelctl kill of the frozen carrel succeeds" "" "$out"
if wait_pid 20 "$S_SSH"; then
	ok "kill: the ssh session ends (client exit status $T_RC)"
else
	not_ok "kill: the ssh session ends" "the ssh client still runs after 20 s"
fi
expect_no_leftovers 10 "kill: no process, state file, unit or cgroup left" alice "$S_ID" "$scg"

errs=$(journal_errors_since "$cur")
check_eq "no error in the journal" "" "$errs"
t_finish
