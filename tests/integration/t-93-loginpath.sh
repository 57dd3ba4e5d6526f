#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The login path against what a caller controls (issue 12, items 1, 4, 6, 8),
# each case performing the attack against the installed module and helper:
#   - the global lock held past the bound: another user's login is refused
#     within the bound, with a log line, not hung;
#   - a user with a password runs `su - USER` on a tmux pty under
#     prlimit --fsize=1, chrt --idle, taskset and nice, types ^Z while the
#     helper waits: the helper is in a session of its own and is not stopped,
#     helper and keeper run with default scheduling, affinity and limits, and
#     /run/carrel/seq holds the session's id in full;
#   - sshd's auth stack with a `sufficient` module, or a jump, before the
#     carrel auth line: the session is refused, not run without its user
#     namespace;
#   - the module listed twice (su-l and the su it includes): one carrel;
#   - the login program killed while its helper waits: nothing is left.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

# shellcheck source=t9x-lib.sh
. "$T_SHARE/t9x-lib.sh" # run.sh stages it
t9x_setup "t-93-loginpath" || t_finish

OUT=$T_WORK/out
U1=carreltest1
U2=carreltest2
LOCK=/run/carrel/lock
SEQ=/run/carrel/seq
PW=carrel-t93-pw

# Files this script changes, restored on exit whatever happens.
SAVE=$T_WORK/tmp/t93-save.$$
mkdir -p "$SAVE"
for f in /etc/pam.d/sshd-carrel-test /etc/pam.d/su /etc/pam.d/su-l /etc/shadow; do cp -p "$f" "$SAVE/${f##*/}"; done
# In place (cat >): /etc/shadow is a file bind-mounted by run.sh.
restore_files() {
	local f
	for f in /etc/pam.d/sshd-carrel-test /etc/pam.d/su /etc/pam.d/su-l /etc/shadow; do cat "$SAVE/${f##*/}" >"$f"; done
}
t_on_exit restore_files

# hold_lock: the global lock, held by a process of this script (LOCK_PID)
# until unlock; a stand-in for a helper that hangs while it holds it.
hold_lock() {
	mkdir -p /run/carrel
	bash -c "exec 9>>'$LOCK' && flock 9 && echo locked && exec sleep 120" >"$OUT/t93-lock" 2>&1 &
	LOCK_PID=$!
	t_track_pid "$LOCK_PID"
	wait_until 5 grep -q locked "$OUT/t93-lock"
}
unlock() { kill -KILL "$LOCK_PID" 2>/dev/null; wait "$LOCK_PID" 2>/dev/null; }

t9x_pane_has() { t9x_pane "$1" | grep -q -- "$2"; }
# helper_of PID: the carrel-helper child of PID.
helper_of() { pgrep -P "$1" -x carrel-helper | head -n 1; }
# stat_field PID N: field N of /proc/PID/stat (after the command name).
stat_field() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f$(($2 - 2)); }

# check_clean NAME PID: PID (the helper, the keeper) runs with the default
# policy, nice 0, every CPU and no file size limit, whatever su's caller set.
ALL_CPUS=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/$$/status)
check_clean() {
	local name=$1 q=$2 bad=() pol aff
	pol=$(chrt -p "$q" 2>&1 | awk -F': ' '/policy/ { print $2 }')
	[ "$pol" = SCHED_OTHER ] || bad+=("policy $pol")
	[ "$(stat_field "$q" 19)" = 0 ] || bad+=("nice $(stat_field "$q" 19)")
	aff=$(awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$q/status")
	[ "$aff" = "$ALL_CPUS" ] || bad+=("affinity $aff, not $ALL_CPUS")
	grep -q '^Max file size *unlimited' "/proc/$q/limits" || bad+=("$(grep '^Max file size' "/proc/$q/limits")")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "su under the caller's limits: the $name runs with default scheduling, affinity and file size limit"
	else
		not_ok "su under the caller's limits: the $name runs with default scheduling, affinity and file size limit" "${bad[@]}"
	fi
}

SNAP=$(t9x_snapshot)

# ------------------------------------------------ the lock held past the bound
t9x_phase "the global lock held by a process that hangs"
if hold_lock; then
	mark=$(syslog_mark)
	tok=$(new_token t93lock)
	run_bg "$OUT/$tok" su - "$U2" -c "echo in=\$CARREL_SESSION"
	pid=$BG_PID
	if wait_pid 30 "$pid"; then
		if [ "$T_RC" != 0 ] && ! grep -q '^in=' "$OUT/$tok"; then
			ok "lock held: $U2's su is refused within the bound (exit $T_RC)"
		else
			not_ok "lock held: $U2's su is refused within the bound" "exit $T_RC" "$(dump "$OUT/$tok")"
		fi
		if syslog_since "$mark" | grep -q "refusing session for $U2: lock: $LOCK: .*timed out"; then
			ok "lock held: the log names the lock and the timeout"
		else
			not_ok "lock held: the log names the lock and the timeout" "$(syslog_since "$mark" | tail -n 8)"
		fi
	else
		not_ok "lock held: $U2's su is refused within the bound" "still waiting after 30 s (killed)" "$(dump "$OUT/$tok")"
	fi
	unlock
else
	not_ok "lock held: take the lock" "$(cat "$OUT/t93-lock")"
fi
t9x_assert_nothing_left "lock held" "$SNAP" 10

# ------------------------------------------------ two locks held: one budget for both
# The session-id lock held for 7 s, the global lock for good: the waits of
# one login add up to one budget (12 s, helper/carrel.c), not 7 + 8 s; the
# refusal says how long this login waited for its locks in all.
t9x_phase "the id lock and the global lock held: one budget for the waits"
SEQ_LOCK=/run/carrel/seq.lock
bash -c "exec 9>>'$SEQ_LOCK' && flock 9 && echo locked && exec sleep 7" >"$OUT/t93-seqlock" 2>&1 &
SEQ_PID=$!
t_track_pid "$SEQ_PID"
if wait_until 5 grep -q locked "$OUT/t93-seqlock" && hold_lock; then
	mark=$(syslog_mark)
	tok=$(new_token t93budget)
	run_bg "$OUT/$tok" su - "$U2" -c "echo in=\$CARREL_SESSION"
	if wait_pid 40 "$BG_PID"; then
		line=$(syslog_since "$mark" | grep "refusing session for $U2: lock: $LOCK: .*timed out" | tail -n 1)
		total=$(sed -n 's/.*lock waits: \([0-9]*\) ms in all, at most \([0-9]*\).*/\1 \2/p' <<<"$line")
		if [ "$T_RC" != 0 ] && ! grep -q '^in=' "$OUT/$tok" && [ -n "$total" ] &&
			[ "${total% *}" -le $((${total#* } + 500)) ] && [ "${total% *}" -ge 8000 ]; then
			ok "two locks held: $U2's su is refused at the global lock within the one budget (${total% *} ms of ${total#* })"
		else
			not_ok "two locks held: $U2's su is refused at the global lock within the one budget" "exit $T_RC" \
				"waits: ${total:-none in the log}" "$(dump "$OUT/$tok")" "$(syslog_since "$mark" | tail -n 8)"
		fi
	else
		not_ok "two locks held: $U2's su is refused within the budget" "still waiting after 40 s (killed)"
	fi
	unlock
else
	not_ok "two locks held: take the locks" "$(cat "$OUT/t93-seqlock" "$OUT/t93-lock")"
fi
kill -KILL "$SEQ_PID" 2>/dev/null
wait "$SEQ_PID" 2>/dev/null
t9x_assert_nothing_left "two locks held" "$SNAP" 10

# ------------------------------------------------ the lock held shared without a gap
# Logins of a user whose cgroup has its limits already take the global lock
# shared.  flock() has no writer priority: without the gate (lock.gate,
# held by every taker while it waits), shared holders one after another
# (one user's login storm) would keep an exclusive taker (another user's
# first login, a teardown) out past its 8 s bound.  The stand-ins take it
# as those logins do, through the gate, 1 s each, a new one every 0.3 s for
# 12 s: the lock is never free meanwhile.
t9x_phase "the lock held shared without a gap"
GATE=/run/carrel/lock.gate
storm() {
	local end=$((SECONDS + 12))
	while [ $SECONDS -lt $end ]; do
		bash -c "exec 8>>'$GATE' 9>>'$LOCK' && flock -x 8 && flock -s 9 && flock -u 8 && exec sleep 1" &
		sleep 0.3
	done
	wait
}
storm >/dev/null 2>&1 &
STORM_PID=$!
t_track_pid "$STORM_PID"
sleep 1.5
held=$(grep -c "FLOCK.*READ" /proc/locks 2>/dev/null)
tok=$(new_token t93storm)
run_bg "$OUT/$tok" su - "$U2" -c "echo in=\$CARREL_SESSION"
pid=$BG_PID
if wait_pid 30 "$pid" && [ "$T_RC" = 0 ] && grep -q '^in=' "$OUT/$tok"; then
	ok "shared holders without a gap ($held shared flocks at the start): $U2's first login (the lock exclusive) gets in"
else
	not_ok "shared holders without a gap: $U2's first login (the lock exclusive) gets in" "exit $T_RC" "$(dump "$OUT/$tok")"
fi
wait_pid 20 "$STORM_PID"
t9x_assert_nothing_left "shared holders" "$SNAP" 10

# ------------------------------------------------ su on a pty with the caller's limits
t9x_phase "su under prlimit, chrt --idle, taskset, nice; ^Z"
# A password for the user (pam_unix in su's auth stack asks a non-root caller).
hash=$(openssl passwd -6 -salt t93salt "$PW")
awk -F: -v OFS=: -v u="$U1" -v h="$hash" '$1 == u { $2 = h } { print }' "$SAVE/shadow" >/etc/shadow
# The module runs before pam_limits here, as an admin may well have it, so
# that no limit of limits.conf replaces what su's caller set. (util-linux su
# 2.38 resets RLIMIT_FSIZE itself: the file size part of this case only
# shows with a login program that does not.)
awk '/^session.*pam_carrel\.so/ { next } /^session.*pam_limits\.so/ { while ((getline l < f) > 0) if (l ~ /^session.*pam_carrel\.so/) print l } { print }' \
	f="$SAVE/su" "$SAVE/su" >/etc/pam.d/su
# Session ids of two digits at least, so that a one-byte seq write shows.
n=$(cat "$SEQ" 2>/dev/null)
[ "${n:-0}" -ge 10 ] 2>/dev/null || echo 10 >"$SEQ"
tok=$(new_token t93su)
# The session inherits su's limits (they are the user's own): it lifts the
# soft file size limit and leaves SCHED_IDLE, then only reports its id.
inner="ulimit -S -f unlimited; chrt -o -p 0 \$\$ 2>/dev/null; echo session=\$CARREL_SESSION >$OUT/$tok; echo end=$tok >>$OUT/$tok; exec sleep 60"
if hold_lock; then
	t9x_tmux -f /dev/null new-session -d -s t93 -x 200 -y 50 \
		"exec setpriv --reuid=$U1 --regid=$U1 --init-groups --reset-env -- prlimit --fsize=1:unlimited -- chrt --idle 0 taskset -c 0 nice -n 19 su - $U1 -c '$inner'" </dev/null
	srv=$(t9x_tmux display-message -p '#{pid}' 2>/dev/null)
	[ -n "$srv" ] && t_track_pid "$srv"
	SU=$(t9x_tmux list-panes -t t93 -F '#{pane_pid}' 2>/dev/null)
	if wait_until 20 t9x_pane_has t93 Password; then :; fi
	t9x_type t93 "$PW"
	H=
	wait_until 20 eval 'H=$(helper_of "$SU"); [ -n "$H" ]'
	if [ -n "$H" ]; then
		check_clean helper "$H"
		bad=()
		[ "$(stat_field "$H" 6)" = "$H" ] || bad+=("session $(stat_field "$H" 6), not its own ($H)")
		[ "$(stat_field "$H" 7)" = 0 ] || bad+=("controlling tty $(stat_field "$H" 7)")
		# The attack: ^Z written to the pty, as its owner can.
		t9x_tmux send-keys -t t93 C-z
		sleep 0.5
		st=$(stat_field "$H" 3)
		[ "$st" != T ] || bad+=("stopped by ^Z (state $st)")
		if [ ${#bad[@]} -eq 0 ]; then ok "su on a pty: the helper is in a session of its own; ^Z does not stop it"; else not_ok "su on a pty: the helper is in a session of its own; ^Z does not stop it" "${bad[@]}" "$(proc_desc "$H")"; fi
	else
		not_ok "su on a pty: the helper starts" "$(t9x_pane t93)" "$(syslog_tail 8)"
	fi
	# su itself is the user's, and ^Z may have stopped it: go on.
	kill -CONT "$SU" 2>/dev/null
	unlock
	if wait_probe 30 "$OUT/$tok" "$tok"; then
		ID=$(pv "$OUT/$tok" session)
		ok "su under the caller's limits: the session opens ($ID)"
		t9x_save_state "$ID"
		[ "$(cat "$SEQ" 2>/dev/null)" = "$ID" ] && ok "seq holds the session id in full ($ID)" ||
			not_ok "seq holds the session id in full" "seq: '$(cat "$SEQ" 2>&1)', session $ID"
		check_clean keeper "$(state_field "$ID" keeper)"
		for c in $(pgrep -P "$SU"); do kill -TERM "$c"; done # the session's shell: su closes the session
		wait_until 20 pid_gone "$SU" || kill -KILL "$SU" 2>/dev/null
		assert_torn_down "su under the caller's limits: after exit" "$ID"
	else
		not_ok "su under the caller's limits: the session opens" "$(dump "$OUT/$tok")" "$(t9x_pane t93)" "$(syslog_tail 8)"
		kill -KILL "$SU" 2>/dev/null
	fi
	t9x_tmux kill-session -t t93 2>/dev/null
else
	not_ok "su on a pty: take the lock" "$(cat "$OUT/t93-lock")"
fi
cat "$SAVE/shadow" >/etc/shadow
cat "$SAVE/su" >/etc/pam.d/su
t9x_assert_nothing_left "su under the caller's limits" "$SNAP" 10

# ------------------------------------------------ the login program dies while its helper waits
t9x_phase "su killed while its helper waits for the lock"
if hold_lock; then
	run_bg "$OUT/t93-kill" su - "$U2" -c "echo in=\$CARREL_SESSION; exec sleep 60"
	pid=$BG_PID
	H=
	wait_until 20 eval 'H=$(helper_of "$pid"); [ -n "$H" ]'
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	unlock
	if [ -n "$H" ] && wait_until 20 pid_gone "$H"; then
		ok "login killed: its helper ends"
	else
		not_ok "login killed: its helper ends" "helper '$H': $(proc_desc "$H")"
	fi
else
	not_ok "login killed: take the lock" "$(cat "$OUT/t93-lock")"
fi
t9x_assert_nothing_left "login killed" "$SNAP" 10

# ------------------------------------------------ sshd: the auth line never reached
t9x_phase "sshd: the suite's stack"
# ssh_session: a session of U1 over sshd; prints its marker lines.
ssh_session() { timeout 30 ssh -F "$T_SSH_CONFIG" "$U1@carrel-test" 'echo t93-in=$CARREL_SESSION; echo t93-userns=$(readlink /proc/self/ns/user)' 2>&1; }
host_userns=$(readlink /proc/self/ns/user)
out=$(ssh_session)
if [[ $out == *t93-in=[0-9]* && $out != *"t93-userns=$host_userns"* ]]; then
	ok "sshd, the suite's stack: the session runs in its user namespace"
else
	not_ok "sshd, the suite's stack: the session runs in its user namespace" "$out" "$(sshd_tail 8)"
fi
for shape in sufficient jump; do
	t9x_phase "sshd: $shape before the auth line"
	if [ "$shape" = sufficient ]; then
		{ echo "auth sufficient pam_permit.so"; cat "$SAVE/sshd-carrel-test"; } >/etc/pam.d/sshd-carrel-test
	else
		awk '/^auth .*pam_carrel\.so/ { print "auth [success=1 default=ignore] pam_permit.so" } { print }' \
			"$SAVE/sshd-carrel-test" >/etc/pam.d/sshd-carrel-test
	fi
	mark=$(syslog_mark)
	out=$(ssh_session)
	if [[ $out != *t93-in=* ]]; then
		ok "sshd, $shape before the auth line: no session"
	else
		not_ok "sshd, $shape before the auth line: no session" "$out"
	fi
	if wait_until 5 eval 'syslog_since "$mark" | grep -q "pam_setcred did not reach pam_carrel"'; then
		ok "sshd, $shape before the auth line: the log says why"
	else
		not_ok "sshd, $shape before the auth line: the log says why" "$(syslog_since "$mark" | tail -n 8)"
	fi
	cat "$SAVE/sshd-carrel-test" >/etc/pam.d/sshd-carrel-test
	t9x_assert_nothing_left "sshd, $shape" "$SNAP" 10
done

# ------------------------------------------------ the module twice in one stack
t9x_phase "pam_carrel in su-l and in the su it includes"
line=$(grep -m1 '^session.*pam_carrel\.so' /etc/pam.d/su)
{ cat "$SAVE/su-l"; echo "$line"; } >/etc/pam.d/su-l
tok=$(new_token t93twice)
mark=$(syslog_mark)
run_bg "$OUT/$tok" su - "$U1" -c "$(probe_cmd "$tok")"
if wait_pid 30 "$BG_PID" && [ "$T_RC" = 0 ] && has_line "$OUT/$tok" "end=$tok"; then
	ID=$(pv "$OUT/$tok" session)
	opened=$(syslog_since "$mark" | grep -c "session [0-9]* opened for $U1")
	if [ "$(pv "$OUT/$tok" ns_pid)" != "$(readlink /proc/self/ns/pid)" ] && [ "$opened" = 1 ]; then
		ok "listed twice: su - opens one carrel ($ID)"
	else
		not_ok "listed twice: su - opens one carrel" "opened: $opened" "$(dump "$OUT/$tok")" "$(syslog_since "$mark" | tail -n 8)"
	fi
else
	not_ok "listed twice: su - works" "exit $T_RC" "$(dump "$OUT/$tok")" "$(syslog_since "$mark" | tail -n 8)"
fi
cat "$SAVE/su-l" >/etc/pam.d/su-l
t9x_assert_nothing_left "listed twice" "$SNAP" 10

t_finish
