#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The limits of carrel.d/50-vmtest.conf hold on cgroup v2 under systemd:
# memory (a hog is OOM-killed), pids (a fork loop stops), cpu (two busy
# loops get half a CPU together); freeze and thaw through cgroup.freeze;
# kill through cgroup.kill.
. /root/carrel/tests/vm/guest/vmlib.sh

cur=$(journal_cursor)
# A session that keeps user-UID alive and spins 2 processes for 60 s.
if ! open_session alice "$V/vmaid spin 60 2"; then
	not_ok "alice's spinning session comes up" "$(session_failure)"
	t_finish
fi
scg=$CG$(cg_of_pid "$S_PID")
ucg=$(dirname "$scg")
check_eq "the session's cgroup is carrel's" "$CG/carrel/user-$S_UID/session-$S_ID" "$scg"

# memory.
oom0=$(awk '$1 == "oom_kill" { print $2 }' "$ucg/memory.events")
out=$(ussh alice "$V/vmaid memhog 200; echo rc=\$?" 2>&1)
oom1=$(awk '$1 == "oom_kill" { print $2 }' "$ucg/memory.events")
if printf '%s\n' "$out" | grep -qx 'rc=137' && ! printf '%s\n' "$out" | grep -qx 'touched=200'; then
	ok "memory: a 200 MiB hog is killed under memory_max 64M ($(printf '%s\n' "$out" | grep touched= | tail -n1))"
else
	not_ok "memory: a 200 MiB hog is killed under memory_max 64M" "$out"
fi
if [ -n "$oom0" ] && [ "${oom1:-0}" -gt "$oom0" ]; then
	ok "memory: memory.events oom_kill counted it ($oom0 -> $oom1)"
else
	not_ok "memory: memory.events oom_kill counted it" "before $oom0 after $oom1"
fi

# pids.
out=$(ussh alice "$V/vmaid forkloop 200 20" 2>&1)
forked=$(printf '%s\n' "$out" | sed -n 's/^forked=\([0-9]*\).*/\1/p')
if [ -n "$forked" ] && [ "$forked" -lt 64 ] && printf '%s\n' "$out" | grep -q 'errno=Resource temporarily unavailable'; then
	ok "pids: a loop of 200 forks stops under pids_max 64 ($out)"
else
	not_ok "pids: a loop of 200 forks stops under pids_max 64" "$out"
fi
# cpu: two spinners, cpu_max 50%: about 1 s of CPU in 2 s (up to 4 s without;
# emulation makes the period bookkeeping coarse, hence the wide bounds).
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
if [ "${thr:-0}" -gt 0 ]; then ok "cpu: cpu.stat nr_throttled > 0 ($thr)"; else not_ok "cpu: cpu.stat nr_throttled > 0" "$(cat "$ucg/cpu.stat")"; fi

# freeze / thaw.
frozen() { [ "$(awk '$1 == "frozen" { print $2 }' "$scg/cgroup.events")" = "$1" ]; }
echo 1 >"$scg/cgroup.freeze"
if wait_until 5 frozen 1; then
	u0=$(cpu_usage "$scg")
	sleep 1
	u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -lt 20000 ]; then
		ok "freeze: cgroup.freeze = 1 stops the session ($((u1 - u0)) us in 1 s)"
	else
		not_ok "freeze: cgroup.freeze = 1 stops the session" "usage grew by $((u1 - u0)) us in 1 s"
	fi
else
	not_ok "freeze: cgroup.events says frozen" "$(cat "$scg/cgroup.events")"
fi
echo 0 >"$scg/cgroup.freeze"
if wait_until 5 frozen 0; then
	u0=$(cpu_usage "$scg")
	sleep 1
	u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -gt 100000 ]; then
		ok "thaw: cgroup.freeze = 0 lets it run again ($((u1 - u0)) us in 1 s)"
	else
		not_ok "thaw: cgroup.freeze = 0 lets it run again" "usage grew by $((u1 - u0)) us in 1 s"
	fi
else
	not_ok "thaw: cgroup.events says thawed" "$(cat "$scg/cgroup.events")"
fi

# kill.
echo 1 >"$scg/cgroup.kill"
if wait_pid 20 "$S_SSH"; then
	ok "kill: cgroup.kill ends the session (ssh exit status $T_RC)"
else
	not_ok "kill: cgroup.kill ends the session" "the ssh client still runs after 20 s"
fi
if wait_until 10 no_leftovers alice "$S_ID" "$scg" "$ucg"; then
	ok "kill: no process, state file or cgroup left"
else
	not_ok "kill: no process, state file or cgroup left" "$(leftovers alice "$S_ID" "$scg" "$ucg")"
fi

errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then ok "no error in the journal"; else not_ok "no error in the journal" "$errs"; fi
t_finish
