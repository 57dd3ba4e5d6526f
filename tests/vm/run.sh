#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The VM suite: carrel on cgroup v2 with systemd as PID 1, logind and
# pam_systemd, as mainstream distributions run it.  Boots the image of
# build-image.sh (built first when not cached) under QEMU's software
# emulation, builds and installs carrel inside from a read-only 9p share of
# this tree, runs tests/vm/t-*.sh there, and adds up their TAP.  For
# t-70-package it first runs `make deb` here and shares the .deb.
#
#   tests/vm/run.sh                 everything; exit 0 only if no test failed
#   CARREL_VM_TESTS="t-10 t-30"     only the tests whose names start so
#   CARREL_VM_BUILD=host            build carrel on this (Debian 12) host and only
#                                   `make install` inside (faster under emulation)
#   CARREL_VM_PATCH=FILE.diff       apply this patch (-p1) to the copy of the tree
#                                   that is built, to try a fix in the VM
#   CARREL_VM_KEEP=1                leave the VM running at the end (by hand only)
#
# Everything the run leaves is in tests/vm/out/: serial.log (the console),
# suite.log (the guest's output), results/*.tap, journal.txt.  QEMU is killed
# by its pid on any exit; no VM outlives the script.
set -uo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${CARREL_VM_OUT:-$HERE/out}
BUILD_TIMEOUT=${CARREL_VM_BUILD_TIMEOUT:-900}
BOOT_TIMEOUT=${CARREL_VM_BOOT_TIMEOUT:-240}
SUITE_TIMEOUT=${CARREL_VM_SUITE_TIMEOUT:-2400}
T0=$SECONDS

say() { echo "vm: $*"; }
QPID=
SSH_OK=0

cleanup() {
	if [ "$SSH_OK" = 1 ] && [ -z "${CARREL_VM_KEEP:-}" ]; then
		vssh -O exit >/dev/null 2>&1 || true
	fi
	if [ -n "$QPID" ] && [ -z "${CARREL_VM_KEEP:-}" ] && kill -0 "$QPID" 2>/dev/null; then
		kill -TERM "$QPID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

final() { # PASS FAIL SKIP
	echo "$1 passed, $2 failed, $3 skipped"
	[ "$2" -eq 0 ] && [ "$1" -gt 0 ]
	exit $?
}

# --- the image ---------------------------------------------------------------
"$HERE/deps.sh" || { echo "not ok 1 - host packages for the VM (tests/vm/deps.sh)"; final 0 1 0; }
IMG=$(timeout -k 10 "$BUILD_TIMEOUT" "$HERE/build-image.sh" | tail -n 1)
if [ -z "$IMG" ] || [ ! -f "$IMG/done" ]; then
	say "image build failed"
	echo "not ok 1 - VM image build"
	final 0 1 0
fi
T_IMAGE=$((SECONDS - T0))
say "image $IMG ($T_IMAGE s)"

rm -rf "$OUT"
mkdir -p "$OUT/results"
if [ -n "${CARREL_VM_PATCH:-}" ]; then
	cp "$CARREL_VM_PATCH" "$OUT/patch.diff" || final 0 1 0
	say "the tree is built with $CARREL_VM_PATCH applied"
fi
if [ "${CARREL_VM_BUILD:-guest}" = host ]; then
	mkdir -p "$OUT/hostbuild"
	tar -C "$REPO" --exclude=./.git --exclude=./tests/vm/cache --exclude='./tests/vm/out*' \
		--exclude='*.o' --exclude='*.a' --exclude='*.so' -cf - . | tar -C "$OUT/hostbuild" -xf -
	make -C "$OUT/hostbuild" clean >/dev/null 2>&1
	if [ -f "$OUT/patch.diff" ] && ! patch -d "$OUT/hostbuild" -p1 -s <"$OUT/patch.diff"; then
		echo "not ok 1 - $CARREL_VM_PATCH applies"
		final 0 1 0
	fi
	if ! timeout 600 make -C "$OUT/hostbuild" -j2 >"$OUT/hostbuild.log" 2>&1; then
		tail -n 20 "$OUT/hostbuild.log"
		echo "not ok 1 - carrel builds on the host"
		final 0 1 0
	fi
	say "built carrel on the host"
fi
# The Debian package for t-70 (debhelper is on the host, not in the guest):
# what `make deb` builds from this tree, and the same package with a higher
# version (its control file's Version raised, repacked) for the upgrade.
# The guest reads them from the out share (/mnt/out/deb).
want_test() {
	local w
	[ -z "${CARREL_VM_TESTS:-}" ] && return 0
	for w in $CARREL_VM_TESTS; do case $1 in "$w"*) return 0 ;; esac; done
	return 1
}
if want_test t-70-package; then
	T_DEB=$SECONDS
	mkdir -p "$OUT/deb"
	deb=
	if timeout 900 make -C "$REPO" deb >"$OUT/deb.log" 2>&1; then
		deb=$(ls "$REPO"/build/deb/carrel_*.deb 2>/dev/null | head -n 1)
	fi
	if [ -n "$deb" ]; then
		cp "$deb" "$OUT/deb/"
		basename "$deb" >"$OUT/deb/old"
		nv=$(dpkg-deb -f "$deb" Version)+vmtest1
		new=carrel_${nv}_$(dpkg-deb -f "$deb" Architecture).deb
		if dpkg-deb -R "$deb" "$OUT/deb/tree" &&
			sed -i "s/^Version: .*/Version: $nv/" "$OUT/deb/tree/DEBIAN/control" &&
			dpkg-deb -b "$OUT/deb/tree" "$OUT/deb/$new" >>"$OUT/deb.log" 2>&1; then
			echo "$new" >"$OUT/deb/new"
		else
			echo "repacking $deb as $nv failed" >"$OUT/deb/FAILED"
		fi
		rm -rf "$OUT/deb/tree"
		say "make deb: $(basename "$deb") and $new ($((SECONDS - T_DEB)) s)"
	else
		{ echo "make deb failed:"; tail -n 20 "$OUT/deb.log"; } >"$OUT/deb/FAILED"
		say "make deb failed (t-70 reports it): $OUT/deb.log"
	fi
fi
qemu-img create -q -f qcow2 -F raw -b "$IMG/root.img" "$OUT/overlay.qcow2" || exit 1

SSH_OPTS=(-i "$IMG/id_vm" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=10
	-o ServerAliveCountMax=6 -o ControlPath="$OUT/ssh.ctl")
PORT=
vssh() { ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 "$@"; }

# --- boot ---------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
boot() {
	local try
	for try in 1 2 3 4 5; do
		PORT=$((20000 + (RANDOM * 7 + $$ + try) % 40000))
		port_free "$PORT" || continue
		qemu-system-x86_64 -name carrel-vm -nodefaults -no-user-config -display none \
			-accel tcg,thread=multi -cpu max -smp 2 -m 1024 -machine pc \
			-kernel "$IMG/vmlinux" -initrd "$IMG/initrd.cpio" \
			-append "console=ttyS0,115200 root=/dev/vda rw panic=-1 mitigations=off net.ifnames=0 systemd.show_status=0 loglevel=4${BOOT_ARGS:+ $BOOT_ARGS}" \
			-drive "file=$OUT/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap" \
			-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:22" \
			-device virtio-net-pci,netdev=n0,romfile= \
			-device virtio-rng-pci \
			-virtfs "local,path=$REPO,mount_tag=src,security_model=none,readonly=on" \
			-virtfs "local,path=$OUT/results,mount_tag=results,security_model=none" \
			-virtfs "local,path=$OUT,mount_tag=out,security_model=none,readonly=on" \
			-serial "file:$OUT/serial.log" -no-reboot \
			</dev/null >"$OUT/qemu.log" 2>&1 &
		QPID=$!
		sleep 1
		if kill -0 "$QPID" 2>/dev/null; then
			return 0
		fi
		wait "$QPID" 2>/dev/null
		QPID=
		say "qemu exited at once (port $PORT?): $(head -c 300 "$OUT/qemu.log")"
	done
	return 1
}

BOOT_ARGS=
# boot_and_wait: boot, then wait (bounded) for the guest's sshd.
boot_and_wait() {
	T1=$SECONDS
	if ! boot; then
		echo "not ok 1 - VM boots"
		final 0 1 0
	fi
	say "qemu pid $QPID, ssh on 127.0.0.1:$PORT"
	deadline=$((SECONDS + BOOT_TIMEOUT))
	while [ $SECONDS -lt $deadline ]; do
		if ! kill -0 "$QPID" 2>/dev/null; then
			break
		fi
		if timeout 20 ssh "${SSH_OPTS[@]}" -p "$PORT" -o ControlMaster=auto -o ControlPersist=1800 \
			root@127.0.0.1 true </dev/null 2>/dev/null; then
			SSH_OK=1
			break
		fi
		sleep 2
	done
	if [ "$SSH_OK" != 1 ]; then
		say "no ssh after $((SECONDS - T1)) s; console:"
		tail -n 40 "$OUT/serial.log" | sed 's/^/  | /'
		echo "not ok 1 - VM boots and answers ssh"
		final 0 1 0
	fi
	T_BOOT=$((SECONDS - T1))
	say "booted${BOOT_ARGS:+ ($BOOT_ARGS)}, ssh answers after $T_BOOT s"
}
boot_and_wait

# CARREL_VM_LSM=selinux (issue 17): the same image booted a second time with
# SELinux enforcing.  This first boot (SELinux off) loads carrel's module
# into the policy store, turns SELinux on in /etc/selinux/config and labels
# the file systems with setfiles (guest/selinux-prep.sh); it powers off and
# the VM boots again from the same overlay with the kernel's SELinux on.
if [ "${CARREL_VM_LSM:-apparmor}" = selinux ]; then
	T_SE=$SECONDS
	rm -rf "$OUT/selinux" && cp -a "$REPO/selinux" "$OUT/selinux" &&
		make -C "$OUT/selinux" clean >/dev/null 2>&1
	if ! make -C "$OUT/selinux" >"$OUT/selinux.log" 2>&1; then
		tail -n 20 "$OUT/selinux.log"
		echo "not ok 1 - carrel's SELinux module builds on the host (selinux-policy-dev)"
		final 0 1 0
	fi
	timeout -k 10 900 ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 \
		"mkdir -p /mnt/src /mnt/out &&
		 mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 src /mnt/src &&
		 mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 out /mnt/out &&
		 bash /mnt/src/tests/vm/guest/selinux-prep.sh" </dev/null 2>&1 | tee "$OUT/selinux-prep.log"
	if [ "${PIPESTATUS[0]}" != 0 ]; then
		echo "not ok 1 - SELinux preparation in the guest (module, config, labels)"
		final 0 1 0
	fi
	timeout 10 ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 'systemctl poweroff --no-block' </dev/null >/dev/null 2>&1
	vssh -O exit >/dev/null 2>&1
	for _ in $(seq 600); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$QPID" 2>/dev/null && kill -KILL "$QPID"
	wait "$QPID" 2>/dev/null
	QPID= SSH_OK=0
	mv "$OUT/serial.log" "$OUT/serial-prep.log"
	say "SELinux prepared (module, labels) in $((SECONDS - T_SE)) s; booting enforcing"
	BOOT_ARGS=${CARREL_VM_SELINUX_ARGS:-"security=selinux selinux=1 enforcing=1"}
	boot_and_wait
fi

# --- the suite -----------------------------------------------------------------
# Under SELinux the 9p shares are unlabeled_t, where no file may be created
# (filesystem associate): the results share gets one label, nfs_t, as a
# network file system would (context=, which 9p takes like any other).
RES_OPT=
[ "${CARREL_VM_LSM:-apparmor}" = selinux ] && RES_OPT=,context=system_u:object_r:nfs_t:s0
T2=$SECONDS
timeout -k 10 "$SUITE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 \
	"mkdir -p /mnt/src /mnt/results /mnt/out &&
	 mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 src /mnt/src &&
	 mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144$RES_OPT results /mnt/results &&
	 mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 out /mnt/out &&
	 CARREL_VM_LSM='${CARREL_VM_LSM:-apparmor}' CARREL_VM_AA_MODE='${CARREL_VM_AA_MODE:-enforce}' CARREL_VM_TESTS='${CARREL_VM_TESTS:-}' CARREL_VM_BUILD='${CARREL_VM_BUILD:-guest}' bash /mnt/src/tests/vm/guest/main.sh" </dev/null 2>&1 |
	tee "$OUT/suite.log"
rc=${PIPESTATUS[0]}
T_SUITE=$((SECONDS - T2))
[ "$rc" = 124 ] && say "the suite timed out after $SUITE_TIMEOUT s"

timeout 60 ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 'journalctl -b --no-pager -o short-monotonic' \
	</dev/null >"$OUT/journal.txt" 2>&1 || true

if [ -z "${CARREL_VM_KEEP:-}" ]; then
	timeout 10 ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 'systemctl poweroff --no-block' </dev/null >/dev/null 2>&1 || true
	for _ in $(seq 300); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
else
	say "CARREL_VM_KEEP: VM left running, pid $QPID, ssh -i $IMG/id_vm -p $PORT root@127.0.0.1"
	SSH_OK=0
fi

# --- the results -----------------------------------------------------------------
pass=0 fail=0 skip=0 todo=0
shopt -s nullglob
for f in "$OUT"/results/*.tap; do
	p=$(grep -cE '^ok ' "$f" | head -n1)
	s=$(grep -cE '^ok .*# *SKIP' "$f")
	n=$(grep -E '^not ok ' "$f" | grep -cvE '# *TODO')
	t=$(grep -E '^not ok ' "$f" | grep -cE '# *TODO')
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + n)) todo=$((todo + t))
done
if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
	say "the guest suite exited with status $rc and reported no failure"
	fail=$((fail + 1))
fi
say "timings: image $T_IMAGE s, boot $T_BOOT s, suite $T_SUITE s, total $((SECONDS - T0)) s"
[ "$todo" -gt 0 ] && say "$todo known failures (TODO), not counted: see grep TODO $OUT/results/*.tap"
grep -h '^not ok' "$OUT"/results/*.tap 2>/dev/null | grep -v '# *TODO' | sed 's/^/vm: FAILED: /'
final "$pass" "$fail" "$((skip + todo))"
