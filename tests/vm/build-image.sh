#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build (once, then cached) the Debian 12 virtual machine that tests/vm/run.sh
# boots: cgroup v2 only, systemd as PID 1, logind and pam_systemd as Debian
# ships them, sshd, and what carrel needs to build from source inside; and
# what a real site's login stack has (cron, slapd and nslcd, an MIT KDC and
# pam_krb5, SELinux policy, AppArmor, auditd, nftables), installed but off
# at boot: a test that wants a service starts it.  One image for every suite.
#
#   tests/vm/build-image.sh            build unless cached; print the image dir
#   tests/vm/build-image.sh --key      print the cache key and exit
#   tests/vm/build-image.sh --force    rebuild even when cached
#
# Everything is written under tests/vm/cache/ (CARREL_VM_CACHE overrides):
#   img-KEY/vmlinux      the Debian kernel, uncompressed ELF (boots ~2x faster
#                        under TCG than vmlinuz)
#   img-KEY/initrd.cpio  busybox-static + the modules needed to reach the root
#   img-KEY/root.img     sparse 3 GiB ext4, filled by mkfs.ext4 -d from a
#                        debootstrap --variant=minbase bookworm tree, plus
#                        SITE_PKGS installed by apt-get in a chroot (debconf
#                        preseeded: nothing prompts)
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
# to build carrel (and cgroup/cgroup_systemd.c) inside, libmnl-dev and
# libnftables-dev for net/ (the helper links them); the rest: what the
# tests drive and look with.
GUEST_PKGS="systemd systemd-sysv dbus dbus-user-session libpam-systemd openssh-server openssh-client
pamtester iproute2 kmod udev tmux procps util-linux login passwd psmisc
build-essential pkg-config libpam0g-dev libconfuse-dev libseccomp-dev libcap-dev
libsystemd-dev libbpf-dev libmnl-dev libnftables-dev"

# A site's login stack, installed in a second step with apt-get (debconf
# preseeded, --no-install-recommends): cron for cron jobs; slapd,
# ldap-utils, nslcd, libnss-ldapd, libpam-ldapd for users and groups from
# LDAP; krb5-* and libpam-krb5 for Kerberos passwords; keyutils for keyring
# caches; SELinux, AppArmor and auditd as sites have them; curl, nftables;
# systemd-resolved and dnsmasq-base for t-62's DNS (the host's resolver on
# 127.0.0.53, forwarding to a dnsmasq in the test's "outside" namespace).
# Their services are disabled at boot (SITE_UNITS), their PAM profiles off,
# nsswitch.conf untouched: the base suites see the same host as before.
SITE_PKGS="cron slapd ldap-utils libnss-ldapd libpam-ldapd nslcd krb5-kdc krb5-admin-server krb5-user
libpam-krb5 keyutils selinux-basics selinux-policy-default auditd apparmor apparmor-utils curl nftables
systemd-resolved dnsmasq-base"
SITE_UNITS="cron.service slapd.service nslcd.service krb5-kdc.service krb5-admin-server.service
auditd.service apparmor.service nftables.service systemd-resolved.service"

# Modules the initramfs loads (their dependencies are added in order).
INITRD_MODS="virtio_pci virtio_blk ext4 virtio_net 9pnet_virtio 9p virtio_rng"

# Module directories copied into the guest (the rest of the 390 MB of
# drivers is hardware a VM does not have).
GUEST_MOD_DIRS="kernel/fs kernel/net kernel/lib kernel/crypto kernel/arch kernel/block kernel/mm
kernel/virt kernel/drivers/virtio kernel/drivers/block kernel/drivers/char kernel/drivers/md
kernel/drivers/net/virtio_net.ko kernel/drivers/net/net_failover.ko kernel/drivers/net/veth.ko
kernel/drivers/net/dummy.ko kernel/drivers/net/tun.ko kernel/drivers/net/macvlan.ko
kernel/drivers/net/ifb.ko"

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

# --- the site's packages, with debconf answered beforehand --------------------
# The directory and realm named here are the VM tests' own (t-75 fills them);
# no maintainer script starts a service in the chroot (policy-rc.d).
log "apt-get install $(echo $SITE_PKGS | wc -w) site packages"
T3=$SECONDS
cat >"$ROOT/root/site.preseed" <<'EOF'
slapd slapd/no_configuration boolean false
slapd slapd/domain string carrel.test
slapd shared/organization string carrel
slapd slapd/password1 password vmtest-ldap
slapd slapd/password2 password vmtest-ldap
slapd slapd/backend select MDB
slapd slapd/purge_database boolean true
slapd slapd/move_old_database boolean true
nslcd nslcd/ldap-uris string ldap://127.0.0.1/
nslcd nslcd/ldap-base string dc=carrel,dc=test
nslcd nslcd/ldap-auth-type select none
libnss-ldapd libnss-ldapd/nsswitch multiselect
libnss-ldapd libnss-ldapd/clean_nsswitch boolean false
krb5-config krb5-config/default_realm string CARREL.TEST
krb5-config krb5-config/kerberos_servers string localhost
krb5-config krb5-config/admin_server string localhost
krb5-config krb5-config/add_servers boolean false
krb5-config krb5-config/add_servers_realm string CARREL.TEST
krb5-config krb5-config/read_conf boolean true
krb5-admin-server krb5-admin-server/kadmind boolean false
krb5-kdc krb5-kdc/debconf boolean true
krb5-kdc krb5-kdc/purge_data_too boolean false
EOF
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOT/proc"
in_root() {
	chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		DEBCONF_NONINTERACTIVE_SEEN=true LC_ALL=C HOME=/root "$@"
}
# systemd-resolved's postinst makes /etc/resolv.conf a link to its stub;
# it is off at boot here, so the file the base suites had is put back (t-62
# points resolv.conf at the stub for its own run).
cp -a "$ROOT/etc/resolv.conf" "$WORK/resolv.conf.before" 2>/dev/null || true
if ! {
	in_root debconf-set-selections /root/site.preseed &&
		{ in_root apt-get update -qq || in_root apt-get update -qq; } &&
		in_root apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 $SITE_PKGS
} >"$WORK/site-pkgs.log" 2>&1; then
	tail -n 30 "$WORK/site-pkgs.log" >&2
	umount_below "$ROOT"
	die "apt-get install of the site packages failed (log: $WORK/site-pkgs.log)"
fi
# Off at boot (tests start them), the PAM profiles of pam_krb5 and pam_ldap
# off (tests put them in stacks of their own), the chroot's leftovers out.
in_root systemctl disable $SITE_UNITS >>"$WORK/site-pkgs.log" 2>&1 || true
in_root pam-auth-update --disable krb5 ldap >>"$WORK/site-pkgs.log" 2>&1 || true
in_root apt-get clean
if [ -e "$WORK/resolv.conf.before" ] || [ -L "$WORK/resolv.conf.before" ]; then
	rm -f "$ROOT/etc/resolv.conf"
	cp -a "$WORK/resolv.conf.before" "$ROOT/etc/resolv.conf"
fi
enabled=
for u in $SITE_UNITS; do
	if [ "$(in_root systemctl is-enabled "$u" 2>/dev/null)" = enabled ]; then enabled="$enabled $u"; fi
done
rm -f "$ROOT/usr/sbin/policy-rc.d" "$ROOT/root/site.preseed"
umount_below "$ROOT"
[ -z "$enabled" ] || die "still enabled at boot:$enabled"
bad=$(grep -lE 'pam_(krb5|ldap)' "$ROOT"/etc/pam.d/common-* 2>/dev/null || true)
[ -z "$bad" ] || die "pam_krb5 or pam_ldap is still in $bad"
! grep -Eq '^(passwd|group):.*ldap' "$ROOT/etc/nsswitch.conf" || die "nsswitch.conf names ldap"
T_SITE=$((SECONDS - T3))
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
truncate -s 3G "$IMG.tmp/root.img"
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
seconds_site_packages=$T_SITE
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
log "built in $((SECONDS - T0)) s (debootstrap $T_DEBOOTSTRAP s, site packages $T_SITE s): $IMG"
echo "$IMG"
