#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The chaos driver's session command: runs inside a login (as the user),
# prints where it runs, then holds the session until the driver creates
# $RELEASE_DIR/TOKEN (bounded by SECS) and prints bye=TOKEN.
#
#   sess.sh TOKEN [SECS]
RELEASE_DIR=/usr/local/carrel-test/release
tok=$1
secs=${2:-60}
n=
for f in mnt pid net user; do n+="$f:$(readlink /proc/self/ns/$f) "; done
echo "sess=${CARREL_SESSION-<unset>} uid=$(id -u) ns=${n% }"
echo "up=$tok"
i=0
while [ ! -e "$RELEASE_DIR/$tok" ] && [ $i -lt $((secs * 20)) ]; do
	sleep 0.05
	i=$((i + 1))
done
echo "bye=$tok"
