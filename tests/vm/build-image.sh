#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build (once, then cached) the Debian 12 virtual machine that tests/vm/run.sh
# boots: cgroup v2 only, systemd as PID 1, logind and pam_systemd as Debian
# ships them, sshd, and what carrel needs to build from source inside.
#
#   tests/vm/build-image.sh            build unless cached; print the image dir
#   tests/vm/build-image.sh --key      print the cache key and exit
#   tests/vm/build-image.sh --force    rebuild even when cached
#
# Everything is written under tests/vm/cache/ (CARREL_VM_CACHE overrides):
#   img-KEY/vmlinux      the Debian kernel, uncompressed ELF (boots ~2x faster
#                        under TCG than vmlinuz)
#   img-KEY/initrd.cpio  busybox-static + the modules needed to reach the root
#   img-KEY/root.img     sparse 2 GiB ext4, filled by mkfs.ext4 -d from a
#                        debootstrap --variant=minbase bookworm tree
#   img-KEY/id_vm        the ssh key that logs in as root (host side)
#   img-KEY/info         kernel version, mirror, timings
# KEY is a hash of this script (the package lists are in it) and the guest
# files it installs, so the image is rebuilt only when they change.
#
# The Debian mirror is the one in this machine's apt sources (never a
# hard-coded host); CARREL_VM_MIRROR overrides it.  Nothing is installed on
# the host but the packages of tests/vm/deps.sh; the kernel package is only
# downloaded and unpacked.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${CARREL_VM_CACHE:-$HERE/cache}
SUITE=bookworm

# What the guest gets on top of minbase.  systemd..udev: the init, logind,
# pam_systemd and the user bus as a Debian server has them; build-essential..libsystemd-dev:
# to build carrel (and cgroup/cgroup_systemd.c) inside; the rest: what the
# tests drive and look with.
GUEST_PKGS="systemd systemd-sysv dbus dbus-user-session libpam-systemd openssh-server openssh-client
pamtester iproute2 kmod udev tmux procps util-linux login passwd psmisc
build-essential pkg-config libpam0g-dev libconfuse-dev libseccomp-dev libcap-dev
libsystemd-dev"

# Modules the initramfs loads (their dependencies are added in order).
INITRD_MODS="virtio_pci virtio_blk ext4 virtio_net 9pnet_virtio 9p virtio_rng"

# Module directories copied into the guest (the rest of the 390 MB of
# drivers is hardware a VM does not have).
GUEST_MOD_DIRS="kernel/fs kernel/net kernel/lib kernel/crypto kernel/arch kernel/block kernel/mm
kernel/virt kernel/drivers/virtio kernel/drivers/block kernel/drivers/char kernel/drivers/md
kernel/drivers/net/virtio_net.ko kernel/drivers/net/net_failover.ko kernel/drivers/net/veth.ko
kernel/drivers/net/dummy.ko kernel/drivers/net/tun.ko kernel/drivers/net/macvlan.ko"

die() { echo "build-image: $*" >&2; exit 1; }
log() { echo "build-image: $*" >&2; }

cache_key() {
	cat "$HERE/build-image.sh" "$HERE/deps.sh" | sha256sum | cut -c1-16
}

KEY=$(cache_key)
IMG=$CACHE/img-$KEY
case ${1:-} in
--key) echo "$KEY"; exit 0 ;;
--force) rm -rf "$IMG" ;;
"") ;;
*) die "usage: $0 [--key|--force]" ;;
esac

if [ -f "$IMG/done" ]; then
	echo "$IMG"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, mkfs -d with ownership)"
"$HERE/deps.sh" >&2

# The Debian mirror serving $SUITE, from this machine's apt sources.
host_mirror() {
	local f
	# deb822 .sources files: a stanza with Types: deb, a Suites: list holding
	# $SUITE, Components: main.
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v suite="$SUITE" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && comps ~ /(^| )main( |$)/ && enabled != "no")
					for (i = 1; i <= nu; i++) print u[i]
				types = suites = comps = ""; nu = 0; enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^[ \t]*#/ { next }
			tolower($1) == "types:" { sub(/^[^:]*:[ \t]*/, ""); types = $0 }
			tolower($1) == "suites:" { sub(/^[^:]*:[ \t]*/, ""); suites = $0 }
			tolower($1) == "components:" { sub(/^[^:]*:[ \t]*/, ""); comps = $0 }
			tolower($1) == "enabled:" { enabled = tolower($2) }
			tolower($1) == "uris:" { for (i = 2; i <= NF; i++) u[++nu] = $i }
			END { flush() }' "$f"
	done
	# One-line format.
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' |
		awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; break } }'
}

MIRROR=${CARREL_VM_MIRROR:-$(host_mirror | grep -E '^(https?|file):' | head -n1 || true)}
[ -n "$MIRROR" ] || die "no Debian $SUITE mirror with main in /etc/apt/sources.list(.d); set CARREL_VM_MIRROR"

T0=$SECONDS
mkdir -p "$CACHE"
WORK=$CACHE/build-$KEY
# A tree debootstrap finished (marker file) is reused by a rerun after a
# later step failed; anything else is started afresh.
umount_below() { findmnt -rn -o TARGET | { grep "^$1/" || true; } | sort -r | while read -r m; do umount -l "$m"; done; }
umount_below "$WORK"
if [ ! -f "$WORK/root/.carrel-bootstrapped" ]; then
	rm -rf "$WORK"
fi
mkdir -p "$WORK"
trap 'rc=$?; umount_below "$WORK"; if [ $rc -ne 0 ]; then echo "build-image: failed; partial tree left in $WORK" >&2; fi' EXIT

# --- kernel: the versioned package linux-image-amd64 depends on -----------
log "mirror $MIRROR; fetching the kernel package"
(
	cd "$WORK"
	dl() { apt-get download -q -o APT::Sandbox::User=root "$@" >/dev/null; }
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$kpkg" ]; then
		apt-get update -qq >/dev/null
		kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
	dl "$kpkg" || { apt-get update -qq >/dev/null; dl "$kpkg"; }
	dpkg-deb -x "$kpkg"_*.deb kernel
	rm -f "$kpkg"_*.deb
)
KVER=$(ls "$WORK/kernel/lib/modules")
KDIR=$WORK/kernel
depmod -b "$KDIR" "$KVER"

# The uncompressed ELF: the first compressed stream inside vmlinuz that
# decompresses to an ELF file.
extract_vmlinux() {
	local in=$1 out=$2 sig cmd off
	for sig in 'xz:\xFD7zXZ\x00' 'zstd:\x28\xB5\x2F\xFD' 'gzip:\x1F\x8B\x08'; do
		cmd=${sig%%:*}
		for off in $(grep -aboP "${sig#*:}" "$in" | cut -d: -f1 | head -n 8); do
			tail -c +$((off + 1)) "$in" | "$cmd" -dc >"$out" 2>/dev/null || true
			if [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done
	return 1
}
rm -rf "$IMG.tmp"
mkdir -p "$IMG.tmp"
if ! extract_vmlinux "$KDIR/boot/vmlinuz-$KVER" "$IMG.tmp/vmlinux"; then
	log "no ELF inside vmlinuz: booting the compressed kernel"
	cp "$KDIR/boot/vmlinuz-$KVER" "$IMG.tmp/vmlinux"
fi
T_KERNEL=$((SECONDS - T0))

# --- initramfs: busybox, the modules, an /init that mounts /dev/vda -------
IR=$WORK/initrd
mkdir -p "$IR/bin" "$IR/lib/modules" "$IR/dev" "$IR/proc" "$IR/sys" "$IR/newroot"
cp /bin/busybox "$IR/bin/busybox"
: >"$IR/modules.order"
for m in $INITRD_MODS; do
	modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$IR/lib/modules/"
	basename "$ko" >>"$IR/modules.order"
done
cat >"$IR/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r ko; do
	insmod "/lib/modules/$ko" 2>/dev/null || echo "initrd: insmod $ko failed"
done </modules.order
i=0
while [ ! -b /dev/vda ] && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if ! mount -t ext4 -o rw,noatime /dev/vda /newroot; then
	echo "initrd: cannot mount /dev/vda"
	poweroff -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
EOF
chmod 755 "$IR/init"
(cd "$IR" && find . | cpio -o -H newc --quiet) >"$IMG.tmp/initrd.cpio"

# --- the root file system -------------------------------------------------
ROOT=$WORK/root
log "debootstrap $SUITE (minbase + $(echo $GUEST_PKGS | wc -w) packages)"
T1=$SECONDS
if [ -f "$ROOT/.carrel-bootstrapped" ]; then
	log "reusing the tree of an earlier run"
elif ! debootstrap --variant=minbase --components=main --merged-usr \
	--include="$(echo $GUEST_PKGS | tr ' ' ',')" \
	"$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
	tail -n 30 "$WORK/debootstrap.log" >&2
	[ -f "$ROOT/debootstrap/debootstrap.log" ] && tail -n 30 "$ROOT/debootstrap/debootstrap.log" >&2
	die "debootstrap failed (log: $WORK/debootstrap.log)"
fi
umount_below "$ROOT"
touch "$ROOT/.carrel-bootstrapped"
T_DEBOOTSTRAP=$((SECONDS - T1))
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* \
	"$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*

# Modules, in the tree depmod expects.
MD=$ROOT/usr/lib/modules/$KVER
mkdir -p "$MD"
for d in $GUEST_MOD_DIRS; do
	[ -e "$KDIR/lib/modules/$KVER/$d" ] || continue
	mkdir -p "$MD/$(dirname "$d")"
	cp -a "$KDIR/lib/modules/$KVER/$d" "$MD/$(dirname "$d")/"
done
cp "$KDIR/lib/modules/$KVER"/modules.order "$KDIR/lib/modules/$KVER"/modules.builtin* "$MD/"
depmod -b "$ROOT" "$KVER"

# Configuration.
echo carrel-vm >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcarrel-vm\n::1\tlocalhost ip6-localhost\n' >"$ROOT/etc/hosts"
printf '/dev/vda\t/\text4\trw,noatime\t0\t0\n' >"$ROOT/etc/fstab"
# The only network: QEMU's user-mode net, restricted (no way out), with a
# port forward from 127.0.0.1 on the host to sshd here.
mkdir -p "$ROOT/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nAddress=10.0.2.15/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
	>"$ROOT/etc/systemd/network/10-eth0.network"
mkdir -p "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' >"$ROOT/etc/systemd/journald.conf.d/vm.conf"
mkdir -p "$ROOT/etc/ssh/sshd_config.d"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\nMaxStartups 50\nMaxSessions 50\n' \
	>"$ROOT/etc/ssh/sshd_config.d/carrel-vm.conf"
# The serial console logs in as root by itself (for looking around by hand).
mkdir -p "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %%I $TERM\n' \
	>"$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
chroot "$ROOT" systemctl enable systemd-networkd.service >/dev/null 2>&1
for u in systemd-networkd-wait-online.service e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	apt-daily.timer apt-daily-upgrade.timer man-db.timer getty@tty1.service systemd-timesyncd.service; do
	ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done
# Host keys are made once per image (openssh-server's postinst did); the
# root login key lives beside the image.
ssh-keygen -q -t ed25519 -N '' -C carrel-vm -f "$IMG.tmp/id_vm"
install -d -m 700 "$ROOT/root/.ssh"
install -m 600 "$IMG.tmp/id_vm.pub" "$ROOT/root/.ssh/authorized_keys"
mkdir -p "$ROOT/mnt/src" "$ROOT/mnt/results"

# --- the disk ---------------------------------------------------------------
T2=$SECONDS
umount_below "$ROOT"
rm -f "$ROOT/.carrel-bootstrapped"
truncate -s 2G "$IMG.tmp/root.img"
mkfs.ext4 -q -F -L carrel-root -d "$ROOT" "$IMG.tmp/root.img" ||
	{ touch "$ROOT/.carrel-bootstrapped"; die "mkfs.ext4 -d failed"; }
T_MKFS=$((SECONDS - T2))

cat >"$IMG.tmp/info" <<EOF
key=$KEY
kernel=$KVER
mirror=$MIRROR
suite=$SUITE
seconds_kernel=$T_KERNEL
seconds_debootstrap=$T_DEBOOTSTRAP
seconds_mkfs=$T_MKFS
seconds_total=$((SECONDS - T0))
EOF
touch "$IMG.tmp/done"
rm -rf "$IMG"
mv "$IMG.tmp" "$IMG"
rm -rf "$WORK"
# Older images are of no use any more.
for old in "$CACHE"/img-*; do
	[ "$old" = "$IMG" ] || rm -rf "$old"
done
log "built in $((SECONDS - T0)) s (debootstrap $T_DEBOOTSTRAP s): $IMG"
echo "$IMG"
