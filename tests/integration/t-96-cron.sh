#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real cron: Debian's cron daemon, started by this script inside the suite's
# namespaces with a crontab spool of its own (a tmpfs over
# /var/spool/cron; /etc/crontab and /etc/cron.d masked so that none of the
# host's system jobs run here), runs a job of carreltest1 through PAM
# service cron with the carrel line: the job runs inside a carrel (its
# namespaces are not the host's, CARREL_SESSION is set) and when it ends
# nothing is left.  cron starts jobs on the minute: the wait is bounded at
# 150 s.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

CRON=/usr/sbin/cron
if [ ! -x "$CRON" ]; then
	skip "cron: a job runs inside a carrel" "no $CRON (tests/install-deps.sh installs cron)"
	t_finish
fi
OUT=$T_WORK/out
U=carreltest1
UID1=$(id -u "$U")
tok=$(new_token cron)
PAMD=/etc/pam.d/cron # run.sh's copy of /etc/pam.d, bind-mounted

# The cron PAM service gets the carrel line (restored on exit).
cp -p "$PAMD" "$T_WORK/pam-cron.orig"
t_on_exit "cat '$T_WORK/pam-cron.orig' >'$PAMD'"
echo "session required $T_MODULE config=$T_CONF debug" >>"$PAMD"

# cron's own spool and an empty system crontab, in this namespace only.
for m in /var/spool/cron /etc/cron.d; do
	if ! mount -t tmpfs -o mode=0755 carrel-test-cron "$m"; then
		not_ok "cron: a private $m" "mount failed"
		t_finish
	fi
	t_on_exit "umount -l '$m'"
done
: >"$T_WORK/crontab.empty"
mount --bind "$T_WORK/crontab.empty" /etc/crontab && t_on_exit "umount -l /etc/crontab"
install -d -o root -g crontab -m 1730 /var/spool/cron/crontabs
# The job: where it runs, into a file the test reads.
printf '%s\n' 'MAILTO=""' "* * * * * bash $T_SHARE/sess.sh $tok 0 >$OUT/$tok 2>&1" >"/var/spool/cron/crontabs/$U"
chown "$U:crontab" "/var/spool/cron/crontabs/$U"
chmod 0600 "/var/spool/cron/crontabs/$U"

mark=$(syslog_mark)
"$CRON" -f -L 15 </dev/null >"$OUT/cron.log" 2>&1 &
CRON_PID=$!
t_track_pid "$CRON_PID"
if ! wait_until 5 pid_alive "$CRON_PID"; then
	not_ok "cron: the daemon runs" "$(cat "$OUT/cron.log")"
	t_finish
fi
ok "cron: the daemon runs (pid $CRON_PID)"

# On the next minute (at most ~60 s away; 150 s bound).
job_done() { [ -f "$OUT/$tok" ] && has_line "$OUT/$tok" "bye=$tok"; }
if wait_until 150 job_done; then
	ok "cron: the job ran ($(($(date +%s) % 60)) s past the minute)"
	line=$(grep '^sess=' "$OUT/$tok")
	sess=$(sed -n 's/^sess=\([^ ]*\).*/\1/p' <<<"$line")
	bad=()
	[[ "$sess" =~ ^[0-9]+$ ]] || bad+=("CARREL_SESSION is '$sess'")
	for ns in mnt pid net user; do
		host=$(readlink "/proc/$T_RUNNER_PID/ns/$ns")
		got=$(sed -n "s/.* $ns:\([^ ]*\).*/\1/p" <<<" ${line#*ns=}")
		[ -n "$got" ] && [ "$got" != "$host" ] || bad+=("$ns namespace: job $got, host $host")
	done
	grep -q "uid=$UID1" <<<"$line" || bad+=("not run as $U: $line")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "cron: the job of $U ran inside carrel $sess (mnt pid net user namespaces not the host's)"
	else
		not_ok "cron: the job of $U ran inside a carrel" "${bad[@]}" "syslog: $(syslog_since "$mark" | tail -n 8)"
	fi
	if syslog_since "$mark" | grep -q "session $sess opened for $U"; then
		ok "cron: the module logged the session it opened for the job"
	else
		not_ok "cron: the module logged the session it opened for the job" "$(syslog_since "$mark" | tail -n 8)"
	fi
	# Stop cron before the next minute, so that no second job starts.
	kill -TERM "$CRON_PID"
	wait_pid 10 "$CRON_PID"
	if wait_until 10 no_sessions && wait_until 5 no_session_cgroups "$UID1"; then
		ok "cron: nothing left after the job (state file, cgroups)"
	else
		not_ok "cron: nothing left after the job (state file, cgroups)" "$(ls -la "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$UID1")"
	fi
	left=$(for p in $(find "$T_CG_MEMORY" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
		[ "$(awk '/^Uid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$UID1" ] && echo "$p $(proc_desc "$p")"
	done)
	if [ -z "$left" ]; then ok "cron: no process of $U left"; else not_ok "cron: no process of $U left" "$left"; fi
else
	not_ok "cron: the job ran within 150 s" "job output: $(dump "$OUT/$tok")" "cron: $(tail -n 10 "$OUT/cron.log")" \
		"syslog: $(syslog_since "$mark" | tail -n 10)"
fi
t_finish
