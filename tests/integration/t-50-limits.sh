#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The configured limits hold inside an ssh session (memory_max 64M,
# pids_max 64, cpu_max 50% in run.sh's config): limits.sh pushes against
# them from inside, and the host reads the user's cgroup files while the
# session is still open.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out
tok=$(new_token limits)
run_bg "$OUT/$tok" tssh carreltest1@carrel-test "bash $T_SHARE/limits.sh $tok 120"
pid=$BG_PID
if ! wait_until 120 has_line "$OUT/$tok" "end=$tok"; then
	not_ok "limits: limits.sh runs in an ssh session" "$(dump "$OUT/$tok")" "sshd: $(sshd_tail)" "syslog: $(syslog_tail)"
	t_finish
fi
ok "limits: limits.sh runs in an ssh session"
id=$(pv "$OUT/$tok" session)
st=$SESSIONS_DIR/$id
cgdir() { awk -F= -v p="$1/" '$1 == "cgroup" && index($2, p) == 1 { print $2; exit }' "$st" 2>/dev/null; }
memdir=$(cgdir "$T_CG_MEMORY")
pidsdir=$(cgdir "$T_CG_PIDS")
cpudir=$(cgdir "$T_CG_CPU")
umem=$(dirname "${memdir:-/none/x}")
upids=$(dirname "${pidsdir:-/none/x}")
ucpu=$(dirname "${cpudir:-/none/x}")
for d in "$umem" "$upids" "$ucpu"; do
	[ -d "$d" ] || not_ok "limits: the user's cgroup directory exists" "${d} (state file: $(cat "$st" 2>&1))"
done

# memory_max = 64M
check_eq "limits: memory_max 64M -> memory.limit_in_bytes" 67108864 "$(cat "$umem/memory.limit_in_bytes" 2>&1)"
check_eq "limits: a 200 MiB memory hog is killed (SIGKILL)" 137 "$(pv "$OUT/$tok" memhog_rc)"
# The kernel's own count: cgroup v1 charges the OOM kill to the victim's
# (session) cgroup and counts it there, whichever ancestor's limit was hit.
usage=$(cat "$umem/memory.max_usage_in_bytes" 2>/dev/null)
kills=$(cat "$umem/memory.oom_control" "$memdir/memory.oom_control" 2>/dev/null | awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }')
if [ "$kills" -gt 0 ] && [ -n "$usage" ] && [ "$usage" -le 67108864 ]; then
	ok "limits: the kernel OOM-killed in the session (oom_kill $kills, peak usage $usage)"
else
	not_ok "limits: the kernel OOM-killed in the session" "oom_kill=$kills usage=$usage" "$(cd "$umem" 2>/dev/null && grep -H . memory.failcnt memory.max_usage_in_bytes memory.limit_in_bytes memory.oom_control 2>&1)" "session: $(cd "$memdir" 2>/dev/null && grep -H . memory.failcnt memory.max_usage_in_bytes memory.limit_in_bytes memory.oom_control 2>&1)" "$(pv_all "$OUT/$tok" memhog_last)"
fi

# pids_max = 64
check_eq "limits: pids_max 64 -> pids.max" 64 "$(cat "$upids/pids.max" 2>&1)"
line=$(tr -d '\r' <"$OUT/$tok" | grep '^forked=')
forked=$(sed -n 's/^forked=\([0-9]*\).*/\1/p' <<<"$line")
failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
if [ -n "$forked" ] && [ "$forked" -ge 10 ] && [ "$forked" -lt 64 ] && [ "${failed:-0}" -gt 0 ] && [[ "$line" == *EAGAIN* ]]; then
	ok "limits: a bounded fork loop stops at pids_max ($line)"
else
	not_ok "limits: a bounded fork loop stops at pids_max" "$line"
fi
# pids.events counts a refused fork in the cgroup of the forking process.
ev=$(cat "$upids/pids.events" "$pidsdir/pids.events" 2>/dev/null | awk '$1 == "max" { n += $2 } END { print n + 0 }')
if [ "$ev" -gt 0 ]; then ok "limits: pids.events counts the refusals ($ev)"; else not_ok "limits: pids.events counts the refusals" "max=$ev" "$(grep -H . "$upids"/pids.* "$pidsdir"/pids.* 2>&1)"; fi

# cpu_max = 50%
quota=$(cat "$ucpu/cpu.cfs_quota_us" 2>/dev/null)
period=$(cat "$ucpu/cpu.cfs_period_us" 2>/dev/null)
if [ -n "$quota" ] && [ -n "$period" ] && [ "$period" -gt 0 ] && [ $((quota * 100 / period)) = 50 ]; then
	ok "limits: cpu_max 50% -> cpu.cfs_quota_us $quota / cpu.cfs_period_us $period"
else
	not_ok "limits: cpu_max 50% -> cpu.cfs_quota_us / cpu.cfs_period_us" "quota=$quota period=$period"
fi
line=$(tr -d '\r' <"$OUT/$tok" | grep '^spin_cpu_ms=')
cpu=$(sed -n 's/^spin_cpu_ms=\([0-9]*\).*/\1/p' <<<"$line")
wall=$(sed -n 's/.*spin_wall_ms=\([0-9]*\).*/\1/p' <<<"$line")
# The quota is an upper bound; a busy machine may give even less.
if [ -n "$cpu" ] && [ -n "$wall" ] && [ "$wall" -gt 0 ] && [ $((cpu * 100 / wall)) -le 65 ] && [ "$cpu" -gt 0 ]; then
	ok "limits: a busy loop gets at most its share ($((cpu * 100 / wall))% of one CPU)"
else
	not_ok "limits: a busy loop gets at most its share (<= 65% of one CPU)" "$line"
fi

cp "$st" "$(saved_state "$id")" 2>/dev/null
for d in $(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$st" 2>/dev/null); do
	cat "$d/cgroup.procs" 2>/dev/null
done | sort -u >"$(saved_state "$id").pids"
release "$tok"
if wait_pid 30 "$pid" && [ "$T_RC" = 0 ]; then ok "limits: logout (client exit status 0)"; else not_ok "limits: logout" "exit status $T_RC"; fi
assert_torn_down "limits: after logout" "$id"
t_finish
