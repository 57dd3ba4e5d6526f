#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `sudo make demo`: log a throwaway user in through the real pam_carrel.so
# (with `su - carreldemo`) and show the machine as the host sees it next to
# what the session sees; then log out and show that nothing is left.
#
# The host is never changed: everything runs in a private mount namespace
# in which /usr/local, /run, /etc/passwd, /etc/shadow, /etc/group and
# /etc/pam.d are replaced by throwaway copies.  The kernel objects the
# carrel creates (namespaces, cgroups, processes) are removed by carrel's
# own teardown at logout, and the demo checks that they are.
#
# Environment:
#   CARREL_DEMO_CGROUP_PARENT=/|self   override the cgroup_parent choice
#                                      (default: see choose_cgroup_parent)
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO_USER=carreldemo
DEMO_UID=61999
BASE=/run/carrel-demo            # inside the private namespace only (tmpfs on /run)
W1=40                            # width of the host column
W2=44                            # width of the session column

die() { echo "demo: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Stage 1 (on the host): dependencies, build, then re-run in a private mount ns.
# ---------------------------------------------------------------------------
if [ "${CARREL_DEMO_STAGE:-}" != inner ]; then
	[ "$(id -u)" -eq 0 ] || die "must run as root (sudo make demo)"
	"$TOP/tests/install-deps.sh"
	make -C "$TOP" -s all >/dev/null || die "build failed (run make to see why)"
	case "$TOP" in *[[:space:]]*) die "the source path must not contain spaces: $TOP" ;; esac
	host_has_carrel_run=no
	[ -e /run/carrel ] && host_has_carrel_run=yes
	# The host's own mount namespace, for the comparison (stage 2 runs in a copy).
	CARREL_DEMO_HOST_MNTNS=$(stat -L -c %i /proc/self/ns/mnt)
	export CARREL_DEMO_HOST_MNTNS
	rc=0
	CARREL_DEMO_STAGE=inner unshare --mount --propagation private -- "$0" "$@" || rc=$?
	# Back on the host: the namespace is gone, and with it every copy.
	echo
	echo "after the demo, on the host (outside the private mount namespace):"
	if getent passwd "$DEMO_USER" >/dev/null; then
		printf '  %-44s %s\n' "user $DEMO_USER in /etc/passwd" "PRESENT (unexpected)"
	else
		printf '  %-44s %s\n' "user $DEMO_USER in /etc/passwd" "absent"
	fi
	if grep -qs pam_carrel /etc/pam.d/su; then
		printf '  %-44s %s\n' "pam_carrel in /etc/pam.d/su" "present (it was there before the demo)"
	else
		printf '  %-44s %s\n' "pam_carrel in /etc/pam.d/su" "absent"
	fi
	if [ "$host_has_carrel_run" = no ] && [ -e /run/carrel ]; then
		printf '  %-44s %s\n' "/run/carrel" "PRESENT (unexpected)"
	else
		printf '  %-44s %s\n' "/run/carrel" "untouched"
	fi
	exit $rc
fi

# ---------------------------------------------------------------------------
# Stage 2: inside the private mount namespace.
# ---------------------------------------------------------------------------
HELPER=$(tr '\0' '\n' <"$TOP/pam_module/pam_carrel.so" | grep -ax '/[[:graph:]]*/carrel-helper' | head -n1 || true)
[ -n "$HELPER" ] || die "cannot find the helper path compiled into pam_carrel.so"
case "$HELPER" in
/usr/local/*) ;;
*) die "pam_carrel.so expects the helper at $HELPER; the demo needs the default PREFIX=/usr/local" ;;
esac

SU_PID=
cleanup() {
	if [ -n "$SU_PID" ] && kill -0 "$SU_PID" 2>/dev/null; then
		kill -TERM "$SU_PID" 2>/dev/null || true
		wait "$SU_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT

# Throwaway /run (so /run/carrel is the demo's own) and /usr/local (for the helper).
mount -t tmpfs -o mode=0755,nosuid,nodev carrel-demo-run /run
mkdir -p /run/lock /run/user "$BASE/etc" "$BASE/home"
mount -t tmpfs -o mode=0755,nodev carrel-demo-usrlocal /usr/local
mkdir -p /usr/local/bin /usr/local/sbin /usr/local/lib /usr/local/share /usr/local/etc \
	/usr/local/include /usr/local/src "$(dirname "$HELPER")"
# As `make install` does: the helper root-only, carrel-user set-user-ID.
install -o root -g root -m 0755 "$TOP/helper/carrel-helper" "$HELPER"
install -o root -g root -m 4755 "$TOP/setuid/carrel-user" "$(dirname "$HELPER")/carrel-user"
install -o root -g root -m 0711 "$TOP/holder/carrel-holder" "$(dirname "$HELPER")/carrel-holder"

# A throwaway user, in copies of the account files.
uid=$DEMO_UID
# A uid that no account uses and no carrel cgroup names (another carrel
# instance with its own /run/carrel, e.g. a test run, counts sessions from 1).
uid_taken() {
	getent passwd "$1" >/dev/null || getent group "$1" >/dev/null ||
		[ -n "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "user-$1" -path '*/carrel/*' -print -quit 2>/dev/null)" ]
}
while uid_taken "$uid"; do
	uid=$((uid + 1))
done
getent passwd "$DEMO_USER" >/dev/null && die "a user named $DEMO_USER already exists"
HOME_DIR=$BASE/home/$DEMO_USER
for f in passwd shadow group; do
	cp -p "/etc/$f" "$BASE/etc/$f"
done
echo "$DEMO_USER:x:$uid:$uid:carrel demo:$HOME_DIR:/bin/bash" >>"$BASE/etc/passwd"
echo "$DEMO_USER:!:$(($(date +%s) / 86400)):0:99999:7:::" >>"$BASE/etc/shadow"
echo "$DEMO_USER:x:$uid:" >>"$BASE/etc/group"
for f in passwd shadow group; do
	mount --bind "$BASE/etc/$f" "/etc/$f"
done
install -d -o "$uid" -g "$uid" -m 0700 "$HOME_DIR"

# The cgroup parent.  Built-in default: "/" (the root of each hierarchy).
# When this shell runs in a resource-bounded cgroup v1 memory cgroup (a
# CI runner, a container, a batch job), the carrel is kept beneath it
# instead (cgroup_parent = self), so the demo never leaves its own bounds.
choose_cgroup_parent() {
	if [ -n "${CARREL_DEMO_CGROUP_PARENT:-}" ]; then
		echo "$CARREL_DEMO_CGROUP_PARENT"
		return
	fi
	local mem
	mem=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
	if [ -n "$mem" ] && [ "$mem" != / ]; then
		echo self
	else
		echo /
	fi
}
CG_PARENT=$(choose_cgroup_parent)
PAM_ARGS=
CONFIG_NOTE="built-in defaults (no config file)"
if [ "$CG_PARENT" != / ]; then
	printf 'cgroup_parent = %s\n' "$CG_PARENT" >"$BASE/etc/carrel.conf"
	chmod 0644 "$BASE/etc/carrel.conf"
	PAM_ARGS="config=$BASE/etc/carrel.conf"
	CONFIG_NOTE="built-in defaults + cgroup_parent = $CG_PARENT (this shell is in a bounded cgroup)"
elif [ -e /etc/security/carrel.conf ] || [ -e /etc/security/carrel.d ]; then
	# Ignore the host's configuration: point at a file that does not exist.
	PAM_ARGS="config=$BASE/etc/none/carrel.conf"
fi

# A copy of /etc/pam.d where `su` (and through it `su -`, service su-l)
# ends with the carrel line, exactly as an admin would add it.
cp -a /etc/pam.d "$BASE/pam.d"
sed -i '/pam_carrel/d' "$BASE/pam.d/su" "$BASE/pam.d/su-l" 2>/dev/null || true
PAM_LINE="session required $TOP/pam_module/pam_carrel.so${PAM_ARGS:+ $PAM_ARGS}"
echo "$PAM_LINE" >>"$BASE/pam.d/su"
if ! grep -Eq '^[[:space:]]*session[[:space:]]+include[[:space:]]+su([[:space:]]|$)' "$BASE/pam.d/su-l" 2>/dev/null; then
	echo "$PAM_LINE" >>"$BASE/pam.d/su-l"
fi
mount --bind "$BASE/pam.d" /etc/pam.d

# ---------------------------------------------------------------------------
# What each side prints: one file per item, KEY in $1/KEY.
# ---------------------------------------------------------------------------
cat >"$BASE/probe.sh" <<'EOF'
#!/bin/bash
# Collect what this process sees into directory $1 (one file per item).
out=$1
mkdir -p "$out"
hostname >"$out/hostname"
ps -e -o pid=,user:10=,args= >"$out/ps"
sed -i 's/^ *//' "$out/ps"
ip -o link 2>/dev/null | awk -F': ' '{ split($3, a, " "); print $2 "  " a[1] }' >"$out/ip"
ls -A /tmp >"$out/tmp" 2>&1
cat /proc/self/cgroup >"$out/cgroup"
for ns in mnt pid ipc uts net cgroup user; do
	stat -L -c %i "/proc/self/ns/$ns" >"$out/ns_$ns" 2>/dev/null || echo "?" >"$out/ns_$ns"
done
awk '/^NoNewPrivs:/ { print $2 }' /proc/self/status >"$out/nnp"
echo "$(id -un) ($(id -u))" >"$out/id"
echo "${CARREL_SESSION:-(unset)}" >"$out/session"
EOF
cat >"$BASE/session.sh" <<EOF
#!/bin/bash
# Runs as $DEMO_USER inside the carrel.
bash $BASE/probe.sh \$HOME/session
echo "written in the carrel" >/tmp/carrel-demo-was-here
: >\$HOME/ready
for i in \$(seq 300); do [ -e \$HOME/done ] && exit 0; sleep 0.1; done
exit 3
EOF
chmod 0755 "$BASE/probe.sh" "$BASE/session.sh"
mkdir -p "$BASE/host"
bash "$BASE/probe.sh" "$BASE/host"
[ -n "${CARREL_DEMO_HOST_MNTNS:-}" ] && echo "$CARREL_DEMO_HOST_MNTNS" >"$BASE/host/ns_mnt"

# ---------------------------------------------------------------------------
# Log in.
# ---------------------------------------------------------------------------
rm -f "$HOME_DIR/ready" "$HOME_DIR/done"
su - "$DEMO_USER" -c "/bin/bash $BASE/session.sh" >"$BASE/su.out" 2>"$BASE/su.err" </dev/null &
SU_PID=$!
for _ in $(seq 200); do
	[ -e "$HOME_DIR/ready" ] && break
	kill -0 "$SU_PID" 2>/dev/null || break
	sleep 0.1
done
if [ ! -e "$HOME_DIR/ready" ]; then
	echo "demo: the session did not start; su said:" >&2
	sed 's/^/  /' "$BASE/su.err" "$BASE/su.out" >&2
	exit 1
fi
S=$HOME_DIR/session
H=$BASE/host

# The session's cgroups, as the host sees them: /proc/SU_PID/cgroup (su joined them).
cp "/proc/$SU_PID/cgroup" "$BASE/su.cgroup"
# cgroup_dir CONTROLLER CGROUP-FILE: the directory of that controller's cgroup.
cgroup_dir() {
	local ctl=$1 file=$2 rel mnt
	if [ "$ctl" = v2 ]; then
		rel=$(awk -F: '$1 == "0" { print $3 }' "$file")
		mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	else
		rel=$(awk -F: -v c="$ctl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "$file")
		mnt=$(awk -v c="$ctl" '$9 == "cgroup" { n = split($NF, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $5; exit } }' /proc/self/mountinfo)
	fi
	[ -n "$rel" ] && [ -n "$mnt" ] && echo "$mnt${rel%/}"
}
# Cgroup v2 when its hierarchy has the memory controller; v1 otherwise.
V2MNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -n "$V2MNT" ] && grep -qw memory "$V2MNT/cgroup.controllers" 2>/dev/null; then
	CGV=2
else
	CGV=1
fi

human() { # bytes -> 2G / 512M / max
	local v=$1
	case "$v" in
	'' | max | -1) echo "${v:-?}"; return ;;
	esac
	if [ "$v" -ge 9000000000000000000 ] 2>/dev/null; then echo "max"
	elif [ $((v % 1073741824)) -eq 0 ] && [ "$v" -ne 0 ]; then echo "$((v / 1073741824))G"
	elif [ $((v % 1048576)) -eq 0 ] && [ "$v" -ne 0 ]; then echo "$((v / 1048576))M"
	else echo "$v"; fi
}
rd() { cat "$1" 2>/dev/null || echo "-"; }
# limits CGROUP-FILE OUTDIR: the limits of the cgroup(s) named in CGROUP-FILE.
# For the session, the limits live on the parent (carrel/user-UID): read there.
limits() {
	local file=$1 out=$2 up=$3 d q p
	mkdir -p "$out"
	if [ $CGV = 2 ]; then
		d=$(cgroup_dir v2 "$file"); [ "$up" = 1 ] && d=$(dirname "$d")
		human "$(rd "$d/memory.max")" >"$out/mem"
		human "$(rd "$d/memory.swap.max")" >"$out/swap"
		rd "$d/pids.max" >"$out/pids"
		rd "$d/cpu.max" | awk '{ if ($1 == "max") print "max"; else printf "%s/%s us (%d%% of a CPU)\n", $1, $2, $1 * 100 / $2 }' >"$out/cpu"
		rd "$d/cpu.weight" >"$out/cpuw"
		rd "$d/io.weight" | awk '{ print $NF }' >"$out/iow"
		echo "$d" >"$out/dir_mem"
	else
		d=$(cgroup_dir memory "$file"); [ "$up" = 1 ] && d=$(dirname "$d")
		echo "$d" >"$out/dir_mem"
		human "$(rd "$d/memory.limit_in_bytes")" >"$out/mem"
		if [ -e "$d/memory.memsw.limit_in_bytes" ]; then
			echo "mem+swap $(human "$(rd "$d/memory.memsw.limit_in_bytes")")" >"$out/swap"
		else
			echo "- (no swap accounting)" >"$out/swap"
		fi
		d=$(cgroup_dir pids "$file"); [ "$up" = 1 ] && d=$(dirname "$d")
		rd "$d/pids.max" >"$out/pids"
		d=$(cgroup_dir cpu "$file"); [ "$up" = 1 ] && d=$(dirname "$d")
		q=$(rd "$d/cpu.cfs_quota_us"); p=$(rd "$d/cpu.cfs_period_us")
		if [ "$q" = -1 ] || [ "$q" = - ]; then echo "max" >"$out/cpu"
		else echo "$q/$p us ($((q * 100 / p))% of a CPU)" >"$out/cpu"; fi
		echo "shares $(rd "$d/cpu.shares")" >"$out/cpuw"
		d=$(cgroup_dir blkio "$file"); [ "$up" = 1 ] && d=$(dirname "$d")
		if [ -e "$d/blkio.bfq.weight" ]; then echo "bfq $(rd "$d/blkio.bfq.weight")" >"$out/iow"
		elif [ -e "$d/blkio.weight" ]; then rd "$d/blkio.weight" >"$out/iow"
		else echo "-" >"$out/iow"; fi
	fi
}
limits "$H/cgroup" "$H/lim" 0
limits "$BASE/su.cgroup" "$S/lim" 1

# The session's state file names its cgroup dirs (one per hierarchy), the
# keeper and the holder; the processes in those cgroups are the session's.
SESSION_ID=$(cat "$S/session")
STATE=/run/carrel/sessions/$SESSION_ID
STATE_BEFORE=$(ls -A /run/carrel/sessions 2>/dev/null | tr '\n' ' ')
STATE_BEFORE=${STATE_BEFORE% }
statev() { sed -n "s/^$1=//p" "$STATE" 2>/dev/null; }
SESSION_DIRS=$(statev cgroup)
if [ -z "$SESSION_DIRS" ]; then
	if [ $CGV = 2 ]; then
		SESSION_DIRS=$(cgroup_dir v2 "$BASE/su.cgroup")
	else
		SESSION_DIRS=$(for c in memory pids cpu blkio freezer; do cgroup_dir "$c" "$BASE/su.cgroup"; done | sort -u)
	fi
fi
KEEPER=$(statev keeper)
HOLDER=$(statev holder)
SESSION_PIDS=$(for d in $SESSION_DIRS; do cat "$d/cgroup.procs" 2>/dev/null; done | sort -un | tr '\n' ' ')
SESSION_PIDS=${SESSION_PIDS% }

# ---------------------------------------------------------------------------
# Print, side by side.
# ---------------------------------------------------------------------------
row() { # LABEL HOST SESSION (each column cut to its width)
	local a=$2 b=$3
	[ ${#a} -gt "$W1" ] && a="${a:0:$((W1 - 1))}~"
	[ ${#b} -gt "$W2" ] && b="${b:0:$((W2 - 1))}~"
	printf '%-16s %-*s %s\n' "$1" "$W1" "$a" "$b"
}
# block LABEL HOSTFILE SESSIONFILE [MAXLINES]: two multi-line values side by side.
block() {
	local label=$1 a=$2 b=$3 max=${4:-8} na nb i la lb
	mapfile -t A <"$a"; mapfile -t B <"$b"
	na=${#A[@]}; nb=${#B[@]}
	[ "$na" -gt "$max" ] && { A=("${A[@]:0:$((max - 1))}" "... ($((na - max + 1)) more)"); na=$max; }
	[ "$nb" -gt "$max" ] && { B=("${B[@]:0:$((max - 1))}" "... ($((nb - max + 1)) more)"); nb=$max; }
	[ "$na" -eq 0 ] && { A=("(empty)"); na=1; }
	[ "$nb" -eq 0 ] && { B=("(empty)"); nb=1; }
	for ((i = 0; i < (na > nb ? na : nb); i++)); do
		la=${A[$i]:-}; lb=${B[$i]:-}
		row "$label" "$la" "$lb"
		label=
	done
}
same_or() { [ "$1" = "$2" ] && echo "$2 (same)" || echo "$2"; }
val() { cat "$1" 2>/dev/null || echo "?"; }
CGLABEL="cgroup (memory)"
[ $CGV = 2 ] && CGLABEL="cgroup"
short_cg() { # the memory (v1) or unified (v2) line of a /proc/PID/cgroup file
	if [ $CGV = 2 ]; then awk -F: '$1 == "0" { print $3 }' "$1"
	else awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "$1"; fi
}
n() { # FILE WORD: "3 processes"
	local c
	c=$(wc -l <"$1")
	case "$2:$c" in
	*:1) echo "1 $2" ;;
	entry:*) echo "$c entries" ;;
	process:*) echo "$c processes" ;;
	*) echo "$c ${2}s" ;;
	esac
}
hr() { printf '%.0s-' $(seq 100); echo; }

echo
echo "carrel demo: one login through the real pam_carrel.so"
hr
printf '  %-9s %s\n' module "$TOP/pam_module/pam_carrel.so" \
	pam "/etc/pam.d/su: $PAM_LINE" \
	helper "$HELPER (root 0755, carrel-user 4755 beside it; tmpfs, private mount namespace)" \
	config "$CONFIG_NOTE" \
	login "su - $DEMO_USER   (uid $uid, throwaway; cgroup v$CGV)"
hr
row "" "HOST (outside)" "CARREL (session $SESSION_ID)"
row "" "--------------" "------------------"
row "user" "$(val "$H/id")" "$(val "$S/id")"
row "hostname" "$(val "$H/hostname")" "$(val "$S/hostname")"
row "ps -e" "$(n "$H/ps" process)" "$(n "$S/ps" process)"
block "" "$H/ps" "$S/ps" 6
row "ip -o link" "$(n "$H/ip" interface)" "$(n "$S/ip" interface)"
block "" "$H/ip" "$S/ip" 4
row "ls /tmp" "$(n "$H/tmp" entry)" "$(n "$S/tmp" entry)"
block "" "$H/tmp" "$S/tmp" 4
row "no_new_privs" "$(val "$H/nnp")" "$(val "$S/nnp")"
row "\$CARREL_SESSION" "$(val "$H/session")" "$(val "$S/session")"
echo
row "namespaces" "inode" "inode"
for ns in mnt pid ipc uts net cgroup user; do
	row "  $ns" "$(val "$H/ns_$ns")" "$(same_or "$(val "$H/ns_$ns")" "$(val "$S/ns_$ns")")"
done
echo
row "$CGLABEL" "$(short_cg "$H/cgroup")" "$(short_cg "$S/cgroup")  (its own cgroup namespace)"
row "  host's view" "" "$(short_cg "$BASE/su.cgroup" | sed 's|.*/\(carrel/\)|.../\1|')"
row "limits" "(this shell's cgroup)" "(on carrel/user-$uid: per user)"
row "  memory" "$(val "$H/lim/mem")" "$(val "$S/lim/mem")"
row "  swap" "$(val "$H/lim/swap")" "$(val "$S/lim/swap")"
row "  pids" "$(val "$H/lim/pids")" "$(val "$S/lim/pids")"
row "  cpu quota" "$(val "$H/lim/cpu")" "$(val "$S/lim/cpu")"
row "  cpu weight" "$(val "$H/lim/cpuw")" "$(val "$S/lim/cpuw")"
row "  io weight" "$(val "$H/lim/iow")" "$(val "$S/lim/iow")"
echo
row "state" "/run/carrel/sessions/" "$STATE_BEFORE"
row "keeper" "pid $KEEPER (outside, root)" "-"
row "holder" "pid $HOLDER" "pid 1 ($(awk '$1 == 1 { print $2 }' "$S/ps"))"
row "host pids" "in the session's cgroups:" "$SESSION_PIDS"
if [ -e /tmp/carrel-demo-was-here ]; then
	row "/tmp file" "VISIBLE on the host (unexpected)" "/tmp/carrel-demo-was-here"
else
	row "/tmp file" "not visible on the host" "/tmp/carrel-demo-was-here"
fi
hr

# ---------------------------------------------------------------------------
# Log out, and check that the carrel is gone.
# ---------------------------------------------------------------------------
ms() { echo $(((${EPOCHREALTIME/./} - t0) / 1000)); }
t0=${EPOCHREALTIME/./}
: >"$HOME_DIR/done"
rc=0
wait "$SU_PID" || rc=$?
SU_PID=
t_su=$(ms)
[ -s "$BASE/su.err" ] && sed 's/^/  su: /' "$BASE/su.err"

# A process counts as alive until it has exited: a zombie waiting for its
# parent (the keeper is re-parented to PID 1) holds nothing but its pid.
# (No forks in here: the check itself must not be what takes time.)
alive() {
	local line=
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	line=${line##*) }
	case ${line%% *} in Z | X | "") return 1 ;; esac
	return 0
}
gone() {
	local d p f
	# The demo user has no other session: its carrel/user-UID goes too.
	for d in $SESSION_DIRS; do [ -e "$d" ] || [ -e "${d%/*}" ] && return 1; done
	for p in $SESSION_PIDS $KEEPER $HOLDER; do alive "$p" && return 1; done
	for f in /run/carrel/sessions/* /run/carrel/sessions/.[!.]*; do [ -e "$f" ] && return 1; done
	return 0
}
for _ in $(seq 300); do
	gone && break
	sleep 0.01
done
t_gone=$(ms)
echo "logout (the session was told to exit): su returned $rc after ${t_su} ms; by ${t_gone} ms all was gone:"
ok=yes
st() { printf '  %-9s %s\n' "$1" "$2"; }
alive=
for p in $SESSION_PIDS $KEEPER $HOLDER; do
	alive "$p" && alive="$alive $p"
done
if [ -n "$alive" ]; then
	for p in $alive; do st "RUNNING" "$p $(ps -o args= -p "$p")"; done
	ok=no
else
	st gone "keeper $KEEPER, holder $HOLDER; every process that was in the session's cgroups ($SESSION_PIDS)"
fi
# hier DIR: the name of the cgroup hierarchy DIR is in (its mount point's basename).
hier() {
	awk -v d="$1" '$9 ~ /^cgroup2?$/ && index(d, $5 "/") == 1 && length($5) > length(best) { best = $5; t = $9 }
		END { n = split(best, a, "/"); print (t == "cgroup2" ? "cgroup2" : a[n]) }' /proc/self/mountinfo
}
# Per level (session, user, carrel): one line naming the hierarchies.
for level in session user top; do
	removed='' kept=''
	for d in $SESSION_DIRS; do
		case $level in
		session) x=$d ;;
		user) x=$(dirname "$d") ;;
		top) x=$(dirname "$(dirname "$d")") ;;
		esac
		if [ -e "$x" ]; then
			if [ $level = session ]; then st "LEFT" "$x"; ok=no; else kept="$kept $(hier "$x")"; fi
		else
			removed="$removed $(hier "$d")"
		fi
	done
	case $level in
	session) what="carrel/user-$uid/session-$SESSION_ID" ;;
	user) what="carrel/user-$uid" ;;
	top) what="carrel" ;;
	esac
	[ -n "$removed" ] && st removed "cgroup $what in:$removed"
	if [ -n "$kept" ]; then
		case $level in
		user) st kept "cgroup $what in:$kept (the user has other sessions)" ;;
		top) st kept "cgroup $what in:$kept (other users' carrels)" ;;
		esac
	fi
done
left=$(ls -A /run/carrel/sessions 2>/dev/null | tr '\n' ' ')
if [ -n "$left" ]; then
	st "LEFT" "/run/carrel/sessions/$left"
	ok=no
else
	st removed "/run/carrel/sessions/{$(echo "$STATE_BEFORE" | tr ' ' ',')} (now empty)"
fi
hr
if [ "$ok" = yes ]; then
	echo "demo: OK"
else
	echo "demo: the carrel was not fully torn down" >&2
	exit 1
fi
