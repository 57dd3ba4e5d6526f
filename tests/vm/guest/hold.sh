#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs as the user inside an ssh session: prints what the session is, then
# keeps it open until root creates /usr/local/carrel-vmtest/release/TOKEN
# (bounded by SECS), optionally running a command meanwhile.
#   hold.sh TOKEN SECS [COMMAND...]
token=$1 secs=$2
shift 2
echo "begin=$token"
echo "carrel=${CARREL_SESSION-}"
echo "xdg_runtime_dir=${XDG_RUNTIME_DIR-}"
echo "xdg_session_id=${XDG_SESSION_ID-}"
echo "cgroup=$(tr '\n' ' ' </proc/self/cgroup)"
echo "uts=$(uname -n)"
echo "net=$(readlink /proc/self/ns/net)"
# The cgroup2 mount the carrel sees: its own (rooted at its cgroup
# namespace) or the host's (which has user.slice).
echo "cgfs=$([ -e /sys/fs/cgroup/user.slice ] && echo host || echo own)"
echo "ready=$token"
[ $# -gt 0 ] && "$@" &
i=0
while [ ! -e "/usr/local/carrel-vmtest/release/$token" ] && [ $i -lt $((secs * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "released=$token"
