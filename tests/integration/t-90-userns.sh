#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The session's user namespace (issue 3), through every login program:
# sshd (a command, a pty, scp, sftp, two channels over one connection),
# login on a tmux pty, `su -` and `su USER -c`.
#
#  - inside: uid_map is exactly "UID UID 1", gid_map exactly the user's
#    gids plus the tty group (never 0, never the host's "0 0 4294967295");
#    the user namespace is not the host's; no capability in any set; a
#    setuid-root program stays unprivileged (also with no_new_privs = false);
#    nested containers work (unshare -rpf, unshare -r, bwrap); PID 1 (the
#    holder) cannot be read or killed; nothing runs as root or nobody;
#  - host side: every process of the session (the login program's own aside)
#    is in the user namespace, none has host uid 0 or a capability; sshd's
#    monitor stays outside it, invisible from inside and out of the user's
#    reach; su's and login's own process stays outside the pid namespace;
#  - who/last: two ssh ptys and a login at once are three utmp entries with
#    their own ttys, users and hosts; after logout last shows logout times
#    and who no longer lists them;
#  - carrel-user enter and carrelctl list (carrel-user status) for the user: own carrels only.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

# shellcheck source=t9x-lib.sh
. "$T_SHARE/t9x-lib.sh"   # run.sh stages it
t9x_setup "t-90-userns" || t_finish

OUT=$T_WORK/out
HOST_USERNS=$(readlink "/proc/$T_RUNNER_PID/ns/user")
HOST_UIDMAP=$(awk '{ $1 = $1; print }' "/proc/$T_RUNNER_PID/uid_map")
PROBE=$T9X/userns-probe.sh

# A supplementary group for carreltest1, so that gid_map has one to list.
# /etc/group is the suite's bind-mounted copy: append, restore in place.
if ! getent group carrelt90 >/dev/null && ! getent group 61090 >/dev/null; then
	cp /etc/group "$T_WORK/tmp/t90-group.orig"
	t_on_exit "cat '$T_WORK/tmp/t90-group.orig' >/etc/group"
	echo "carrelt90:x:61090:carreltest1" >>/etc/group
fi

# What each user's session must show, computed once.
declare -A UID_OF GIDMAP GIDS
TTY_GID=$(getent group tty | cut -d: -f3)
for u in carreltest1 carreltest2; do
	UID_OF[$u]=$(id -u "$u")
	GIDS[$u]=$(id -G "$u" | tr ' ' '\n' | sort -n | tr '\n' ' ')
	# "G G 1" for the user's gids and the tty group, sorted, ';'-joined.
	# shellcheck disable=SC2086 # one gid a word
	GIDMAP[$u]=$(printf '%s\n' ${GIDS[$u]} "${TTY_GID:-5}" | awk '$1 != 0 { print $1, $1, 1 }' | sort -u | paste -sd';')
done
# sorted_map VALUE: a ';'-joined map sorted (the kernel keeps the written order).
sorted_map() { tr ';' '\n' <<<"$1" | sort -u | paste -sd';'; }

# check_inside NAME FILE USER: what the session's shell saw (the probe).
check_inside() {
	local name=$1 f=$2 user=$3 uid got v bad=()
	uid=${UID_OF[$user]}
	t9x_load "$f"
	if [ "${P[user]:-}" != "$user" ]; then
		not_ok "$name: the probe ran as $user" "$(dump "$f")"
		return 1
	fi
	check_eq "$name: uid_map is exactly the identity map of the user's uid" "$uid $uid 1" "${P[uid_map]:-}"
	got=$(sorted_map "${P[gid_map]:-}")
	if [ "$got" = "${GIDMAP[$user]}" ] && [[ ";$got" != *";0 "* ]]; then
		ok "$name: gid_map is exactly the user's gids and the tty group ($got)"
	else
		not_ok "$name: gid_map is exactly the user's gids and the tty group" "want: ${GIDMAP[$user]}" "got:  $got"
	fi
	if [ -n "${P[ns_user]:-}" ] && [ "${P[ns_user]}" != "$HOST_USERNS" ] && [ "${P[uid_map]}" != "$HOST_UIDMAP" ]; then
		ok "$name: the user namespace is the session's, not the host's"
	else
		not_ok "$name: the user namespace is the session's, not the host's" "ns_user=${P[ns_user]:-} host=$HOST_USERNS uid_map=${P[uid_map]:-}"
	fi
	check_eq "$name: the shell has the user's groups" "${GIDS[$user]}" "${P[gids]:-}"
	got=
	for v in capinh capprm capeff capamb; do got+="$v=${P[$v]:-} "; done
	check_eq "$name: CapInh CapPrm CapEff CapAmb all zero" \
		"capinh=0000000000000000 capprm=0000000000000000 capeff=0000000000000000 capamb=0000000000000000 " "$got"
	check_eq "$name: a setuid-root copy of id keeps the user's euid" "$uid" "${P[suid_euid]:-}"
	check_eq "$name: nested container: unshare -rpf --mount-proc true" ok "${P[nested_unshare_rpf]:-}"
	check_eq "$name: nested container: unshare -r true" ok "${P[nested_unshare_r]:-}"
	if [ "${P[nested_bwrap]:-}" = missing ]; then
		skip "$name: nested container: bwrap --unshare-all" "bwrap is not installed (tests/install-deps.sh installs bubblewrap)"
	else
		check_eq "$name: nested container: bwrap --unshare-all --dev-bind / / true" ok "${P[nested_bwrap]:-}"
	fi
	check_eq "$name: PID 1 is the holder" carrel-holder "${P[pid1_comm]:-}"
	check_eq "$name: the holder's environment is not readable (no ptrace access)" denied "${P[pid1_environ]:-}"
	check_eq "$name: kill -9 1 from inside leaves the holder (and the session) alive" alive "${P[pid1_after_kill9]:-}"
	# Host root, or any uid the namespace does not map, reads as root or nobody.
	for v in "${PS[@]}"; do
		read -r _ got _ <<<"$v"
		case $got in root | nobody | 0 | 65534) bad+=("$v") ;; esac
		[[ $v == *"[priv]"* ]] && bad+=("$v")
	done
	if [ ${#PS[@]} -ge 2 ] && [ ${#bad[@]} -eq 0 ]; then
		ok "$name: no process in the session runs as root or an unmapped uid; no sshd monitor in sight"
	else
		not_ok "$name: no process in the session runs as root or an unmapped uid; no sshd monitor in sight" "${bad[@]}" "${PS[@]}"
	fi
}

# start_ssh USER TOKEN [ssh options]: the probe over ssh, held open; BG_PID.
start_ssh() {
	local user=$1 tok=$2
	shift 2
	run_bg "$OUT/$tok" tssh "$@" "$user@carrel-test" "bash $PROBE $tok --hold 90"
}
# probed NAME TOKEN: wait (30 s) for the probe; report a failure.
probed() {
	if wait_probe 30 "$OUT/$2" "$2"; then
		ok "$1: session opens and the probe runs"
		return 0
	fi
	not_ok "$1: session opens and the probe runs" "$(dump "$OUT/$2")" "sshd: $(sshd_tail 8)" "syslog: $(syslog_tail 8)"
	return 1
}
# ended NAME PID: the background client exits 0 once released.
ended() {
	if wait_pid 20 "$2" && [ "$T_RC" = 0 ]; then ok "$1: logout (exit status 0)"; else not_ok "$1: logout (exit status 0)" "exit status $T_RC"; fi
}
# ns_of: the seven namespaces in P, one line.
ns_of() { echo "${P[ns_mnt]:-} ${P[ns_pid]:-} ${P[ns_ipc]:-} ${P[ns_uts]:-} ${P[ns_net]:-} ${P[ns_cgroup]:-} ${P[ns_user]:-}"; }

start_date=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1 # last --since counts whole seconds

# ------------------------------------------------ ssh command, two ssh ptys, login at once
t9x_phase "ssh command, two ssh ptys, login"
tok_cmd=$(new_token u90cmd)
tok_pty1=$(new_token u90pty1)
tok_pty2=$(new_token u90pty2)
tok_login=$(new_token u90login)
# The login's pty first: it takes the lowest free pts number, where earlier
# tests' logins ran (their utmp slot is the one it reuses).
t9x_login_start L90 carreltest1
start_ssh carreltest1 "$tok_cmd"
pid_cmd=$BG_PID
start_ssh carreltest1 "$tok_pty1" -tt
pid_pty1=$BG_PID
start_ssh carreltest2 "$tok_pty2" -tt
pid_pty2=$BG_PID
login_pane=
if t9x_login_wait L90; then
	login_pane=$PANE_PID
	install -m 0644 -o carreltest1 /dev/null "$OUT/$tok_login" # the shell writes it
	t9x_type L90 "bash $PROBE $tok_login --hold 90 >$OUT/$tok_login 2>&1; exit"
else
	not_ok "login: shell prompt on the tmux pty" "$(t9x_pane L90)" "syslog: $(syslog_tail 8)"
fi

# NAME|TOKEN|USER|KIND|SERVICE of each session whose probe ran.
declare -A ID TOKEN
held=()
probed "ssh command" "$tok_cmd" && held+=("ssh command|$tok_cmd|carreltest1|sshd")
probed "ssh -tt" "$tok_pty1" && held+=("ssh -tt|$tok_pty1|carreltest1|sshd")
probed "ssh -tt, second user" "$tok_pty2" && held+=("ssh -tt, second user|$tok_pty2|carreltest2|sshd")
[ -n "$login_pane" ] && probed "login" "$tok_login" && held+=("login|$tok_login|carreltest1|inside")
t9x_phase "probes ran"
for e in "${held[@]}"; do
	IFS='|' read -r name tok user kind <<<"$e"
	check_inside "$name" "$OUT/$tok" "$user"
	ID[$name]=${P[session]:-}
	TOKEN[$name]=$tok
	t9x_save_state "${ID[$name]}"
	t9x_check_procs "$name" "${ID[$name]}" "${P[ns_user]:-}" "${P[ns_pid]:-}" "$kind"
done

# sshd's monitor: host root outside the user namespace.  Outside, the user
# can neither signal it nor read its environment; inside, it does not exist.
if [ -n "${ID[ssh command]:-}" ]; then
	id=${ID[ssh command]}
	mon=$(state_field "$id" login)
	if [ -n "$mon" ] && pid_alive "$mon"; then
		out=$(as carreltest1 kill -0 "$mon" 2>&1)
		rc=$?
		if [ "$rc" != 0 ] && [[ ${out,,} == *"not permitted"* ]]; then
			ok "ssh: the user (outside) cannot signal sshd's monitor (EPERM)"
		else
			not_ok "ssh: the user (outside) cannot signal sshd's monitor (EPERM)" "rc=$rc $out"
		fi
		out=$(as carreltest1 cat "/proc/$mon/environ" 2>&1 >/dev/null)
		rc=$?
		if [ "$rc" != 0 ] && [[ ${out,,} == *denied* ]]; then
			ok "ssh: the user (outside) cannot read sshd's monitor's environment"
		else
			not_ok "ssh: the user (outside) cannot read sshd's monitor's environment" "rc=$rc $out"
		fi
		out=$(as carreltest1 "$T_USER_BIN" enter "$id" sh -c "kill -0 $mon; echo rc=\$?" 2>&1)
		if [[ ${out,,} == *"no such process"* ]] && [[ $out == *rc=1* ]]; then
			ok "ssh: inside the session sshd's monitor (host pid $mon) does not exist (ESRCH)"
		else
			not_ok "ssh: inside the session sshd's monitor (host pid $mon) does not exist (ESRCH)" "$out"
		fi
	else
		not_ok "ssh: the state file's login process is sshd's monitor" "login=$mon"
	fi
fi

# who: the two ptys and the login are three entries of the test users, each
# on its own tty with the right user and host.  (Other ttys' entries, e.g.
# tmux's own, are not this test's to judge.)
who_out=$(who)
expect=()
for n in "ssh -tt" "ssh -tt, second user" login; do
	[ -n "${ID[$n]:-}" ] || continue
	t9x_load "$OUT/${TOKEN[$n]}"
	h=127.0.0.1
	[ "$n" = login ] && h=-
	expect+=("${P[user]} ${P[tty]#/dev/} $h")
done
bad=()
ttys=()
for e in "${expect[@]}"; do
	read -r u t h <<<"$e"
	ttys+=("$t")
	lines=$(awk -v t="$t" '$2 == t && $1 ~ /^carreltest/' <<<"$who_out")
	if [ "$(grep -c . <<<"$lines")" != 1 ]; then
		bad+=("tty $t: want one entry, got: ${lines:-none}")
		continue
	fi
	read -r wu _ <<<"$lines"
	wh=-
	[[ $lines =~ \((.*)\)$ ]] && wh=${BASH_REMATCH[1]}
	[ "$wu" = "$u" ] || bad+=("tty $t: user $wu, want $u")
	[ "$wh" = "$h" ] || bad+=("tty $t: host $wh, want $h")
done
if [ ${#expect[@]} = 3 ] && [ "$(printf '%s\n' "${ttys[@]}" | sort -u | grep -c .)" = 3 ] && [ ${#bad[@]} -eq 0 ]; then
	ok "who: two ssh ptys and a login are three entries, each with its own tty, user and host (${ttys[*]})"
else
	not_ok "who: two ssh ptys and a login are three entries, each with its own tty, user and host" \
		"${bad[@]}" "want: ${expect[*]}" "$who_out"
fi

# carrelctl list (carrel-user status underneath) and carrel-user enter, as the users themselves.
ids1=$(for n in "ssh command" "ssh -tt" login; do [ -n "${ID[$n]:-}" ] && echo "${ID[$n]}"; done | sort -n | paste -sd' ')
st1=$(as carreltest1 /usr/local/sbin/carrelctl list 2>&1)
rc1=$?
st2=$(as carreltest2 /usr/local/sbin/carrelctl list 2>&1)
check_eq "status as carreltest1: exactly its own sessions (exit 0)" "0 $ids1" "$rc1 $(awk 'NR > 1 { print $1 }' <<<"$st1" | sort -n | paste -sd' ')"
check_eq "status as carreltest2: exactly its own session" "${ID[ssh -tt, second user]:-}" "$(awk 'NR > 1 { print $1 }' <<<"$st2" | sort -n | paste -sd' ')"
if [ -n "${ID[ssh command]:-}" ]; then
	id=${ID[ssh command]}
	t9x_load "$OUT/$tok_cmd"
	# shellcheck disable=SC2016 # expanded inside
	out=$(as carreltest1 "$T_USER_BIN" enter "$id" bash -c 'echo "hostname=$HOSTNAME"; n=; for f in mnt pid ipc uts net cgroup user; do n+="$(readlink /proc/self/ns/$f) "; done; echo "ns=${n% }"; read -r a b c </proc/self/uid_map; echo "uid_map=$a $b $c"' 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [[ $'\n'$out$'\n' == *$'\n'"hostname=${P[hostname]}"$'\n'* ]] &&
		[[ $'\n'$out$'\n' == *$'\n'"ns=$(ns_of)"$'\n'* ]] && [[ $out == *"uid_map=${P[uid_map]}"* ]]; then
		ok "enter own carrel: runs with the session's hostname, uid_map and all seven namespaces"
	else
		not_ok "enter own carrel: runs with the session's hostname, uid_map and all seven namespaces" "rc=$rc" "$out" \
			"want hostname=${P[hostname]} ns=$(ns_of) uid_map=${P[uid_map]}"
	fi
	mark=$OUT/t90-entered-$$
	out=$(as carreltest2 "$T_USER_BIN" enter "$id" sh -c "touch $mark" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && [ ! -e "$mark" ]; then
		ok "enter another user's carrel: refused (exit $rc), nothing run"
	else
		not_ok "enter another user's carrel: refused, nothing run" "rc=$rc $out" "$(ls -l "$mark" 2>&1)"
	fi
fi

# Log out: release every probe (the login's shell exits after it).
t9x_phase "log out"
for t in "$tok_cmd" "$tok_pty1" "$tok_pty2" "$tok_login"; do release "$t"; done
ended "ssh command" "$pid_cmd"
ended "ssh -tt" "$pid_pty1"
ended "ssh -tt, second user" "$pid_pty2"
if [ -n "$login_pane" ]; then
	if wait_until 20 pid_gone "$login_pane"; then ok "login: logout ends login"; else not_ok "login: logout ends login" "$(t9x_pane L90)"; fi
fi
for n in "${!ID[@]}"; do assert_torn_down "$n: after logout" "${ID[$n]}" 5; done

# last: each of the three has a logout time; who no longer lists them.
# sshd's monitor writes its logout records after the session's teardown,
# so give it a moment (bounded) before reading them.
logouts_written() {
	local e u t line
	last_out=$(last -w -F --since "$start_date" 2>&1)
	for e in "${expect[@]}"; do
		read -r u t _ <<<"$e"
		line=$(awk -v u="$u" -v t="$t" '$1 == u && $2 == t' <<<"$last_out" | head -n1)
		[[ -n "$line" && $line == *" - "* ]] || return 1
	done
}
wait_until 10 logouts_written || true
last_out=$(last -w -F --since "$start_date" 2>&1)
who_out=$(who)
for e in "${expect[@]}"; do
	read -r u t h <<<"$e"
	line=$(awk -v u="$u" -v t="$t" '$1 == u && $2 == t' <<<"$last_out" | head -n1)
	if [ -n "$line" ] && [[ $line != *"still logged in"* && $line != *"no logout"* && $line == *" - "* ]]; then
		ok "last: $u on $t has a logout time"
	else
		not_ok "last: $u on $t has a logout time" "${line:-no entry}" "$last_out"
	fi
	line=$(awk -v u="$u" -v t="$t" '$1 == u && $2 == t' <<<"$who_out")
	if [ -z "$line" ]; then
		ok "who: $u on $t is gone after logout"
	else
		not_ok "who: $u on $t is gone after logout" "$line" "utmp: $(utmpdump /run/utmp 2>/dev/null | grep -F "[$t")"
	fi
done

# ------------------------------------------------ two channels over one ssh connection
t9x_phase "two channels over one ssh connection"
ctl=$T_WORK/tmp/t90-mux.ctl
run_bg "$OUT/t90-mux-master" tssh -M -S "$ctl" -o ControlPersist=no -N carreltest1@carrel-test
master=$BG_PID
if wait_until 20 tssh -S "$ctl" -O check carreltest1@carrel-test 2>/dev/null; then
	toka=$(new_token u90muxa)
	tokb=$(new_token u90muxb)
	start_ssh carreltest1 "$toka" -S "$ctl"
	pida=$BG_PID
	start_ssh carreltest1 "$tokb" -S "$ctl" -tt
	pidb=$BG_PID
	ids=()
	for e in "mux, channel 1|$toka" "mux, channel 2 (pty)|$tokb"; do
		IFS='|' read -r name tok <<<"$e"
		if probed "$name" "$tok"; then
			check_inside "$name" "$OUT/$tok" carreltest1
			id=${P[session]:-}
			ids+=("$id")
			t9x_save_state "$id"
			t9x_check_procs "$name" "$id" "${P[ns_user]:-}" "${P[ns_pid]:-}" sshd
		fi
	done
	release "$toka"
	release "$tokb"
	ended "mux, channel 1" "$pida"
	ended "mux, channel 2 (pty)" "$pidb"
	tssh -S "$ctl" -O exit carreltest1@carrel-test >/dev/null 2>&1
	wait_pid 10 "$master"
	for id in $(printf '%s\n' "${ids[@]}" | sort -u); do assert_torn_down "mux: after the master exits" "$id" 5; done
else
	not_ok "mux: the master connection is up" "$(cat "$OUT/t90-mux-master")" "sshd: $(sshd_tail 8)"
fi

# ------------------------------------------------ scp and sftp: sftp-server's own maps
t9x_phase "scp and sftp"
uid1=${UID_OF[carreltest1]}
tok=$(new_token u90scp)
if scp -F "$T_SSH_CONFIG" -q carreltest1@carrel-test:/proc/self/uid_map "$OUT/$tok.uid_map" </dev/null >"$OUT/$tok" 2>&1 &&
	scp -F "$T_SSH_CONFIG" -q carreltest1@carrel-test:/proc/self/gid_map "$OUT/$tok.gid_map" </dev/null >>"$OUT/$tok" 2>&1; then
	check_eq "scp: the server side's uid_map is the identity map" "$uid1 $uid1 1" "$(awk '{ $1 = $1; print }' "$OUT/$tok.uid_map")"
	check_eq "scp: the server side's gid_map is the user's gids and the tty group" "${GIDMAP[carreltest1]}" \
		"$(awk '{ $1 = $1; print }' "$OUT/$tok.gid_map" | sort -u | paste -sd';')"
else
	not_ok "scp: download /proc/self/uid_map and gid_map" "$(cat "$OUT/$tok")" "sshd: $(sshd_tail 8)"
fi
tok=$(new_token u90sftp)
printf '%s\n' "get /proc/self/uid_map $OUT/$tok.uid_map" "get /proc/self/gid_map $OUT/$tok.gid_map" \
	"get /proc/self/status $OUT/$tok.status" >"$T_WORK/tmp/$tok.batch"
if sftp -F "$T_SSH_CONFIG" -q -b "$T_WORK/tmp/$tok.batch" carreltest1@carrel-test </dev/null >"$OUT/$tok" 2>&1; then
	check_eq "sftp: sftp-server's uid_map is the identity map" "$uid1 $uid1 1" "$(awk '{ $1 = $1; print }' "$OUT/$tok.uid_map")"
	check_eq "sftp: sftp-server's gid_map is the user's gids and the tty group" "${GIDMAP[carreltest1]}" \
		"$(awk '{ $1 = $1; print }' "$OUT/$tok.gid_map" | sort -u | paste -sd';')"
	check_eq "sftp: sftp-server has no capabilities (CapInh CapPrm CapEff)" "0000000000000000 0000000000000000 0000000000000000" \
		"$(awk '/^Cap(Inh|Prm|Eff):/ { printf "%s%s", s, $2; s = " " }' "$OUT/$tok.status")"
else
	not_ok "sftp: get /proc/self/uid_map, gid_map, status" "$(cat "$OUT/$tok")" "sshd: $(sshd_tail 8)"
fi
if wait_until 5 no_sessions; then ok "scp, sftp: nothing left"; else not_ok "scp, sftp: nothing left" "$(ls "$SESSIONS_DIR")"; fi

# ------------------------------------------------ su - and su USER -c, at once
t9x_phase "su - and su USER -c"
toks=$(new_token u90sul)
toku=$(new_token u90su)
run_bg "$OUT/$toks" su - carreltest1 -c "bash $PROBE $toks --hold 90"
pid_sul=$BG_PID
run_bg "$OUT/$toku" su carreltest2 -c "bash $PROBE $toku --hold 90"
pidu=$BG_PID
ids=()
for e in "su -|$toks|carreltest1" "su USER -c|$toku|carreltest2"; do
	IFS='|' read -r name tok user <<<"$e"
	if probed "$name" "$tok"; then
		check_inside "$name" "$OUT/$tok" "$user"
		id=${P[session]:-}
		ids+=("$id")
		t9x_save_state "$id"
		t9x_check_procs "$name" "$id" "${P[ns_user]:-}" "${P[ns_pid]:-}" inside
	fi
done
release "$toks"
release "$toku"
ended "su -" "$pid_sul"
ended "su USER -c" "$pidu"
for id in "${ids[@]}"; do assert_torn_down "su: after exit" "$id" 5; done

# ------------------------------------------------ no_new_privs = false: the user namespace alone
t9x_phase "no_new_privs = false"
conf=$(t9x_config nonnp 'no_new_privs = false')
t9x_use_config "$conf"
check_eq "control: outside any carrel the setuid-root copy of id gives euid 0" 0 "$(as carreltest1 "$T9X/id-suid" -u 2>&1)"
tok=$(new_token u90nnp)
su - carreltest1 -c "bash $PROBE $tok" </dev/null >"$OUT/$tok" 2>&1
if t9x_load "$OUT/$tok" && [ "${P[end]:-}" = "$tok" ]; then
	check_eq "no_new_privs = false, su -: the config applies (NoNewPrivs 0)" 0 "${P[nonewprivs]:-}"
	check_eq "no_new_privs = false, su -: a setuid-root copy of id keeps the user's euid" "$uid1" "${P[suid_euid]:-}"
else
	not_ok "no_new_privs = false, su -: the probe runs" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail 8)"
fi
tok=$(new_token u90nnpssh)
tssh carreltest1@carrel-test "bash $PROBE $tok" </dev/null >"$OUT/$tok" 2>&1
if t9x_load "$OUT/$tok" && [ "${P[end]:-}" = "$tok" ]; then
	check_eq "no_new_privs = false, ssh: the config applies (NoNewPrivs 0)" 0 "${P[nonewprivs]:-}"
	check_eq "no_new_privs = false, ssh: a setuid-root copy of id keeps the user's euid" "$uid1" "${P[suid_euid]:-}"
	check_eq "no_new_privs = false, ssh: CapEff stays zero" 0000000000000000 "${P[capeff]:-}"
else
	not_ok "no_new_privs = false, ssh: the probe runs" "$(dump "$OUT/$tok")" "sshd: $(sshd_tail 8)" "syslog: $(syslog_tail 8)"
fi
t9x_restore_pam
if wait_until 5 no_sessions; then ok "no_new_privs = false: nothing left"; else not_ok "no_new_privs = false: nothing left" "$(ls "$SESSIONS_DIR")"; fi
t9x_phase "done"
t_finish
