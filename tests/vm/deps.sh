#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Host packages that tests/vm/ needs to build the VM image and boot it.
# Idempotent: apt-get runs only when something is missing.
#
#   tests/vm/deps.sh          install what is missing (root)
#   tests/vm/deps.sh --list   print the package list and exit
set -eu

# qemu-system-x86: the emulator (TCG); qemu-utils: qemu-img;
# debootstrap: the guest's root; busybox-static: the initramfs;
# e2fsprogs: mkfs.ext4 -d; cpio: the initramfs archive; kmod: modprobe
# --show-depends for the module order; xz-utils/zstd: the kernel's payload
# and compressed modules; openssh-client: ssh, ssh-keygen; binutils:
# objcopy/readelf for the uncompressed kernel; debian-archive-keyring: the
# signatures debootstrap checks; ca-certificates for https mirrors;
# seabios: the BIOS QEMU boots the kernel with; debhelper, dpkg-dev,
# lintian: `make deb`, the package that t-70 installs in the guest.
PKGS="qemu-system-x86 qemu-utils debootstrap busybox-static e2fsprogs cpio kmod
xz-utils zstd openssh-client binutils debian-archive-keyring ca-certificates seabios
debhelper dpkg-dev lintian"

if [ "${1:-}" = "--list" ]; then
	printf '%s\n' $PKGS
	exit 0
fi

missing=
for p in $PKGS; do
	case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" in
	*" ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vm/deps: missing packages:$missing; run as root" >&2
	exit 1
fi
echo "vm/deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
