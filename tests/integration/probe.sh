#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside a login session (as the user) and prints what the session sees,
# as key=value lines between begin=TOKEN and end=TOKEN.  The test on the host
# side compares them with the host's view.
#
#   probe.sh TOKEN [--see OTHER_TOKEN]... [--hold SECS]
#
# It writes /tmp/carrel-marker-TOKEN, reports whether /tmp/carrel-host-marker
# and /tmp/carrel-marker-OTHER_TOKEN are visible, and with --hold keeps the
# session open until the host creates $RELEASE_DIR/TOKEN (bounded by SECS).
# Installed by run.sh into a world-readable directory; RELEASE_DIR is fixed.
RELEASE_DIR=/usr/local/carrel-test/release

token=$1
shift
see=()
hold=0
while [ $# -gt 0 ]; do
	case $1 in
	--see) see+=("$2"); shift 2 ;;
	--hold) hold=$2; shift 2 ;;
	*) echo "probe_error=bad argument $1"; shift ;;
	esac
done

echo "begin=$token"
for ns in mnt pid ipc uts net cgroup user; do
	echo "ns_$ns=$(readlink /proc/self/ns/$ns)"
done
echo "hostname=$(uname -n)"
echo "user=$(id -un)"
echo "uid=$(id -u)"
echo "pid=$$"
echo "session=${CARREL_SESSION-<unset>}"
if tty -s; then echo "tty=$(tty)"; else echo "tty=none"; fi
ps_out=$(ps -e -o pid=,args= 2>&1)
echo "ps_count=$(printf '%s\n' "$ps_out" | grep -c .)"
printf '%s\n' "$ps_out" | sed 's/^ */ps=/'
link_out=$(ip -o link 2>&1)
echo "link_count=$(printf '%s\n' "$link_out" | grep -c .)"
printf '%s\n' "$link_out" | sed 's/^/link=/'
sed 's/^/cgroup=/' /proc/self/cgroup
echo "nonewprivs=$(awk '/^NoNewPrivs:/ { print $2 }' /proc/self/status)"
echo "capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)"
echo "tmp_mount=$(awk '$2 == "/tmp" { print $3 }' /proc/self/mounts | tail -n1)"
if echo "$token" >"/tmp/carrel-marker-$token" 2>/dev/null; then
	echo "tmp_write=yes"
else
	echo "tmp_write=no"
fi
if [ -e /tmp/carrel-host-marker ]; then echo "host_marker_visible=yes"; else echo "host_marker_visible=no"; fi
if echo "$token" >"/dev/shm/carrel-marker-$token" 2>/dev/null; then echo "shm_write=yes"; else echo "shm_write=no"; fi
if [ -e /dev/shm/carrel-host-marker ]; then echo "shm_host_marker_visible=yes"; else echo "shm_host_marker_visible=no"; fi
# A setuid-root program: no_new_privs (or the user namespace) must keep it unprivileged.
echo "suid_euid=$(/usr/local/share/carrel-test/testaid-suid euid 2>&1)"
# Nested sandboxes (bwrap, browsers) need to make namespaces of their own.
if err=$(unshare -Urpf --mount-proc true 2>&1); then echo "nested_unshare=ok"; else echo "nested_unshare=${err//$'\n'/ }"; fi
for o in "${see[@]}"; do
	if [ -e "/tmp/carrel-marker-$o" ]; then echo "see_$o=yes"; else echo "see_$o=no"; fi
done
echo "end=$token"

if [ "$hold" -gt 0 ]; then
	i=0
	while [ ! -e "$RELEASE_DIR/$token" ] && [ "$i" -lt $((hold * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -e "$RELEASE_DIR/$token" ]; then echo "released=$token"; else echo "hold_timeout=$token"; fi
fi
exit 0
