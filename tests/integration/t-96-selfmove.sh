#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The login process moves itself into the carrel's cgroups and back out
# (issue 12, item 6): nobody writes its pid into a cgroup.procs file, where
# the pid could be another process's by then.  strace follows pamtester
# (the login process), the helper and the keeper through open_session and
# close_session: pamtester writes "0" into the session's cgroup.procs at
# open and into its own cgroup's at close, and no process writes
# pamtester's pid into any cgroup.procs.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

TRACE=$T_WORK/out/t96-strace
OUT=$T_WORK/out/t96-pamtester
uid=$(uid_of carreltest1)

if ! command -v strace >/dev/null; then
	skip "self-move: strace" "strace is not installed"
	t_finish
fi
if [ -n "$(session_cgroups "$uid" 2>/dev/null)" ] || ! no_sessions; then
	not_ok "self-move: no session before the test" "$(ls -la "$SESSIONS_DIR" 2>&1)"
	t_finish
fi

mark=$(syslog_mark)
# Bounded: strace ends when the last traced process (the keeper) exits.
if timeout 60 strace -f -qq -s 64 -y -e trace=execve,write -e signal=none -o "$TRACE" \
	pamtester -v carrel-test carreltest1 open_session close_session </dev/null >"$OUT" 2>&1 &&
	grep -q 'session has successfully been closed' "$OUT"; then
	ok "self-move: carreltest1 opens and closes a session under strace"
else
	not_ok "self-move: carreltest1 opens and closes a session under strace" "$(cat "$OUT")" \
		"$(syslog_since "$mark")"
fi
login=$(awk 'NR == 1 { print $1 }' "$TRACE")

# PID write(FD</...carrel/user-UID/session-ID/cgroup.procs>, "0", 1) = 1
in=$(grep -E "^$login +write\([0-9]+<[^>]*/carrel/user-$uid/session-[^/>]*/cgroup\.procs>, \"0\", 1\) = 1" "$TRACE")
if [ -n "$in" ]; then
	ok "self-move: the login process moved itself into the session's cgroup"
else
	not_ok "self-move: the login process moved itself into the session's cgroup" \
		"$(grep -E 'cgroup\.procs' "$TRACE" | head -n 20)"
fi
out=$(grep -E "^$login +write\([0-9]+<[^>]*/cgroup\.procs>, \"0\", 1\) = 1" "$TRACE" | grep -v "/carrel/user-$uid/session-")
if [ -n "$out" ]; then
	ok "self-move: the login process moved itself back into its own cgroup at close"
else
	not_ok "self-move: the login process moved itself back into its own cgroup at close" \
		"$(grep -E 'cgroup\.procs' "$TRACE" | head -n 20)"
fi
named=$(grep -E "write\([0-9]+<[^>]*/cgroup\.procs>, \"$login\"" "$TRACE")
if [ -n "$login" ] && [ -z "$named" ]; then
	ok "self-move: no process wrote the login process's pid into a cgroup.procs"
else
	not_ok "self-move: no process wrote the login process's pid into a cgroup.procs" "login=$login" "$named"
fi
if wait_until 5 no_sessions && wait_until 5 no_session_cgroups "$uid"; then
	ok "self-move: nothing left after close_session"
else
	not_ok "self-move: nothing left after close_session" "$(ls -la "$SESSIONS_DIR" 2>&1)" \
		"$(session_cgroups "$uid")"
fi
t_finish
