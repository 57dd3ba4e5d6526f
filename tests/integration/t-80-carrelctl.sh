#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# carrelctl against live carrels (su -, cgroup_parent = self): list and show
# report what the cgroup files say; show names the holder's namespaces and
# where each policy value comes from; enter runs a command inside; limits
# rewrites the user's cgroup limits; freeze stops the carrel and thaw lets
# it go on; kill ends it (even frozen) within 2 s; a user who is not root
# sees only their own carrels and can change nothing.
#
# carrelctl must be installed at /usr/local/sbin/carrelctl (run.sh's
# setup_stage), or named by T_CARRELCTL.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out
CTL=${T_CARRELCTL:-/usr/local/sbin/carrelctl}
if [ ! -x "$CTL" ]; then
	skip "carrelctl" "$CTL is not installed (run.sh's setup_stage installs ctl/carrelctl there)"
	t_finish
fi

. /usr/local/share/carrel-test/ctl-lib.sh

# cgfile ID FILE [parent]: FILE of the session's hierarchy that has it (or of user-UID).
cgfile() {
	local d
	for d in $(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$1" 2>/dev/null); do
		if [ -e "$d/$2" ]; then
			if [ "${3:-}" = parent ]; then echo "$(dirname "$d")/$2"; else echo "$d/$2"; fi
			return 0
		fi
	done
	return 1
}
cgval() { local f; f=$(cgfile "$@") && head -n1 "$f"; }

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# within LO HI V: LO <= V <= HI.
within() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

# --- usage errors and check-config (no carrel needed)
run "$CTL"
check_eq "no command: usage error (exit 2)" 2 "$RC"
run "$CTL" frobnicate
check_eq "unknown command: usage error (exit 2)" 2 "$RC"
run "$CTL" show
check_eq "show without an id: usage error (exit 2)" 2 "$RC"
run "$CTL" kill 999999
if [ "$RC" = 1 ] && [[ "$OUT_TEXT" == *"no carrel 999999"* ]]; then
	ok "kill of a carrel that does not exist: exit 1, names it"
else
	not_ok "kill of a carrel that does not exist: exit 1, names it" "rc=$RC" "$OUT_TEXT"
fi
run "$CTL" kill ../x
check_eq "kill ../x: not an id (exit 1)" 1 "$RC"
run "$CTL" check-config "$T_CONF"
if [ "$RC" = 0 ] && [ "$OUT_TEXT" = "$T_CONF: OK" ]; then ok "check-config FILE: OK"; else not_ok "check-config FILE: OK" "rc=$RC" "$OUT_TEXT"; fi
run "$CTL" check-config "$T_CONF" --user carreltest2
if [ "$RC" = 0 ] && grep -Eq '^[[:space:]]*pids_max = 48$' <<<"$OUT_TEXT"; then
	ok "check-config --user: the user's policy (pids_max = 48)"
else
	not_ok "check-config --user: the user's policy (pids_max = 48)" "rc=$RC" "$OUT_TEXT"
fi
broken=$T_WORK/conf/broken/carrel.conf
run "$CTL" check-config "$broken"
if [ "$RC" = 1 ] && [[ "$OUT_TEXT" == "$broken:"[0-9]* ]]; then
	ok "check-config of a broken file: exit 1, FILE:LINE"
else
	not_ok "check-config of a broken file: exit 1, FILE:LINE" "rc=$RC" "$OUT_TEXT"
fi
# check-config checks what any login would load: a profile named only in a
# group section, a footgun in one; FILE:LINE first (carrel.conf(5), CHECKS).
ccdir=$T_WORK/conf/check-sections
install -d -m 0755 "$ccdir"
printf 'no-such-syscall\n' >"$ccdir/bad.seccomp"
chmod 0644 "$ccdir/bad.seccomp"
write_cc() { printf '%s\n' 'cgroup_parent = self' 'exempt_users = {"root"}' "$@" >"$ccdir/carrel.conf"; chmod 0644 "$ccdir/carrel.conf"; }
write_cc 'group "nogroup" {' "    seccomp = \"$ccdir/bad.seccomp\"" '}'
run "$CTL" check-config "$ccdir/carrel.conf"
if [ "$RC" = 1 ] && [[ "$OUT_TEXT" == "$ccdir/carrel.conf:4: group \"nogroup\" ("*"bad.seccomp:1: "* ]]; then
	ok "check-config: a broken profile named in a group section: exit 1, FILE:LINE"
else
	not_ok "check-config: a broken profile named in a group section: exit 1, FILE:LINE" "rc=$RC" "$OUT_TEXT"
fi
write_cc 'user "carreltest2" {' '    namespaces = {mnt, pid}' '    no_new_privs = false' '}'
run "$CTL" check-config "$ccdir/carrel.conf"
if [ "$RC" = 1 ] && [[ "$OUT_TEXT" == "$ccdir/carrel.conf:5: user \"carreltest2\" ("*"real host root"* ]]; then
	ok "check-config: no_new_privs = false without the user namespace: exit 1, FILE:LINE"
else
	not_ok "check-config: no_new_privs = false without the user namespace: exit 1, FILE:LINE" "rc=$RC" "$OUT_TEXT"
fi

# --- three carrels: A (idle, for the numbers), B (ticking, for freeze/thaw/kill), C (another user)
ta=$(new_token ctla)
open_carrel carreltest1 "$ta" "exec -a t80-$ta sleep 120"
A=$ID
A_SU=$SU_PID
tb=$(new_token ctlb)
open_carrel carreltest1 "$tb" "i=0; while [ \$i -lt 1200 ]; do i=\$((i + 1)); echo \$i >$OUT/$tb.tick; sleep 0.1; done"
B=$ID
B_SU=$SU_PID
tc=$(new_token ctlc)
open_carrel carreltest2 "$tc" "exec -a t80-$tc sleep 120"
C=$ID
C_SU=$SU_PID
if [ -z "$A" ] || [ -z "$B" ] || [ -z "$C" ]; then
	not_ok "carrelctl: three live carrels to work on" "A=$A B=$B C=$C"
	t_finish
fi
uid1=$(uid_of carreltest1)

# --- list (text)
run "$CTL" list
lineA=$(grep -E "^${A}[[:space:]]" <<<"$OUT_TEXT")
if [ "$RC" = 0 ] && [[ "$OUT_TEXT" == ID*USER*SCOPE*STARTED*MEMORY*PIDS*CPU*THROTTLED*OOM*LOGINS* ]] &&
	[[ "$lineA" == *carreltest1*session*/64M*/64*su-l:* ]] &&
	grep -Eq "^${B}[[:space:]]" <<<"$OUT_TEXT" && grep -Eq "^${C}[[:space:]].*carreltest2" <<<"$OUT_TEXT"; then
	ok "list: a header and one line per carrel (user, scope, limits, logins)"
else
	not_ok "list: a header and one line per carrel (user, scope, limits, logins)" "rc=$RC" "$OUT_TEXT"
fi

# --- list --json: the numbers are the cgroup files'
mem0=$(cgval "$A" memory.usage_in_bytes)
peak0=$(cgval "$A" memory.max_usage_in_bytes)
cpu0=$(cgval "$A" cpuacct.usage)
run "$CTL" list --json
mem1=$(cgval "$A" memory.usage_in_bytes)
peak1=$(cgval "$A" memory.max_usage_in_bytes)
cpu1=$(cgval "$A" cpuacct.usage)
if [ "$RC" = 0 ] && json_ok "$OUT_TEXT"; then ok "list --json: valid JSON"; else not_ok "list --json: valid JSON" "rc=$RC" "$OUT_TEXT"; fi
jA=$(grep "\"id\":\"$A\"" <<<"$OUT_TEXT")
bad=()
[ "$(jtop "$jA" user)" = carreltest1 ] || bad+=("user=$(jtop "$jA" user)")
[ "$(jtop "$jA" uid)" = "$uid1" ] || bad+=("uid=$(jtop "$jA" uid)")
[ "$(jtop "$jA" scope)" = session ] || bad+=("scope=$(jtop "$jA" scope)")
[ "$(jtop "$jA" keeper)" = "$(state_field "$A" keeper)" ] || bad+=("keeper=$(jtop "$jA" keeper)")
[ "$(jtop "$jA" holder)" = "$(state_field "$A" holder)" ] || bad+=("holder=$(jtop "$jA" holder)")
[ "$(jtop "$jA" started)" = "$(state_field "$A" started)" ] || bad+=("started=$(jtop "$jA" started)")
[[ "$jA" == *'"service":"su-l"'* ]] || bad+=("no su-l login")
for d in $(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$A"); do
	[[ "$jA" == *"\"$d\""* ]] || bad+=("cgroup $d missing")
done
if [ ${#bad[@]} -eq 0 ]; then
	ok "list --json: id, user, uid, scope, keeper, holder, started, logins, cgroups"
else
	not_ok "list --json: id, user, uid, scope, keeper, holder, started, logins, cgroups" "${bad[@]}" "$jA"
fi

lo() { if [ "$1" -le "$2" ]; then echo "$1"; else echo "$2"; fi; }
hi() { if [ "$1" -ge "$2" ]; then echo "$1"; else echo "$2"; fi; }
bad=()
v=$(jget "$jA" memory current)
within "$(lo "$mem0" "$mem1")" "$(hi "$mem0" "$mem1")" "$v" || bad+=("memory.current $v, memory.usage_in_bytes $mem0..$mem1")
v=$(jget "$jA" memory peak)
within "$(lo "$peak0" "$peak1")" "$(hi "$peak0" "$peak1")" "$v" || bad+=("memory.peak $v, memory.max_usage_in_bytes $peak0..$peak1")
v=$(jget "$jA" memory max)
[ "$v" = "$(cgval "$A" memory.limit_in_bytes parent)" ] && [ "$v" = 67108864 ] || bad+=("memory.max $v, user-$uid1/memory.limit_in_bytes $(cgval "$A" memory.limit_in_bytes parent)")
v=$(jget "$jA" pids current)
[ "$v" = "$(cgval "$A" pids.current)" ] || bad+=("pids.current $v, file $(cgval "$A" pids.current)")
v=$(jget "$jA" pids max)
[ "$v" = "$(cgval "$A" pids.max parent)" ] && [ "$v" = 64 ] || bad+=("pids.max $v, user-$uid1/pids.max $(cgval "$A" pids.max parent)")
v=$(jget "$jA" cpu usage_usec)
within $((cpu0 / 1000)) $((cpu1 / 1000)) "$v" || bad+=("cpu.usage_usec $v, cpuacct.usage/1000 $((cpu0 / 1000))..$((cpu1 / 1000))")
v=$(jget "$jA" cpu user_throttled_usec)
t=$(cgfile "$A" cpu.stat parent) && t=$(awk '$1 == "throttled_time" { print int($2 / 1000) }' "$t")
[ -z "$t" ] || [ "$v" -ge "$t" ] 2>/dev/null || bad+=("user_throttled_usec $v, user cpu.stat throttled_time/1000 $t")
v=$(jtop "$jA" oom_kills)
t=$(cgfile "$A" memory.oom_control) && t=$(awk '$1 == "oom_kill" { print $2 }' "$t")
[ "$v" = "$t" ] || bad+=("oom_kills $v, memory.oom_control oom_kill $t")
if [ ${#bad[@]} -eq 0 ]; then
	ok "list --json: memory, pids, cpu, throttled, oom numbers match the cgroup files"
else
	not_ok "list --json: memory, pids, cpu, throttled, oom numbers match the cgroup files" "${bad[@]}" "$jA"
fi

# --- show: paths, namespaces (checked against the holder and the session's process), policy
holderA=$(state_field "$A" holder)
sleepA=$(token_pids "t80-$ta" "$uid1" | head -n1)
run "$CTL" show "$A" --config "$T_CONF"
bad=()
[ "$RC" = 0 ] || bad+=("exit status $RC")
[[ "$OUT_TEXT" == "carrel $A"* ]] || bad+=("no 'carrel $A' heading")
grep -q "user: *carreltest1 (uid $uid1)" <<<"$OUT_TEXT" || bad+=("no user line")
for d in $(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$A"); do
	grep -qx "  session: $d" <<<"$OUT_TEXT" || bad+=("session cgroup $d not shown")
	grep -qx "  user: *$(dirname "$d")" <<<"$OUT_TEXT" || bad+=("user cgroup $(dirname "$d") not shown")
done
grep -q "namespaces (of holder $holderA; verified by" <<<"$OUT_TEXT" || bad+=("holder not verified")
for ns in mnt pid ipc uts net cgroup; do
	want=$(readlink "/proc/$holderA/ns/$ns" | tr -dc 0-9)
	insess=$(readlink "/proc/$sleepA/ns/$ns" | tr -dc 0-9)
	grep -Eq "^  $ns +$want\$" <<<"$OUT_TEXT" || bad+=("$ns: holder's is $want")
	[ "$want" = "$insess" ] || bad+=("$ns: the session's process $sleepA has $insess, the holder $want")
done
grep -Eq "^    limits\.memory_max +64M +top level \($T_CONF:[0-9]+\)\$" <<<"$OUT_TEXT" || bad+=("no provenance for limits.memory_max")
grep -Eq "^  memory_max = 64M\$" <<<"$OUT_TEXT" || bad+=("live limit memory_max = 64M not shown")
if [ ${#bad[@]} -eq 0 ]; then
	ok "show: user, cgroup paths, the holder's namespaces (= the session's), live limits, policy origins"
else
	not_ok "show: user, cgroup paths, the holder's namespaces (= the session's), live limits, policy origins" "${bad[@]}" "$OUT_TEXT"
fi
run "$CTL" show "$C" --config "$T_CONF"
if grep -Eq "^    limits\.pids_max +48 +user carreltest2 \($T_CONF:[0-9]+\)\$" <<<"$OUT_TEXT"; then
	ok "show: a user section's value names the section"
else
	not_ok "show: a user section's value names the section" "$OUT_TEXT"
fi
run "$CTL" show "$A" --json --config "$T_CONF"
want=$(readlink "/proc/$holderA/ns/net" | tr -dc 0-9)
if [ "$RC" = 0 ] && json_ok "$OUT_TEXT" && [[ "$OUT_TEXT" == *"\"net\":{\"inode\":$want,\"shared\":false}"* ]] &&
	[[ "$OUT_TEXT" == *'"key":"limits.memory_max","value":"64M","origin":"top level ('"$T_CONF"':'* ]]; then
	ok "show --json: valid, with namespaces and policy origins"
else
	not_ok "show --json: valid, with namespaces and policy origins" "rc=$RC" "$OUT_TEXT"
fi
run "$CTL" show 999999
check_eq "show of a carrel that does not exist: exit 1" 1 "$RC"

# --- enter: a command inside A, as A's user
run "$CTL" enter "$A" hostname
check_eq "enter: hostname inside is the carrel's" "$(state_field "$A" hostname)" "$OUT_TEXT"
# shellcheck disable=SC2016 # expanded inside the carrel
run "$CTL" enter "$A" sh -c 'echo "$(id -un) $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/net) $CARREL_SESSION"'
check_eq "enter: runs as the user, in the holder's mnt and net namespaces" \
	"carreltest1 $(readlink "/proc/$holderA/ns/mnt") $(readlink "/proc/$holderA/ns/net") $A" "$OUT_TEXT"

# --- enter on a terminal: the command gets a pty of its own, never root's (issue 12.3)
# The attack: the entered command leaves a process behind (setsid, holding
# the command's fd 0) that, once carrelctl enter has returned, reads from
# that fd: on root's terminal it would wait for, and take, what root types
# next.  With the relay its fd 0 is a pty that carrelctl closed: end of file.
if command -v script >/dev/null 2>&1; then
	tok=$(new_token enterpty)
	res=$OUT/$tok.res flag=$OUT/$tok.go
	cat >"$OUT/$tok.sh" <<'EOS'
trap '' HUP # as a hostile leftover would: it outlives the command's session
exec 3<&0
# shellcheck disable=SC2016 # expanded by that sh
setsid sh -c 'while [ ! -e "$1" ]; do sleep 0.1; done; t=$(readlink /proc/self/fd/0); if timeout 5 sh -c "read -r x"; then r=read; else r=$?; fi; echo "$r $(stat -L -c %t:%T /proc/self/fd/0) $t" >"$2"' sh "$1" "$2" <&3 >/dev/null 2>&1 &
echo entered
EOS
	chmod 0644 "$OUT/$tok.sh"
	# Root's terminal (script's pty) stays until the leftover has answered
	# (bounded), so that the two are compared by device number while both live.
	script -q -e -c "stat -L -c %t:%T /dev/stdin >$OUT/$tok.outer; $CTL enter $A sh $OUT/$tok.sh $flag $res; touch $flag;
		i=0; while [ ! -s $res ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done" /dev/null </dev/null >"$OUT/$tok" 2>&1
	wait_until 10 test -s "$res"
	outer=$(cat "$OUT/$tok.outer" 2>/dev/null)
	fd0= rd= name=
	[ -s "$res" ] && read -r rd fd0 name <"$res"
	if grep -q entered "$OUT/$tok" && [ -n "$outer" ] && [ -n "$fd0" ] && [ "$fd0" != "$outer" ] && [ "$rd" != 124 ] && [ "$rd" != read ]; then
		ok "enter on a terminal: what the command left behind holds a pty of its own ($name, device $fd0, not root's $outer), at end of file once enter returned"
	else
		not_ok "enter on a terminal: what the command left behind holds a pty of its own, at end of file once enter returned" \
			"root's terminal: $outer" "its read result (124: it waited for input) and fd 0: $(cat "$res" 2>&1)" "$(cat "$OUT/$tok")"
	fi
	script -q -e -c "$CTL enter $A tty" /dev/null </dev/null >"$OUT/$tok.2" 2>&1
	if grep -q "^/dev/pts/" "$OUT/$tok.2"; then ok "enter on a terminal: the command has a terminal (its own pty)"; else not_ok "enter on a terminal: the command has a terminal" "$(cat "$OUT/$tok.2")"; fi
	# carrelctl enter put root's terminal in raw mode for the relay; a
	# SIGTERM (an admin's kill, a timeout) must leave it as it was and
	# take the command's session with it.  The stty after it reads the
	# same terminal (script's pty) once carrelctl has gone.
	tok=$(new_token entersig)
	script -q -e -c "$CTL enter $A sleep 617 </dev/tty & echo \$! >$OUT/$tok.pid; wait; stty -a </dev/tty >$OUT/$tok.stty" \
		/dev/null </dev/null >"$OUT/$tok" 2>&1 &
	scriptpid=$!
	wait_until 10 test -s "$OUT/$tok.pid"
	ctlpid=$(cat "$OUT/$tok.pid" 2>/dev/null)
	ptyname=$(readlink "/proc/$ctlpid/fd/1" 2>/dev/null) # script's pty (fd 0 is /dev/tty, the same one)
	# The relay is up once the terminal is raw and the command runs.
	wait_until 10 sh -c "stty -a -F '$ptyname' 2>/dev/null | grep -q -- -icanon && '$CTL' enter '$A' pgrep -f '^sleep 617' >/dev/null"
	raw=$(stty -a -F "$ptyname" 2>/dev/null | grep -o -- '-icanon' | head -n1)
	[ -n "$ctlpid" ] && kill -TERM "$ctlpid" 2>/dev/null
	wait_until 10 test -s "$OUT/$tok.stty"
	wait_pid 10 "$scriptpid"
	wait_until 5 sh -c "! '$CTL' enter '$A' pgrep -f '^sleep 617' >/dev/null"
	left=$("$CTL" enter "$A" pgrep -f '^sleep 617' 2>&1)
	if [ "$raw" = -icanon ] && grep -q -w icanon "$OUT/$tok.stty" && ! grep -q -- -icanon "$OUT/$tok.stty" && [ -z "$left" ]; then
		ok "enter on a terminal: SIGTERM to carrelctl restores root's terminal (raw during the relay, canonical after) and ends the command"
	else
		not_ok "enter on a terminal: SIGTERM to carrelctl restores root's terminal and ends the command" \
			"during: ${raw:-not raw}" "after: $(grep -o -- '-\?icanon' "$OUT/$tok.stty" 2>&1)" "left in the carrel: $left" "$(cat "$OUT/$tok")"
	fi
else
	skip "enter on a terminal" "no script(1)"
fi
run "$CTL" enter "$A" sh -c 'tty; cat /dev/tty 2>&1 </dev/null | head -c 200' </dev/null
if [[ "$OUT_TEXT" == "not a tty"* ]] && [[ "$OUT_TEXT" == *"No such device or address"* ]]; then
	ok "enter without a terminal: none, and /dev/tty cannot be opened (a session of its own)"
else
	not_ok "enter without a terminal: none, and /dev/tty cannot be opened" "$OUT_TEXT"
fi

# --- limits: the user's cgroup files change; the config does not
memf=$(cgfile "$A" memory.limit_in_bytes parent)
pidsf=$(cgfile "$A" pids.max parent)
quota0=$(cgval "$A" cpu.cfs_quota_us parent)
conf0=$(md5sum <"$T_CONF")
run "$CTL" limits carreltest1 --memory-max 48M --pids-max=40
if [ "$RC" = 0 ] && [ "$(cat "$memf")" = 50331648 ] && [ "$(cat "$pidsf")" = 40 ] &&
	[ "$(cgval "$A" cpu.cfs_quota_us parent)" = "$quota0" ] && [ "$(md5sum <"$T_CONF")" = "$conf0" ]; then
	ok "limits --memory-max 48M --pids-max=40: memory.limit_in_bytes and pids.max change, cpu quota and config stay"
else
	not_ok "limits --memory-max 48M --pids-max=40: memory.limit_in_bytes and pids.max change, cpu quota and config stay" \
		"rc=$RC $OUT_TEXT" "memory.limit_in_bytes=$(cat "$memf") pids.max=$(cat "$pidsf") quota=$(cgval "$A" cpu.cfs_quota_us parent) (was $quota0)"
fi
run "$CTL" limits carreltest1 --pids-max max --cpu-max 25%
if [ "$RC" = 0 ] && [ "$(cat "$pidsf")" = max ] && [ "$(cgval "$A" cpu.cfs_quota_us parent)" = 25000 ] &&
	[ "$(cat "$memf")" = 50331648 ]; then
	ok "limits --pids-max max --cpu-max 25%: pids.max max, cpu.cfs_quota_us 25000, memory kept"
else
	not_ok "limits --pids-max max --cpu-max 25%" "rc=$RC $OUT_TEXT" "pids.max=$(cat "$pidsf") quota=$(cgval "$A" cpu.cfs_quota_us parent) mem=$(cat "$memf")"
fi
run "$CTL" limits carreltest1
if [ "$RC" = 0 ] && grep -qx "memory_max = 48M" <<<"$OUT_TEXT" && grep -qx "pids_max = max" <<<"$OUT_TEXT" &&
	grep -qx "cpu_max = 25%" <<<"$OUT_TEXT"; then
	ok "limits USER: prints the live limits"
else
	not_ok "limits USER: prints the live limits" "rc=$RC" "$OUT_TEXT"
fi
run "$CTL" limits carreltest1 --pids-max 64 --cpu-max 50% --memory-max 64M
check_eq "limits: put the configured values back" "0 64 50000 67108864" "$RC $(cat "$pidsf") $(cgval "$A" cpu.cfs_quota_us parent) $(cat "$memf")"
run "$CTL" limits carreltest3 --pids-max 10
if [ "$RC" = 1 ] && [[ "$OUT_TEXT" == *"carreltest3 has no running carrel"* ]]; then
	ok "limits for a user without a carrel: exit 1, names the user"
else
	not_ok "limits for a user without a carrel: exit 1, names the user" "rc=$RC" "$OUT_TEXT"
fi
run "$CTL" limits carreltest1 --pids-max lots
check_eq "limits --pids-max lots: usage error (exit 2)" 2 "$RC"
run "$CTL" limits carreltest1 --cpu-max 50
check_eq "limits --cpu-max 50 (no %): usage error (exit 2)" 2 "$RC"
check_eq "limits: usage errors change nothing" "64 67108864" "$(cat "$pidsf") $(cat "$memf")"

# --- not root: list and show only one's own; nothing may be changed
if command -v setpriv >/dev/null 2>&1; then
	run as carreltest1 "$CTL" list
	if [ "$RC" = 0 ] && grep -Eq "^${A}[[:space:]]" <<<"$OUT_TEXT" && grep -Eq "^${B}[[:space:]]" <<<"$OUT_TEXT" &&
		! grep -Eq "^${C}[[:space:]]" <<<"$OUT_TEXT" && ! grep -q carreltest2 <<<"$OUT_TEXT"; then
		ok "list as carreltest1: its own carrels only"
	else
		not_ok "list as carreltest1: its own carrels only" "rc=$RC" "$OUT_TEXT"
	fi
	run as carreltest1 "$CTL" list --json
	if [ "$RC" = 0 ] && json_ok "$OUT_TEXT" && [[ "$OUT_TEXT" == *"\"id\":\"$A\""* ]] &&
		[[ "$OUT_TEXT" != *"\"id\":\"$C\""* ]]; then
		ok "list --json as carreltest1: its own carrels only"
	else
		not_ok "list --json as carreltest1: its own carrels only" "rc=$RC" "$OUT_TEXT"
	fi
	run as carreltest1 "$CTL" show "$A"
	if [ "$RC" = 0 ] && [[ "$OUT_TEXT" == "carrel $A"* ]]; then ok "show as carreltest1: its own carrel"; else not_ok "show as carreltest1: its own carrel" "rc=$RC" "$OUT_TEXT"; fi
	run as carreltest1 "$CTL" show "$C"
	if [ "$RC" = 1 ] && [[ "$OUT_TEXT" != *carreltest2* ]]; then ok "show as carreltest1: another user's carrel is not shown"; else not_ok "show as carreltest1: another user's carrel is not shown" "rc=$RC" "$OUT_TEXT"; fi
	for c in "kill $C" "kill $A" "freeze $A" "thaw $A" "enter $A true" "limits carreltest1 --pids-max 5"; do
		# shellcheck disable=SC2086
		run as carreltest1 "$CTL" $c
		if [ "$RC" = 1 ] && [[ "$OUT_TEXT" == *"permission denied"* ]]; then
			ok "$c as carreltest1: refused"
		else
			not_ok "$c as carreltest1: refused" "rc=$RC" "$OUT_TEXT"
		fi
	done
	bad=()
	for id in "$A" "$C"; do
		[ -f "$SESSIONS_DIR/$id" ] && pid_alive "$(state_field "$id" keeper)" || bad+=("carrel $id is gone")
	done
	[ "$(cat "$pidsf")" = 64 ] || bad+=("pids.max is $(cat "$pidsf")")
	if [ ${#bad[@]} -eq 0 ]; then ok "refused requests changed nothing"; else not_ok "refused requests changed nothing" "${bad[@]}"; fi
else
	skip "carrelctl as a user who is not root" "no setpriv"
fi

# --- freeze and thaw B
tick() { cat "$OUT/$tb.tick" 2>/dev/null; }
advanced_from() { [ "$(tick)" != "$1" ]; }
frzf=$(cgfile "$B" freezer.state)
bash_b=$(token_pids "$tb" "$uid1" | head -n1)
if wait_until 5 advanced_from ""; then
	run "$CTL" freeze "$B"
	t1=$(tick)
	sleep 0.5
	t2=$(tick)
	states=$(for p in $(cat "$(dirname "$frzf")/cgroup.procs"); do awk '/^State:/ { print $2 }' "/proc/$p/status"; done | sort | uniq -c | tr '\n' ' ')
	if [ "$RC" = 0 ] && [ "$(cat "$frzf")" = FROZEN ] && [ "$t1" = "$t2" ]; then
		ok "freeze: freezer.state FROZEN, the carrel makes no progress (task states: $states)"
	else
		not_ok "freeze: freezer.state FROZEN, the carrel makes no progress" "rc=$RC $OUT_TEXT" "state=$(cat "$frzf") tick $t1 -> $t2" "$states"
	fi
	st=$(awk '/^State:/ { print $2 }' "/proc/$bash_b/status")
	case $st in D | T) ok "freeze: the carrel's shell is in state $st" ;;
	*) diag "freeze: the carrel's shell shows state $st (this kernel does not report frozen tasks as D)" ;;
	esac
	run "$CTL" thaw "$B"
	if [ "$RC" = 0 ] && [ "$(cat "$frzf")" = THAWED ] && wait_until 3 advanced_from "$t2"; then
		ok "thaw: freezer.state THAWED, the carrel goes on"
	else
		not_ok "thaw: freezer.state THAWED, the carrel goes on" "rc=$RC $OUT_TEXT" "state=$(cat "$frzf") tick $(tick)"
	fi
else
	not_ok "the ticking carrel ticks" "$(dump "$OUT/$tb")"
fi

# --- kill: B frozen, then A; both gone within 2 s with everything they had
run "$CTL" freeze "$B"
start=$(now_ms)
run "$CTL" kill "$B"
took=$(($(now_ms) - start))
if [ "$RC" = 0 ] && [ "$took" -le 2000 ]; then
	ok "kill of a frozen carrel: done in ${took} ms"
else
	not_ok "kill of a frozen carrel: exit 0 within 2 s" "rc=$RC after ${took} ms: $OUT_TEXT"
fi
assert_torn_down "kill (frozen) $B" "$B" 2
if wait_pid 5 "$B_SU"; then ok "kill: su of the killed carrel exits"; else not_ok "kill: su of the killed carrel exits"; fi
start=$(now_ms)
run "$CTL" kill "$A"
took=$(($(now_ms) - start))
if [ "$RC" = 0 ] && [ "$took" -le 2000 ]; then ok "kill: done in ${took} ms"; else not_ok "kill: exit 0 within 2 s" "rc=$RC after ${took} ms: $OUT_TEXT"; fi
assert_torn_down "kill $A" "$A" 2
wait_pid 5 "$A_SU"
run "$CTL" list
if ! grep -Eq "^($A|$B)[[:space:]]" <<<"$OUT_TEXT" && grep -Eq "^${C}[[:space:]]" <<<"$OUT_TEXT"; then
	ok "list after kill: the killed carrels are gone, the other is there"
else
	not_ok "list after kill: the killed carrels are gone, the other is there" "$OUT_TEXT"
fi
run "$CTL" kill "$C"
assert_torn_down "kill $C" "$C" 2
wait_pid 5 "$C_SU"
t_finish
