#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# First boot of CARREL_VM_LSM=selinux (run.sh), SELinux still off: carrel's
# module (built on the host, /mnt/out/selinux/carrel.pp) into the policy
# store, SELINUX=enforcing in /etc/selinux/config, every file labelled with
# setfiles (timed: the relabel is part of every CI run), and the
# autorelabel mark that selinux-basics sets at this boot taken away (the
# labels are done; an autorelabel would reboot the VM).  run.sh then powers
# off and boots the same disk with SELinux enforcing.
set -eu
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
t0=$SECONDS
# carol: t-98-selinux's confined user (user_u, selinux_vmtest.cil), made
# before the relabel so that her home is labelled with the rest.
id carol >/dev/null 2>&1 || useradd -m -u 2003 -s /bin/bash carol
# One transaction (one policy rebuild): carrel's module and the suite's
# site policy (the test sshd's port, carol's SELinux user), written in CIL
# because the image has no semanage.
semodule -i /mnt/out/selinux/carrel.pp -i /mnt/src/tests/vm/guest/selinux_vmtest.cil
echo "# selinux-prep: semodule -i carrel.pp selinux_vmtest.cil: $((SECONDS - t0)) s"
semodule -l | grep -qx carrel || { echo "carrel is not in semodule -l"; exit 1; }
semodule -l | grep -qx selinux_vmtest || { echo "selinux_vmtest is not in semodule -l"; exit 1; }
sed -i -e 's/^SELINUX=.*/SELINUX=enforcing/' -e 's/^SELINUXTYPE=.*/SELINUXTYPE=default/' /etc/selinux/config
grep -q '^SELINUX=enforcing' /etc/selinux/config || echo SELINUX=enforcing >>/etc/selinux/config
t1=$SECONDS
fc=/etc/selinux/default/contexts/files/file_contexts
setfiles -F -q -e /mnt -e /proc -e /sys -e /dev -e /run "$fc" / || [ $? = 1 ]
echo "# selinux-prep: setfiles of / (ext4, $(df -h --output=used / | tail -n 1 | tr -d ' ') used): $((SECONDS - t1)) s"
# What is in /tmp and /var/tmp now was made with SELinux off, and
# file_contexts says <<none>> for their contents (setfiles leaves them
# unlabeled_t): at the enforcing boot systemd-tmpfiles may not even stat
# them (seen, run 5: getattr and read denied on /tmp/.XIM-unix,
# unlabeled_t).  Removed here, they are made again at the next boot with a
# label, by systemd-tmpfiles (the X11 socket directories) or by whoever
# needs them.  The private /tmp of the services running now goes at
# poweroff.
find /tmp /var/tmp -mindepth 1 -maxdepth 1 ! -name 'systemd-private-*' -exec rm -rf {} +
rm -f /.autorelabel
systemctl disable -q selinux-autorelabel-mark.service 2>/dev/null || true
# auditd collects the AVC lines (without it the kernel rate-limits them).
systemctl enable -q auditd.service
echo "# selinux-prep: done in $((SECONDS - t0)) s"
