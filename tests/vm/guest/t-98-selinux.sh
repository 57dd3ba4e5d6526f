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
# The types, matched whole in scontext= and tcontext= (user_t is not
# user_tty_device_t).
LOGIN_DOMAINS='context=[^ ]*:(carrel_[a-z_]*|sshd_t|sftpd_t|local_login_t|[a-z]*_su_t|crond_t|pam_t|user_t|staff_t|unconfined_t):'

check_eq "SELinux: enforcing" Enforcing "$(getenforce)"
# The image has no seinfo (setools): the policy store's modules, in CIL,
# say it (a typepermissive statement), every one of them read.
STORE=/var/lib/selinux/default/active/modules
nmod=0 perm=
for f in "$STORE"/*/*/cil; do
	[ -f "$f" ] || continue
	nmod=$((nmod + 1))
	p=$(bzcat -f "$f" 2>/dev/null | grep -o '(typepermissive [^)]*)')
	[ -n "$p" ] && perm+="${f#"$STORE"/}: $p"$'\n'
done
if [ "$nmod" -gt 100 ]; then
	check_eq "SELinux: no permissive domain (typepermissive in none of the store's $nmod modules)" "" "$perm"
else
	not_ok "SELinux: no permissive domain" "only $nmod modules read from $STORE"
fi
# 2>&1: semanage_t may not write the results share (nfs_t), t-98's stderr.
check "SELinux: carrel's module is loaded" grep -qx carrel <<<"$(semodule -l 2>&1)"

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
	# The holder labels the private /tmp as the host's (rootcontext=, after
	# it found selinuxfs): tmp_t, not a plain tmpfs_t.
	check_eq "SELinux: the carrel's private /tmp is tmp_t, as the host's" tmp_t \
		"$(stat -c %C "/proc/$holder/root/tmp" 2>&1 | cut -d: -f3)"
	close_session
else
	not_ok "alice's session comes up (SELinux enforcing)" "$(session_failure)"
fi

# carrel-user status and enter from a confined user domain: carol is mapped
# to the SELinux user user_u (selinux-prep.sh), so her login through the
# system's own sshd (port 22, no carrel) runs in user_t.  carrel-user runs
# in carrel_user_t and the command it enters with in user_t again (the
# exec context it restores); the command is in the carrel's namespaces.
CARREL_USER=/usr/local/libexec/carrel/carrel-user
if ! id carol >/dev/null 2>&1; then
	not_ok "SELinux: the confined test user carol exists (selinux-prep.sh)"
elif open_session carol; then
	holder=$(state_field "$S_ID" holder)
	out=$(USSH_PORT=22 ussh carol "id -Z; timeout 30 $CARREL_USER status | awk '\$1 == \"carrel-state\" { printf \" %s\", \$2 } END { print \" \" }'; timeout 30 $CARREL_USER enter $S_ID sh -c 'id -Z; readlink /proc/self/ns/mnt'; echo rc=\$?" 2>&1 </dev/null | tr -d '\r')
	dom=$(printf '%s\n' "$out" | sed -n 1p | cut -d: -f3)
	check_eq "SELinux: carol's login through the system's sshd runs in user_t" user_t "$dom"
	# Every carrel of carol's is listed: her user manager's (user@2003,
	# PAM service systemd-user) as well as this session's.
	case $(printf '%s\n' "$out" | sed -n 2p) in
	*" $S_ID "*) ok "SELinux: carrel-user status from user_t lists carol's carrel $S_ID" ;;
	*) not_ok "SELinux: carrel-user status from user_t lists carol's carrel $S_ID" "$out" ;;
	esac
	want="$(printf '%s\n' "$out" | sed -n 1p) $(readlink "/proc/$holder/ns/mnt") rc=0"
	check_eq "SELinux: carrel-user enter from user_t: the command runs in user_t, in the carrel's mount namespace" \
		"$want" "$(printf '%s\n' "$out" | sed -n '3,5p' | tr '\n' ' ' | sed 's/ $//')"
	close_session
else
	not_ok "carol's session comes up (SELinux enforcing, user_u)" "$(session_failure)"
fi
