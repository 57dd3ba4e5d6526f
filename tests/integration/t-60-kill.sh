#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kill -9 of the process that opened the session (sshd's per-connection
# monitor, login, su): the keeper notices and within 2 s no process, cgroup
# or state file of the session is left.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out
SOCK=$T_WORK/tmp/tmux-kill.sock
t_on_exit "tmux -S '$SOCK' kill-server"

# kill_and_check NAME FILE USER SERVICE PID: the session is live; kill -9 PID.
kill_and_check() {
	local name=$1 f=$2 user=$3 svc=$4 victim=$5 id
	assert_session_live "$name" "$f" "$user" "$svc" || return
	id=$(pv "$f" session)
	if [ -z "$victim" ] || ! pid_alive "$victim"; then
		not_ok "$name: found the process to kill" "pid '$victim'"
		return
	fi
	local what
	what=$(tr "\\0" " " <"/proc/$victim/cmdline" 2>/dev/null | cut -c1-40)
	kill -KILL "$victim"
	wait "$victim" 2>/dev/null # our own child (su): no job notice on stderr
	assert_torn_down "$name: kill -9 $victim ($what)" "$id"
}

# --- sshd: the monitor is the listener's child for this connection.
tok=$(new_token kssh)
run_bg "$OUT/$tok" tssh carreltest1@carrel-test "$(probe_cmd "$tok" --hold 120)"
cli=$BG_PID
if wait_probe 60 "$OUT/$tok" "$tok"; then
	mon=""
	for p in $(pgrep -P "$T_SSHD_PID"); do
		grep -qa carreltest1 "/proc/$p/cmdline" 2>/dev/null && mon=$p
	done
	kill_and_check "kill sshd monitor" "$OUT/$tok" carreltest1 sshd-carrel-test "$mon"
	if wait_pid 30 "$cli"; then ok "kill sshd monitor: the client sees the connection end"; else not_ok "kill sshd monitor: the client sees the connection end"; fi
else
	not_ok "kill sshd monitor: the probe runs" "$(dump "$OUT/$tok")" "sshd: $(sshd_tail)"
	release "$tok"
	wait_pid 30 "$cli"
fi

# --- login: the pane's process is login itself (exec).
tok=$(new_token klogin)
tmux -S "$SOCK" -f /dev/null new-session -d -s K1 -x 200 -y 50 "exec login -f carreltest1" </dev/null
srv=$(tmux -S "$SOCK" display-message -p '#{pid}' 2>/dev/null)
[ -n "$srv" ] && t_track_pid "$srv"
lpid=$(tmux -S "$SOCK" list-panes -t K1 -F '#{pane_pid}' 2>/dev/null)
if wait_until 60 sh -c "tmux -S '$SOCK' capture-pane -p -t K1 | grep -q '\\\$ *\$'"; then
	tmux -S "$SOCK" send-keys -t K1 "bash $T_SHARE/probe.sh $tok --hold 120 >$OUT/$tok 2>&1; exit" Enter
	if wait_probe 60 "$OUT/$tok" "$tok"; then
		check_eq "kill login: the pane's process is login" login "$(cat "/proc/$lpid/comm" 2>&1)"
		kill_and_check "kill login" "$OUT/$tok" carreltest1 login "$lpid"
	else
		not_ok "kill login: the probe runs" "$(dump "$OUT/$tok")"
		release "$tok"
	fi
else
	not_ok "kill login: shell prompt" "$(tmux -S "$SOCK" capture-pane -p -t K1 2>&1)"
fi

# --- su: the su process that opened the session is the one we started.
tok=$(new_token ksu)
run_bg "$OUT/$tok" su - carreltest1 -c "$(probe_cmd "$tok" --hold 120)"
supid=$BG_PID
if wait_probe 60 "$OUT/$tok" "$tok"; then
	kill_and_check "kill su" "$OUT/$tok" carreltest1 su-l "$supid"
else
	not_ok "kill su: the probe runs" "$(dump "$OUT/$tok")"
	release "$tok"
	wait_pid 30 "$supid"
fi
t_finish
