#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages carrel needs to build, run its tests and its demo.
# Idempotent and quiet: when every package is already installed it does not
# run apt-get at all.  Needs root only when something is missing.
#
#   tests/install-deps.sh          install what is missing
#   tests/install-deps.sh --list   print the package list and exit
set -eu

PKGS="build-essential pkg-config libpam0g-dev libconfuse-dev libseccomp-dev libcap-dev
libsystemd-dev pamtester openssh-server openssh-client tmux iproute2 procps util-linux login passwd
bubblewrap selinux-policy-dev cron strace clang libclang-rt-14-dev
dpkg-dev debhelper fakeroot lintian libbpf-dev xauth
libmnl-dev libnftables-dev nftables dnsmasq curl python3 iputils-ping"

if [ "${1:-}" = "--list" ]; then
	# shellcheck disable=SC2086 # one package a word
	printf '%s\n' $PKGS
	exit 0
fi

missing=
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing (no apt-get: install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo)" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Maintainer scripts must not start services: openssh-server would otherwise
# start a host sshd on port 22 that nobody stops.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
# Refresh the package lists only when an install from the current ones fails
# (a fresh machine often has none yet).
# shellcheck disable=SC2086 # one package a word
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
