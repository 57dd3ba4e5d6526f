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
semodule -i /mnt/out/selinux/carrel.pp
echo "# selinux-prep: semodule -i carrel.pp: $((SECONDS - t0)) s"
semodule -l | grep -qx carrel || { echo "carrel is not in semodule -l"; exit 1; }
sed -i -e 's/^SELINUX=.*/SELINUX=enforcing/' -e 's/^SELINUXTYPE=.*/SELINUXTYPE=default/' /etc/selinux/config
grep -q '^SELINUX=enforcing' /etc/selinux/config || echo SELINUX=enforcing >>/etc/selinux/config
t1=$SECONDS
fc=/etc/selinux/default/contexts/files/file_contexts
setfiles -F -q -e /mnt -e /proc -e /sys -e /dev -e /run "$fc" / || [ $? = 1 ]
echo "# selinux-prep: setfiles of / (ext4, $(df -h --output=used / | tail -n 1 | tr -d ' ') used): $((SECONDS - t1)) s"
rm -f /.autorelabel
# The suite's test sshd (guest/setup.sh) listens on 2222: an ssh port for
# the policy, as an admin would declare it.
t2=$SECONDS
semanage port -a -t ssh_port_t -p tcp 2222 2>/dev/null || semanage port -m -t ssh_port_t -p tcp 2222
echo "# selinux-prep: semanage port 2222: $((SECONDS - t2)) s"
systemctl disable -q selinux-autorelabel-mark.service 2>/dev/null || true
# auditd collects the AVC lines (without it the kernel rate-limits them).
systemctl enable -q auditd.service
echo "# selinux-prep: done in $((SECONDS - t0)) s"
