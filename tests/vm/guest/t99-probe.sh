#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-99-mcs's probe, run by the user's login shell inside a carrel (login -f
# on a tmux pty): KEY=VALUE lines on stdout.  Reports its own level and the
# labels of what it writes, checks what its own carrel may do (controls),
# then waits (bounded) for ~/t99-peer-TOKEN (PEER_PID, PEER_TOK: the other
# carrel's probe) and tries the same on the other carrel, then waits for
# the test's release file.
tok=$1
V=/usr/local/carrel-vmtest
AID=$V/t99-aid
echo "ready=$tok"
echo "carrel=${CARREL_SESSION:-}"
echo "ctx=$(tr -d '\0' </proc/self/attr/current)"
echo "pid=$$"
echo "secret $tok" >"/tmp/secret-$tok"
echo "tmpctx=$(stat -c %C "/tmp/secret-$tok")"
echo "shmctx=$(stat -c %C /dev/shm)"
echo "home $tok" >"$HOME/t99-home-$tok"
echo "homectx=$(stat -c %C "$HOME/t99-home-$tok")"
sleep 300 &
sleeper=$!
"$AID" listen "$HOME/t99-sock-$tok" &
listener=$!
for _ in $(seq 50); do [ -S "$HOME/t99-sock-$tok" ] && break; sleep 0.1; done
# Controls: inside its own carrel each works.
kill -s CONT "$sleeper" 2>/dev/null && echo own_kill=ok || echo own_kill=denied
cat "/proc/$sleeper/root/tmp/secret-$tok" >/dev/null 2>&1 && echo own_root=ok || echo own_root=denied
echo "own_connect=$("$AID" connect "$HOME/t99-sock-$tok")"
echo "own_ptrace=$("$AID" ptrace "$sleeper")"
echo "started=$tok"
for _ in $(seq 900); do [ -e "$HOME/t99-peer-$tok" ] && break; sleep 0.2; done
if [ -e "$HOME/t99-peer-$tok" ]; then
	. "$HOME/t99-peer-$tok"
	kill -s CONT "$PEER_PID" 2>/dev/null && echo peer_kill=ok || echo peer_kill=denied
	cat "/proc/$PEER_PID/root/tmp/secret-$PEER_TOK" >/dev/null 2>&1 && echo peer_root=ok || echo peer_root=denied
	echo "peer_connect=$("$AID" connect "$HOME/t99-sock-$PEER_TOK")"
	echo "peer_ptrace=$("$AID" ptrace "$PEER_PID")"
	cat "$HOME/t99-home-$PEER_TOK" >/dev/null 2>&1 && echo peer_home=ok || echo peer_home=denied
fi
echo "done=$tok"
for _ in $(seq 900); do [ -e "$V/release/$tok" ] && break; sleep 0.2; done
kill "$sleeper" "$listener" 2>/dev/null
rm -f "$HOME/t99-sock-$tok"
