#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A site's directory and realm: users and groups from LDAP (a real slapd,
# nslcd and libnss-ldapd), passwords from Kerberos (a real MIT KDC and
# pam_krb5), carrel in the test sshd's stack.
#
# LDAP: lara and leo live in the directory only, with the group labstaff
# (lara); a carrel.d file has a section for labstaff.  lara logs in over ssh
# in a carrel with the section's limit.  Then the group is deleted from the
# directory while the config still names it (the section matches nobody,
# check-config warns, every login works), then slapd is stopped, then nslcd:
# a local user whose group only the directory names is refused, with the
# gid and the reason in the journal (fail closed).  alice (local) is a
# member of the directory group labgpu only through the directory: with the
# directory up her login gets labgpu's section; with slapd or nslcd down
# getgrouplist drops the group silently, and the module, which confirms each
# section's group the local group file does not know by the group's own
# entry, refuses her (fail closed, on_error = deny) naming the section and
# the reason, instead of letting her in without the section's limits.
#
# Kerberos: a realm of the test's own (CARREL.TEST, KDC on 127.0.0.1), bob
# with a principal and no local password, a second test sshd (port 2223,
# passwords) whose PAM stack tries pam_krb5 first: bob logs in with his
# Kerberos password, in a carrel.  Whether the ticket is usable inside
# (klist; keyctl for KEYRING caches) is recorded the same way.
#
# Everything changed is put back: nsswitch.conf, krb5.conf, kdc.conf, the
# directory's entries, the realm, the PAM files and services of the test.
. /root/carrel/tests/vm/guest/sitelib.sh

W=/root/vmtest/t75
rm -rf "$W"
mkdir -p "$W"
BASE=dc=carrel,dc=test
ADMIN=(-x -H ldap://127.0.0.1/ -D "cn=admin,$BASE" -w vmtest-ldap)
CONF=/etc/security/carrel.d/60-t75.conf

# --- LDAP ------------------------------------------------------------------------
cp -p /etc/nsswitch.conf "$W/nsswitch.conf"
cleanup_ldap() {
	rm -f "$CONF"
	cp -p "$W/nsswitch.conf" /etc/nsswitch.conf
	systemctl stop nslcd.service slapd.service
	rm -rf /home/lara /home/leo
	if getent passwd lfile >/dev/null; then userdel -r lfile >/dev/null 2>&1; fi
}
t_on_exit cleanup_ldap

systemctl start slapd.service >"$W/slapd.log" 2>&1
ldap_up() { ldapsearch "${ADMIN[@]}" -b "$BASE" -s base dn >/dev/null 2>&1; }
if slow_until 30 ldap_up; then ok "slapd answers for $BASE (the image's preseeded directory)"; else not_ok "slapd answers for $BASE" "$(cat "$W/slapd.log")" "$(journalctl -q --no-pager -u slapd -n 10)"; fi
# The test's entries (deleted first, should an earlier run have left them).
for dn in cn=labgpu,ou=groups cn=labstaff,ou=groups cn=lara,ou=groups cn=leo,ou=groups uid=lara,ou=people uid=leo,ou=people ou=groups ou=people; do
	ldapdelete "${ADMIN[@]}" "$dn,$BASE" >/dev/null 2>&1
done
person() { # NAME UID
	printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: %s\ncn: %s\nsn: %s\nuidNumber: %s\ngidNumber: %s\nhomeDirectory: /home/%s\nloginShell: /bin/bash\n\n' \
		"$1" "$BASE" "$1" "$1" "$1" "$2" "$2" "$1"
	printf 'dn: cn=%s,ou=groups,%s\nobjectClass: posixGroup\ncn: %s\ngidNumber: %s\n\n' "$1" "$BASE" "$1" "$2"
}
labstaff() { printf 'dn: cn=labstaff,ou=groups,%s\nobjectClass: posixGroup\ncn: labstaff\ngidNumber: 3100\nmemberUid: lara\n\n' "$BASE"; }
labgpu() { printf 'dn: cn=labgpu,ou=groups,%s\nobjectClass: posixGroup\ncn: labgpu\ngidNumber: 3200\nmemberUid: alice\n\n' "$BASE"; }
{
	printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$BASE"
	printf 'dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n' "$BASE"
	person lara 3001
	person leo 3002
	labstaff
	labgpu
} >"$W/entries.ldif"
if ldapadd "${ADMIN[@]}" -f "$W/entries.ldif" >"$W/ldapadd.log" 2>&1; then ok "ldapadd: lara, leo, their groups, labstaff, labgpu (alice)"; else not_ok "ldapadd" "$(cat "$W/ldapadd.log")"; fi

sed -i -E 's/^(passwd|group):(.*)$/\1:\2 ldap/' /etc/nsswitch.conf
systemctl start nslcd.service >"$W/nslcd.log" 2>&1
nss_sees() { [ "$(getent passwd lara | cut -d: -f3)" = 3001 ] && getent group labstaff | grep -q ':3100:lara$'; }
if slow_until 30 nss_sees; then
	ok "nslcd: getent sees lara (3001) and labstaff (3100, lara)"
else
	not_ok "nslcd: getent sees lara and labstaff" "passwd: $(getent passwd lara)" "group: $(getent group labstaff)" "$(journalctl -q --no-pager -u nslcd -n 10)"
fi
check_eq "id lara: her groups from the directory" "uid=3001(lara) gid=3001(lara) groups=3001(lara),3100(labstaff)" "$(id lara 2>&1)"
for u in lara:3001 leo:3002; do
	h=/home/${u%%:*}
	install -d -m 755 -o "${u#*:}" -g "${u#*:}" "$h" "$h/.ssh"
	chmod 700 "$h/.ssh"
	install -m 600 -o "${u#*:}" -g "${u#*:}" /root/vmtest/id_user.pub "$h/.ssh/authorized_keys"
done

useradd -M -d /home/lfile -s /bin/bash -u 3050 -g 3100 lfile 2>"$W/useradd.log" || not_ok "useradd lfile (gid 3100 from the directory)" "$(cat "$W/useradd.log")"
install -d -m 755 -o 3050 -g 3100 /home/lfile /home/lfile/.ssh
chmod 700 /home/lfile/.ssh
install -m 600 -o 3050 -g 3100 /root/vmtest/id_user.pub /home/lfile/.ssh/authorized_keys
SSH_PORT=2222 expect_login "ldap" ssh lfile carrel

# The config names the directory's group; its limit is distinct from every
# other (50-vmtest.conf has pids_max = 64).
cat >"$CONF" <<'EOF'
group "labstaff" {
	limits {
		pids_max = 77
	}
}
group "labgpu" {
	limits {
		pids_max = 78
	}
}
EOF
chmod 644 "$CONF"
if carrelctl check-config >"$W/check-config.out" 2>&1; then ok "carrelctl check-config accepts the section for labstaff"; else not_ok "carrelctl check-config accepts the section for labstaff" "$(cat "$W/check-config.out")"; fi

name="ldap"
if USSH_PORT=2222 open_session lara; then
	ok "$name: lara (from LDAP) logs in over ssh, in a carrel ($S_ID)"
	check_eq "$name: the labstaff section's limit is on lara's slice (TasksMax)" 77 \
		"$(systemctl show "user-3001.slice" -p TasksMax --value 2>&1)"
	close_session
else
	not_ok "$name: lara (from LDAP) logs in over ssh, in a carrel" "$(session_failure)"
fi
SSH_PORT=2222 expect_login "$name" ssh leo carrel
UID_ALICE=$(id -u alice)
if USSH_PORT=2222 open_session alice; then
	ok "$name: alice (local, in the directory's labgpu) logs in over ssh, in a carrel ($S_ID)"
	check_eq "$name: the labgpu section's limit is on alice's slice (TasksMax)" 78 \
		"$(systemctl show "user-$UID_ALICE.slice" -p TasksMax --value 2>&1)"
	close_session
else
	not_ok "$name: alice (local, in the directory's labgpu) logs in over ssh, in a carrel" "$(session_failure)"
fi

# A group the config names is deleted from the directory.
name="group deleted"
ldapdelete "${ADMIN[@]}" "cn=labstaff,ou=groups,$BASE" >"$W/delete.log" 2>&1
gone_group() { [ -z "$(getent group labstaff)" ]; }
if slow_until 20 gone_group; then ok "$name: getent no longer knows labstaff"; else not_ok "$name: getent no longer knows labstaff" "$(getent group labstaff)"; fi
carrelctl check-config >"$W/check-config2.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'group section "labstaff": no such group: it matches nobody' "$W/check-config2.out"; then
	ok "$name: carrelctl check-config accepts the file and warns that the labstaff section matches nobody"
else
	not_ok "$name: carrelctl check-config accepts the file and warns that the labstaff section matches nobody" "exit $rc" "$(head -c 600 "$W/check-config2.out")"
fi
# refused USER WHO WHAT PATTERN: USER's login is refused (fail closed), and
# the journal names WHAT the reason is about (a line matching PATTERN).
refused() {
	local tok cur
	tok=$(new_token)
	cur=$(journal_cursor)
	SSH_PORT=2222 login_once ssh "$1" "$tok" "$SITE_W/$tok.out"
	if has "$SITE_W/$tok.out" "ready=$tok"; then
		not_ok "$name: $1 ($2) is refused (fail closed)" "carrel=$(kv "$SITE_W/$tok.out" carrel)" \
			"$(tr -d '\r' <"$SITE_W/$tok.out" | grep -v '^$' | tail -n 3)" \
			"TasksMax $(systemctl show "user-$(id -u "$1").slice" -p TasksMax --value 2>&1)"
	else
		ok "$name: $1 ($2) is refused (fail closed)"
	fi
	if journal_since "$cur" | grep -E "pam_carrel.*$4" >/dev/null; then
		ok "$name: the journal names $1, $3 and the reason"
	else
		not_ok "$name: the journal names $1, $3 and the reason" "$(journal_since "$cur" | grep -E 'pam_carrel|sshd' | tail -n 4)"
	fi
}
# refused_section USER: a section's group cannot be confirmed (the
# directory is down): refused, not let in without the section.
refused_section() {
	refused "$1" "in the directory's labgpu" "the section's group" \
		"user \"$1\": group section \"(labstaff|labgpu)\": the user database failed"
}
# record KIND USER: a login that must work, in a carrel.
record() {
	local tok out
	tok=$(new_token)
	out=$SITE_W/$tok.out
	SSH_PORT=2222 login_once ssh "$2" "$tok" "$out"
	if has "$out" "ready=$tok" && [ -n "$(kv "$out" carrel)" ]; then
		ok "$name: ssh login of $2 works, in a carrel"
	else
		not_ok "$name: ssh login of $2 works, in a carrel" \
			"$(tr -d '\r' <"$out" | grep -v '^$' | tail -n 3)" \
			"$(journalctl -q --no-pager -n 100 2>/dev/null | grep -E 'pam_carrel|carrel-helper' | tail -n 2)"
	fi
}
record ssh alice
record ssh leo
record ssh lara
labstaff | ldapadd "${ADMIN[@]}" >>"$W/ldapadd.log" 2>&1
slow_until 20 nss_sees

# The directory is unreachable (slapd stopped, nslcd still running).
name="slapd stopped"
systemctl stop slapd.service
diag "$name: getent passwd lara: '$(timeout 30 getent passwd lara)' (exit $?); getent group labstaff: '$(timeout 30 getent group labstaff)'"
diag "$name: id alice: $(timeout 30 id alice 2>&1)"
refused_section alice
# lfile: a local user (files) whose primary group only the directory names:
# with slapd down its groups cannot be named, so its login fails closed,
# with the gid and the reason in the journal.
refused lfile "a local user in a directory group" "its group 3100" 'user "lfile": group 3100: the user database failed'
tok=$(new_token)
SSH_PORT=2222 login_once ssh lara "$tok" "$SITE_W/$tok.out"
if has "$SITE_W/$tok.out" "ready=$tok"; then
	diag "$name: lara (LDAP) logged in: carrel='$(kv "$SITE_W/$tok.out" carrel)'"
else
	diag "$name: lara (LDAP) cannot log in: $(tr -d '\r' <"$SITE_W/$tok.out" | grep -v '^$' | tail -n 2 | tr '\n' ' ')"
	diag "$name: journal: $(journalctl -q --no-pager -n 100 2>/dev/null | grep -E 'sshd-carrel-test|pam_carrel|carrel-helper' | tail -n 3 | tr '\n' ' ')"
fi
# nslcd stopped too: glibc's ldap module cannot reach its daemon.
name="nslcd stopped"
systemctl stop nslcd.service
diag "$name: getent group labstaff: '$(timeout 30 getent group labstaff)' (exit $?)"
refused_section alice
# Without a section naming a directory group, the directory's outage does
# not concern alice: she gets in.
mv "$CONF" "$W/60-t75.conf.off"
record ssh alice
mv "$W/60-t75.conf.off" "$CONF"
cleanup_ldap

# --- The emergency switch and the break-glass group (pam_carrel(8)) --------------
# alert_since CURSOR PATTERN: a line at priority alert since CURSOR matches.
# Read from the records' PRIORITY field (1 = alert): `journalctl -p alert`
# missed these lines in this guest although they are there.
alert_since() {
	journalctl --sync 2>/dev/null
	journalctl -q --no-pager -o json --after-cursor="$1" 2>/dev/null | grep -F '"PRIORITY":"1"' | grep -qE -- "$2"
}
# What priority the matching lines have (for the diagnostic).
prio_since() { journalctl -q --no-pager -o json --after-cursor="$1" 2>/dev/null | grep -E -- "$2" | grep -oE '"PRIORITY":"[0-9]"' | head -n 3; }
name="emergency switch"
SW=/etc/security/carrel.disable
t_on_exit "rm -f $SW"
touch "$SW"
cur=$(journal_cursor)
SSH_PORT=2222 expect_login "$name" ssh alice plain
if alert_since "$cur" "ALLOWING alice WITHOUT SANDBOX: emergency switch $SW is on"; then ok "$name: logged at LOG_ALERT"; else not_ok "$name: logged at LOG_ALERT" "$(journal_since "$cur" | grep pam_carrel | tail -n 3; prio_since "$cur" "emergency switch")"; fi
out=$(carrelctl check-config 2>&1)
if [[ $out == *"EMERGENCY SWITCH ON: $SW exists"* ]]; then ok "$name: carrelctl check-config says it is on"; else not_ok "$name: carrelctl check-config says it is on" "$out"; fi
rm -f "$SW"
SSH_PORT=2222 expect_login "$name: removed" ssh alice carrel

name="broken config"
BROKEN=/etc/security/carrel.d/61-t75-broken.conf
t_on_exit "rm -f $BROKEN; getent group carrel-breakglass >/dev/null && [ -e $W/made-bg ] && groupdel carrel-breakglass"
echo 'limits { memory_max = = 1G }' >"$BROKEN"
chmod 644 "$BROKEN"
tok=$(new_token)
SSH_PORT=2222 login_once ssh alice "$tok" "$SITE_W/$tok.out"
if has "$SITE_W/$tok.out" "ready=$tok"; then not_ok "$name: alice is refused" "$(kv "$SITE_W/$tok.out" carrel)"; else ok "$name: alice is refused"; fi
if ! getent group carrel-breakglass >/dev/null; then groupadd --system carrel-breakglass && : >"$W/made-bg"; fi
gpasswd -a alice carrel-breakglass >/dev/null
cur=$(journal_cursor)
SSH_PORT=2222 expect_login "$name: alice in carrel-breakglass" ssh alice plain
if alert_since "$cur" "ALLOWING alice WITHOUT SANDBOX: break-glass group carrel-breakglass, config error"; then ok "$name: the break-glass login is logged at LOG_ALERT"; else not_ok "$name: the break-glass login is logged at LOG_ALERT" "$(journal_since "$cur" | grep pam_carrel | tail -n 3; prio_since "$cur" "break-glass group")"; fi
gpasswd -d alice carrel-breakglass >/dev/null
if [ -e "$W/made-bg" ]; then groupdel carrel-breakglass; rm -f "$W/made-bg"; fi
rm -f "$BROKEN"

# --- Kerberos ------------------------------------------------------------------------
REALM=CARREL.TEST
KPW=bob-Krb5-pw
for f in /etc/krb5.conf /etc/krb5kdc/kdc.conf; do
	if [ -e "$f" ]; then cp -p "$f" "$W/$(basename "$f")"; fi
done
cleanup_krb5() {
	systemctl stop sshd-carrel-krb5.service krb5-kdc.service
	kdb5_util -r "$REALM" destroy -f >/dev/null 2>&1
	rm -f /etc/krb5kdc/stash /etc/pam.d/sshd-carrel-krb5 /usr/local/sbin/sshd-carrel-krb5 /etc/ssh/sshd_carrel_krb5_config
	rm -f /etc/security/carrel.d/62-t75-krb.conf /usr/local/carrel-vmtest/t75-gss.sh
	if [ -e "$W/made-keytab" ]; then rm -f /etc/krb5.keytab "$W/made-keytab"; fi
	for f in krb5.conf kdc.conf; do
		[ -e "$W/$f" ] && cp -p "$W/$f" "$([ $f = kdc.conf ] && echo /etc/krb5kdc || echo /etc)/$f"
	done
	rm -f /tmp/krb5cc_2002_*
}
t_on_exit cleanup_krb5
cat >/etc/krb5.conf <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
[realms]
	$REALM = {
		kdc = 127.0.0.1
		admin_server = 127.0.0.1
	}
EOF
mkdir -p /etc/krb5kdc
cat >/etc/krb5kdc/kdc.conf <<EOF
[kdcdefaults]
	kdc_ports = 88
[realms]
	$REALM = {
		database_name = /var/lib/krb5kdc/principal
		key_stash_file = /etc/krb5kdc/stash
		acl_file = /etc/krb5kdc/kadm5.acl
	}
EOF
kdb5_util -r "$REALM" destroy -f >/dev/null 2>&1
if timeout 120 kdb5_util -r "$REALM" create -s -P t75-master-pw >"$W/kdb.log" 2>&1 &&
	timeout 60 kadmin.local -r "$REALM" -q "addprinc -pw $KPW bob" >>"$W/kdb.log" 2>&1 &&
	systemctl start krb5-kdc.service >>"$W/kdb.log" 2>&1; then
	ok "kerberos: realm $REALM created, principal bob, krb5-kdc started"
else
	not_ok "kerberos: realm $REALM created, principal bob, krb5-kdc started" "$(tail -n 10 "$W/kdb.log")"
fi
kinit_ok() { echo "$KPW" | KRB5CCNAME=FILE:$W/cc timeout 20 kinit bob >/dev/null 2>&1; }
if slow_until 20 kinit_ok; then ok "kerberos: kinit bob on the host gets a ticket"; else not_ok "kerberos: kinit bob on the host gets a ticket" "$(echo "$KPW" | KRB5CCNAME=FILE:$W/cc kinit bob 2>&1)"; fi
rm -f "$W/cc"

# sshd-carrel-krb5: sshd-carrel-test's stack with pam_krb5 tried first for
# passwords (bob has no local password: only Kerberos can let him in).
ln -sf /usr/sbin/sshd /usr/local/sbin/sshd-carrel-krb5
awk '/^@include common-auth/ {
		print "auth [success=2 default=ignore] pam_krb5.so minimum_uid=1000"
		print "auth [success=1 default=ignore] pam_unix.so nullok try_first_pass"
		print "auth requisite pam_deny.so"
		print "auth required pam_permit.so"
		next
	}
	/^session required pam_carrel.so/ { print "session optional pam_krb5.so minimum_uid=1000" }
	{ print }' /etc/pam.d/sshd-carrel-test >/etc/pam.d/sshd-carrel-krb5
diag "kerberos: /etc/pam.d/sshd-carrel-krb5: $(grep -Ev '^[[:space:]]*(#|$)' /etc/pam.d/sshd-carrel-krb5 | tr '\n' ';')"
sed -e 's/^Port .*/Port 2223/' -e 's/^PasswordAuthentication .*/PasswordAuthentication yes/' \
	-e 's/^KbdInteractiveAuthentication .*/KbdInteractiveAuthentication yes/' \
	-e 's/^PubkeyAuthentication .*/PubkeyAuthentication no/' \
	-e 's|^PidFile .*|PidFile /run/sshd-carrel-krb5.pid|' /etc/ssh/sshd_carrel_test_config >/etc/ssh/sshd_carrel_krb5_config
# GSSAPI too, for the kerberized service used from inside a carrel (below):
# the host principal host/localhost in /etc/krb5.keytab.
printf 'GSSAPIAuthentication yes\nGSSAPIStrictAcceptorCheck no\n' >>/etc/ssh/sshd_carrel_krb5_config
if [ ! -e /etc/krb5.keytab ]; then
	: >"$W/made-keytab"
	timeout 60 kadmin.local -r "$REALM" -q "addprinc -randkey host/localhost" >>"$W/kdb.log" 2>&1
	timeout 60 kadmin.local -r "$REALM" -q "ktadd -k /etc/krb5.keytab host/localhost" >>"$W/kdb.log" 2>&1
fi
systemd-run --unit=sshd-carrel-krb5 --description="sshd with pam_krb5 and pam_carrel (tests)" \
	-p KillMode=process /usr/local/sbin/sshd-carrel-krb5 -D -e -f /etc/ssh/sshd_carrel_krb5_config >/dev/null 2>&1
listening() { ss -Hltn 'sport = :2223' | grep -q .; }
wait_until 20 listening
printf '#!/bin/sh\necho %s\n' "$KPW" >"$W/askpass"
chmod 700 "$W/askpass"
name="kerberos"
cat >"$W/inside.sh" <<'EOF'
echo "carrel=${CARREL_SESSION-}"
echo "krb5ccname=${KRB5CCNAME-}"
echo "net=$(readlink /proc/self/ns/net)"
klist >/dev/null 2>&1; echo "klist_rc=$?"
klist 2>&1 | head -n 3 | sed 's/^/klist: /'
k=$(keyctl add user carrel-t75 v @u 2>&1); echo "keyctl_rc=$?"
echo "keyctl: keyctl add user carrel-t75 v @u: $k"
echo "keyctl: $(grep '^Seccomp:' /proc/self/status)"
echo "ready=krb"
EOF
chmod 644 "$W/inside.sh"
cp "$W/inside.sh" /usr/local/carrel-vmtest/t75-inside.sh
t_on_exit "rm -f /usr/local/carrel-vmtest/t75-inside.sh"
out=$W/krb.out
SSH_ASKPASS=$W/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 90 setsid -w ssh -p 2223 \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 \
	-o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive -o NumberOfPasswordPrompts=1 \
	bob@127.0.0.1 "bash /usr/local/carrel-vmtest/t75-inside.sh" >"$out" 2>&1 </dev/null
if has "$out" "ready=krb" && [ -n "$(kv "$out" carrel)" ] && [ "$(kv "$out" net)" != "$HOST_NET" ]; then
	ok "$name: bob logs in over ssh with his Kerberos password, in a carrel ($(kv "$out" carrel))"
	diag "$name: KRB5CCNAME=$(kv "$out" krb5ccname); on the host: $(ls /tmp/krb5cc_2002_* 2>/dev/null | tr '\n' ' ')"
	if [ "$(kv "$out" klist_rc)" = 0 ]; then
		ok "$name: klist inside the carrel sees bob's ticket"
	else
		not_ok "$name: klist inside the carrel sees bob's ticket" "$(grep '^klist: ' "$out")"
	fi
	if [ "$(kv "$out" keyctl_rc)" = 0 ]; then
		ok "$name: keyctl works inside the carrel (a key added to the user keyring)"
	else
		not_ok "$name: keyctl works inside the carrel (a key added to the user keyring)" "$(grep '^keyctl: ' "$out")"
	fi
else
	not_ok "$name: bob logs in over ssh with his Kerberos password, in a carrel" "$(tr -d '\r' <"$out" | grep -v '^$' | tail -n 8)" \
		"$(journalctl -q --no-pager -n 200 2>/dev/null | grep -E 'sshd-carrel-krb5|pam_krb5|pam_carrel|carrel-helper|krb5kdc' | tail -n 6)"
fi

# A kerberized service used from inside a carrel: bob, logged in with his
# Kerberos password, asks the KDC for a service ticket (kvno) and logs in
# with it to the GSSAPI sshd (ssh -o GSSAPIAuthentication=yes, no password,
# no key).  With network = host the KDC and the service on 127.0.0.1 are
# reachable.  With the default (network = none: loopback only) they are
# not, and kvno fails: the carrel's network is the carrel's.  network = nat
# refuses the host's own addresses and loopback services by design
# (carrel.conf(5)): a KDC and services elsewhere are reached through the
# masquerade as any outside host; a KDC on the login host itself is not.
cat >/usr/local/carrel-vmtest/t75-gss.sh <<'EOF'
echo "carrel=${CARREL_SESSION-}"
echo "net=$(readlink /proc/self/ns/net)"
kvno host/localhost >/dev/null 2>&1; echo "kvno_rc=$?"
kvno host/localhost 2>&1 | head -n 2 | sed 's/^/kvno: /'
g=$(timeout 60 ssh -p 2223 -o GSSAPIAuthentication=yes -o GSSAPIDelegateCredentials=no \
	-o PreferredAuthentications=gssapi-with-mic -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 bob@localhost \
	'echo "inner=$CARREL_SESSION"' 2>&1 </dev/null)
echo "gss_rc=$?"
echo "$g" | sed 's/^/gss: /'
echo "ready=gss"
EOF
chmod 644 /usr/local/carrel-vmtest/t75-gss.sh
bob_gss() { # OUT: bob logs in with his password and runs t75-gss.sh
	SSH_ASKPASS=$W/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 150 setsid -w ssh -p 2223 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 \
		-o PubkeyAuthentication=no -o GSSAPIAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
		-o NumberOfPasswordPrompts=1 bob@127.0.0.1 "bash /usr/local/carrel-vmtest/t75-gss.sh" >"$1" 2>&1 </dev/null
}
name="kerberized service, network = none"
out=$W/gss-none.out
bob_gss "$out"
if has "$out" "ready=gss" && [ -n "$(kv "$out" carrel)" ]; then
	if [ "$(kv "$out" kvno_rc)" != 0 ]; then
		ok "$name: kvno from inside cannot reach the host's KDC (loopback only)"
	else
		not_ok "$name: kvno from inside cannot reach the host's KDC (loopback only)" "$(grep '^kvno: ' "$out")"
	fi
else
	not_ok "$name: bob logs in, in a carrel" "$(tr -d '\r' <"$out" | grep -v '^$' | tail -n 6)"
fi
printf 'user "bob" {\n\tnetwork = host\n}\n' >/etc/security/carrel.d/62-t75-krb.conf
chmod 644 /etc/security/carrel.d/62-t75-krb.conf
name="kerberized service, network = host"
out=$W/gss-host.out
bob_gss "$out"
if has "$out" "ready=gss" && [ -n "$(kv "$out" carrel)" ]; then
	ok "$name: bob logs in with his Kerberos password, in a carrel ($(kv "$out" carrel))"
	if [ "$(kv "$out" kvno_rc)" = 0 ]; then
		ok "$name: kvno host/localhost from inside gets a service ticket with bob's ticket"
	else
		not_ok "$name: kvno host/localhost from inside gets a service ticket with bob's ticket" "$(grep '^kvno: ' "$out")"
	fi
	inner=$(sed -n 's/^gss: inner=//p' "$out" | tr -d '\r')
	if [ "$(kv "$out" gss_rc)" = 0 ] && [ -n "$inner" ] && [ "$inner" != "$(kv "$out" carrel)" ]; then
		ok "$name: ssh with GSSAPI from inside logs bob in to the kerberized sshd, in a carrel of its own ($inner)"
	else
		not_ok "$name: ssh with GSSAPI from inside logs bob in to the kerberized sshd" "$(grep -E '^(gss|gss_rc)' "$out" | head -n 6)" \
			"$(journalctl -q --no-pager -n 200 2>/dev/null | grep -E 'sshd-carrel-krb5|krb5kdc' | tail -n 4)"
	fi
else
	not_ok "$name: bob logs in, in a carrel" "$(tr -d '\r' <"$out" | grep -v '^$' | tail -n 6)"
fi

# network = nat: the login host's own KDC and services are refused by
# design, so the realm's KDC and a kerberized sshd run where nat allows: in
# an outside network namespace of the guest (t75out, 10.231.0.2 behind a
# veth pair), as on another machine.  krb5.conf names that KDC; bob logs in
# with his password (pam_krb5 on the guest reaches it), and from his nat
# carrel kvno and ssh with GSSAPI reach the outside KDC and sshd through
# the masquerade.  The outside sshd's stack has no carrel (another machine).
name="kerberized service, network = nat"
OUTNS=t75out
cleanup_outside() {
	if [ -s "$W/out-kdc.pid" ]; then kill "$(cat "$W/out-kdc.pid")" 2>/dev/null; fi
	if [ -s /run/sshd-t75out.pid ]; then kill "$(cat /run/sshd-t75out.pid)" 2>/dev/null; fi
	rm -f "$W/out-kdc.pid" /run/sshd-t75out.pid /etc/pam.d/sshd-t75out /usr/local/sbin/sshd-t75out
	ip link del t75o0 2>/dev/null
	ip netns del "$OUTNS" 2>/dev/null
}
t_on_exit cleanup_outside
systemctl stop krb5-kdc.service
if ip netns add "$OUTNS" && ip link add t75o0 type veth peer name t75o1 netns "$OUTNS" &&
	ip addr add 10.231.0.1/24 dev t75o0 && ip link set t75o0 up &&
	ip -n "$OUTNS" addr add 10.231.0.2/24 dev t75o1 && ip -n "$OUTNS" link set t75o1 up &&
	ip -n "$OUTNS" link set lo up; then
	ok "$name: an outside network namespace at 10.231.0.2"
else
	not_ok "$name: an outside network namespace at 10.231.0.2" "$(ip -br addr 2>&1)"
fi
sed -i 's/kdc = 127.0.0.1/kdc = 10.231.0.2/' /etc/krb5.conf
timeout 60 kadmin.local -r "$REALM" -q "addprinc -randkey host/10.231.0.2" >>"$W/kdb.log" 2>&1
timeout 60 kadmin.local -r "$REALM" -q "ktadd -k /etc/krb5.keytab host/10.231.0.2" >>"$W/kdb.log" 2>&1
ip netns exec "$OUTNS" /usr/sbin/krb5kdc -n -r "$REALM" >"$W/out-kdc.log" 2>&1 &
echo $! >"$W/out-kdc.pid"
ln -sf /usr/sbin/sshd /usr/local/sbin/sshd-t75out
printf '%s\n' 'auth required pam_deny.so' 'account required pam_unix.so' 'session required pam_permit.so' >/etc/pam.d/sshd-t75out
sed -e 's/^Port .*/Port 2224/' -e 's/^ListenAddress .*/ListenAddress 10.231.0.2/' \
	-e 's|^PidFile .*|PidFile /run/sshd-t75out.pid|' /etc/ssh/sshd_carrel_krb5_config >"$W/sshd-t75out.config"
ip netns exec "$OUTNS" /usr/local/sbin/sshd-t75out -f "$W/sshd-t75out.config" >"$W/sshd-t75out.log" 2>&1
kinit_out() { echo "$KPW" | KRB5CCNAME=FILE:$W/cc2 timeout 20 kinit bob >/dev/null 2>&1; }
if slow_until 20 kinit_out; then ok "$name: kinit bob on the guest reaches the outside KDC"; else not_ok "$name: kinit bob on the guest reaches the outside KDC" "$(cat "$W/out-kdc.log")"; fi
rm -f "$W/cc2"
sed -i -e 's/bob@localhost/bob@10.231.0.2/' -e 's/-p 2223 -o GSSAPI/-p 2224 -o GSSAPI/' \
	-e 's|host/localhost|host/10.231.0.2|g' -e "s/'echo \"inner=\$CARREL_SESSION\"'/'echo inner=outside'/" \
	/usr/local/carrel-vmtest/t75-gss.sh
printf 'user "bob" {\n\tnetwork = nat\n}\n' >/etc/security/carrel.d/62-t75-krb.conf
out=$W/gss-nat.out
bob_gss "$out"
if has "$out" "ready=gss" && [ -n "$(kv "$out" carrel)" ] && [ "$(kv "$out" net)" != "$HOST_NET" ]; then
	ok "$name: bob logs in with his Kerberos password, in a carrel with a network of its own ($(kv "$out" carrel))"
	if [ "$(kv "$out" kvno_rc)" = 0 ]; then
		ok "$name: kvno host/10.231.0.2 from inside reaches the outside KDC through nat"
	else
		not_ok "$name: kvno host/10.231.0.2 from inside reaches the outside KDC through nat" "$(grep '^kvno: ' "$out")"
	fi
	if [ "$(kv "$out" gss_rc)" = 0 ] && grep -q '^gss: inner=outside' "$out"; then
		ok "$name: ssh with GSSAPI from inside logs bob in to the outside kerberized sshd"
	else
		not_ok "$name: ssh with GSSAPI from inside logs bob in to the outside kerberized sshd" "$(grep -E '^(gss|gss_rc)' "$out" | head -n 6)" \
			"$(tail -n 5 "$W/sshd-t75out.log")"
	fi
else
	not_ok "$name: bob logs in, in a carrel with a network of its own" "$(tr -d '\r' <"$out" | grep -v '^$' | tail -n 6)" \
		"$(journalctl -q --no-pager -n 200 2>/dev/null | grep -E 'pam_carrel|carrel-helper|pam_krb5' | tail -n 4)"
fi
cleanup_outside
cleanup_krb5

t_finish
