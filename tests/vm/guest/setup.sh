#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Inside the VM, once per boot, after `make install`: the test users, their
# ssh key, the load generator, and sshd-carrel-test: Debian's own sshd under
# a PAM service of its own (/etc/pam.d/sshd-carrel-test = Debian's sshd file
# with pam_carrel added), started as a systemd service like sshd.service so
# that pam_systemd registers its logins with logind.
set -euxo pipefail
TREE=/root/carrel
V=/usr/local/carrel-vmtest

# pam_env logs an error at each login without it.
[ -e /etc/default/locale ] || echo 'LANG=C.UTF-8' >/etc/default/locale

for u in alice:2001 bob:2002; do
	id "${u%%:*}" >/dev/null 2>&1 || useradd -m -u "${u#*:}" -s /bin/bash "${u%%:*}"
done

install -d -m 755 $V $V/release
install -d -m 700 /root/vmtest
[ -f /root/vmtest/id_user ] || ssh-keygen -q -t ed25519 -N '' -C vmtest -f /root/vmtest/id_user
for u in alice bob; do
	install -d -m 700 -o $u -g $u /home/$u/.ssh
	install -m 600 -o $u -g $u /root/vmtest/id_user.pub /home/$u/.ssh/authorized_keys
done
gcc -O2 -Wall -o $V/vmaid $TREE/tests/vm/guest/vmaid.c
install -m 755 $TREE/tests/vm/guest/hold.sh $V/hold.sh

# The limits the tests expect (distinct from every default, so that a value
# read back proves carrel wrote it).
mkdir -p /etc/security/carrel.d
cat >/etc/security/carrel.d/50-vmtest.conf <<'CONF'
limits {
	memory_max = 64M
	memory_swap_max = 0
	pids_max = 64
	cpu_max = 50%
	cpu_weight = 123
	io_weight = 77
}
CONF
chmod 644 /etc/security/carrel.d/50-vmtest.conf

# sshd-carrel-test.
ln -sf /usr/sbin/sshd /usr/local/sbin/sshd-carrel-test
awk '{ print } /^@include common-auth/ { print "auth optional pam_carrel.so" }
     END { print "session required pam_carrel.so" }' /etc/pam.d/sshd >/etc/pam.d/sshd-carrel-test
grep -q '^auth optional pam_carrel.so' /etc/pam.d/sshd-carrel-test
cat >/etc/ssh/sshd_carrel_test_config <<'CONF'
Port 2222
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
PidFile /run/sshd-carrel-test.pid
PrintMotd no
UseDNS no
MaxStartups 50
MaxSessions 50
Subsystem sftp internal-sftp
CONF
systemctl stop sshd-carrel-test.service 2>/dev/null || true
systemd-run --unit=sshd-carrel-test --description="sshd with pam_carrel (tests)" \
	-p KillMode=process /usr/local/sbin/sshd-carrel-test -D -e -f /etc/ssh/sshd_carrel_test_config
for _ in $(seq 100); do
	ss -Hltn 'sport = :2222' | grep -q . && break
	sleep 0.1
done
ss -Hltn 'sport = :2222' | grep -q .

# The user's systemd --user manager in a carrel too, as INSTALL says: Debian
# 12 ships the systemd-user stack in /usr/lib/pam.d; a file of the same name
# in /etc/pam.d takes its place.
if [ ! -e /etc/pam.d/systemd-user ]; then
	{ cat /usr/lib/pam.d/systemd-user; echo "session required pam_carrel.so"; } >/etc/pam.d/systemd-user
fi
grep -q '^session required pam_carrel.so' /etc/pam.d/systemd-user
