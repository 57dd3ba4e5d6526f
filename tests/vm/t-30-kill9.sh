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
expect_no_leftovers 10 "after kill -9 of the monitor: no process, state file, unit or cgroup left" alice "$S_ID" "$scg"
expect_logind_gone "logind's session $xsid is gone" "$xsid"
wait_pid 10 "$S_SSH"

# loginctl terminate-session: systemd stops the session's scope (SIGTERM,
# then SIGKILL after a timeout), the holder with it; the keeper, in a scope
# of its own, sees the holder die and tears down.
if open_session alice; then
	scg=$CG$(cg_of_pid "$S_PID")
	xsid=$(kv "$S_OUT" xdg_session_id)
	loginctl terminate-session "$xsid"
	expect_no_leftovers 15 "loginctl terminate-session: no process, state file, unit or cgroup left" alice "$S_ID" "$scg"
	expect_logind_gone "loginctl terminate-session: logind's session $xsid is gone" "$xsid"
	wait_pid 10 "$S_SSH"
else
	not_ok "a second session comes up" "$(session_failure)"
fi
errs=$(journal_errors_since "$cur")
if [ -z "$errs" ]; then ok "no error in the journal"; else not_ok "no error in the journal" "$errs"; fi
t_finish
