#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Inside the VM, after `make install` (guest/main.sh): the mandatory access
# control the suite runs under.  apparmor: carrel's profiles from
# /etc/apparmor.d loaded in enforce mode (CARREL_VM_AA_MODE=complain only by
# hand, to collect what a new profile lacks).  selinux: the policy is
# enforcing and carrel's module is loaded and its files labelled.  The last
# line is the summary main.sh prints.
set -eu
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
case $1 in
apparmor)
	[ -d /sys/kernel/security/apparmor ] || { echo "AppArmor is not active in this kernel"; exit 1; }
	mode=${CARREL_VM_AA_MODE:-enforce}
	flag=
	[ "$mode" = complain ] && flag=-C
	# -W: the binary cache, as apparmor.service would load it at boot.
	apparmor_parser -r -W $flag /etc/apparmor.d/carrel-helper /etc/apparmor.d/carrel-holder
	aa-status 2>&1 | grep -E 'profiles are|carrel' || true
	for p in carrel-helper carrel-holder; do
		grep -qxF "$p ($mode)" /sys/kernel/security/apparmor/profiles || { echo "$p is not loaded in $mode mode"; exit 1; }
	done
	echo "carrel-helper and carrel-holder loaded ($mode)"
	;;
selinux)
	. /root/carrel/tests/vm/guest/selinux.sh
	;;
*)
	echo "unknown CARREL_VM_LSM=$1 (apparmor, selinux)"
	exit 1
	;;
esac
