#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The chaos driver's session command: runs inside a login (as the user),
# prints where it runs and how it is hardened, then holds the session until the driver creates
# $RELEASE_DIR/TOKEN (bounded by SECS) and prints bye=TOKEN.
#
#   sess.sh TOKEN [SECS]
RELEASE_DIR=/usr/local/carrel-test/release
tok=$1
secs=${2:-60}
n=
for f in mnt pid net user; do n+="$f:$(readlink /proc/self/ns/$f) "; done
# How the session is hardened: no_new_privs, bounding set, seccomp mode.
hard=$(awk '/^NoNewPrivs:/ { n = $2 } /^CapBnd:/ { b = $2 } /^Seccomp:/ { s = $2 } END { printf "nnp=%s capbnd=%s seccomp=%s", n, b, s }' /proc/self/status)
echo "sess=${CARREL_SESSION-<unset>} uid=$(id -u) $hard ns=${n% }"
echo "up=$tok"
# The 50 ms pause is bash's own read with a timeout on a FIFO that nobody
# writes to, not a sleep: 100 sessions each starting 20 sleeps a second
# were most of the load on 2 CPUs, and on a slower machine of this kind
# only 68 of t-97-load's 100 concurrent logins opened within its bound.
# Without a FIFO (no writable /tmp) it falls back to sleep.
nap() { sleep 0.05; }
if fifo=$(mktemp -u /tmp/sess-wait.XXXXXX) && mkfifo -m 0600 "$fifo" 2>/dev/null; then
	exec 9<>"$fifo"
	rm -f "$fifo"
	nap() { read -r -t 0.05 -u 9 _; }
fi
i=0
while [ ! -e "$RELEASE_DIR/$tok" ] && [ $i -lt $((secs * 20)) ]; do
	nap
	i=$((i + 1))
done
echo "bye=$tok"
