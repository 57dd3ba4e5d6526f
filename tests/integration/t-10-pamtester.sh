#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pamtester drives pam_open_session/pam_close_session in its own process:
# this proves the module opens and closes (and cleans up), not what a shell
# inside sees (the other t-*.sh do that).
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out/pamtester
pt() { pamtester -v "$@" </dev/null >"$OUT" 2>&1; }

# An exempt user passes untouched, and the exemption is logged.
for who in root carreltest3; do
	mark=$(syslog_mark)
	if pt carrel-test "$who" open_session close_session; then
		ok "pamtester: $who (exempt) opens and closes a session"
	else
		not_ok "pamtester: $who (exempt) opens and closes a session" "$(cat "$OUT")" "$(syslog_since "$mark")"
	fi
	if syslog_since "$mark" | grep -q "$who is exempt"; then
		ok "pamtester: $who's exemption is logged"
	else
		not_ok "pamtester: $who's exemption is logged" "$(syslog_since "$mark")"
	fi
	uid=$(uid_of "$who")
	if [ -d "$T_CG_MEMORY/carrel/user-$uid" ]; then
		not_ok "pamtester: no carrel cgroup for exempt $who" "$T_CG_MEMORY/carrel/user-$uid exists"
	else
		ok "pamtester: no carrel cgroup for exempt $who"
	fi
done

# A normal user: open, close, nothing left.
uid=$(uid_of carreltest1)
mark=$(syslog_mark)
if pt carrel-test carreltest1 open_session close_session &&
	grep -q 'successfully opened a session' "$OUT" &&
	grep -q 'session has successfully been closed' "$OUT"; then
	ok "pamtester: carreltest1 opens and closes a session"
else
	not_ok "pamtester: carreltest1 opens and closes a session" "$(cat "$OUT")" "$(syslog_since "$mark")"
fi
if wait_until 2 no_sessions && wait_until 2 no_session_cgroups "$uid"; then
	ok "pamtester: after close_session no state file and no session cgroup within 2s"
else
	not_ok "pamtester: after close_session no state file and no session cgroup within 2s" \
		"$(ls -la "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$uid")"
fi

# open_session, then the process exits without closing: the keeper tears down.
mark=$(syslog_mark)
if pt carrel-test carreltest1 open_session && grep -q 'successfully opened a session' "$OUT"; then
	ok "pamtester: carreltest1 opens a session and exits without closing it"
else
	not_ok "pamtester: carreltest1 opens a session and exits without closing it" "$(cat "$OUT")" "$(syslog_since "$mark")"
fi
if wait_until 2 no_sessions && wait_until 2 no_session_cgroups "$uid"; then
	ok "pamtester: the keeper tears down within 2s after the process exits"
else
	not_ok "pamtester: the keeper tears down within 2s after the process exits" \
		"$(ls -la "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$uid")"
fi

# Several sessions one after another (a cheap leak check: fds, cgroups, state).
bad=0
for _ in 1 2 3 4 5; do
	pt carrel-test carreltest2 open_session close_session || bad=$((bad + 1))
done
if [ "$bad" = 0 ] && wait_until 2 no_sessions && wait_until 2 no_session_cgroups "$(uid_of carreltest2)"; then
	ok "pamtester: 5 sessions in a row open, close and leave nothing"
else
	not_ok "pamtester: 5 sessions in a row open, close and leave nothing" "$bad failed" "$(cat "$OUT")" \
		"$(ls -la "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$(uid_of carreltest2)")"
fi

# An unknown user is refused.
if pt carrel-test carrel-no-such-user open_session close_session; then
	not_ok "pamtester: an unknown user is refused" "$(cat "$OUT")"
else
	ok "pamtester: an unknown user is refused"
fi
t_finish
