# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Helpers shared by tests/integration/t-*.sh.  They run inside the private
# mount namespace that run.sh sets up; $T_WORK/env.sh describes it.
. /usr/local/carrel-test/env.sh

SESSIONS_DIR=/run/carrel/sessions

tssh() { ssh -F "$T_SSH_CONFIG" "$@"; }

# probe_cmd TOKEN [probe args]: the remote command line that runs the probe.
probe_cmd() { echo "bash $T_SHARE/probe.sh $*"; }

# pv FILE KEY: the value of the first KEY= line (carriage returns of a pty removed).
pv() { tr -d '\r' <"$1" | awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }'; }
pv_all() { tr -d '\r' <"$1" | awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }'; }
has_line() { tr -d '\r' <"$1" 2>/dev/null | grep -qx -- "$2"; }

release() { : >"$T_WORK/release/$1"; }

# new_token NAME: a token unique in this run.
new_token() { echo "$1-$$-${EPOCHREALTIME/./}"; }

# wait_probe SECS FILE TOKEN: the probe printed everything.
wait_probe() { wait_until "$1" has_line "$2" "end=$3"; }

# dump FILE: the file's content as not_ok detail text (bounded).
dump() { tr -d '\r' <"$1" 2>/dev/null | head -n 60; }

sessions_count() { find "$SESSIONS_DIR" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
no_sessions() { [ "$(sessions_count)" -eq 0 ]; }

# assert_probe NAME FILE USER: what every sandboxed session must see.
assert_probe() {
	local name=$1 f=$2 user=$3 ns got bad=() sess host
	if ! has_line "$f" "user=$user"; then
		not_ok "$name: probe ran as $user" "$(dump "$f")"
		return 1
	fi
	for ns in mnt pid ipc uts net cgroup user; do
		got=$(pv "$f" "ns_$ns")
		host=$(readlink "/proc/$T_RUNNER_PID/ns/$ns")
		if [ -z "$got" ] || [ "$got" = "$host" ]; then bad+=("$ns: session $got, host $host"); fi
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$name: mnt pid ipc uts net cgroup user namespaces differ from the host's"
	else
		not_ok "$name: mnt pid ipc uts net cgroup user namespaces differ from the host's" "${bad[@]}"
	fi
	sess=$(pv "$f" session)
	if [[ "$sess" =~ ^[A-Za-z0-9._-]+$ ]]; then
		ok "$name: CARREL_SESSION is set ($sess)"
	else
		not_ok "$name: CARREL_SESSION is set" "got: $sess"
	fi
	check_eq "$name: hostname is USER-SESSION" "$user-$sess" "$(pv "$f" hostname)"

	local count pslist
	count=$(pv "$f" ps_count)
	pslist=$(pv_all "$f" ps)
	if [ -n "$count" ] && [ "$count" -le 10 ] && printf '%s\n' "$pslist" | grep -q '^1 ' &&
		! printf '%s\n' "$pslist" | grep -Eq -- 'sshd-carrel-test -D|tmux|run\.sh|t-[a-z]+\.sh|pamtester|testaid devlog'; then
		ok "$name: ps shows only the session's processes ($count)"
	else
		not_ok "$name: ps shows only the session's processes" "count=$count" "$pslist"
	fi

	local links
	links=$(pv_all "$f" link)
	if [ "$(pv "$f" link_count)" = 1 ] && [[ "$links" =~ ^1:\ lo:\ \<[A-Z_,]*UP ]]; then
		ok "$name: only lo, and it is up"
	else
		not_ok "$name: only lo, and it is up" "$links"
	fi
	check_eq "$name: /tmp is writable" yes "$(pv "$f" tmp_write)"
	check_eq "$name: the host's /tmp file is invisible" no "$(pv "$f" host_marker_visible)"
	local tok
	tok=$(pv "$f" begin)
	if [ -e "/tmp/carrel-marker-$tok" ]; then
		not_ok "$name: a file the session writes to /tmp is invisible on the host"
	else
		ok "$name: a file the session writes to /tmp is invisible on the host"
	fi
	check_eq "$name: /dev/shm is writable" yes "$(pv "$f" shm_write)"
	check_eq "$name: the host's /dev/shm file is invisible" no "$(pv "$f" shm_host_marker_visible)"
	if [ -e "/dev/shm/carrel-marker-$tok" ]; then
		not_ok "$name: a file the session writes to /dev/shm is invisible on the host"
	else
		ok "$name: a file the session writes to /dev/shm is invisible on the host"
	fi
	check_eq "$name: NoNewPrivs" 1 "$(pv "$f" nonewprivs)"
	check_eq "$name: a setuid-root program stays unprivileged" "$(pv "$f" uid)" "$(pv "$f" suid_euid)"
	[ "$(pv "$f" nested_unshare)" = ok ] || diag "$name: nested unshare -Urpf in the session: $(pv "$f" nested_unshare)"
	check_eq "$name: no effective capabilities" 0000000000000000 "$(pv "$f" capeff)"
}

# state_field ID KEY: a field of the session's state file.
state_field() { awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$SESSIONS_DIR/$1" 2>/dev/null; }

# cgroup_dirs_of ID: the cgroup= lines, from the live state file or the saved copy.
saved_state() { echo "$T_WORK/state/$1"; }

# uid_of USER
uid_of() { id -u "$1"; }

# token_pids TOKEN UID: host pids of processes owned by UID whose command line has TOKEN.
token_pids() {
	local f pid
	for f in $(grep -lsaF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" = "$2" ] && echo "$pid"
	done
}

# assert_session_live NAME PROBEFILE USER SERVICE: the host's view of a live session:
# state file, cgroup placement.  Saves what teardown checks need in $T_WORK/state.
assert_session_live() {
	local name=$1 f=$2 user=$3 service=$4
	local id uid tok st
	id=$(pv "$f" session)
	tok=$(pv "$f" begin)
	uid=$(uid_of "$user")
	st="$SESSIONS_DIR/$id"
	if [ -z "$id" ] || [ ! -f "$st" ]; then
		not_ok "$name: state file $st exists" "$(ls -la "$SESSIONS_DIR" 2>&1)"
		return 1
	fi
	ok "$name: state file exists"
	cp "$st" "$(saved_state "$id")"
	local bad=()
	[ "$(state_field "$id" id)" = "$id" ] || bad+=("id=$(state_field "$id" id)")
	[ "$(state_field "$id" user)" = "$user" ] || bad+=("user=$(state_field "$id" user)")
	[ "$(state_field "$id" uid)" = "$uid" ] || bad+=("uid=$(state_field "$id" uid)")
	[ "$(state_field "$id" service)" = "$service" ] || bad+=("service=$(state_field "$id" service)")
	pid_alive "$(state_field "$id" keeper)" || bad+=("keeper=$(state_field "$id" keeper) not alive")
	pid_alive "$(state_field "$id" holder)" || bad+=("holder=$(state_field "$id" holder) not alive")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$name: state file names id, user, uid, service, live keeper and holder"
	else
		not_ok "$name: state file names id, user, uid, service, live keeper and holder" "${bad[@]}" "$(cat "$st")"
	fi

	local dirs d memdir="" suffix="/carrel/user-$uid/session-$id"
	dirs=$(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$st")
	bad=()
	for d in $dirs; do
		[[ "$d" == *"$suffix" ]] || bad+=("$d does not end in $suffix")
		[ -d "$d" ] || bad+=("$d is not a directory")
		[ "${d#"$T_CG_MEMORY"}" != "$d" ] && memdir=$d
		case $d in "$T_CG_MEMORY"/* | "$T_CG_PIDS"/* | "$T_CG_CPU"/* | "$T_CG_CPUACCT"/* | "$T_CG_FREEZER"/* | "$T_CG_BLKIO"/* | "$T_CG_UNIFIED"/* | "${T_CG_CPUSET:-/none}"/* | "${T_CG_DEVICES:-/none}"/*) ;;
		*) bad+=("$d is not beneath the test's own cgroup (cgroup_parent = self)") ;;
		esac
	done
	[ -n "$memdir" ] || bad+=("no cgroup= line for the memory hierarchy ($T_CG_MEMORY)")
	[ -n "$dirs" ] || bad+=("no cgroup= lines")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$name: cgroups are <self>/carrel/user-$uid/session-$id"
	else
		not_ok "$name: cgroups are <self>/carrel/user-$uid/session-$id" "${bad[@]}"
	fi

	# The probe (host pid found by its token) is in the session's cgroups.
	local pids p line rel
	pids=$(token_pids "$tok" "$uid")
	bad=()
	[ -n "$pids" ] || bad+=("no process of $user with $tok found on the host")
	local pbad checked=0
	for p in $pids; do
		pbad=()
		for d in $dirs; do
			grep -qx "$p" "$d/cgroup.procs" 2>/dev/null || pbad+=("pid $p not in $d/cgroup.procs")
		done
		line=$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' "/proc/$p/cgroup" 2>/dev/null)
		rel=${line#*:*:}
		[[ "$rel" == *"$suffix" ]] || pbad+=("pid $p: /proc/$p/cgroup says memory:$rel")
		# A short-lived child of the probe (same command line) may have
		# exited meanwhile: only a process still alive counts.
		if [ -d "/proc/$p" ]; then
			bad+=("${pbad[@]}")
			checked=$((checked + 1))
		fi
	done
	[ -z "$pids" ] || [ "$checked" -gt 0 ] || bad+=("every process of $user with $tok exited before the check")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$name: the session's processes are in its cgroups (pids ${pids//$'\n'/ })"
	else
		not_ok "$name: the session's processes are in its cgroups" "${bad[@]}"
	fi
	# Remember every process of the session for the teardown check.
	for d in $dirs; do cat "$d/cgroup.procs" 2>/dev/null; done | sort -u >"$(saved_state "$id").pids"
	return 0
}

# torn_down ID: nothing of the session is left (uses the saved state).
torn_down_why() {
	local id=$1 st d p
	st=$(saved_state "$id")
	[ -e "$SESSIONS_DIR/$id" ] && echo "state file $SESSIONS_DIR/$id"
	for d in $(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$st"); do
		[ -e "$d" ] && echo "cgroup dir $d (procs: $(tr '\n' ' ' <"$d/cgroup.procs" 2>/dev/null))"
	done
	for p in $(state_field_saved "$id" keeper) $(state_field_saved "$id" holder) $(cat "$st.pids" 2>/dev/null); do
		pid_alive "$p" && echo "process $p: $(proc_desc "$p")"
	done
	return 0
}
state_field_saved() { awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$(saved_state "$1")" 2>/dev/null; }
torn_down() { [ -z "$(torn_down_why "$1")" ]; }

# assert_torn_down NAME ID [SECS]: within SECS (2) nothing of the session remains.
assert_torn_down() {
	local name=$1 id=$2 secs=${3:-2}
	if [ ! -f "$(saved_state "$id")" ]; then
		not_ok "$name: torn down within ${secs}s" "no saved state for session '$id'"
		return 1
	fi
	if wait_until "$secs" torn_down "$id"; then
		ok "$name: no process, cgroup dir or state file left within ${secs}s"
	else
		not_ok "$name: no process, cgroup dir or state file left within ${secs}s" "$(torn_down_why "$id")"
		# Leave nothing behind for the next test: these are processes this test started.
		local p
		for p in $(state_field_saved "$id" holder) $(state_field_saved "$id" keeper) $(cat "$(saved_state "$id").pids" 2>/dev/null); do
			pid_alive "$p" && kill -KILL "$p" 2>/dev/null
		done
	fi
}

# syslog_since MARK: what the /dev/log listener received after byte offset MARK.
syslog_mark() { stat -c %s "$T_SYSLOG"; }
syslog_since() { tail -c +"$(($1 + 1))" "$T_SYSLOG"; }

# session_cgroups UID: session cgroup dirs of UID that exist now, in any hierarchy.
session_cgroups() {
	local d
	for d in $T_CG_MEMORY $T_CG_PIDS $T_CG_CPU $T_CG_CPUACCT $T_CG_FREEZER $T_CG_BLKIO $T_CG_UNIFIED ${T_CG_CPUSET:-} ${T_CG_DEVICES:-}; do
		[ -d "$d/carrel/user-$1" ] || continue
		find "$d/carrel/user-$1" -mindepth 1 -maxdepth 1 -type d -name 'session-*'
	done
}
no_session_cgroups() { [ -z "$(session_cgroups "$1")" ]; }

# run_bg OUTFILE CMD...: start CMD in the background, output to OUTFILE, stdin
# from /dev/null; its pid is in BG_PID and is killed when the script exits.
run_bg() {
	local out=$1
	shift
	"$@" </dev/null >"$out" 2>&1 &
	BG_PID=$!
	t_track_pid "$BG_PID"
}

# sshd_tail: the end of sshd's log, for failure details.
sshd_tail() { tail -n "${1:-15}" "$T_SSHD_LOG"; }
syslog_tail() { tail -n "${1:-15}" "$T_SYSLOG"; }

# proc_desc PID: state, parent and command line of a process, for failure details.
proc_desc() {
	local st ppid comm
	st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	comm=$(cat "/proc/$1/comm" 2>/dev/null)
	echo "state=$st ppid=$ppid ($(cat "/proc/$ppid/comm" 2>/dev/null)) comm=$comm cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)"
}
