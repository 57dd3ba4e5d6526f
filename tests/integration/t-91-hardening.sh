#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Hardening of the session (issue 4), as the user sees it from inside, for
# sshd, `su -`, login on a tmux pty and a process started with
# `carrel-helper enter`:
#  - the seccomp probe (tests/unit/seccomp_probe): every denied call fails
#    with EPERM through the x86_64 and the x32 ABI (clone3: ENOSYS, by
#    design); i386 (int 0x80) is tested where the kernel has it, and
#    reported as a skip where it has not; TIOCSTI/TIOCLINUX refused;
#    threads, fork and nested user namespaces still work;
#  - /proc/self/status: no capability in any set, Seccomp 2, NoNewPrivs 1;
#    `su -` inside cannot become root, and the shell's lines still hold;
#  - TIOCSTI into the login's own terminal injects nothing (and, as the
#    control, does with seccomp = off);
#  - configs: a seccomp profile with a syntax error refuses the login and
#    the log names FILE:LINE; capabilities = {"cap_net_bind_service"} keeps
#    that bit in the bounding set only; seccomp = off gives Seccomp 0.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

# shellcheck source=t9x-lib.sh
. "$T_SHARE/t9x-lib.sh"   # run.sh stages it
t9x_setup "t-91-hardening" || t_finish

OUT=$T_WORK/out
ZERO=0000000000000000

# What runs inside each session: the seccomp probe, `su -` to root (which
# must fail: it would touch MARK), the shell's own status lines afterwards.
#   t91-inside.sh TOKEN MARK [--hold SECS]
INSIDE=$T9X/t91-inside.sh
cat >"$INSIDE" <<'EOF'
#!/bin/bash
tok=$1 mark=$2
echo "begin=$tok"
"${BASH_SOURCE[0]%/*}/seccomp_probe"
echo "probe_rc=$?"
su - root -c "touch $mark" </dev/null >/dev/null 2>&1
echo "su_rc=$?"
while IFS=$':\t ' read -r k v _; do
	case $k in Cap* | NoNewPrivs | Seccomp) echo "after_$k=$v" ;; esac
done </proc/self/status
echo "session=${CARREL_SESSION-}"
echo "end=$tok"
if [ "${3:-}" = --hold ]; then
	end=$((SECONDS + ${4:-60}))
	while [ ! -e "/usr/local/carrel-test/release/$tok" ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.25; done
fi
exit 0
EOF
chmod 0755 "$INSIDE"
# t91-show.sh: the status lines as KEY=VALUE, then "end".
SHOW=$T9X/t91-show.sh
cat >"$SHOW" <<'EOF'
#!/bin/bash
while IFS=$':\t ' read -r k v _; do
	case $k in Cap* | NoNewPrivs | Seccomp) echo "$k=$v" ;; esac
done </proc/self/status
echo end
EOF
chmod 0755 "$SHOW"

# status_of FILE KEY: the value of the first "KEY:<tab>VALUE" line.
status_of() { awk -v k="$2:" '$1 == k { print $2; exit }' "$1" | tr -d '\r'; }

# check_hardening NAME FILE: what the probe and the status lines say.
check_hardening() {
	local name=$1 f=$2 mark=$3 line abi call e want bad=() n64=0 nx32=0 n386=0 i386
	if ! grep -q "^end=" "$f" || ! grep -q '^pthread ' "$f"; then
		not_ok "$name: the seccomp probe ran in the session" "$(dump "$f")"
		return 1
	fi
	ok "$name: the seccomp probe ran in the session"
	i386=$(awk '$1 == "abi" && $2 == "i386" { print $3 }' "$f" | tr -d '\r')
	while read -r _ call abi e; do
		e=${e#errno=}
		e=${e%$'\r'}
		want=1
		case $abi:$call in
		x86_64:getpid | i386:getpid) want=0 ;;
		# allowed (Kerberos KEYRING caches: doc/seccomp.md, "Keyrings")
		x86_64:keyctl | i386:keyctl) want=0 ;;
		x86_64:clone3 | i386:clone3) want=38 ;;
		esac
		case $abi in x86_64) n64=$((n64 + 1)) ;; x32) nx32=$((nx32 + 1)) ;; i386) n386=$((n386 + 1)) ;; esac
		[ "$e" = "$want" ] || bad+=("$call ($abi): errno=$e, want $want")
	done < <(grep '^probe ' "$f")
	if [ ${#bad[@]} -eq 0 ] && [ "$n64" -ge 30 ] && [ "$nx32" -ge 25 ]; then
		ok "$name: seccomp: every denied call fails with EPERM via x86_64 ($n64 calls) and x32 ($nx32, the whole ABI); clone3 ENOSYS; getpid and keyctl work"
	else
		not_ok "$name: seccomp: every denied call fails with EPERM via x86_64 and x32" "${bad[@]}" "x86_64: $n64 lines, x32: $nx32 lines"
	fi
	if [ "$i386" = available ]; then
		if [ "$n386" -ge 30 ]; then ok "$name: seccomp: i386 (int 0x80): $n386 calls checked above"; else not_ok "$name: seccomp: i386 (int 0x80) calls probed" "$n386 lines"; fi
	else
		skip "$name: seccomp: i386 ABI (int 0x80)" "not available on this kernel (the probe says: abi i386 ${i386:-?}); the unit test checks the i386 part of the filter"
	fi
	local tio
	tio=$(grep -E '^(tiocsti|tiocsti_high|tioclinux) ' "$f" | tr -d '\r' | paste -sd' ')
	check_eq "$name: ioctl TIOCSTI, TIOCSTI with high bits, TIOCLINUX: EPERM" "tiocsti errno=1 tiocsti_high errno=1 tioclinux errno=1" "$tio"
	check_eq "$name: pthread_create and fork still work; nested user namespaces too" "pthread ok|fork ok|userns errno=0" \
		"$(grep -E '^(pthread|fork|userns) ' "$f" | tr -d '\r' | paste -sd'|')"
	local got=
	for e in CapInh CapPrm CapEff CapBnd CapAmb Seccomp NoNewPrivs; do got+="$e=$(status_of "$f" "$e") "; done
	check_eq "$name: status: no capability in any set, Seccomp 2, NoNewPrivs 1" \
		"CapInh=$ZERO CapPrm=$ZERO CapEff=$ZERO CapBnd=$ZERO CapAmb=$ZERO Seccomp=2 NoNewPrivs=1 " "$got"
	# su - inside: no_new_privs keeps it from becoming root.
	local surc
	surc=$(pv "$f" su_rc)
	if [ -n "$surc" ] && [ "$surc" != 0 ] && [ ! -e "$mark" ]; then
		ok "$name: su - root inside fails (exit $surc) and runs nothing"
	else
		not_ok "$name: su - root inside fails and runs nothing" "su_rc=$surc" "$(ls -l "$mark" 2>&1)"
	fi
	got=
	for e in CapInh CapPrm CapEff CapBnd CapAmb Seccomp NoNewPrivs; do got+="$e=$(pv "$f" "after_$e") "; done
	check_eq "$name: after su -, the shell's status lines still hold" \
		"CapInh=$ZERO CapPrm=$ZERO CapEff=$ZERO CapBnd=$ZERO CapAmb=$ZERO Seccomp=2 NoNewPrivs=1 " "$got"
}

# ------------------------------------------------ default config: su - (held), ssh, login, enter
t9x_phase "default config"
tok_su=$(new_token h91su)
run_bg "$OUT/$tok_su" su - carreltest1 -c "bash $INSIDE $tok_su $OUT/$tok_su.su-ran --hold 90"
pid_su=$BG_PID
tok_ssh=$(new_token h91ssh)
run_bg "$OUT/$tok_ssh" tssh carreltest1@carrel-test "bash $INSIDE $tok_ssh $OUT/$tok_ssh.su-ran"
pid_ssh=$BG_PID

tok_login=$(new_token h91login)
pwned=$OUT/$tok_login.pwned
login_pane=
if t9x_login L91 carreltest1; then
	login_pane=$PANE_PID
	install -m 0644 -o carreltest1 /dev/null "$OUT/$tok_login" # the shell writes it
	t9x_type L91 "bash $INSIDE $tok_login $OUT/$tok_login.su-ran >$OUT/$tok_login 2>&1"
else
	not_ok "login: shell prompt on the tmux pty" "$(t9x_pane L91)" "syslog: $(syslog_tail 8)"
fi

if wait_probe 30 "$OUT/$tok_ssh" "$tok_ssh"; then
	check_hardening "ssh" "$OUT/$tok_ssh" "$OUT/$tok_ssh.su-ran"
else
	not_ok "ssh: the session runs the probe" "$(dump "$OUT/$tok_ssh")" "sshd: $(sshd_tail 8)" "syslog: $(syslog_tail 8)"
fi
id_su=
if wait_probe 30 "$OUT/$tok_su" "$tok_su"; then
	check_hardening "su -" "$OUT/$tok_su" "$OUT/$tok_su.su-ran"
	id_su=$(pv "$OUT/$tok_su" session)
else
	not_ok "su -: the session runs the probe" "$(dump "$OUT/$tok_su")" "syslog: $(syslog_tail 8)"
fi
if [ -n "$login_pane" ]; then
	if wait_probe 30 "$OUT/$tok_login" "$tok_login"; then
		check_hardening "login" "$OUT/$tok_login" "$OUT/$tok_login.su-ran"
	else
		not_ok "login: the session runs the probe" "$(dump "$OUT/$tok_login")" "screen: $(t9x_pane L91)"
	fi
	# TIOCSTI into the login's own terminal (typed once the probe is done, so
	# that nothing else reads the terminal): if it worked, the shell would
	# read "touch PWNED" as its next command line.
	t9x_type L91 "$T9X/t9x-aid tiocsti \$'touch $pwned\\n' >$OUT/$tok_login.tiocsti 2>&1; echo done >$OUT/$tok_login.tiocsti-done"
	if wait_until 20 test -e "$OUT/$tok_login.tiocsti-done"; then
		sleep 1 # time for the shell to run an injected line, if there were one
		check_eq "login: TIOCSTI on the login's own terminal fails with EPERM" "tiocsti errno=1" "$(tr -d '\r' <"$OUT/$tok_login.tiocsti")"
		if [ -e "$pwned" ]; then
			not_ok "login: the injected command line did not run" "$pwned exists" "screen: $(t9x_pane L91)"
		else
			ok "login: the injected command line did not run"
		fi
	else
		not_ok "login: the TIOCSTI attempt ran" "screen: $(t9x_pane L91)"
	fi
fi

# enter: a process started with carrel-user enter in the su - carrel.
if [ -n "$id_su" ]; then
	tok=$(new_token h91enter)
	as carreltest1 "$T_USER_BIN" enter "$id_su" bash "$INSIDE" "$tok" "$OUT/$tok.su-ran" </dev/null >"$OUT/$tok" 2>&1
	if has_line "$OUT/$tok" "session=$id_su"; then
		check_hardening "enter" "$OUT/$tok" "$OUT/$tok.su-ran"
	else
		not_ok "enter: the probe runs in carrel $id_su" "$(dump "$OUT/$tok")"
	fi
fi

t9x_phase "log out"
release "$tok_su"
if wait_pid 20 "$pid_su" && [ "$T_RC" = 0 ]; then ok "su -: exits 0"; else not_ok "su -: exits 0" "exit status $T_RC"; fi
if wait_pid 20 "$pid_ssh" && [ "$T_RC" = 0 ]; then ok "ssh: exits 0"; else not_ok "ssh: exits 0" "exit status $T_RC"; fi
if [ -n "$login_pane" ]; then
	t9x_type L91 "exit"
	if wait_until 20 pid_gone "$login_pane"; then ok "login: logout ends login"; else not_ok "login: logout ends login" "$(t9x_pane L91)"; fi
fi
if wait_until 5 no_sessions; then ok "default config: nothing left"; else not_ok "default config: nothing left" "$(ls -l "$SESSIONS_DIR")"; fi

# ------------------------------------------------ a seccomp profile with a syntax error
t9x_phase "seccomp profile with a syntax error"
badprof=$T_WORK/conf/t9x-badsec/bad.seccomp
conf=$(t9x_config badsec "seccomp = \"$badprof\"")
printf '%s\n' '# t-91: line 3 has an action that does not exist' 'default allow' 'reboot deny' 'kexec_load errno' >"$badprof"
chmod 0644 "$badprof"
t9x_use_config "$conf"
for how in "su -" ssh; do
	tok=$(new_token h91bad)
	mark=$(syslog_mark)
	if [ "$how" = ssh ]; then
		tssh carreltest1@carrel-test "touch $OUT/$tok.ran" </dev/null >"$OUT/$tok" 2>&1
	else
		su - carreltest1 -c "touch $OUT/$tok.ran" </dev/null >"$OUT/$tok" 2>&1
	fi
	rc=$?
	if [ "$rc" != 0 ] && [ ! -e "$OUT/$tok.ran" ]; then
		ok "bad seccomp profile, $how: the login is refused (exit $rc), nothing runs"
	else
		not_ok "bad seccomp profile, $how: the login is refused, nothing runs" "rc=$rc" "$(cat "$OUT/$tok")"
	fi
	# shellcheck disable=SC2016 # eval'd by wait_until
	if wait_until 3 eval 'syslog_since "$mark" | grep -q "refusing session for carreltest1: .*$badprof:3"'; then
		ok "bad seccomp profile, $how: the log names $badprof:3"
	else
		not_ok "bad seccomp profile, $how: the log names FILE:LINE ($badprof:3)" "$(syslog_since "$mark" | grep -v pam_limits | tail -n 8)"
	fi
done
if wait_until 5 no_sessions; then ok "bad seccomp profile: nothing left"; else not_ok "bad seccomp profile: nothing left" "$(ls -l "$SESSIONS_DIR")"; fi

# ------------------------------------------------ capabilities = {"cap_net_bind_service"}
t9x_phase "capabilities = {cap_net_bind_service}"
conf=$(t9x_config capnbs 'capabilities = {"cap_net_bind_service"}')
t9x_use_config "$conf"
for how in "su -" ssh; do
	tok=$(new_token h91cap)
	if [ "$how" = ssh ]; then
		tssh carreltest1@carrel-test "bash $SHOW" </dev/null >"$OUT/$tok" 2>&1
	else
		su - carreltest1 -c "bash $SHOW" </dev/null >"$OUT/$tok" 2>&1
	fi
	if has_line "$OUT/$tok" end; then
		got=
		for e in CapInh CapPrm CapEff CapBnd CapAmb; do got+="$e=$(pv "$OUT/$tok" "$e") "; done
		check_eq "capabilities = {cap_net_bind_service}, $how: bit 10 in CapBnd, nothing else anywhere" \
			"CapInh=$ZERO CapPrm=$ZERO CapEff=$ZERO CapBnd=0000000000000400 CapAmb=$ZERO " "$got"
	else
		not_ok "capabilities = {cap_net_bind_service}, $how: the session runs" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail 8)"
	fi
done

# ------------------------------------------------ seccomp = off (and the TIOCSTI control)
t9x_phase "seccomp = off"
conf=$(t9x_config secoff 'seccomp = off')
t9x_use_config "$conf"
tok=$(new_token h91off)
su - carreltest1 -c "bash $SHOW" </dev/null >"$OUT/$tok" 2>&1
if has_line "$OUT/$tok" end; then
	check_eq "seccomp = off, su -: Seccomp 0 (NoNewPrivs still 1, no capabilities)" "Seccomp=0 NoNewPrivs=1 CapEff=$ZERO CapBnd=$ZERO" \
		"Seccomp=$(pv "$OUT/$tok" Seccomp) NoNewPrivs=$(pv "$OUT/$tok" NoNewPrivs) CapEff=$(pv "$OUT/$tok" CapEff) CapBnd=$(pv "$OUT/$tok" CapBnd)"
else
	not_ok "seccomp = off, su -: the session runs" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail 8)"
fi
tok=$(new_token h91offlogin)
pwned=$OUT/$tok.pwned
if t9x_login L91off carreltest1; then
	pane_off=$PANE_PID
	install -m 0644 -o carreltest1 /dev/null "$OUT/$tok"
	t9x_type L91off "bash $SHOW >$OUT/$tok 2>&1"
	if wait_until 15 has_line "$OUT/$tok" end; then
		check_eq "seccomp = off, login: Seccomp 0" 0 "$(pv "$OUT/$tok" Seccomp)"
	else
		not_ok "seccomp = off, login: the shell runs" "screen: $(t9x_pane L91off)"
	fi
	t9x_type L91off "$T9X/t9x-aid tiocsti \$'touch $pwned\\n' >$OUT/$tok.tiocsti 2>&1"
	# The control for the TIOCSTI test above: without the filter the same
	# injection runs (dev.tty.legacy_tiocsti = 1 here), so the test can see one.
	if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 0 ]; then
		skip "seccomp = off, login: control: TIOCSTI injection runs without the filter" "dev.tty.legacy_tiocsti = 0 refuses TIOCSTI on this host anyway"
	elif wait_until 15 test -e "$pwned"; then
		ok "seccomp = off, login: control: without the filter the injected command line runs"
	else
		not_ok "seccomp = off, login: control: without the filter the injected command line runs" \
			"$(cat "$OUT/$tok.tiocsti" 2>&1)" "screen: $(t9x_pane L91off)"
	fi
	t9x_type L91off "exit"
	wait_until 20 pid_gone "$pane_off" || not_ok "seccomp = off, login: logout ends login" "$(t9x_pane L91off)"
else
	not_ok "seccomp = off, login: shell prompt on the tmux pty" "$(t9x_pane L91off)" "syslog: $(syslog_tail 8)"
fi
t9x_restore_pam
if wait_until 5 no_sessions; then ok "configs: nothing left"; else not_ok "configs: nothing left" "$(ls -l "$SESSIONS_DIR")"; fi
t9x_phase "done"
t_finish
