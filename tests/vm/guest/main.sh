#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside the VM as root (tests/vm/run.sh starts it over ssh): copies the
# source tree from the read-only share /mnt/src, builds and installs carrel,
# sets up the test service, runs tests/vm/t-*.sh and writes each one's TAP to
# /mnt/results/NAME.tap.
set -u
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SRC=/mnt/src
RES=/mnt/results
TREE=/root/carrel
T0=$SECONDS

echo "# guest: $(uname -r), systemd $(systemctl --version | awk 'NR == 1 { print $2 }'), $(stat -fc %T /sys/fs/cgroup), $(nproc) cpus"
echo "# guest: system state $(systemctl is-system-running 2>&1)"

fail_build() {
	printf 'not ok 1 - %s\n' "$1" >"$RES/00-build.tap"
	tail -n 40 "$RES/build.log" | sed 's/^/#   /' | tee -a "$RES/00-build.tap"
	exit 1
}

rm -rf "$TREE"
mkdir -p "$TREE"
T1=$SECONDS
if [ "${CARREL_VM_BUILD:-guest}" = host ]; then
	# Built by run.sh on the host (Debian 12 too), objects and all.
	tar -C /mnt/out/hostbuild -cf - . | tar -C "$TREE" -xf - || fail_build "copy the host's build"
	cd "$TREE" || exit 1
	: >"$RES/build.log"
	where="on the host"
else
	tar -C "$SRC" --exclude=./.git --exclude=./tests/vm/cache --exclude='./tests/vm/out*' \
		--exclude='*.o' --exclude='*.a' --exclude='*.so' -cf - . | tar -C "$TREE" -xf - ||
		fail_build "copy the source tree"
	cd "$TREE" || exit 1
	if [ -f /mnt/out/patch.diff ]; then
		patch -p1 -s </mnt/out/patch.diff || fail_build "apply CARREL_VM_PATCH"
		echo "# guest: built with CARREL_VM_PATCH applied"
	fi
	# Built objects of the host must not count as up to date here.
	make clean >/dev/null 2>&1
	if ! timeout 900 make -j2 >"$RES/build.log" 2>&1; then fail_build "make"; fi
	where="in the VM"
fi
if ! timeout 120 make install >>"$RES/build.log" 2>&1; then fail_build "make install"; fi
echo "# guest: carrel built $where and installed in $((SECONDS - T1)) s"
echo "ok 1 - carrel builds $where and installs in the VM ($((SECONDS - T1)) s)" >"$RES/00-build.tap"

if ! timeout 120 bash "$TREE/tests/vm/guest/setup.sh" >"$RES/setup.log" 2>&1; then
	echo "not ok 2 - test setup (users, sshd-carrel-test)" >>"$RES/00-build.tap"
	tail -n 30 "$RES/setup.log" | sed 's/^/#   /' | tee -a "$RES/00-build.tap"
	exit 1
fi
echo "ok 2 - test setup (users, sshd-carrel-test on 127.0.0.1:2222)" >>"$RES/00-build.tap"

# MAC (issue 17; tests/vm/guest/lsm.sh): carrel's AppArmor profiles loaded
# in enforce mode (the normal boot), or the SELinux checks (the second boot,
# CARREL_VM_LSM=selinux).  t-98-lsm then fails on any denial of carrel's.
if ! timeout 300 bash "$TREE/tests/vm/guest/lsm.sh" "${CARREL_VM_LSM:-apparmor}" >"$RES/lsm.log" 2>&1; then
	echo "not ok 3 - MAC setup (${CARREL_VM_LSM:-apparmor})" >>"$RES/00-build.tap"
	tail -n 30 "$RES/lsm.log" | sed 's/^/#   /' | tee -a "$RES/00-build.tap"
	exit 1
fi
echo "ok 3 - MAC setup (${CARREL_VM_LSM:-apparmor}): $(tail -n 1 "$RES/lsm.log")" >>"$RES/00-build.tap"

# The host counts the TAP; a script's exit status adds a failure only when
# it reported none (it crashed or timed out).
for t in "$TREE"/tests/vm/t-*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "${CARREL_VM_TESTS:-}" ]; then
		want=0
		for w in $CARREL_VM_TESTS; do case $name in "$w"*) want=1 ;; esac; done
		[ $want = 1 ] || continue
	fi
	echo "# --- $name"
	t1=$SECONDS
	timeout -k 10 900 bash "$t" >"$RES/$name.tap" 2>"$RES/$name.err" </dev/null
	trc=$?
	cat "$RES/$name.tap"
	# 77: the script skipped (the skip is in its TAP; one is added if not).
	if [ $trc -eq 77 ] && ! grep -qE '^(not )?ok' "$RES/$name.tap"; then
		echo "ok - $name # SKIP exited with status 77" | tee -a "$RES/$name.tap"
	elif [ $trc -ne 0 ] && [ $trc -ne 77 ] && ! grep -q '^not ok' "$RES/$name.tap"; then
		echo "not ok - $name exited with status $trc" | tee -a "$RES/$name.tap"
		tail -n 15 "$RES/$name.err" | sed 's/^/#   /' | tee -a "$RES/$name.tap"
	fi
	echo "# $name: $((SECONDS - t1)) s"
done
echo "# guest: suite done in $((SECONDS - T0)) s"
exit 0
