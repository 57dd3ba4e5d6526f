# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by t-98-lsm.sh on the SELinux boot (CARREL_VM_LSM=selinux): the
# suite ran enforcing with carrel's module.  Fails on any AVC denial since
# boot whose source or target is one of carrel's domains or types, or a
# login program's domain (what joins a carrel), or a session's domain.
# Denials that an attack test expects would be listed in EXPECTED (an
# extended regex on the AVC line) next to the test that causes them: none.
EXPECTED='^$'
LOGIN_DOMAINS='carrel_|sshd_t|local_login_t|_su_t|crond_t|pam_t|user_t|staff_t|unconfined_t'

check_eq "SELinux: enforcing" Enforcing "$(getenforce)"
perm=$(seinfo --permissive 2>/dev/null | grep -v -e '^Permissive' -e '^$')
check_eq "SELinux: no permissive domain" "" "$perm"
check "SELinux: carrel's module is loaded" grep -qx carrel <<<"$(semodule -l)"

# Every denial since boot, for the record (results/avc.txt beside the TAP).
{ ausearch -m AVC,USER_AVC,SELINUX_ERR -ts boot 2>/dev/null; boot_log | grep -E 'avc: +denied'; } >/mnt/results/avc.txt 2>&1 || true
avcs=$( { ausearch -m AVC,USER_AVC -ts boot -i 2>/dev/null; boot_log | grep -E 'avc: +denied'; } |
	grep -E 'avc: +denied' | grep -E "$LOGIN_DOMAINS" | grep -vE "$EXPECTED" | sort -u)
if [ -z "$avcs" ]; then
	ok "SELinux: no AVC denial of carrel's domains, the login programs' or the sessions' since boot"
else
	not_ok "SELinux: no AVC denial of carrel's domains, the login programs' or the sessions' since boot" \
		"$(printf '%s\n' "$avcs" | head -n 60)"
fi
other=$( { ausearch -m AVC -ts boot 2>/dev/null; boot_log; } | grep -E 'avc: +denied' | grep -vE "$LOGIN_DOMAINS" | sort -u | head -n 20)
[ -n "$other" ] && diag "other denials (not carrel's):" && printf '%s\n' "$other" | sed 's/^/#   /'

if open_session alice; then
	keeper=$(state_field "$S_ID" keeper)
	holder=$(state_field "$S_ID" holder)
	dom() { cut -d: -f3 <"/proc/$1/attr/current" 2>&1 | tr -d '\0'; }
	check_eq "SELinux: the keeper (pid $keeper) runs in carrel_helper_t" carrel_helper_t "$(dom "$keeper")"
	check_eq "SELinux: the holder (pid $holder) runs in carrel_holder_t" carrel_holder_t "$(dom "$holder")"
	diag "the session's shell: $(tr -d '\0' <"/proc/$S_PID/attr/current")"
	close_session
else
	not_ok "alice's session comes up (SELinux enforcing)" "$(session_failure)"
fi
