#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What a site needs to never lock itself out (issue 16), with pamtester:
# - a section naming a group the user database does not know (a deleted
#   directory group) matches nobody: logins still get their carrel, and
#   check-config warns;
# - the emergency switch (carrel.disable beside the config) lets every login
#   in without a sandbox, each logged at LOG_ALERT, and check-config says so;
#   a switch file not owned by root is ignored;
# - a broken config still admits root and the break-glass group (PAM
#   argument breakglass=GROUP), logged at LOG_ALERT; everyone else is refused;
# - system accounts (uid < UID_MIN) are exempt by default;
# - a Kerberos FILE cache that KRB5CCNAME names in the host's /tmp is copied
#   into the carrel's private /tmp under the same name, the user's, 0600
#   (pam_env sets KRB5CCNAME as pam_krb5 would; pam_exec after pam_carrel
#   looks from inside); a symbolic link there is not followed;
# - Debian's `session optional pam_keyinit.so force revoke` (su-l, login)
#   closes cleanly: the login process stays outside the carrel's user
#   namespace, so pam_keyinit's switch to the user and back to root at
#   close works; its debug line names the keyring the session's shell had,
#   and nothing is logged at err.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out/site
pt() { pamtester -v "$@" </dev/null >"$OUT" 2>&1; }
log_has() { syslog_since "$1" | grep -E -q -- "$2"; }
# alerted MARK PATTERN: a line since MARK matches PATTERN and has priority LOG_ALERT.
alerted() {
	local pri
	for pri in $(syslog_since "$1" | grep -E -- "$2" | sed -nE 's/^<([0-9]+)>.*/\1/p'); do
		[ $((pri % 8)) = 1 ] && return 0
	done
	return 1
}
LIB=$T_WORK/lib/pam_carrel.so
D=$T_WORK/conf/site
B=$T_WORK/conf/site-broken
install -d -m 0755 "$D" "$B"
{ cat "$T_WORK/conf/good/carrel.conf"; printf 'group "carrel-no-such-group" {\n    limits {\n        pids_max = 7\n    }\n}\n'; } >"$D/carrel.conf"
{ cat "$T_WORK/conf/good/carrel.conf"; echo 'limits { memory_max = = 64M }'; } >"$B/carrel.conf"
chmod 0644 "$D/carrel.conf" "$B/carrel.conf"
service() { # NAME ARGS...
	local name=$1
	shift
	printf '%s\n' 'auth required pam_permit.so' 'account required pam_permit.so' \
		"session required $LIB $* debug" >"/etc/pam.d/$name"
	t_on_exit "rm -f /etc/pam.d/$name"
}
service carrel-test-site "config=$D/carrel.conf"
service carrel-test-site-broken "config=$B/carrel.conf"
service carrel-test-site-bg "config=$B/carrel.conf breakglass=carrelexempt"
service carrel-test-site-sys "config=$D/carrel.conf system_accounts=sandbox"
t_on_exit "rm -rf '$D' '$B'"

# sandboxed NAME SVC USER: open_session builds a carrel (the module's debug
# line names the session), then close.
sandboxed() {
	local mark
	mark=$(syslog_mark)
	if pt "$2" "$3" open_session close_session && wait_until 5 log_has "$mark" "session [^ ]+ opened for $3"; then
		ok "$1: $3 gets in, in a carrel"
	else
		not_ok "$1: $3 gets in, in a carrel" "$(cat "$OUT")" "$(syslog_since "$mark" | tail -n 5)"
	fi
	wait_until 5 no_sessions || not_ok "$1: no session left" "$(ls "$SESSIONS_DIR")"
}
# unsandboxed NAME SVC USER PATTERN [alert]: admitted, no carrel, the log
# matches (with "alert": at LOG_ALERT).
unsandboxed() {
	local mark
	mark=$(syslog_mark)
	if pt "$2" "$3" open_session close_session; then
		ok "$1: $3 gets in"
	else
		not_ok "$1: $3 gets in" "$(cat "$OUT")" "$(syslog_since "$mark" | tail -n 5)"
	fi
	if wait_until 5 log_has "$mark" "$4"; then
		ok "$1: the log says so (/$4/)"
	else
		not_ok "$1: the log says so (/$4/)" "$(syslog_since "$mark" | tail -n 5)"
	fi
	if [ -n "${5-}" ]; then
		if alerted "$mark" "$4"; then ok "$1: logged at LOG_ALERT"; else not_ok "$1: logged at LOG_ALERT" "$(syslog_since "$mark" | grep -E -- "$4")"; fi
	fi
	if log_has "$mark" "session [^ ]+ opened for $3"; then
		not_ok "$1: no carrel for $3" "$(syslog_since "$mark" | grep opened)"
	else
		ok "$1: no carrel for $3"
	fi
}
refused() {
	local mark
	mark=$(syslog_mark)
	if pt "$2" "$3" open_session close_session; then
		not_ok "$1: $3 is refused" "$(cat "$OUT")"
	else
		ok "$1: $3 is refused"
	fi
	if wait_until 5 log_has "$mark" "$4"; then ok "$1: the log says why"; else not_ok "$1: the log says why (/$4/)" "$(syslog_since "$mark" | tail -n 5)"; fi
}

# --- a section for a group nobody knows ------------------------------------------
name="unknown group section"
sandboxed "$name" carrel-test-site carreltest1
out=$("$T_HELPER" check-config "$D/carrel.conf" 2>&1)
rc=$?
check "$name: check-config accepts the file (exit $rc)" test "$rc" = 0
if [[ $out == *"group section \"carrel-no-such-group\": no such group: it matches nobody"* ]]; then
	ok "$name: check-config warns that the section matches nobody"
else
	not_ok "$name: check-config warns that the section matches nobody" "$out"
fi

# --- the emergency switch ----------------------------------------------------------
name="emergency switch"
SW=$D/carrel.disable
t_on_exit "rm -f '$SW'"
: >"$SW"
unsandboxed "$name" carrel-test-site carreltest1 "ALLOWING carreltest1 WITHOUT SANDBOX: emergency switch $SW is on" alert
out=$("$T_HELPER" check-config "$D/carrel.conf" 2>&1)
if [[ $out == *"EMERGENCY SWITCH ON: $SW exists"* ]]; then ok "$name: check-config says the switch is on"; else not_ok "$name: check-config says the switch is on" "$out"; fi
chown "$(uid_of carreltest1)" "$SW"
sandboxed "$name: a switch file not owned by root is ignored" carrel-test-site carreltest1
rm -f "$SW"
sandboxed "$name: off again" carrel-test-site carreltest1
out=$("$T_HELPER" check-config "$D/carrel.conf" 2>&1)
if [[ $out == *"EMERGENCY SWITCH"* ]]; then not_ok "$name: check-config is silent when it is off" "$out"; else ok "$name: check-config is silent when it is off"; fi

# --- break-glass -------------------------------------------------------------------
name="broken config"
refused "$name" carrel-test-site-broken carreltest1 "refusing session for carreltest1: config error"
refused "$name: carreltest3 without breakglass= naming its group" carrel-test-site-broken carreltest3 "refusing session for carreltest3: config error"
unsandboxed "$name, breakglass=carrelexempt" carrel-test-site-bg carreltest3 "ALLOWING carreltest3 WITHOUT SANDBOX: break-glass group carrelexempt, config error" alert
refused "$name, breakglass=carrelexempt" carrel-test-site-bg carreltest1 "refusing session for carreltest1: config error"
unsandboxed "$name" carrel-test-site-broken root "root is exempt"

# --- system accounts ---------------------------------------------------------------
name="system account"
unsandboxed "$name" carrel-test-site daemon "daemon is a system account \(uid 1 < UID_MIN\): not sandboxed"
mark=$(syslog_mark)
pt carrel-test-site-sys daemon open_session close_session
if log_has "$mark" "system account"; then
	not_ok "$name: system_accounts=sandbox does not exempt daemon" "$(syslog_since "$mark" | tail -n 3)"
else
	ok "$name: system_accounts=sandbox does not exempt daemon"
fi
wait_until 5 no_sessions || not_ok "$name: no session left" "$(ls "$SESSIONS_DIR")"

# --- Kerberos FILE cache ----------------------------------------------------------
name="kerberos FILE cache"
U1=$(uid_of carreltest1)
CC=/tmp/krb5cc_${U1}_t85
CCOUT=$T_WORK/out/site-cc.log
t_on_exit "rm -f '$CC' '$CCOUT'"
printf 'carrel-t85-ticket-%s\n' "$$" >"$CC"
chown "$U1:$U1" "$CC"
chmod 600 "$CC"
echo "KRB5CCNAME=FILE:$CC" >"$D/krb.env"
cat >"$D/inside.sh" <<'EOS'
f=${KRB5CCNAME#FILE:}
echo "cc=$f"
echo "tmp=$(stat -c %d:%i /tmp)"
stat -c 'stat=%u %a %s' "$f" 2>&1
EOS
printf '%s\n' 'auth required pam_permit.so' 'account required pam_permit.so' \
	"session required pam_env.so conffile=/dev/null envfile=$D/krb.env user_readenv=0" \
	"session required $LIB config=$D/carrel.conf debug" \
	"session optional pam_exec.so type=open_session log=$CCOUT /bin/sh $D/inside.sh" >/etc/pam.d/carrel-test-site-krb
t_on_exit "rm -f /etc/pam.d/carrel-test-site-krb"
rm -f "$CCOUT"
mark=$(syslog_mark)
if pt carrel-test-site-krb carreltest1 open_session close_session; then ok "$name: carreltest1 gets in"; else not_ok "$name: carreltest1 gets in" "$(cat "$OUT")" "$(syslog_since "$mark" | tail -n 6)"; fi
diag "$name: from inside: $(tr '\n' ' ' <"$CCOUT" 2>/dev/null)"
if [ "$(grep '^tmp=' "$CCOUT" 2>/dev/null)" != "tmp=$(stat -c %d:%i /tmp)" ] && grep -q '^tmp=' "$CCOUT"; then
	ok "$name: the session's /tmp is not the host's"
else
	not_ok "$name: the session's /tmp is not the host's" "$(cat "$CCOUT" 2>&1)"
fi
check_eq "$name: inside, $CC is the user's, 0600, as long as the host's" "stat=$U1 600 $(stat -c %s "$CC")" "$(grep '^stat=' "$CCOUT" 2>&1)"
check_eq "$name: the host's cache is left as it was" "carrel-t85-ticket-$$" "$(cat "$CC")"
if syslog_since "$mark" | grep -q "not copied\|cannot create\|copying it"; then not_ok "$name: no warning logged" "$(syslog_since "$mark" | grep -E 'copied|create|copying')"; else ok "$name: no warning logged"; fi
wait_until 5 no_sessions || not_ok "$name: no session left" "$(ls "$SESSIONS_DIR")"
# A symbolic link where the cache should be is not followed.
rm -f "$CC"
ln -s /etc/shadow "$CC"
rm -f "$CCOUT"
mark=$(syslog_mark)
pt carrel-test-site-krb carreltest1 open_session close_session
if grep -q '^stat=' "$CCOUT" 2>/dev/null; then
	not_ok "$name: a symbolic link is not copied" "$(cat "$CCOUT")"
else
	ok "$name: a symbolic link is not copied"
fi
rm -f "$CC"
wait_until 5 no_sessions || not_ok "$name: no session left" "$(ls "$SESSIONS_DIR")"


# --- pam_keyinit revoke at close (su -, login) -----------------------------------
# The session keyring's serial, from inside (keyctl(KEYCTL_GET_KEYRING_ID,
# KEY_SPEC_SESSION_KEYRING), x86_64 syscall 250).
KEYS=$T_WORK/out/site-keys
SOCK=$T_WORK/tmp/tmux-t85.sock
t_on_exit "tmux -S '$SOCK' kill-server 2>/dev/null; rm -f '$KEYS'"
install -d -m 0755 "$T_WORK/tmp"
keyprobe="perl -e 'printf(\"ses=%d carrel=%s\\n\", syscall(250, 0, -3, 0), \$ENV{CARREL_SESSION} // \"\")'"
# keyinit NAME PAMFILE MARK: pam_keyinit (debug) revoked the keyring in $KEYS, no error.
keyinit_clean() {
	local name=$1 ses lines
	ses=$(sed -n 's/^ses=\([0-9]*\) carrel=.\{1,\}$/\1/p' "$KEYS" 2>/dev/null)
	if [ -z "$ses" ] || [ "$ses" -le 0 ]; then
		not_ok "$name: the shell runs in a carrel with a session keyring" "$(cat "$KEYS" 2>&1)" "$(syslog_since "$3" | tail -n 6)"
		return 1
	fi
	ok "$name: the shell runs in a carrel with session keyring $ses"
	if wait_until 10 log_has "$3" "pam_keyinit\\([^)]*\\): REVOKE $ses\$"; then
		ok "$name: pam_keyinit revokes that keyring at close_session"
	else
		not_ok "$name: pam_keyinit revokes that keyring at close_session" "$(syslog_since "$3" | grep -F 'pam_keyinit(' | tail -n 6)"
	fi
	lines=$(syslog_since "$3" | grep -F 'pam_keyinit(' | grep -E 'Unable|error' || true)
	if [ -z "$lines" ]; then ok "$name: pam_keyinit logs no error at close"; else not_ok "$name: pam_keyinit logs no error at close" "$lines"; fi
}
keyinit_pam() { # PAMFILE: its pam_keyinit revoke line, with debug; false if none
	grep -Eq '^[[:space:]]*session[[:space:]]+[^#]*pam_keyinit\.so.*revoke' "$1" || return 1
	cp -a "$1" "$T_WORK/tmp/$(basename "$1").t85"
	t_on_exit "cp -a '$T_WORK/tmp/$(basename "$1").t85' '$1'"
	sed -i -E '/^[[:space:]]*session[[:space:]]+[^#]*pam_keyinit\.so/ s/$/ debug/' "$1"
}
name="su - with pam_keyinit revoke"
if keyinit_pam /etc/pam.d/su-l; then
	rm -f "$KEYS"
	mark=$(syslog_mark)
	if timeout 60 su - carreltest1 -c "$keyprobe" >"$KEYS" 2>&1 </dev/null; then ok "$name: su exits 0"; else not_ok "$name: su exits 0" "$(cat "$KEYS")"; fi
	keyinit_clean "$name" /etc/pam.d/su-l "$mark"
	wait_until 10 no_sessions || not_ok "$name: no session left" "$(ls "$SESSIONS_DIR")"
else
	skip "$name" "no pam_keyinit revoke line in /etc/pam.d/su-l"
fi
name="login with pam_keyinit revoke"
if keyinit_pam /etc/pam.d/login; then
	rm -f "$KEYS"
	mark=$(syslog_mark)
	pane() { tmux -S "$SOCK" capture-pane -p -t K 2>/dev/null; }
	prompt_shown() { pane | grep -q '\$ *$'; }
	if tmux -S "$SOCK" -f /dev/null new-session -d -s K -x 200 -y 50 "exec login -f carreltest1" </dev/null &&
		lpid=$(tmux -S "$SOCK" list-panes -t K -F '#{pane_pid}' 2>/dev/null) && [ -n "$lpid" ] &&
		wait_until 60 prompt_shown; then
		srv=$(tmux -S "$SOCK" display-message -p '#{pid}' 2>/dev/null)
		[ -n "$srv" ] && t_track_pid "$srv"
		tmux -S "$SOCK" send-keys -t K "$keyprobe >$KEYS 2>&1; exit" Enter
		if wait_until 30 pid_gone "$lpid"; then ok "$name: logout ends login"; else not_ok "$name: logout ends login" "$(pane)"; fi
		keyinit_clean "$name" /etc/pam.d/login "$mark"
		wait_until 10 no_sessions || not_ok "$name: no session left" "$(ls "$SESSIONS_DIR")"
	else
		not_ok "$name: shell prompt on the pty" "screen: $(pane)" "$(syslog_since "$mark" | tail -n 6)"
	fi
	tmux -S "$SOCK" kill-server 2>/dev/null
else
	skip "$name" "no pam_keyinit revoke line in /etc/pam.d/login"
fi

t_finish
