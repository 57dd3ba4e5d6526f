#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Resource exhaustion: /run/carrel full (a small tmpfs over it in the
# suite's mount namespace: no space, then no inodes), low fd limits on the
# login program, a pid limit reached by another user's fork bomb, memory
# pressure in a session.  Each time the user's login either works (inside
# its carrel) or is refused with a log line naming the step; root and other
# users are unaffected; nothing is left; the keeper is not the OOM killer's
# choice over the session's processes.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh
. /usr/local/share/carrel-test/chaoslib.sh

OUT=$T_WORK/out/exhaust
mkdir -p "$OUT"
U1=carreltest1
U2=carreltest2
SESS="bash $T_SHARE/sess.sh"
AID=$T_TESTAID
command -v perl >/dev/null || { skip "exhaustion" "no perl (perl-base)"; t_finish; }

verdict_since() { syslog_since "$1" | grep -Eq "refusing session for $2|session [0-9]+ opened for $2"; }
carrel_ended_since() { syslog_since "$1" | grep -Eq "carrel [0-9]+ ended"; }

# try USER TOKEN [PREFIX...]: su - USER under PREFIX (e.g. a ulimit); RESULT
# is "opened", "refused:STEP" or "failed" (neither: exit without a session
# and no refusal logged, or a session outside its carrel).
try() {
	local user=$1 tok=$2 mark log step
	shift 2
	mark=$(syslog_mark)
	timeout 60 "$@" su - "$user" -c "$SESS $tok 0" </dev/null >"$OUT/$tok" 2>&1
	RC=$?
	# The listener writes what it receives a moment after su has exited:
	# a failed login waits (bounded) for the module's verdict.
	[ "$RC" = 0 ] || wait_until 3 verdict_since "$mark" "$user"
	log=$(syslog_since "$mark")
	step=$(sed -n "s/.*refusing session for $user: \([^:]*\):.*/\1/p" <<<"$log" | head -n 1)
	# A carrel that opened ends a moment after the login program gave up:
	# wait (bounded) for its keeper's last line before judging.
	if [ "$RC" != 0 ] && [ -z "$step" ] && grep -Eq "session [0-9]+ opened for $user" <<<"$log"; then
		wait_until 10 carrel_ended_since "$mark"
		log=$(syslog_since "$mark")
	fi
	if has_line "$OUT/$tok" "up=$tok"; then
		RESULT=opened
		[ -z "$(in_carrel_why "$OUT/$tok")" ] || RESULT=failed
	elif [ "$RC" != 0 ] && [ -n "$step" ]; then
		RESULT="refused:$step"
	elif [ "$RC" != 0 ] && grep -Eq "session [0-9]+ opened for $user" <<<"$log" && grep -Eq "carrel [0-9]+ ended" <<<"$log"; then
		# carrel opened and closed it; the login program gave up in between
		# (su: "cannot create child process").
		RESULT="refused:by the login program, after open ($(head -n 1 "$OUT/$tok"))"
	else
		RESULT=failed
	fi
	DETAIL="exit $RC; $(dump "$OUT/$tok" | head -n 5); syslog: $(tail -n 4 <<<"$log")"
}
works_or_refused() { # NAME: after try
	case $RESULT in
	opened | refused:*) ok "$1: the login works or is refused cleanly ($RESULT)" ;;
	*) not_ok "$1: the login works or is refused cleanly" "$DETAIL" ;;
	esac
}
must_open() { # NAME: after try
	if [ "$RESULT" = opened ]; then ok "$1: the login opens a carrel"; else not_ok "$1: the login opens a carrel" "$RESULT" "$DETAIL"; fi
}
root_ok() {
	if su - root -c "echo root-ok" </dev/null 2>&1 | grep -q root-ok; then ok "$1: root logs in"; else not_ok "$1: root logs in"; fi
}
nothing_left() {
	if wait_until 10 no_sessions && wait_until 5 no_session_cgroups "$(id -u "$U1")" && wait_until 5 no_session_cgroups "$(id -u "$U2")"; then
		ok "$1: nothing left (state files, session cgroups)"
	else
		not_ok "$1: nothing left (state files, session cgroups)" "$(ls -la "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$(id -u "$U1")") $(session_cgroups "$(id -u "$U2")")"
	fi
}

# ------------------------------------------------ /run/carrel full
# Nothing runs now: what /run/carrel holds (lock, seq) is put back after.
if no_sessions; then
	# The first script of a run may come before any login made it.
	mkdir -p /run/carrel
	tar -C /run -cf "$OUT/rundir.tar" carrel 2>/dev/null
	for kind in space inodes; do
		if [ "$kind" = space ]; then opts=size=64k; else opts=nr_inodes=40; fi
		if ! mount -t tmpfs -o "mode=0755,$opts" carrel-test-full /run/carrel; then
			not_ok "/run/carrel without $kind: a small tmpfs" "mount failed"
			continue
		fi
		tar -C /run -xf "$OUT/rundir.tar" 2>/dev/null
		if [ "$kind" = space ]; then
			dd if=/dev/zero of=/run/carrel/filler bs=4k 2>/dev/null
		else
			i=0
			while [ $i -lt 64 ] && : 2>/dev/null >"/run/carrel/filler.$i"; do i=$((i + 1)); done
			mkdir /run/carrel/sessions 2>/dev/null
		fi
		try "$U1" "full-$kind-1"
		works_or_refused "/run/carrel without $kind"
		root_ok "/run/carrel without $kind"
		try "$U2" "full-$kind-2"
		works_or_refused "/run/carrel without $kind, another user"
		rm -f /run/carrel/filler*
		try "$U1" "full-$kind-3"
		must_open "/run/carrel without $kind, then freed"
		nothing_left "/run/carrel without $kind"
		umount /run/carrel || umount -l /run/carrel
	done
else
	not_ok "/run/carrel full: no session runs before the test" "$(ls -la "$SESSIONS_DIR")"
fi

# ------------------------------------------------ fd limits
for n in 8 10 12 16 24; do
	try "$U1" "fds-$n" prlimit --nofile="$n":"$n"
	works_or_refused "RLIMIT_NOFILE $n on su"
done
try "$U1" "fds-after"
must_open "RLIMIT_NOFILE: afterwards"
nothing_left "RLIMIT_NOFILE"

# ------------------------------------------------ a fork bomb next door
# carreltest2 (pids_max = 48 for the user) fills its pid limit; it holds.
tok=bomb-$$
# (perl-base: fork until the kernel refuses, then hold; all bounded by 60 s)
run_bg "$OUT/$tok" su - "$U2" -c "echo sess=\$CARREL_SESSION; exec perl -e '\$|=1; my \$n=0; for (1..200) { my \$p=fork; last unless defined \$p; if (!\$p) { sleep 60; exit 0 } \$n++ } print \"forked=\$n\\nup=$tok\\n\"; sleep 60'"
BOMB=$BG_PID
if wait_until 30 has_line "$OUT/$tok" "up=$tok"; then
	ok "fork bomb: $U2's session forks until its pid limit"
	try "$U1" "bomb-other"
	must_open "fork bomb of $U2: $U1"
	try "$U2" "bomb-self"
	works_or_refused "fork bomb of $U2: $U2's next login"
	root_ok "fork bomb of $U2"
else
	not_ok "fork bomb: $U2's session starts" "$(dump "$OUT/$tok")"
fi
kill -KILL "$BOMB" 2>/dev/null
wait_pid 30 "$BOMB"
nothing_left "fork bomb"
try "$U2" "bomb-after"
must_open "fork bomb ended: $U2's next login"

# ------------------------------------------------ memory pressure
tok=mem-$$
run_bg "$OUT/$tok" su - "$U1" -c "echo sess=\$CARREL_SESSION; echo up=$tok; $AID memhog 200; echo memhog_rc=\$?; bash $T_SHARE/sess.sh $tok-hold 60"
MEM=$BG_PID
if wait_until 60 has_line "$OUT/$tok" "up=$tok-hold"; then
	id=$(sed -n 's/^sess=\([0-9]*\).*/\1/p' "$OUT/$tok" | head -n 1)
	check_eq "memory pressure: the memory hog in the session is OOM-killed" 137 "$(pv "$OUT/$tok" memhog_rc)"
	keeper=$(state_field "$id" keeper)
	holder=$(state_field "$id" holder)
	if pid_alive "$keeper"; then ok "memory pressure: the keeper survives"; else not_ok "memory pressure: the keeper survives" "keeper '$keeper'"; fi
	# The keeper must never be the OOM killer's choice over the session's
	# own processes: its oom_score_adj below every one of theirs.
	kadj=$(cat "/proc/$keeper/oom_score_adj" 2>/dev/null)
	memdir=$(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$id" | grep -F "$T_CG_MEMORY" | head -n 1)
	min=
	for p in $(cat "$memdir/cgroup.procs" 2>/dev/null); do
		a=$(cat "/proc/$p/oom_score_adj" 2>/dev/null) || continue
		[ -z "$min" ] || [ "$a" -lt "$min" ] && min=$a
	done
	if [ -n "$kadj" ] && [ -n "$min" ] && [ "$kadj" -lt "$min" ]; then
		ok "memory pressure: the keeper's oom_score_adj ($kadj) is below the session's processes' ($min)"
	else
		not_ok "memory pressure: the keeper's oom_score_adj is below the session's processes'" "keeper $kadj; session min $min, holder $(cat "/proc/$holder/oom_score_adj" 2>/dev/null)"
	fi
	release "$tok-hold"
	try "$U1" "mem-after"
	must_open "memory pressure: the user's next login"
else
	not_ok "memory pressure: the session runs its memory hog" "$(dump "$OUT/$tok")"
	release "$tok-hold"
fi
wait_pid 60 "$MEM"
nothing_left "memory pressure"
t_finish
