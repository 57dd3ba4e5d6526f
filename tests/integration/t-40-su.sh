#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# su - USER -c CMD (PAM service su-l, which includes su) and su USER -c CMD
# (service su): the shell's view, the host's view, teardown; exempt users
# (root, a member of an exempt group) pass untouched.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out

for form in "su -" "su"; do
	tok=$(new_token su)
	if [ "$form" = "su -" ]; then
		svc=su-l
		run_bg "$OUT/$tok" su - carreltest1 -c "$(probe_cmd "$tok" --hold 120)"
	else
		svc=su
		run_bg "$OUT/$tok" su carreltest1 -c "$(probe_cmd "$tok" --hold 120)"
	fi
	pid=$BG_PID
	if wait_probe 60 "$OUT/$tok" "$tok"; then
		ok "$form: the probe runs"
		assert_probe "$form" "$OUT/$tok" carreltest1
		assert_session_live "$form" "$OUT/$tok" carreltest1 "$svc"
		id=$(pv "$OUT/$tok" session)
		release "$tok"
		if wait_pid 30 "$pid" && [ "$T_RC" = 0 ]; then ok "$form: exits 0"; else not_ok "$form: exits 0" "exit status $T_RC"; fi
		assert_torn_down "$form: after exit" "$id"
	else
		not_ok "$form: the probe runs" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail)"
		release "$tok"
		wait_pid 30 "$pid"
	fi
done

# Exempt: root (exempt_users) and carreltest3 (exempt_groups) are not sandboxed.
for who in root carreltest3; do
	tok=$(new_token exempt)
	if su "$who" -c "$(probe_cmd "$tok")" </dev/null >"$OUT/$tok" 2>&1 && has_line "$OUT/$tok" "end=$tok"; then
		bad=()
		for ns in mnt pid net uts; do
			[ "$(pv "$OUT/$tok" "ns_$ns")" = "$(readlink "/proc/$T_RUNNER_PID/ns/$ns")" ] || bad+=("$ns differs")
		done
		[ "$(pv "$OUT/$tok" session)" = "<unset>" ] || bad+=("CARREL_SESSION=$(pv "$OUT/$tok" session)")
		if [ ${#bad[@]} -eq 0 ]; then ok "su $who (exempt): passes untouched"; else not_ok "su $who (exempt): passes untouched" "${bad[@]}"; fi
		# The control for the sessions' setuid check: outside a carrel it works.
		[ "$who" = carreltest3 ] && check_eq "su $who (exempt): a setuid-root program gets euid 0 outside a carrel" 0 "$(pv "$OUT/$tok" suid_euid)"
	else
		not_ok "su $who (exempt): runs" "$(dump "$OUT/$tok")"
	fi
done
t_finish
