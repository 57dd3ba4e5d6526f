# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for carrel's shell tests.  Source it; do not run it.
#
#   ok DESC / not_ok DESC [DETAIL...] / skip DESC REASON   TAP-ish lines + counters
#   check DESC CMD...          ok if CMD succeeds, not ok otherwise
#   check_eq DESC WANT GOT     ok if the two strings are equal
#   wait_until SECS CMD...     poll CMD every 50 ms until it succeeds; 1 on timeout
#   t_track_pid PID            kill PID (TERM, then KILL) when the script exits
#   t_on_exit CMD              run CMD (eval'd) when the script exits, last first
#   t_finish                   print "N passed, N failed, N skipped"; exit status
#
# Results: every ok/not ok/skip is also written, one word a line
# (pass/fail/skip), to the file descriptor named in $CARREL_T_RESULTS_FD when
# it is set, so that tests/run-all.sh can add up nested scripts that run in
# other mount namespaces (a descriptor survives the mounts, a path may not).

T_PASS=0
T_FAIL=0
T_SKIP=0
T_NUM=0
T_PIDS=()
T_EXIT_CMDS=()

_t_record() {
	if [ -n "${CARREL_T_RESULTS_FD:-}" ]; then
		printf "%s\n" "$1" 1>&"$CARREL_T_RESULTS_FD" 2>/dev/null || true
	fi
}

ok() {
	T_NUM=$((T_NUM + 1))
	T_PASS=$((T_PASS + 1))
	printf 'ok %d - %s\n' "$T_NUM" "$*"
	_t_record pass
}

# not_ok DESC [DETAIL...]: DETAIL lines are printed as TAP comments.
not_ok() {
	local desc=$1
	shift
	T_NUM=$((T_NUM + 1))
	T_FAIL=$((T_FAIL + 1))
	printf 'not ok %d - %s\n' "$T_NUM" "$desc"
	local d
	for d in "$@"; do
		printf '%s\n' "$d" | sed 's/^/#   /'
	done
	_t_record fail
}

skip() {
	T_NUM=$((T_NUM + 1))
	T_SKIP=$((T_SKIP + 1))
	printf 'ok %d - %s # SKIP %s\n' "$T_NUM" "$1" "${2:-}"
	_t_record skip
}

diag() { printf '# %s\n' "$*"; }

check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "command failed: $*"; fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}

_t_now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# wait_until SECS CMD...: bounded polling, 50 ms apart.  SECS may be fractional.
wait_until() {
	local secs=$1
	shift
	local now deadline
	now=$(_t_now_ms)
	deadline=$((now + $(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')))
	while :; do
		"$@" && return 0
		[ "$(_t_now_ms)" -ge "$deadline" ] && break
		sleep 0.05
	done
	"$@"
}

pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
pid_gone() { ! pid_alive "$1"; }

# wait_pid SECS PID: wait (bounded) for a background child to exit; sets
# T_RC to its exit status, or 124 (and kills it) on timeout.
wait_pid() {
	local secs=$1 pid=$2
	if wait_until "$secs" pid_gone "$pid"; then
		wait "$pid" 2>/dev/null
		T_RC=$?
		return 0
	fi
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	T_RC=124
	return 1
}

t_track_pid() { T_PIDS+=("$1"); }
t_on_exit() { T_EXIT_CMDS+=("$1"); }

_t_cleanup() {
	local i pid
	for ((i = ${#T_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${T_EXIT_CMDS[i]}" >/dev/null 2>&1 || true
	done
	T_EXIT_CMDS=()
	for pid in "${T_PIDS[@]}"; do
		pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		wait_until 2 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	T_PIDS=()
}

trap _t_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# t_finish: summary line and exit status (0 all passed, 77 only skips, 1 any failure).
t_finish() {
	# Nested under another script: a comment, so that only the top level
	# prints the closing summary line.
	if [ -n "${CARREL_T_RESULTS_FD:-}" ]; then printf "# subtotal: "; fi
	printf '%d passed, %d failed, %d skipped\n' "$T_PASS" "$T_FAIL" "$T_SKIP"
	if [ "$T_FAIL" -gt 0 ]; then exit 1; fi
	if [ "$T_PASS" -eq 0 ] && [ "$T_SKIP" -gt 0 ]; then exit 77; fi
	exit 0
}

# t_run [--tap] NAME SECS CMD...: run a test program, bounded by SECS seconds,
# and add its results to this script's counters.  A shell test using this
# library reports through $CARREL_T_RESULTS_FD and streams its output; with
# --tap the program's stdout is read for TAP lines ("ok", "not ok", "# SKIP")
# instead.  With no result recorded, exit status 0 = pass, 77 = skip, other =
# fail; a crash or timeout after some results is one more failure.
t_run() {
	local tap=0
	if [ "$1" = --tap ]; then tap=1; shift; fi
	local name=$1 secs=$2
	shift 2
	local res out rc p f s
	res=$(mktemp "${TMPDIR:-/tmp}/carrel-results.XXXXXX") || return 1
	out=$res.out
	if [ "$tap" = 1 ]; then
		CARREL_T_RESULTS_FD=9 timeout -k 5 "$secs" "$@" 9>"$res" >"$out" 2>&1 </dev/null
		rc=$?
		cat "$out"
		awk '/^not ok/ { print "fail"; next }
		     /^ok / && /# *[Ss][Kk][Ii][Pp]/ { print "skip"; next }
		     /^ok / { print "pass" }' "$out" >>"$res"
	else
		CARREL_T_RESULTS_FD=9 timeout -k 5 "$secs" "$@" 9>"$res" </dev/null
		rc=$?
	fi
	p=$(grep -cx pass "$res")
	f=$(grep -cx fail "$res")
	s=$(grep -cx skip "$res")
	rm -f "$res" "$out"
	T_PASS=$((T_PASS + p))
	T_FAIL=$((T_FAIL + f))
	T_SKIP=$((T_SKIP + s))
	T_NUM=$((T_NUM + p + f + s))
	local i
	for ((i = 0; i < p; i++)); do _t_record pass; done
	for ((i = 0; i < f; i++)); do _t_record fail; done
	for ((i = 0; i < s; i++)); do _t_record skip; done
	if [ $((p + f + s)) -eq 0 ]; then
		case $rc in
		0) ok "$name" ;;
		77) skip "$name" "exit status 77" ;;
		124 | 137) not_ok "$name" "timed out after ${secs}s" ;;
		*) not_ok "$name" "exit status $rc" ;;
		esac
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		not_ok "$name: finished" "timed out after ${secs}s"
	elif [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$f" -eq 0 ]; then
		not_ok "$name: finished" "exit status $rc with no failure reported"
	fi
	return 0
}
