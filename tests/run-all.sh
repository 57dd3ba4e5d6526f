#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The whole test suite, as `make check` runs it (after building the unit
# tests): the unit tests, then the root integration suite.  Prints one
# summary line "N passed, N failed, N skipped" and exits non-zero if
# anything failed.  A test that cannot run here exits 77 and is counted as
# skipped, never as passed.
#
#   CARREL_TESTS="t-20-ssh t-50-limits"  only these integration scripts
#   CARREL_SKIP_INTEGRATION=1            unit tests only
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

echo "# unit tests"
# Every built tests/unit/test_* program; these must be there.
units=(tests/unit/test_conf tests/unit/test_cgroup tests/unit/test_dlopen tests/unit/test_pam_confdir tests/unit/test_seccomp)
for t in tests/unit/test_*; do
	case $t in *.c | *.o | *.h) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] || continue
	case " ${units[*]} " in *" $t "*) ;; *) units+=("$t") ;; esac
done
for t in "${units[@]}"; do
	if [ ! -x "$t" ]; then
		not_ok "$(basename "$t")" "$t is not built"
		continue
	fi
	echo "# --- $(basename "$t")"
	t_run --tap "$(basename "$t")" 120 "$t"
done

echo "# SELinux policy module (compiled and its file contexts checked; not loaded here)"
t_run --tap "selinux" 600 bash selinux/check.sh

if [ -n "${CARREL_SKIP_INTEGRATION:-}" ]; then
	skip "integration suite" "CARREL_SKIP_INTEGRATION is set"
else
	echo "# integration tests (root)"
	t_run "integration" 1800 bash tests/integration/run.sh
fi
# Skips do not fail the run (t_finish would exit 77 when everything skipped).
printf "%d passed, %d failed, %d skipped\n" "$T_PASS" "$T_FAIL" "$T_SKIP"
[ "$T_FAIL" -eq 0 ]
