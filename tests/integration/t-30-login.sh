#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# login -f USER on a tmux pty (PAM service login): the shell's view, the
# host's view, and teardown after the user logs out.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out
SOCK=$T_WORK/tmp/tmux-login.sock

# start_login SESSION USER: a tmux session whose pane runs login; sets PANE_PID.
start_login() {
	local s=$1 user=$2
	tmux -S "$SOCK" -f /dev/null new-session -d -s "$s" -x 200 -y 50 "exec login -f $user" </dev/null || return 1
	local srv
	srv=$(tmux -S "$SOCK" display-message -p '#{pid}' 2>/dev/null)
	[ -n "$srv" ] && t_track_pid "$srv"
	PANE_PID=$(tmux -S "$SOCK" list-panes -t "$s" -F '#{pane_pid}' 2>/dev/null)
}
pane() { tmux -S "$SOCK" capture-pane -p -t "$1" 2>/dev/null; }
prompt_shown() { pane "$1" | grep -q '\$ *$'; }
t_on_exit "tmux -S '$SOCK' kill-server"

tok=$(new_token login)
if start_login L1 carreltest1 && wait_until 60 prompt_shown L1; then
	ok "login: shell prompt on the pty"
	lpid=$PANE_PID
	tmux -S "$SOCK" send-keys -t L1 "bash $T_SHARE/probe.sh $tok --hold 120 >$OUT/$tok 2>&1; exit" Enter
	if wait_probe 60 "$OUT/$tok" "$tok"; then
		ok "login: the probe runs"
		assert_probe "login" "$OUT/$tok" carreltest1
		tty=$(pv "$OUT/$tok" tty)
		if [[ "$tty" =~ ^/dev/pts/[0-9]+$ ]]; then ok "login: the shell is on a host pty ($tty)"; else not_ok "login: the shell is on a host pty" "tty=$tty"; fi
		assert_session_live "login" "$OUT/$tok" carreltest1 login
		id=$(pv "$OUT/$tok" session)
		release "$tok"
		if wait_until 30 pid_gone "$lpid"; then
			ok "login: logout ends login"
		else
			not_ok "login: logout ends login" "$(pane L1)"
		fi
		assert_torn_down "login: after logout" "$id"
	else
		not_ok "login: the probe runs" "$(dump "$OUT/$tok")" "screen: $(pane L1)" "syslog: $(syslog_tail)"
		release "$tok"
	fi
else
	not_ok "login: shell prompt on the pty" "screen: $(pane L1)" "syslog: $(syslog_tail)"
fi
t_finish
