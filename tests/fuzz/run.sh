#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run each libFuzzer target for SECS seconds from its seed corpus
# (tests/fuzz/corpus/NAME, read only); new inputs go to tests/fuzz/out/NAME.
# Prints one TAP line per target; exits 1 if any target found a crash.
#
#   tests/fuzz/run.sh SECS TARGET...
set -u
secs=$1
shift
cd "$(dirname "$0")/../.." || exit 1
fail=0 n=0
for t in "$@"; do
	name=$(basename "$t")
	name=${name#fuzz_}
	n=$((n + 1))
	mkdir -p "tests/fuzz/out/$name"
	log=tests/fuzz/out/$name.log
	if timeout -k 10 $((secs + 60)) "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="tests/fuzz/out/$name-" "tests/fuzz/out/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		echo "ok $n - fuzz $name: ${secs}s, $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{ print $2 }')$(grep -oE '#[0-9]+.*DONE.*' "$log" | awk '{ print $1 }') runs, no crash"
	else
		fail=1
		echo "not ok $n - fuzz $name: a crash, a leak or a timeout (see $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5 | sed 's/^/#   /'
	fi
done
exit $fail
