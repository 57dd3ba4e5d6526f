#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kill -9 of sshd's session process (the privileged monitor that opened the
# PAM session): carrel tears the session down, logind closes its session,
# and systemd logs no error; no process, state file, unit or cgroup is
# left.  Then the same for loginctl terminate-session.
. /root/carrel/tests/vm/guest/vmlib.sh

cur=$(journal_cursor)
if ! open_session alice; then
	not_ok "alice's session comes up" "$(session_failure)"
	t_finish
fi
scg=$CG$(cg_of_pid "$S_PID")
xsid=$(kv "$S_OUT" xdg_session_id)
mon=$(monitor_of "$S_PID")
if [ -z "$mon" ]; then
	not_ok "found sshd's monitor of the session" "$(ps -ef --forest | tail -n 30)"
	t_finish
fi
ok "sshd's monitor is pid $mon ($(tr '\0' ' ' <"/proc/$mon/cmdline")), in $(cg_of_pid "$mon")"
kill -KILL "$mon"
if wait_until 10 no_leftovers alice "$S_ID" "$scg"; then
	ok "after kill -9 of the monitor: no process, state file or cgroup left"
else
	not_ok "after kill -9 of the monitor: no process, state file or cgroup left" "$(leftovers alice "$S_ID" "$scg")"
fi
gone() { ! loginctl list-sessions --no-legend | awk -v s="$xsid" '$1 == s { f = 1 } END { exit !f }'; }
if wait_until 10 gone; then
	ok "logind's session $xsid is gone"
else
	not_ok "logind's session $xsid is gone" "$(loginctl list-sessions --no-legend)" "$(loginctl show-session "$xsid" 2>&1 | grep -E 'State|Scope|Leader')"
fi
wait_pid 10 "$S_SSH"

# loginctl terminate-session: systemd stops the session's scope (SIGTERM,
# then SIGKILL after a timeout), the holder with it; the keeper, in a scope
# of its own, sees the holder die and tears down.
if open_session alice; then
	scg=$CG$(cg_of_pid "$S_PID")
	xsid=$(kv "$S_OUT" xdg_session_id)
	loginctl terminate-session "$xsid"
	if wait_until 15 no_leftovers alice "$S_ID" "$scg"; then
		ok "loginctl terminate-session: no process, state file or cgroup left"
	else
		not_ok "loginctl terminate-session: no process, state file or cgroup left" "$(leftovers alice "$S_ID" "$scg")"
	fi
	if wait_until 10 gone; then ok "loginctl terminate-session: logind's session $xsid is gone"; else not_ok "loginctl terminate-session: logind's session $xsid is gone"; fi
	wait_pid 10 "$S_SSH"
else
	not_ok "a second session comes up" "$(session_failure)"
fi
errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then ok "no error in the journal"; else not_ok "no error in the journal" "$errs"; fi
t_finish
