#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fail closed: when the carrel cannot be built, open_session fails and the
# login is refused, and the syslog line says why; on_error = allow lets the
# user in; root (exempt) is never locked out, even by a broken config.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out/failclosed
pt() { pamtester -v "$@" </dev/null >"$OUT" 2>&1; }

# log_has MARK PATTERN: the syslog since MARK matches PATTERN (extended regex).
log_has() { syslog_since "$1" | grep -E -q -- "$2"; }

# refused NAME SERVICE USER LOGPATTERN: open_session fails; the log matches.
refused() {
	local name=$1 svc=$2 user=$3 pat=$4 mark
	mark=$(syslog_mark)
	if pt "$svc" "$user" open_session close_session; then
		not_ok "$name: $user is refused" "$(cat "$OUT")"
	else
		ok "$name: $user is refused"
	fi
	# The listener writes the datagram a moment after pamtester returns.
	if wait_until 5 log_has "$mark" "$pat"; then
		ok "$name: the log says why"
	else
		not_ok "$name: the log says why (/$pat/)" "$(syslog_since "$mark")"
	fi
	wait_until 2 no_sessions || not_ok "$name: no session left" "$(ls "$SESSIONS_DIR")"
}
admitted() {
	local name=$1 svc=$2 user=$3 mark
	mark=$(syslog_mark)
	if pt "$svc" "$user" open_session close_session; then
		ok "$name: $user gets in"
	else
		not_ok "$name: $user gets in" "$(cat "$OUT")" "$(syslog_since "$mark")"
	fi
}

c666=$T_WORK/conf/mode666/carrel.conf
cbroken=$T_WORK/conf/broken/carrel.conf
refused "config mode 0666" carrel-test-mode666 carreltest1 "$c666.*(writable|permission|mode)"
admitted "config mode 0666" carrel-test-mode666 root
refused "config syntax error" carrel-test-broken carreltest1 "$cbroken(:[0-9]+)?"
admitted "config syntax error" carrel-test-broken root
refused "config with a section left open" carrel-test-unclosed carreltest1 "$T_WORK/conf/unclosed/carrel.conf"
admitted "config with a section left open" carrel-test-unclosed root

# The helper is missing (a half-installed package): deny refuses, allow admits.
mv "$T_HELPER" "$T_HELPER.away"
t_on_exit "[ -e '$T_HELPER.away' ] && mv '$T_HELPER.away' '$T_HELPER'"
refused "helper missing, on_error = deny" carrel-test carreltest1 "refusing session for carreltest1: .*(helper|exec|$T_HELPER)"
mark=$(syslog_mark)
admitted "helper missing, on_error = allow" carrel-test-allow carreltest1
if syslog_since "$mark" | grep -q "ALLOWING carreltest1 WITHOUT SANDBOX"; then
	ok "helper missing, on_error = allow: the unsandboxed login is logged"
else
	not_ok "helper missing, on_error = allow: the unsandboxed login is logged" "$(syslog_since "$mark")"
fi
admitted "helper missing" carrel-test root
mv "$T_HELPER.away" "$T_HELPER"
admitted "helper back" carrel-test carreltest1

# Real login programs with a broken config: the user is refused and the
# command never runs; root still gets in through su.
cp -p "$T_CONF" "$T_WORK/tmp/good.conf"
t_on_exit "cp -p '$T_WORK/tmp/good.conf' '$T_CONF'"
cp "$cbroken" "$T_CONF"
tok=$(new_token fcssh)
if tssh carreltest1@carrel-test "touch /home/carreltest1/$tok" </dev/null >"$OUT.ssh" 2>&1; then
	not_ok "ssh, broken config: carreltest1 is refused" "$(cat "$OUT.ssh")"
else
	ok "ssh, broken config: carreltest1 is refused"
fi
if [ -e "/home/carreltest1/$tok" ]; then
	not_ok "ssh, broken config: the command did not run"
else
	ok "ssh, broken config: the command did not run"
fi
tok=$(new_token fcsu)
if su carreltest1 -c "touch /home/carreltest1/$tok" </dev/null >"$OUT.su" 2>&1 || [ -e "/home/carreltest1/$tok" ]; then
	not_ok "su, broken config: carreltest1 is refused" "$(cat "$OUT.su")"
else
	ok "su, broken config: carreltest1 is refused"
fi
if su root -c "echo root-in" </dev/null >"$OUT.su" 2>&1 && grep -q root-in "$OUT.su"; then
	ok "su, broken config: root still gets in"
else
	not_ok "su, broken config: root still gets in" "$(cat "$OUT.su")"
fi
cp -p "$T_WORK/tmp/good.conf" "$T_CONF"

# sshd without `auth optional pam_carrel.so`: its post-auth child could not
# join the user namespace, so the module must refuse rather than half-sandbox.
svc=/etc/pam.d/sshd-carrel-test
cp -p "$svc" "$T_WORK/tmp/sshd-pam"
t_on_exit "cp -p '$T_WORK/tmp/sshd-pam' '$svc'"
sed -i '/^auth.*pam_carrel/d' "$svc"
tok=$(new_token fcnoauth)
mark=$(syslog_mark)
tssh carreltest1@carrel-test "touch /home/carreltest1/$tok" </dev/null >"$OUT.ssh" 2>&1
if [ -e "/home/carreltest1/$tok" ]; then
	not_ok "ssh, sshd stack without the auth line: the command did not run" "$(cat "$OUT.ssh")"
else
	ok "ssh, sshd stack without the auth line: the command did not run"
fi
if wait_until 5 log_has "$mark" "refusing session for carreltest1: .*auth"; then
	ok "ssh, sshd stack without the auth line: the log says why"
else
	not_ok "ssh, sshd stack without the auth line: the log says why" "$(syslog_since "$mark")"
fi
cp -p "$T_WORK/tmp/sshd-pam" "$svc"
t_finish
