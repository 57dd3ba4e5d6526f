#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside a session (as the user): pushes against the session's limits,
# each push bounded, and prints what happened as key=value lines.
#
#   limits.sh TOKEN HOLD_SECS
#
# memhog: 200 MiB in a session limited to 64 MiB is expected to be killed
# (exit status 137); forkloop: 200 forks under pids_max 64 are expected to
# fail partly with EAGAIN; spin: a busy loop under cpu_max 50% is expected to
# get about half a CPU.  Then it holds the session open like probe.sh.
RELEASE_DIR=/usr/local/carrel-test/release
AID=/usr/local/share/carrel-test/testaid
token=$1
hold=${2:-0}

echo "begin=$token"
echo "session=${CARREL_SESSION-<unset>}"
out=$("$AID" memhog 200 2>&1)
echo "memhog_rc=$?"
echo "memhog_last=$(printf '%s\n' "$out" | tail -n1)"
"$AID" forkloop 200 30
"$AID" spin 3
echo "end=$token"

i=0
while [ "$hold" -gt 0 ] && [ ! -e "$RELEASE_DIR/$token" ] && [ "$i" -lt $((hold * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
exit 0
