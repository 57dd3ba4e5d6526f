#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Mandatory access control (issue 17), run after the session suite: the
# whole suite ran with carrel's AppArmor profiles in enforce mode (the normal
# boot) or under SELinux enforcing with carrel's module (CARREL_VM_LSM=
# selinux, the second boot).  Fails on any denial involving carrel's
# profiles or domains since boot: journal (kernel and audit transport) and,
# where auditd runs, its log.  Then the confinement itself: keeper and
# holder of a live carrel run in carrel's profiles/domains, and the profile
# denies what carrel does not need (an effect, not a label).
. /root/carrel/tests/vm/guest/vmlib.sh

# Every line of this boot that names a denial; the suite's own expected
# denials are added by the tests that cause them (none so far).
boot_log() {
	journalctl --sync 2>/dev/null
	journalctl -b -q --no-pager -o short-monotonic 2>/dev/null
	[ -r /var/log/audit/audit.log ] && cat /var/log/audit/audit.log
	dmesg 2>/dev/null
}

if [ -e /sys/fs/selinux/enforce ]; then
	. "$TREE/tests/vm/guest/t-98-selinux.sh"
	t_finish
fi

if [ ! -d /sys/kernel/security/apparmor ]; then
	not_ok "AppArmor is active in the VM's kernel"
	t_finish
fi
# 1. No DENIED line for carrel's profiles after the whole suite.
denied=$(boot_log | grep -F 'apparmor="DENIED"' | grep -E 'profile="carrel-(helper|holder)' | sort -u)
if [ -z "$denied" ]; then
	ok "AppArmor: no DENIED line for carrel-helper or carrel-holder since boot"
else
	not_ok "AppArmor: no DENIED line for carrel-helper or carrel-holder since boot" "$(printf '%s\n' "$denied" | head -n 40)"
fi
allowed=$(boot_log | grep -F 'apparmor="ALLOWED"' | grep -E 'profile="carrel-(helper|holder)' | sort -u)
[ -n "$allowed" ] && diag "complain mode: $(printf '%s\n' "$allowed" | wc -l) ALLOWED lines" && printf '%s\n' "$allowed" | sed 's/^/#   /' | head -n 200

# 2. The profiles are loaded, in enforce mode.
for p in carrel-helper carrel-holder; do
	if grep -qxF "$p (enforce)" /sys/kernel/security/apparmor/profiles; then
		ok "AppArmor: $p is loaded in enforce mode"
	else
		not_ok "AppArmor: $p is loaded in enforce mode" "$(grep carrel /sys/kernel/security/apparmor/profiles)"
	fi
done

# 3. A live carrel's keeper and holder run confined by them; it is a
# network = nat carrel (issue 13: veth, nftables, DNS relay, resolv.conf
# bind mount all done under the profiles).
printf 'network = nat\n' >/etc/security/carrel.d/98-lsm-nat.conf
t_on_exit "rm -f /etc/security/carrel.d/98-lsm-nat.conf"
cur=$(journal_cursor)
if open_session alice; then
	keeper=$(state_field "$S_ID" keeper)
	holder=$(state_field "$S_ID" holder)
	if grep -q 'ipv4=10\.' "$SESSIONS_DIR/$S_ID.net" 2>/dev/null; then
		ok "AppArmor: the carrel is a nat one ($(cat "$SESSIONS_DIR/$S_ID.net"))"
	else
		not_ok "AppArmor: the carrel is a nat one" "$(ls "$SESSIONS_DIR")" "$(session_failure)"
	fi
	check_eq "AppArmor: the keeper (pid $keeper) runs in carrel-helper" "carrel-helper (enforce)" \
		"$(cat "/proc/$keeper/attr/current" 2>&1)"
	check_eq "AppArmor: the holder (pid $holder) runs in carrel-holder" "carrel-holder (enforce)" \
		"$(cat "/proc/$holder/attr/current" 2>&1)"
	# The session itself is not confined by carrel's profiles.
	check_eq "AppArmor: the session's shell is not in a carrel profile" "unconfined" \
		"$(cat "/proc/$S_PID/attr/current" 2>&1)"
	close_session
else
	not_ok "alice's session comes up" "$(session_failure)"
fi
rm -f /etc/security/carrel.d/98-lsm-nat.conf
denied=$(journal_since "$cur" | grep -F 'apparmor="DENIED"' | grep -E 'profile="carrel-(helper|holder)')
check_eq "AppArmor: no DENIED line for carrel's profiles during the nat carrel" "" "$denied"

# 4. The effect: root in carrel-helper's profile cannot read /etc/shadow
# (carrel never needs it), nor write outside its state; unconfined root can.
if out=$(aa-exec -p carrel-helper -- cat /etc/shadow 2>&1); then
	not_ok "AppArmor: carrel-helper's profile denies reading /etc/shadow" "read it: $(printf '%s' "$out" | wc -c) bytes"
else
	check "AppArmor: carrel-helper's profile denies reading /etc/shadow ($out)" grep -q 'Permission denied' <<<"$out"
fi
readable() { cat "$1" >/dev/null; }
check "AppArmor: unconfined root reads /etc/shadow (the control)" readable /etc/shadow
if aa-exec -p carrel-helper -- touch /etc/carrel-aa-probe 2>/dev/null; then
	rm -f /etc/carrel-aa-probe
	not_ok "AppArmor: carrel-helper's profile denies creating files in /etc"
else
	ok "AppArmor: carrel-helper's profile denies creating files in /etc"
fi
t_finish
