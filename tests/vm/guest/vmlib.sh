# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2034 # S_* and CG are used by the tests that source this
# shellcheck shell=bash
#
# Helpers for tests/vm/t-*.sh (inside the VM, as root).  Sources the
# project's tests/lib.sh for ok/not_ok/check_eq/wait_until/t_finish.
TREE=/root/carrel
. "$TREE/tests/lib.sh"
V=/usr/local/carrel-vmtest
KEY=/root/vmtest/id_user
CG=/sys/fs/cgroup
SESSIONS_DIR=/run/carrel/sessions
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0

# ussh USER CMD...: a login through sshd-carrel-test (a new carrel each time);
# with USSH_PORT=22, through the system's own sshd (no carrel).
ussh() {
	local user=$1
	shift
	ssh -i "$KEY" -p "${USSH_PORT:-2222}" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=20 "$user@127.0.0.1" "$@"
}

new_token() { echo "t$$-${EPOCHREALTIME/./}"; }
kv() { tr -d '\r' <"$1" 2>/dev/null | awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }'; }
has() { grep -q "^$2" "$1" 2>/dev/null; }

# open_session USER [COMMAND...]: an ssh session held open by hold.sh (120 s
# at most) in the background.  Sets S_TOKEN, S_OUT (its output), S_SSH (the
# ssh client's pid), S_ID (CARREL_SESSION), S_PID (hold.sh's host pid),
# S_UID.  Returns 1 when the session did not come up within 90 s.
open_session() {
	local user=$1
	shift
	S_TOKEN=$(new_token)
	S_OUT=/root/vmtest/$S_TOKEN.out
	S_UID=$(id -u "$user")
	ussh "$user" "bash $V/hold.sh $S_TOKEN 120 $*" >"$S_OUT" 2>&1 </dev/null &
	S_SSH=$!
	t_track_pid "$S_SSH"
	t_on_exit "touch $V/release/$S_TOKEN"
	# Up to 90 s (logins are slow under emulation), less if ssh gives up.
	ready_or_gone() { has "$S_OUT" "ready=$S_TOKEN" || ! kill -0 "$S_SSH" 2>/dev/null; }
	wait_until 90 ready_or_gone
	if ! has "$S_OUT" "ready=$S_TOKEN"; then
		S_ID='' S_PID=''
		return 1
	fi
	S_ID=$(kv "$S_OUT" carrel)
	S_PID=$(pgrep -u "$user" -f "hold.sh $S_TOKEN" | head -n1)
	return 0
}
# Why the last open_session failed: the end of its output and what
# pam_carrel and the helper logged.
session_failure() {
	tr -d '\r' <"$S_OUT" 2>/dev/null | grep -v '^$' | tail -n 3
	journalctl -q --no-pager -n 300 -o short-monotonic 2>/dev/null | grep -E 'pam_carrel|carrel-helper' | tail -n 3
}
close_session() {
	touch "$V/release/$S_TOKEN"
	wait_pid 20 "$S_SSH"
}

# The session's cgroup directory, as the host sees it.
cg_of_pid() { awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup" 2>/dev/null; }
state_cgroups() { awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$1" 2>/dev/null; }

# The sshd process that opened the PAM session ("sshd: USER [priv]", the
# monitor), found by walking up from a process of the session.
monitor_of() {
	local p=$1
	for _ in 1 2 3 4 5 6; do
		p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
		[ -n "$p" ] && [ "$p" != 0 ] || return 1
		case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in *'[priv]'*) echo "$p"; return 0 ;; esac
	done
	return 1
}

# Leftovers of a carrel session: processes of the user, state file, cgroups.
# The user's processes, but for those of their systemd --user manager
# (user@UID.service), which logind stops on its own, 10 s after the last
# session (UserStopDelaySec).
user_procs() {
	local p
	for p in $(pgrep -u "$1" 2>/dev/null); do
		case $(cg_of_pid "$p") in */user@*.service/* | */user@*.service) ;; *) echo -n "$p " ;; esac
	done
}
# The transient units carrel asked systemd for, for carrel ID: the keeper's
# scope, and the scopes of logins that were in no unit of the user's.
carrel_units() {
	systemctl list-units --all --plain --no-legend 'carrel-*' 2>/dev/null | awk '{ print $1 }' |
		grep -E "^carrel-(keeper-)?$1(-[0-9]+)?\.scope\$" || true
}
state_field() { awk -F= -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }' "$SESSIONS_DIR/$1" 2>/dev/null; }
leftovers() { # USER ID CGDIRS...
	local user=$1 id=$2 d
	shift 2
	local procs units
	units=$(carrel_units "$id")
	[ -n "$units" ] && echo "units: $(echo $units)"
	procs=$(user_procs "$user")
	[ -n "$procs" ] && echo "processes of $user: $(for p in $procs; do printf '%s %s [%s]; ' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" "$(cg_of_pid "$p")"; done)"
	[ -e "$SESSIONS_DIR/$id" ] && echo "state file $SESSIONS_DIR/$id"
	[ -e "$SESSIONS_DIR/$id.sock" ] && echo "socket $SESSIONS_DIR/$id.sock"
	for d in "$@"; do [ -d "$d" ] && echo "cgroup $d"; done
	return 0
}
no_leftovers() { [ -z "$(leftovers "$@")" ]; }
# expect_no_leftovers SECS DESC USER ID CGDIRS...: ok once nothing is left
# (within SECS), else not ok with what is.
expect_no_leftovers() {
	local secs=$1 desc=$2
	shift 2
	if wait_until "$secs" no_leftovers "$@"; then ok "$desc"; else not_ok "$desc" "$(leftovers "$@")"; fi
}
# logind's session XSID: listed by loginctl, or not.
logind_lists() { loginctl list-sessions --no-legend | awk -v s="$1" '$1 == s { f = 1 } END { exit !f }'; }
logind_gone() { ! logind_lists "$1"; }
# expect_logind_gone DESC XSID: ok once logind has dropped the session (10 s).
expect_logind_gone() {
	if wait_until 10 logind_gone "$2"; then
		ok "$1"
	else
		not_ok "$1" "$(loginctl list-sessions --no-legend)" "$(loginctl show-session "$2" 2>&1 | grep -E 'State|Scope|Leader')"
	fi
}

# Journal: a cursor now, and the err-or-worse entries after it.
journal_cursor() { journalctl -n0 --show-cursor -q 2>/dev/null | sed -n 's/^-- cursor: //p'; }
# (The kernel's OOM-kill report is expected where a test makes one.)
journal_errors_since() {
	journalctl --sync 2>/dev/null # what was logged just now, too
	journalctl -q --no-pager -p err --after-cursor="$1" -o short-monotonic 2>/dev/null |
		grep -v -e 'kernel: Memory cgroup out of memory: Killed process' || true
}
journal_since() { journalctl --sync 2>/dev/null; journalctl -q --no-pager --after-cursor="$1" -o short-monotonic 2>/dev/null; }

# A slice's limits as systemd has them, sorted, on one line.
slice_limits() {
	systemctl show "$1" -p MemoryMax -p MemorySwapMax -p TasksMax -p CPUQuotaPerSecUSec -p CPUWeight -p IOWeight |
		sort | tr '\n' ' ' | sed 's/ $//'
}

# check_limit_files LABEL DIR: the six limit files of DIR hold
# carrel.d/50-vmtest.conf's values (setup.sh).
check_limit_files() {
	local f want
	for f in memory.max=67108864 memory.swap.max=0 pids.max=64 "cpu.max=50000 100000" cpu.weight=123 \
		"io.weight=default 77"; do
		want=${f#*=}
		f=${f%%=*}
		check_eq "$1$f" "$want" "$(cat "$2/$f" 2>&1)"
	done
}

# cpu usage (usec) of a cgroup.
cpu_usage() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }

# slow_until SECS CMD...: wait_until, polling every 0.5 s (for commands that
# are slow under emulation: journalctl, systemctl, logins through the system's programs).
slow_until() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.5
	done
	"$@"
}
