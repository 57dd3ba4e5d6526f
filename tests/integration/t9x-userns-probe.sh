#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside a login session (as the user) for t-90-userns.sh and prints,
# as key=value lines between begin=TOKEN and end=TOKEN, what the user
# namespace looks like from inside: the uid/gid maps, namespaces,
# capabilities, whether a setuid-root program gains anything, whether
# nested containers work, whether PID 1 (the holder) can be read or killed.
#
#   t9x-userns-probe.sh TOKEN [--hold SECS]
#
# Staged by t9x-lib.sh into $T9X (world-readable); with --hold it keeps the
# session open until the host creates /usr/local/carrel-test/release/TOKEN.
# Few processes on purpose (sessions run under cpu_max on a busy machine):
# bash builtins wherever they do.
RELEASE_DIR=/usr/local/carrel-test/release
T9X=${BASH_SOURCE[0]%/*}

token=$1
hold=0
[ "${2:-}" = --hold ] && hold=${3:-30}

# map FILE: the map's lines, blanks squeezed, joined by ';'.
map() {
	local a b c out=
	while read -r a b c; do out+="${out:+;}$a $b $c"; done <"$1"
	echo "$out"
}
# try NAME CMD...: NAME=ok, or NAME=rc=N and the error output on one line.
try() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1 </dev/null); then echo "$name=ok"; else echo "$name=rc=$? ${out//$'\n'/ }"; fi
}

echo "begin=$token"
echo "uid_map=$(map /proc/self/uid_map)"
echo "gid_map=$(map /proc/self/gid_map)"
# One process for the seven namespaces: stat's own are the shell's.
while read -r n l; do
	echo "ns_${n##*/}=$l"
done < <(stat -c '%n %N' /proc/self/ns/{mnt,pid,ipc,uts,net,cgroup,user} 2>&1 | sed "s/ '.*' -> '\(.*\)'$/ \1/; s/'//g")
echo "hostname=$HOSTNAME"
idout=$(id)
echo "id=$idout"
user=${idout#*(}
echo "user=${user%%)*}"
echo "uid=$UID"
gids=$(id -G)
# shellcheck disable=SC2086 # one gid a word
echo "gids=$(printf '%s\n' $gids | sort -n | tr '\n' ' ')"
echo "session=${CARREL_SESSION-<unset>}"
if t=$(tty); then echo "tty=$t"; else echo "tty=none"; fi
while IFS=$':\t ' read -r k v rest; do
	case $k in
	CapInh | CapPrm | CapEff | CapBnd | CapAmb | NoNewPrivs | Seccomp) echo "${k,,}=$v" ;;
	Uid | Gid) echo "${k,,}=$v $rest" ;;
	esac
done </proc/self/status
# A setuid-root copy of id(1): "euid=" shows only if the setuid bit worked.
suid=$("$T9X/id-suid" 2>&1)
echo "suid_id=$suid"
if [[ $suid == *" euid="* ]]; then e=${suid#* euid=}; echo "suid_euid=${e%%(*}"; else e=${suid#uid=}; echo "suid_euid=${e%%(*}"; fi
# Nested containers.
try nested_unshare_rpf unshare -rpf --mount-proc true
try nested_unshare_r unshare -r true
if type -P bwrap >/dev/null; then
	try nested_bwrap bwrap --unshare-all --dev-bind / / true
else
	echo "nested_bwrap=missing"
fi
# PID 1 is the holder: its environment is not readable (ptrace access);
# SIGKILL from inside the pid namespace is ignored.
if (: </proc/1/environ) 2>/dev/null; then echo "pid1_environ=readable"; else echo "pid1_environ=denied"; fi
read -r c </proc/1/comm
echo "pid1_comm=$c"
kill -9 1 2>/dev/null
sleep 0.2
# (Were PID 1 gone, so would this shell be: the kernel kills the whole pid
# namespace with it.)
if read -r c </proc/1/comm && [ "$c" = carrel-holder ]; then echo "pid1_after_kill9=alive"; else echo "pid1_after_kill9=gone"; fi
n=0
while read -r line; do
	echo "ps=$line"
	n=$((n + 1))
done < <(ps -e -o pid=,user=,args= 2>&1)
echo "ps_count=$n"
echo "end=$token"

if [ "$hold" -gt 0 ]; then
	end=$((SECONDS + hold))
	while [ ! -e "$RELEASE_DIR/$token" ] && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.25
	done
	if [ -e "$RELEASE_DIR/$token" ]; then echo "released=$token"; else echo "hold_timeout=$token"; fi
fi
exit 0
