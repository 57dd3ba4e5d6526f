#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The seed's other controllers on cgroup v2, by their effect:
#   1. carrel's own tree (cgroup_parent = "/"): hugetlb_max "2M 4M" lets a
#      session map 2 huge pages and not 4 (the guest reserves 8 through
#      vm.nr_hugepages, put back after); memory_high 32M makes a 48 MiB hog
#      throttle: memory.events counts "high", never "oom_kill"; devices by
#      carrel's BPF program: a 195:0 node made here opens with ENXIO for
#      alice (her group allows it) and EPERM for bob, /dev/null for both;
#   2. systemd (the default here): MemoryHigh= and AllowedCPUs= on
#      user-UID.slice, and the same device rule through a BPF program on
#      the slice beside systemd's own.
. /root/carrel/tests/vm/guest/vmlib.sh

conf=/etc/security/carrel.d/60-vmtest-ctrl.conf
node=/dev/carrel-t26-gpu0
t_on_exit "rm -f $conf $node"
mknod -m 0666 "$node" c 195 0 || { not_ok "mknod $node c 195 0"; t_finish; }
hp0=$(cat /proc/sys/vm/nr_hugepages)
echo 8 >/proc/sys/vm/nr_hugepages
t_on_exit "echo $hp0 >/proc/sys/vm/nr_hugepages"

devices_rules='limits {
    devices_deny = {"/dev/carrel-t26-gpu* rwm"}
}
group "alice" {
    limits {
        devices_allow = {"/dev/carrel-t26-gpu0 rw"}
    }
}'

# devices_check LABEL: alice ENXIO, bob EPERM, /dev/null for both.
devices_check() {
	local a b an bn
	a=$(ussh alice "$V/vmaid devopen $node" 2>&1)
	b=$(ussh bob "$V/vmaid devopen $node" 2>&1)
	an=$(ussh alice "$V/vmaid devopen /dev/null" 2>&1)
	bn=$(ussh bob "$V/vmaid devopen /dev/null" 2>&1)
	check_eq "$1: alice's group allows 195:0 (ENXIO from the absent driver)" "open=No such device or address" "$a"
	check_eq "$1: bob is denied 195:0 (EPERM)" "open=Operation not permitted" "$b"
	check_eq "$1: /dev/null works for both" "open=ok/open=ok" "$an/$bn"
}

# ---- 1. carrel's own tree
printf '%s\n' 'cgroup_parent = "/"' 'limits {' '    memory_high = 32M' '    memory_max = 256M' \
	'    hugetlb_max = {"2M 4M"}' '}' "$devices_rules" >"$conf"
chmod 644 "$conf"
if ! open_session alice "$V/vmaid spin 1 1"; then
	not_ok "own tree: alice's session comes up" "$(session_failure)"
	t_finish
fi
ucg=$CG/carrel/user-$S_UID
check_eq "own tree: memory.high and hugetlb.2MB.max on user-$S_UID" "33554432/4194304" \
	"$(cat "$ucg/memory.high")/$(cat "$ucg/hugetlb.2MB.max" 2>&1)"

if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 4 ]; then
	skip "own tree: hugetlb beyond the limit fails" "the guest reserved $(cat /proc/sys/vm/nr_hugepages) huge pages"
else
	in=$(ussh alice "$V/vmaid hugetlb 2; echo rc=\$?" 2>&1)
	over=$(ussh alice "$V/vmaid hugetlb 4; echo rc=\$?" 2>&1)
	if printf '%s\n' "$in" | grep -qx 'touched=2'; then ok "own tree: 2 huge pages within hugetlb_max 4M"; else not_ok "own tree: 2 huge pages within hugetlb_max 4M" "$in"; fi
	# With reservation accounting (hugetlb.2MB.rsvd.max) the mmap fails;
	# without, the touch of the third page (SIGBUS, rc 135).
	if printf '%s\n' "$over" | grep -qx 'mmap=Cannot allocate memory' ||
		{ printf '%s\n' "$over" | grep -qx 'rc=135' && ! printf '%s\n' "$over" | grep -qx 'touched=3'; }; then
		ok "own tree: 4 huge pages beyond hugetlb_max 4M fail ($(printf '%s\n' "$over" | tr '\n' ' '))"
	else
		not_ok "own tree: 4 huge pages beyond hugetlb_max 4M fail" "$over"
	fi
fi

high0=$(awk '$1 == "high" { print $2 }' "$ucg/memory.events")
oom0=$(awk '$1 == "oom_kill" { print $2 }' "$ucg/memory.events")
out=$(ussh alice "timeout 30 $V/vmaid memhog 48; echo rc=\$?" 2>&1)
high1=$(awk '$1 == "high" { print $2 }' "$ucg/memory.events")
oom1=$(awk '$1 == "oom_kill" { print $2 }' "$ucg/memory.events")
if [ "${high1:-0}" -gt "${high0:-0}" ] && [ "${oom1:-0}" = "${oom0:-0}" ] && ! printf '%s\n' "$out" | grep -qx 'rc=137'; then
	ok "own tree: memory_high 32M throttles a 48 MiB hog (high $high0 -> $high1, no OOM kill; $(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' '))"
else
	not_ok "own tree: memory_high 32M throttles a 48 MiB hog without an OOM kill" "high $high0 -> $high1, oom_kill $oom0 -> $oom1" "$out"
fi
devices_check "own tree"
close_session

# ---- 2. systemd
printf '%s\n' 'limits {' '    memory_high = 48M' '    cpuset_cpus = "0-63"' '}' "$devices_rules" >"$conf"
if ! open_session alice "$V/vmaid spin 1 1"; then
	not_ok "systemd: alice's session comes up" "$(session_failure)"
	t_finish
fi
slice=user-$S_UID.slice
check_eq "systemd: MemoryHigh= on $slice" 50331648 "$(systemctl show "$slice" -p MemoryHigh --value)"
# "0-63" reaches past the guest's CPUs: cut to them.
check_eq "systemd: AllowedCPUs= cut to the CPUs online" "$(cat /sys/devices/system/cpu/online)" \
	"$(systemctl show "$slice" -p AllowedCPUs --value)"
devices_check "systemd"
close_session
# The slices keep runtime properties: a login under the usual config puts
# the users' limits back for the tests that follow.
rm -f "$conf"
ussh alice true >/dev/null 2>&1
ussh bob true >/dev/null 2>&1
check_eq "systemd: after a login without the config, MemoryHigh= is back to infinity" infinity \
	"$(systemctl show "$slice" -p MemoryHigh --value)"
t_finish
