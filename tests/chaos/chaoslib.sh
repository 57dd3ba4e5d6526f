# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by the chaos, fault and load drivers (tests/chaos/*.sh) and
# t-96/t-97: what "nothing left" means, how to clean up after a leak, and
# whether a session ran inside its carrel.  Source after lib.sh and
# common.sh, inside the integration suite's namespaces.
#
#   leftovers       what is left, one item a line: state files, per-user
#                   files, held locks, carrel cgroups in every hierarchy,
#                   carrel's and the test users' processes (in the suite's
#                   cgroup subtree), mounts and network devices added since
#                   this file was sourced
#   clean           leftovers is empty
#   sweep           remove what leftovers reports (processes by pid)
#   in_carrel_why FILE   why a "sess=" line of tests/chaos/sess.sh shows no
#                   carrel (CARREL_SESSION unset, a host namespace, no
#                   no_new_privs, a bounding set, no seccomp); empty: fine
#   todo DESC DETAIL...  a known bug whose fix is not the tests' to make:
#                   "not ok ... # TODO" in TAP, counted as skipped

CHAOS_MOUNTS0=$(awk '{ print $5 }' /proc/self/mountinfo | sort)
CHAOS_LINKS0=$(ip -o link | awk -F': ' '{ print $2 }')

# our_pids: processes in the suite's own cgroup subtree (memory hierarchy).
our_pids() { find "$T_CG_MEMORY" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u; }
chaos_cg_dirs() {
	local d
	for d in $T_CG_MEMORY $T_CG_PIDS $T_CG_CPU $T_CG_CPUACCT $T_CG_FREEZER $T_CG_BLKIO $T_CG_UNIFIED ${T_CG_CPUSET:-} ${T_CG_DEVICES:-}; do
		[ -d "$d/carrel" ] && echo "$d/carrel"
	done
}
# chaos_procs: carrel's processes, strace and the test users' (pid, then why).
chaos_procs() {
	local p comm uid
	for p in $(our_pids); do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		uid=$(awk '/^Uid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		case $comm:$uid in carrel-*:* | strace:* | *:6100[0-9]) echo "$p" ;; esac
	done
}

leftovers() {
	local f d p now
	for f in "$SESSIONS_DIR"/*; do [ -e "$f" ] && echo "state: $f"; done
	for f in /run/carrel/users/*; do
		[ -e "$f" ] || continue
		case $f in
		*.lock) flock -n -x "$f" true 2>/dev/null || echo "lock held: $f" ;;
		*) echo "per-user file: $f ($(head -c 40 "$f"))" ;;
		esac
	done
	[ -e /run/carrel/lock ] && ! flock -n -x /run/carrel/lock true 2>/dev/null && echo "lock held: /run/carrel/lock"
	for d in $(chaos_cg_dirs); do find "$d" -mindepth 1 -type d -printf 'cgroup: %p\n' 2>/dev/null; done
	for p in $(chaos_procs); do echo "process: $p $(proc_desc "$p" 2>/dev/null)"; done
	now=$(comm -13 <(echo "$CHAOS_MOUNTS0") <(awk '{ print $5 }' /proc/self/mountinfo | sort))
	[ -z "$now" ] || echo "mounts added: $(echo "$now" | tr '\n' ' ')"
	[ "$(ip -o link | awk -F': ' '{ print $2 }')" = "$CHAOS_LINKS0" ] || echo "links: $(ip -o link | awk -F': ' '{ print $2 }' | tr '\n' ' ')"
	return 0
}
clean() { [ -z "$(leftovers)" ]; }

sweep() {
	local p d
	for p in $(chaos_procs); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	for d in $(chaos_cg_dirs); do find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; done
	rm -f "$SESSIONS_DIR"/* 2>/dev/null
	find /run/carrel/users -mindepth 1 ! -name '*.lock' -delete 2>/dev/null
}

in_carrel_why() {
	local line ns f host
	while read -r line; do
		[[ "$line" =~ ^sess=[0-9]+\  ]] || echo "no CARREL_SESSION: $line"
		# The suite's policy: no_new_privs, an empty bounding set, the
		# default seccomp filter (mode 2).
		[[ " $line " == *" nnp=1 capbnd=0000000000000000 seccomp=2 "* ]] || echo "not hardened: $line"
		for f in mnt pid net user; do
			host=$(readlink "/proc/$T_RUNNER_PID/ns/$f")
			ns=$(sed -n "s/.* $f:\([^ ]*\).*/\1/p" <<<" ${line#*ns=}")
			[ -n "$ns" ] && [ "$ns" != "$host" ] || echo "$f namespace is the host's ($host): $line"
		done
	done < <(tr -d '\r' <"$1" | grep '^sess=')
}

# known_leak LEFTOVERS: the bug a leak is known as (tests/RESULTS.md), or
# nothing when it is not one of them.
# None is known now: the empty carrel/user-UID left after a teardown (an
# rmdir that raced the session dir going offline, v1) is fixed in
# cgroup.c's fs_remove_user().  Kept for the next one found.
known_leak() {
	:
}

todo() {
	# not_ok's line and details, counted and recorded as a skip.
	CARREL_T_RESULTS_FD='' not_ok "$@"
	T_FAIL=$((T_FAIL - 1))
	T_SKIP=$((T_SKIP + 1))
	_t_record skip
}
