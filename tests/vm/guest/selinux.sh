# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by lsm.sh for CARREL_VM_LSM=selinux, on the second boot (after
# selinux-prep.sh), after `make install` and setup.sh: SELinux enforcing
# with carrel's module, what make install and setup.sh wrote labelled
# (install(1) and cp do not label: README's "Load" step), auditd running.
# enforcing=0 on the kernel's command line (CARREL_VM_SELINUX_ARGS, by hand
# only, to collect every denial of a change in one run): permissive, and
# t-98-lsm fails on it.
if ! grep -qw 'enforcing=0' /proc/cmdline; then
	[ "$(getenforce)" = Enforcing ] || { echo "SELinux is $(getenforce), not Enforcing"; exit 1; }
fi
# The programs of the SELinux tools run in their own domains (semanage_t,
# setfiles_t), which may not write this script's output, a file on the
# results share (nfs_t): their output goes through a pipe.
semodule -l 2>&1 | grep -qx carrel || { echo "carrel's module is not loaded"; exit 1; }
# No permissive domain (semanage permissive -l lists local and module ones).
perm=$(seinfo --permissive 2>/dev/null | grep -v -e '^Permissive' -e '^$' || true)
[ -z "$perm" ] || { echo "permissive domains: $perm"; exit 1; }
# carol (made and mapped to user_u by selinux-prep.sh): the confined user of
# t-98-selinux, with the suite's key as alice and bob have it (setup.sh).
if id carol >/dev/null 2>&1; then
	install -d -m 700 -o carol -g carol /home/carol/.ssh
	install -m 600 -o carol -g carol /root/vmtest/id_user.pub /home/carol/.ssh/authorized_keys
fi
restorecon -RF /usr/local /lib/x86_64-linux-gnu/security /etc/security /etc/pam.d /var/lib/carrel /home /root/vmtest 2>&1 | head -n 5
mkdir -p /run/carrel && restorecon -RF /run/carrel 2>&1 | cat
# /run/motd.dynamic: pam_motd's, whose type is pam_motd_runtime_t by a
# named type transition (of motd.dynamic.new) for the login domains only;
# file_contexts has no entry for it, so restorecon gives var_run_t, which
# sshd_t may neither read nor unlink (seen enforcing, run 5: read and
# unlink denied, comm sshd-carrel-test, tcontext var_run_t; not carrel's).
# The one made so far is labelled here; those that pam_motd of a login
# run from unconfined_t makes later (t-15: login -f) get the type from
# selinux_vmtest.cil.
if [ -e /run/motd.dynamic ]; then
	chcon -t pam_motd_runtime_t /run/motd.dynamic
fi
# sftp: Debian 12's policy gives sshd_t no setcurrent, so internal-sftp's
# change to sftpd_t fails (logged at info) and it goes on in sshd_t, which
# may not write the user's files, with or without carrel (seen in the
# permissive run: setcurrent and dyntransition to sftpd_t denied).  Under
# SELinux the test sshd runs Debian's default, the sftp-server program, in
# the user's own domain.  SIGHUP: sshd re-executes with the new config.
sed -i 's|^Subsystem sftp internal-sftp$|Subsystem sftp /usr/lib/openssh/sftp-server|' /etc/ssh/sshd_carrel_test_config
grep -q '^Subsystem sftp /usr/lib/openssh/sftp-server$' /etc/ssh/sshd_carrel_test_config
systemctl kill -s HUP sshd-carrel-test.service
sleep 1
for _ in $(seq 100); do
	ss -Hltn 'sport = :2222' | grep -q . && break
	sleep 0.1
done
ss -Hltn 'sport = :2222' | grep -q . || { echo "sshd-carrel-test does not listen after SIGHUP"; exit 1; }
systemctl start auditd.service
ls -Z /usr/local/libexec/carrel/
echo "SELinux $(getenforce), policy $(sestatus | awk -F: '/Loaded policy/ { gsub(/ /, "", $2); print $2 }'), carrel $(semodule -l | grep -c '^carrel$') module, labelled"
