#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The user's systemd --user manager (user@UID.service, PAM service
# systemd-user).  1. As Debian ships it (no pam_carrel in systemd-user):
# does `systemd-run --user` from inside a carrel run outside the carrel?
# 2. With `session required pam_carrel.so` in /etc/pam.d/systemd-user: does
# user@UID.service still start, and where do its services run?
# What the sandbox should give is asserted; where carrel does not give it
# yet, the test says so as TODO (a known gap, reported, not counted as a
# failure of the run).
. /root/carrel/tests/vm/guest/vmlib.sh

ns_of() { readlink "/proc/$1/ns/$2" 2>/dev/null; }
# The user's manager over its bus, or its private socket where there is no
# user bus (dbus-user-session not installed).
bus_of() { [ -S "/run/user/$1/bus" ] && echo "unix:path=/run/user/$1/bus" || echo "unix:path=/run/user/$1/systemd/private"; }
user_run() { # USER CMD: a command in the user's manager, from root
	local u
	u=$(id -u "$1")
	timeout 30 runuser -u "$1" -- env XDG_RUNTIME_DIR="/run/user/$u" DBUS_SESSION_BUS_ADDRESS="$(bus_of "$u")" \
		systemd-run --user --wait --pipe --quiet bash -c "$2" 2>&1
}
reset_user() { # USER: no session, no manager
	loginctl terminate-user "$1" >/dev/null 2>&1
	systemctl stop "user@$(id -u "$1").service" >/dev/null 2>&1
	wait_until 15 bash -c "! pgrep -u $1 >/dev/null"
}

cur=$(journal_cursor)
reset_user alice

# --- 1. systemd-user without pam_carrel ---------------------------------------
if ! open_session alice; then
	not_ok "alice's session comes up" "$(session_failure)"
	t_finish
fi
uid=$S_UID
if wait_until 20 systemctl is-active --quiet "user@$uid.service"; then
	ok "user@$uid.service runs beside the carrel session (Debian's systemd-user stack)"
else
	not_ok "user@$uid.service runs" "$(systemctl status "user@$uid.service" 2>&1 | tail -n 15)"
fi
# Ask, from inside the carrel, for a process of the user's manager.
out=$(ussh alice "[ -S \$XDG_RUNTIME_DIR/bus ] || export DBUS_SESSION_BUS_ADDRESS=unix:path=\$XDG_RUNTIME_DIR/systemd/private; systemd-run --user --wait --pipe --quiet bash -c 'echo net=\$(readlink /proc/self/ns/net) cg=\$(cat /proc/self/cgroup)'; echo session_net=\$(readlink /proc/self/ns/net); echo rc=\$?" 2>&1)
inner=$(printf '%s\n' "$out" | sed -n 's/^net=\([^ ]*\).*/\1/p')
sess=$(printf '%s\n' "$out" | sed -n 's/^session_net=//p')
diag "systemd-run --user from the carrel: $(echo $out)"
if [ -n "$inner" ] && [ "$inner" = "$sess" ]; then
	ok "systemd-run --user from a carrel runs inside the carrel's namespaces"
elif [ -n "$inner" ]; then
	not_ok "systemd-run --user from a carrel runs inside the carrel's namespaces # TODO escapes: the user manager is outside every carrel (net $inner vs session $sess)"
else
	# No way to reach the user bus from inside is also a containment.
	ok "systemd-run --user from a carrel cannot reach the user manager ($(echo $out | head -c 200))"
fi
close_session
wait_until 10 no_leftovers alice "$S_ID"

# --- 2. pam_carrel in systemd-user ----------------------------------------------
reset_user alice
# Debian 12 ships the stack in /usr/lib/pam.d/systemd-user; a file of the
# same name in /etc/pam.d takes its place.
restore_pam() { if [ -e /root/vmtest/systemd-user.orig ]; then cp /root/vmtest/systemd-user.orig /etc/pam.d/systemd-user; else rm -f /etc/pam.d/systemd-user; fi; }
rm -f /root/vmtest/systemd-user.orig
[ -e /etc/pam.d/systemd-user ] && cp /etc/pam.d/systemd-user /root/vmtest/systemd-user.orig
t_on_exit restore_pam
cat "$(ls /etc/pam.d/systemd-user /usr/lib/pam.d/systemd-user 2>/dev/null | head -n1)" >/root/vmtest/systemd-user.new
echo "session required pam_carrel.so" >>/root/vmtest/systemd-user.new
mv /root/vmtest/systemd-user.new /etc/pam.d/systemd-user
diag "/etc/pam.d/systemd-user: $(grep -v '^#' /etc/pam.d/systemd-user | grep . | tr '\n' ';')"
cur2=$(journal_cursor)
if ! open_session alice; then
	not_ok "with pam_carrel in systemd-user: alice's ssh session comes up" "$(session_failure)"
else
	ok "with pam_carrel in systemd-user: alice's ssh session comes up"
	wait_until 20 bash -c "systemctl is-active --quiet user@$uid.service || systemctl is-failed --quiet user@$uid.service"
	st=$(systemctl show "user@$uid.service" -p ActiveState -p SubState -p Result --value | tr '\n' ' ')
	diag "user@$uid.service: $st"
	if systemctl is-active --quiet "user@$uid.service"; then
		ok "with pam_carrel in systemd-user: user@$uid.service starts ($st)"
		mgr=$(systemctl show "user@$uid.service" -p MainPID --value)
		diag "manager pid $mgr, cgroup $(cg_of_pid "$mgr"), net $(ns_of "$mgr" net), pid_for_children $(ns_of "$mgr" pid_for_children)"
		ls /run/carrel/sessions/ | grep -v sock | while read -r s; do diag "carrel $s: $(grep -E '^(service|user|cgroup)=' /run/carrel/sessions/$s | tr '\n' ' ')"; done
		out=$(user_run alice 'echo net=$(readlink /proc/self/ns/net) pid=$(readlink /proc/self/ns/pid) cg=$(cat /proc/self/cgroup) carrel=${CARREL_SESSION-}')
		diag "systemd-run --user: $out"
		innet=$(printf '%s\n' "$out" | sed -n 's/^net=\([^ ]*\).*/\1/p')
		if [ -n "$innet" ] && [ "$innet" != "$(ns_of 1 net)" ]; then
			ok "with pam_carrel in systemd-user: a user service runs in a carrel's namespaces"
		else
			not_ok "with pam_carrel in systemd-user: a user service runs in a carrel's namespaces # TODO the user manager is not sandboxed ($out)"
		fi
	else
		not_ok "with pam_carrel in systemd-user: user@$uid.service starts # TODO it fails ($st)" \
			"$(journal_since "$cur2" | grep -E "user@$uid|systemd\[[0-9]+\]: |carrel|pam" | grep -v 'Started\|Reached\|Stopped' | tail -n 15)"
	fi
	close_session
fi
reset_user alice
restore_pam
sleep 1
if wait_until 10 no_leftovers alice "${S_ID:-none}"; then ok "nothing of alice left"; else not_ok "nothing of alice left" "$(leftovers alice "${S_ID:-none}")"; fi
check_eq "no carrel state left" "" "$(ls /run/carrel/sessions 2>/dev/null | tr '\n' ' ')"
journal_errors_since "$cur" | head -n 20 | while read -r l; do diag "journal error: $l"; done
t_finish
