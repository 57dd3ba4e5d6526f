#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The load part of the benchmark (issue 15): `make bench` runs it.
#
#   sudo bench/load.sh            (after `make`)
#
#   ssh    BENCH_LOAD_N (200) concurrent ssh logins over a real sshd, in
#          the integration suite's namespaces (tests/chaos/load.sh through
#          t-97-load, under the suite's lock): how many opened, open
#          latency p50/p99/max (client start to the session's first line:
#          handshake, key authentication, PAM, carrel, the shell), carrel's
#          own memory per session (keeper + holder Pss), logouts per second.
#   scale  BENCH_LOAD_SCALE (1000) carrel sessions held open at once by
#          bench/run.sh's driver (BENCH_STEPS=scale): memory per session,
#          open latency with N live, logouts per second.
#
#   BENCH_LOAD_STEPS="ssh scale"  a subset runs only those
#   BENCH_LOAD_OUT=DIR            where the figures and reports go
#                                 (default bench/out-load, not committed)
# Prints a short summary (the figures of bench/LOAD.md) at the end.
set -u

L_REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N=${BENCH_LOAD_N:-200}
SCALE=${BENCH_LOAD_SCALE:-1000}
STEPS=${BENCH_LOAD_STEPS:-ssh scale}
OUT=${BENCH_LOAD_OUT:-$L_REPO/bench/out-load}
if [ "$(id -u)" != 0 ]; then
	echo "bench/load.sh: needs root" >&2
	exit 77
fi
mkdir -p "$OUT"
rc=0

for step in $STEPS; do
	case $step in
	ssh)
		rm -f "$OUT/ssh.stats"
		echo "# load: $N concurrent ssh logins (t-97-load, under /tmp/carrel-integration.lock)"
		# run.sh's /tmp is its own: the figures go where the host sees them.
		flock /tmp/carrel-integration.lock env LOAD_N="$N" LOAD_STATS="$OUT/ssh.stats" T_SCRIPT_TIMEOUT=900 \
			CARREL_TESTS=t-97-load "$L_REPO/tests/integration/run.sh" >"$OUT/ssh.tap" 2>&1 || rc=1
		grep -E '^(not )?ok|^# load' "$OUT/ssh.tap"
		;;
	scale)
		echo "# load: $SCALE sessions held at once (bench/run.sh, BENCH_STEPS=scale)"
		flock /tmp/carrel-bench.lock env BENCH_STEPS=scale BENCH_SCALE="$SCALE" CARREL_BENCH_OUT="$OUT/scale.md" \
			"$L_REPO/bench/run.sh" >"$OUT/scale.log" 2>&1 || rc=1
		[ -f "$OUT/scale.md" ] && sed -n '/^### Scale/,/^### /p' "$OUT/scale.md" | grep -E 'opened|^\| (1|100|'"$SCALE"') |memcg usage|keeper VmRSS|holder VmRSS|^Logout'
		;;
	*) echo "bench/load.sh: unknown step $step" >&2 ;;
	esac
done

echo "# summary"
if [ -s "$OUT/ssh.stats" ]; then
	tail -n 1 "$OUT/ssh.stats"
elif [[ " $STEPS " == *" ssh "* ]]; then
	echo "ssh: no figures (see $OUT/ssh.tap)"
	rc=1
fi
exit "$rc"
