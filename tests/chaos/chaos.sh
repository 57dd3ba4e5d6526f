#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The chaos driver: opens and closes sessions through real login paths (su -,
# sshd, pamtester) and SIGKILLs the login program, the helper, the keeper or
# the holder at a random instant of open or close.  After every round:
# nothing is left (process, mount, cgroup in every hierarchy, network
# device, state file, per-user file, held lock); a session that ran a
# command was inside its carrel; the user's next login works.  Reports the
# time from each kill to "nothing left" (p50/p99: a figure, not an
# assertion; the assertion is the bounded leak check).
#
# Runs inside the integration suite's namespaces (tests/integration/run.sh,
# through t-96-chaos.sh).  Reproducible decisions from the seed it prints:
#
#   CHAOS_SEED=N CHAOS_ROUNDS=N chaos.sh SNIPE
#   CHAOS_STATS=FILE   append "rounds seed p50 p99 max kills leaks" there
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh
. /usr/local/share/carrel-test/chaoslib.sh

SNIPE=$1
ROUNDS=${CHAOS_ROUNDS:-100}
SEED=${CHAOS_SEED:-$((${EPOCHREALTIME/./} % 1000000))}
OUT=$T_WORK/out/chaos
mkdir -p "$OUT"
U=carreltest1
UID1=$(id -u "$U")
LEAK_WAIT=5 # seconds: a leak check, not a timing bound (teardown p99 is < 1 s)
diag "chaos: seed $SEED, $ROUNDS rounds (CHAOS_SEED=$SEED CHAOS_ROUNDS=$ROUNDS reproduces the decisions)"
RANDOM=$SEED

# gone: the session's own traces (state files, the memory cgroup) are gone;
# cheap enough to poll for the teardown time.
gone() { [ -z "$(ls -A "$SESSIONS_DIR" 2>/dev/null)" ] && [ ! -d "$T_CG_MEMORY/carrel/user-$UID1" ]; }

SESS="bash $T_SHARE/sess.sh"
PATHS=(su su su ssh ssh pamtester)
TARGETS=(login helper keeper holder)

# start_login PATH TOKEN: the login in the background; LOGIN_PID is the
# process we started (su, the ssh client, pamtester).
start_login() {
	case $1 in
	su) su - "$U" -c "$SESS $2 30" </dev/null >"$OUT/$2" 2>&1 & ;;
	ssh) tssh "$U@carrel-test" "$SESS $2 30" </dev/null >"$OUT/$2" 2>&1 & ;;
	pamtester) pamtester -v carrel-test "$U" open_session close_session </dev/null >"$OUT/$2" 2>&1 & ;;
	esac
	LOGIN_PID=$!
	# No job notice on stderr when it is killed (its exit status is not
	# needed: the session's own output says what happened).
	disown "$LOGIN_PID"
}

# next_login_works: a plain su - of the user opens a carrel and closes it.
next_login_works() {
	local tok=chaos-next-$SEED-$1 out
	out=$(timeout 30 su - "$U" -c "$SESS $tok 0" </dev/null 2>&1)
	[[ "$out" == *"up=$tok"* && "$out" == *"sess="[0-9]* ]]
}

TEARDOWN_MS=()
KILLS=0 LEAKS=0 OUTSIDE=0 LOCKOUT=0 OPENFAIL=0
declare -A BY_TARGET=()

for ((r = 1; r <= ROUNDS; r++)); do
	path=${PATHS[RANDOM % ${#PATHS[@]}]}
	target=${TARGETS[RANDOM % ${#TARGETS[@]}]}
	phase=open
	[ $((RANDOM % 2)) = 0 ] && [ "$path" != pamtester ] && phase=close
	# Delays in microseconds: from the target's appearance (from the
	# start for the login program in the open phase, from the release
	# in the close phase).
	[ "$phase:$target" = close:helper ] && target=holder # no helper runs at close
	case $path:$phase:$target in
	pamtester:open:login) delay=$((RANDOM * 120000 / 32768)) ;;
	*:open:login) delay=$((RANDOM * 500000 / 32768)) ;;
	*:open:helper) delay=$((RANDOM * 20000 / 32768)) ;;
	pamtester:open:*) delay=$((RANDOM * 40000 / 32768)) ;;
	*:open:*) delay=$((RANDOM * 150000 / 32768)) ;;
	*:close:*) delay=$((RANDOM * 80000 / 32768)) ;;
	esac
	tok=chaos-$SEED-$r
	# There before the login starts: the waits below read it at once.
	: >"$OUT/$tok"
	start_login "$path" "$tok"
	kind=$target
	if [ "$target" = login ]; then
		kind=pid:$LOGIN_PID
		[ "$path" = ssh ] && kind=child:$T_SSHD_PID
	fi
	res=
	if [ "$phase" = close ]; then
		if ! wait_until 30 has_line "$OUT/$tok" "up=$tok"; then
			OPENFAIL=$((OPENFAIL + 1))
			not_ok "round $r ($path): the session opens before the close-phase kill" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail 5)"
		fi
		release "$tok"
		res=$("$SNIPE" "$kind" "$delay" 3000)
		t_kill=$(_t_now_ms)
	else
		res=$("$SNIPE" "$kind" "$delay" 10000)
		t_kill=$(_t_now_ms)
		# The session holds until released: release it once it is up (or
		# once the login has ended).
		wait_until 30 sh -c "grep -q 'up=$tok' '$OUT/$tok' || ! kill -0 $LOGIN_PID 2>/dev/null"
		release "$tok"
	fi
	wait_until 30 pid_gone "$LOGIN_PID" || { diag "round $r: $path did not end within 30 s (killed)"; kill -KILL "$LOGIN_PID" 2>/dev/null; }
	diag "round $r: $path $phase kill $target delay=$((delay / 1000))ms: $res"
	case $res in killed*) KILLS=$((KILLS + 1)); BY_TARGET[$phase:$target]=$((${BY_TARGET[$phase:$target]:-0} + 1)) ;; esac

	# A session that ran anything ran it in a carrel.
	why=$(in_carrel_why "$OUT/$tok")
	if [ -n "$why" ]; then
		OUTSIDE=$((OUTSIDE + 1))
		not_ok "round $r ($path $phase kill $target): every session that ran was inside its carrel" "$why" "$(dump "$OUT/$tok")"
	fi
	# Nothing killed: a plain login, which must have worked.
	if [ "$path" != pamtester ] && [ "${res%% *}" != killed ] && ! has_line "$OUT/$tok" "up=$tok"; then
		OPENFAIL=$((OPENFAIL + 1))
		not_ok "round $r ($path, no kill landed): the login opens a session" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail 5)"
	fi
	if wait_until "$LEAK_WAIT" gone; then
		# Only kills that ended the session count (not a session that ran on
		# until released).
		if [ "${res%% *}" = killed ] && { [ "$phase" = close ] || ! has_line "$OUT/$tok" "up=$tok"; }; then
			TEARDOWN_MS+=($(($(_t_now_ms) - t_kill)))
		fi
	fi
	# A keeper (or a helper before its keeper) killed cannot tear down:
	# what it left is the next login's to reap (helper/reap.c), so that
	# login comes first there.
	next_done=
	if [ "$target" = keeper ] || [ "$target" = helper ]; then
		next_done=1
		if ! next_login_works "$r"; then
			LOCKOUT=$((LOCKOUT + 1))
			not_ok "round $r ($path $phase kill $target): the user's next login works" "syslog: $(syslog_tail 8)"
		fi
	fi
	if ! wait_until "$LEAK_WAIT" clean; then
		LEAKS=$((LEAKS + 1))
		left=$(leftovers)
		known=$(known_leak "$left")
		reaped=
		[ -n "$next_done" ] && reaped=", after the next login reaped"
		if [ -n "$known" ]; then
			todo "round $r ($path $phase kill $target): nothing left within ${LEAK_WAIT}s$reaped # TODO bug: $known" "$left"
		else
			not_ok "round $r ($path $phase kill $target): nothing left within ${LEAK_WAIT}s$reaped" "$left" "syslog: $(syslog_tail 5)"
		fi
		sweep
		clean || not_ok "round $r: sweep removed what the round left" "$(leftovers)"
	fi
	if [ -z "$next_done" ] && ! next_login_works "$r"; then
		LOCKOUT=$((LOCKOUT + 1))
		not_ok "round $r ($path $phase kill $target): the user's next login works" "syslog: $(syslog_tail 8)"
		sweep
	fi
	rm -f "$T_WORK/release/$tok" "$T_WORK/release/chaos-next-$SEED-$r"
done

summary="$ROUNDS rounds, seed $SEED, $KILLS kills landed ($(for k in "${!BY_TARGET[@]}"; do printf '%s=%s ' "$k" "${BY_TARGET[$k]}"; done))"
[ "$OUTSIDE" = 0 ] && ok "chaos: every session that ran a command was inside its carrel ($summary)"
[ "$OPENFAIL" = 0 ] && ok "chaos: every login that no kill hit opened its session"
[ "$LOCKOUT" = 0 ] && ok "chaos: after every round the user's next login works"
[ "$LEAKS" = 0 ] && ok "chaos: nothing left after any round (processes, mounts, cgroups, network devices, state files, locks)"
if [ "$KILLS" -gt 0 ]; then
	ok "chaos: $KILLS kills landed"
else
	not_ok "chaos: kills landed" "no kill hit a process: the driver is broken"
fi
if [ ${#TEARDOWN_MS[@]} -gt 0 ]; then
	read -r p50 p99 max < <(printf '%s\n' "${TEARDOWN_MS[@]}" | sort -n | awk '{ v[NR] = $1 } END {
		i50 = int((NR + 1) / 2); i99 = int(NR * 0.99 + 0.999); if (i99 < 1) i99 = 1
		print v[i50], v[i99], v[NR] }')
	diag "chaos: teardown after a kill (kill to nothing left, 50 ms polling): p50 ${p50} ms, p99 ${p99} ms, max ${max} ms over ${#TEARDOWN_MS[@]} kills"
	[ -n "${CHAOS_STATS:-}" ] && echo "rounds=$ROUNDS seed=$SEED kills=$KILLS leaks=$LEAKS outside=$OUTSIDE lockout=$LOCKOUT teardown_p50_ms=$p50 teardown_p99_ms=$p99 teardown_max_ms=$max" >>"$CHAOS_STATS"
fi
t_finish
