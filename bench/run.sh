#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# carrel's benchmark: what a carrel adds to a login, against the empty PAM
# stack and against other sandboxes started in the same invocation.
#
#   sudo bench/run.sh            (after `make`; `make bench` does both)
#
# Knobs (environment): BENCH_WARM=200 BENCH_COLD=50 BENCH_GAP_MS=200
#   BENCH_SCALE=500 BENCH_ROUNDS=10 BENCH_TRACE=5 BENCH_PEERS=1
#   BENCH_NICE=-10 BENCH_CPU_SHARES=10240 (every measured run, carrel and
#   peers alike, runs at this nice value in a cpu cgroup of this weight, so
#   that unrelated load on the machine disturbs it less)
#   BENCH_KEEP=DIR (copy the raw data there) CARREL_BENCH_OUT=FILE (the report)
#   BENCH_STEPS="warm cold trace attach profile spawn scale" (a subset runs
#   only those; the report marks the rest as not run); "rwsem" (not in the
#   default list) adds the what-if of the cgroup attach without its wait
#   BENCH_BEFORE=DIR: another built tree (e.g. a checkout of an earlier
#   commit, after `make`), measured in the same invocation: its warm series
#   interleaved with this tree's in every round, and its own scale run; the
#   report gets a before/after table.  Both trees' helpers have the same
#   compiled-in path: the one installed there is swapped between series.
#
# Like the integration suite, it never touches the host:
#   outer   (host)       makes a child cgroup "carrel-bench.PID" beneath the
#                        cgroup it runs in, in every hierarchy carrel may use
#                        (the sessions use cgroup_parent = self, so they land
#                        beneath it); afterwards reports and removes whatever
#                        is left there.
#   --enter              moves itself into those cgroups and re-executes
#                        itself in a private mount namespace.
#   --inner (namespace)  tmpfs over /usr/local and /run; passwd, group
#                        and shadow copies with the bench user bind-mounted
#                        over the originals; the built helper installed
#                        setuid at its compiled-in path; then the runs.
#
# What is measured (every figure: median, min, max over many runs):
#   warm   back-to-back open+close of a session by bench/driver (a fresh
#          forked child per session), carrel vs the empty stack (pam_permit);
#          and the peers running `true`: unshare (all namespaces), bwrap,
#          firejail.  Interleaved in rounds so that background load hits
#          every series alike.
#   cold   the same after BENCH_GAP_MS of idle before each run.
#   scale  BENCH_SCALE sessions held open at once: open latency at 1, 100,
#          500 live sessions, memory per session, logouts per second.
#   trace  one strace -f of a few sessions (warm, cold, and beside the
#          BENCH_SCALE live ones), cut into steps by phases.awk.
#   attach the first cgroup v1 attach after an idle gap, alone.
#   profile perf record of warm sessions, by process and library.
#   spawn  fork+exec vs posix_spawn, dynamic vs static: what-ifs for the helper.
set -u

B_SELF=$(readlink -f "$0")
B_HERE=$(dirname "$B_SELF")
B_REPO=$(cd "$B_HERE/.." && pwd)

BENCH_WARM=${BENCH_WARM:-200}
BENCH_COLD=${BENCH_COLD:-50}
BENCH_GAP_MS=${BENCH_GAP_MS:-200}
BENCH_SCALE=${BENCH_SCALE:-500}
BENCH_ROUNDS=${BENCH_ROUNDS:-10}
BENCH_TRACE=${BENCH_TRACE:-5}
BENCH_PEERS=${BENCH_PEERS:-1}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BENCH_NICE=${BENCH_NICE:--10}
BENCH_CPU_SHARES=${BENCH_CPU_SHARES:-10240}
BENCH_STEPS=${BENCH_STEPS:-warm cold trace attach profile spawn scale}
BENCH_BEFORE=${BENCH_BEFORE:+$(cd "$BENCH_BEFORE" && pwd)}
export BENCH_BEFORE BENCH_STEPS BENCH_CPU_SHARES BENCH_NICE BENCH_WARM BENCH_COLD BENCH_GAP_MS BENCH_SCALE BENCH_ROUNDS BENCH_TRACE BENCH_PEERS

B_USER=carrelbench
B_UID=61900

say() { printf '# %s\n' "$*" >&2; }

# mount_of, cg_discover
. "$B_HERE/../tests/cg-discover.sh"

# ------------------------------------------------------------------ outer

outer() {
	if [ "$(id -u)" != 0 ]; then
		echo "bench: needs root" >&2
		exit 77
	fi
	local t missing=()
	for t in unshare cc awk timeout install strace; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "bench: missing ${missing[*]}" >&2
		exit 77
	fi
	if [ ! -f "$B_REPO/pam_module/pam_carrel.so" ] || [ ! -f "$B_REPO/helper/carrel-helper" ] ||
		[ ! -f "$B_REPO/setuid/carrel-user" ]; then
		echo "bench: build first (make)" >&2
		exit 1
	fi
	if [ -n "$BENCH_BEFORE" ] && { [ ! -f "$BENCH_BEFORE/pam_module/pam_carrel.so" ] || [ ! -f "$BENCH_BEFORE/helper/carrel-helper" ]; }; then
		echo "bench: BENCH_BEFORE=$BENCH_BEFORE is not a built tree" >&2
		exit 1
	fi
	if [ ! -f /usr/include/security/pam_appl.h ]; then
		echo "bench: needs the libpam headers (libpam0g-dev)" >&2
		exit 77
	fi

	local rc_cg=0
	cg_make_own B "carrel-bench.$$" || rc_cg=$?
	if [ "$rc_cg" = 2 ]; then
		echo "bench: no memory and pids cgroup hierarchies found" >&2
		exit 77
	elif [ "$rc_cg" != 0 ]; then
		echo "bench: cannot create a cgroup beneath $CG_OWN_FAILED" >&2
		exit 77
	fi
	local made=()
	read -r -a made <<<"$CG_OWN_DIRS"
	export B_BENCHCG_DIRS="${made[*]}" B_CG_MEMORY B_CG_PIDS
	# In the cpu hierarchy the whole bench is one group, weighed against each
	# single task of the parent cgroup: give it the weight that nice gives a task.
	if [ -n "${B_CG_CPU:-}" ] && [ -w "$B_CG_CPU/cpu.shares" ]; then
		echo "$BENCH_CPU_SHARES" >"$B_CG_CPU/cpu.shares" || echo "bench: cannot set cpu.shares" >&2
	fi

	local out rc
	out=$(mktemp /tmp/carrel-bench.XXXXXX) || exit 1
	# The report comes back through fd 9: the namespace's /tmp is its own.
	timeout -k 10 "$BENCH_TIMEOUT" bash "$B_SELF" --enter 9>"$out"
	rc=$?
	[ "$rc" = 124 ] && echo "bench: timed out after ${BENCH_TIMEOUT}s" >&2

	# Whatever is left in our cgroup subtree was started by this run.
	local procs=() left=() d p leftover=0
	mapfile -t procs < <(cg_own_procs "${made[@]}")
	if [ ${#procs[@]} -gt 0 ]; then
		leftover=1
		echo "bench: LEFTOVER processes (killed): ${procs[*]}" >&2
		for p in "${procs[@]}"; do kill -KILL "${p%% *}" 2>/dev/null; done
		sleep 0.5
	fi
	mapfile -t left < <(cg_own_carrel_dirs "${made[@]}")
	if [ ${#left[@]} -gt 0 ]; then
		leftover=1
		echo "bench: LEFTOVER carrel cgroups: ${left[*]}" >&2
	fi
	for d in "${made[@]}"; do
		find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null || { echo "bench: could not remove $d" >&2; leftover=1; }
	done
	{
		if [ "$leftover" = 0 ]; then
			echo "Leftovers: none (no process or cgroup left beneath the bench cgroups; they are removed)."
		else
			echo "Leftovers: SOME (see stderr); cleaned up by run.sh."
		fi
	} >>"$out"
	cat "$out"
	if [ -n "${CARREL_BENCH_OUT:-}" ]; then cp "$out" "$CARREL_BENCH_OUT"; fi
	rm -f "$out"
	[ "$rc" = 0 ] && [ "$leftover" = 0 ]
}

enter() {
	local d
	for d in $B_BENCHCG_DIRS; do
		echo "$BASHPID" >"$d/cgroup.procs" || { echo "bench: cannot join $d" >&2; exit 1; }
	done
	# A net namespace of its own too: the nat series makes a bridge, carrel's
	# nftables table and forwarding there, never on the host.
	exec unshare --mount --net --propagation private -- bash "$B_SELF" --inner
}

# ------------------------------------------------------------------ namespace

W=/usr/local/carrel-bench
SESSIONS=/run/carrel/sessions
DRIVER=$W/bin/driver
PAMD=$W/pam.d
DATA=$W/data

setup() {
	mount -t tmpfs -o mode=0755 carrel-bench-usr-local /usr/local || return 1
	mount -t tmpfs -o mode=0755 carrel-bench-run /run || return 1
	mkdir -p "$W"/{bin,lib,conf/full,conf/nouser,etc} "$PAMD" "$DATA" /usr/local/libexec/carrel /run/lock
	# Snapshots of the built programs and module: the tree may be rebuilt
	# while we run.  $W/after is this tree, $W/before BENCH_BEFORE's.
	stage_tree after "$B_REPO" || return 1
	[ -z "$BENCH_BEFORE" ] || stage_tree before "$BENCH_BEFORE" || return 1
	use_tree after || return 1
	install -m 0644 "$W/after/pam_carrel.so" "$W/lib/pam_carrel.so" || return 1
	cc -O2 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -o "$DRIVER" "$B_HERE/driver.c" -lpam || return 1

	local f
	for f in passwd group shadow; do
		cp -p "/etc/$f" "$W/etc/$f" || return 1
		sed -i "/^$B_USER:/d" "$W/etc/$f"
	done
	if awk -F: -v id="$B_UID" '$3 == id { found = 1 } END { exit !found }' "$W/etc/passwd" "$W/etc/group"; then
		echo "bench: uid/gid $B_UID is taken on this machine" >&2
		return 1
	fi
	echo "$B_USER:x:$B_UID:$B_UID:carrel bench user:/tmp:/bin/bash" >>"$W/etc/passwd"
	echo "$B_USER:x:$B_UID:" >>"$W/etc/group"
	echo "$B_USER:*:19000:0:99999:7:::" >>"$W/etc/shadow"
	for f in passwd group shadow; do mount --bind "$W/etc/$f" "/etc/$f" || return 1; done

	# pids_max and memory_max apply to the user's cgroup, which holds all
	# BENCH_SCALE sessions (a holder and a login process each).
	local common=(
		'# written by bench/run.sh'
		'cgroup_parent = self'
		'exempt_users = {"root"}'
		'on_error = deny'
		'limits {'
		'    memory_max = 16G'
		"    pids_max = $((BENCH_SCALE * 4 + 256))"
		'}'
	)
	printf '%s\n' "${common[@]}" 'namespaces = {mnt, pid, ipc, uts, net, cgroup, user}' >"$W/conf/full/carrel.conf"
	printf '%s\n' "${common[@]}" 'namespaces = {mnt, pid, ipc, uts, net, cgroup}' >"$W/conf/nouser/carrel.conf"
	install -d -m 0755 "$W/conf/nat"
	printf '%s\n' "${common[@]}" 'namespaces = {mnt, pid, ipc, uts, net, cgroup, user}' 'network = nat' >"$W/conf/nat/carrel.conf"
	chmod 0644 "$W/conf/full/carrel.conf" "$W/conf/nouser/carrel.conf" "$W/conf/nat/carrel.conf"
	echo "session required $W/lib/pam_carrel.so config=$W/conf/nat/carrel.conf" >"$PAMD/bench-carrel-nat"
	echo "session required $W/lib/pam_carrel.so config=$W/conf/full/carrel.conf" >"$PAMD/bench-carrel"
	echo "session required $W/lib/pam_carrel.so config=$W/conf/nouser/carrel.conf" >"$PAMD/bench-carrel-nouser"
	echo "session required pam_permit.so" >"$PAMD/bench-empty"
	echo "session required $W/before/pam_carrel.so config=$W/conf/full/carrel.conf" >"$PAMD/bench-carrel-before"
	echo "session required $W/before/pam_carrel.so config=$W/conf/nat/carrel.conf" >"$PAMD/bench-carrel-nat-before"
	/usr/local/libexec/carrel/carrel-helper check-config "$W/conf/full/carrel.conf" >/dev/null || return 1
}

# The module's refusals ("refusing session for USER: STEP: DETAIL") go to
# syslog; the driver only sees PAM's code 14.  A listener of our own, bound
# over /dev/log in this mount namespace only, keeps them in $DATA/syslog for
# the report.  No /dev/log to cover (no syslog daemon): not captured.
setup_devlog() {
	local p=/dev/log
	[ -L "$p" ] && p=$(readlink -m "$p")
	: >"$DATA/syslog"
	[ -S "$p" ] || { say "no $p to cover: the module's refusal reasons are not captured"; return 0; }
	cc -O2 -Wall -o "$W/bin/testaid" "$B_HERE/../tests/integration/testaid.c" || return 1
	"$W/bin/testaid" devlog "$W/devlog.sock" "$DATA/syslog" >"$W/devlog.out" 2>&1 </dev/null &
	B_DEVLOG_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q listening "$W/devlog.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q listening "$W/devlog.out" && mount --bind "$W/devlog.sock" "$p"
}
B_DEVLOG_PID=

# stage_tree NAME DIR: copy DIR's built helper, holder and module to $W/NAME.
stage_tree() {
	mkdir -p "$W/$1" || return 1
	install -m 0644 "$2/pam_module/pam_carrel.so" "$W/$1/pam_carrel.so" || return 1
	install -m 0755 "$2/helper/carrel-helper" "$W/$1/carrel-helper" || return 1
	if [ -f "$2/holder/carrel-holder" ]; then
		install -m 0755 "$2/holder/carrel-holder" "$W/$1/carrel-holder" || return 1
	fi
	if [ -f "$2/net/carrel-net.so" ]; then
		install -m 0644 "$2/net/carrel-net.so" "$W/$1/carrel-net.so" || return 1
	fi
	git -C "$2" rev-parse --short HEAD >"$W/$1/commit" 2>/dev/null || echo "?" >"$W/$1/commit"
}

# use_tree NAME: install $W/NAME's helper (root only) and holder at their
# compiled-in paths, each by rename (running keepers keep their image).
# Each tree's module is its own file ($W/lib/pam_carrel.so for this tree).
use_tree() {
	local d=/usr/local/libexec/carrel
	[ "$CUR_TREE" = "$1" ] && return 0
	install -o root -g root -m 0755 "$W/$1/carrel-helper" "$d/.carrel-helper.new" &&
		mv -f "$d/.carrel-helper.new" "$d/carrel-helper" || return 1
	if [ -f "$W/$1/carrel-holder" ]; then
		install -o root -g root -m 0711 "$W/$1/carrel-holder" "$d/.carrel-holder.new" &&
			mv -f "$d/.carrel-holder.new" "$d/carrel-holder" || return 1
	else
		rm -f "$d/carrel-holder"
	fi
	if [ -f "$W/$1/carrel-net.so" ]; then
		install -o root -g root -m 0644 "$W/$1/carrel-net.so" "$d/.carrel-net.so.new" &&
			mv -f "$d/.carrel-net.so.new" "$d/carrel-net.so" || return 1
	fi
	CUR_TREE=$1
}
CUR_TREE=

# Kill what a session left (keeper, holder) by pid, from its state file.
kill_sessions() {
	local s p
	for s in "$SESSIONS"/*; do
		[ -f "$s" ] || continue
		while read -r p; do
			kill -KILL "$p" 2>/dev/null
		done < <(awk -F= '$1 == "keeper" || $1 == "holder" { print $2 }' "$s")
	done
}

# wait_no_sessions SECS: the state directory empties (bounded).
wait_no_sessions() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		[ -z "$(ls -A "$SESSIONS" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

# series NAME ARGS...: run the driver, append its per-run numbers as "NAME FIELD VALUE".
series() {
	local name=$1
	shift
	local raw=("$@" --raw)
	[ "$1" = --cmd ] && raw=("$1" "$2" --raw "${@:3}")
	timeout -k 5 600 nice -n "$BENCH_NICE" "$DRIVER" "${raw[@]}" 2> >(sed "s/^/$name: /" >>"$DATA/errors") |
		awk -v s="$name" '$1 == "iter" { for (i = 3; i <= NF; i++) { split($i, kv, "="); print s, kv[1], kv[2] } }' \
			>>"$DATA/raw"
}

carrel_serial() { series "$1" "$PAMD" "$2" "$B_USER" "${@:3}"; }
empty_serial() { series "$1" "$PAMD" bench-empty "$B_USER" "${@:2}"; }
cmd_series() {
	local name=$1 n=$2 gap=$3
	shift 3
	series "$name" --cmd "$n" --gap-ms "$gap" -- "$@"
}

PEER_UNSHARE=(unshare --user --map-root-user --mount --pid --fork --ipc --uts --net --mount-proc true)
PEER_BWRAP=(bwrap --unshare-all --proc /proc --dev /dev --tmpfs /tmp --ro-bind / / true)
PEER_FIREJAIL=(firejail --noprofile --net=none --private-tmp true)

peers_check() {
	HAVE_BWRAP=0
	HAVE_FIREJAIL=0
	if [ "$BENCH_PEERS" = 1 ]; then
		if command -v bwrap >/dev/null && "${PEER_BWRAP[@]}" >/dev/null 2>&1; then HAVE_BWRAP=1; fi
		if command -v firejail >/dev/null && timeout 20 "${PEER_FIREJAIL[@]}" >/dev/null 2>&1; then HAVE_FIREJAIL=1; fi
	fi
	if ! "${PEER_UNSHARE[@]}" >/dev/null 2>&1; then
		echo "bench: the unshare reference does not run here" >&2
		return 1
	fi
}

measure_warm() {
	local r per=$((BENCH_WARM / BENCH_ROUNDS)) fj=$(((BENCH_WARM / 4 + BENCH_ROUNDS - 1) / BENCH_ROUNDS))
	[ "$per" -ge 1 ] || per=1
	# Warm-up: page cache, dentries, the first cgroups.
	carrel_serial warmup bench-carrel 10
	if [ -n "$BENCH_BEFORE" ]; then
		use_tree before
		carrel_serial warmup bench-carrel-before 10
		use_tree after
	fi
	empty_serial warmup 5
	cmd_series warmup 5 0 "${PEER_UNSHARE[@]}"
	: >"$DATA/raw"
	for ((r = 1; r <= BENCH_ROUNDS; r++)); do
		say "warm round $r/$BENCH_ROUNDS"
		empty_serial empty "$per"
		carrel_serial carrel bench-carrel "$per"
		if [ -n "$BENCH_BEFORE" ]; then
			use_tree before
			carrel_serial before_carrel bench-carrel-before "$per"
			carrel_serial before_carrel_nat bench-carrel-nat-before "$per"
			use_tree after
		fi
		carrel_serial carrel_nouser bench-carrel-nouser "$per"
		carrel_serial carrel_nat bench-carrel-nat "$per"
		series carrel_exempt "$PAMD" bench-carrel root "$per"
		cmd_series true "$per" 0 true
		cmd_series helper_check "$per" 0 /usr/local/libexec/carrel/carrel-helper check-config "$W/conf/full/carrel.conf" --user "$B_USER"
		cmd_series unshare "$per" 0 "${PEER_UNSHARE[@]}"
		[ "$HAVE_BWRAP" = 1 ] && cmd_series bwrap "$per" 0 "${PEER_BWRAP[@]}"
		[ "$HAVE_FIREJAIL" = 1 ] && cmd_series firejail "$fj" 0 "${PEER_FIREJAIL[@]}"
		wait_no_sessions 10 || say "sessions still open after round $r"
	done
}

measure_cold() {
	local r rounds=5 per=$(((BENCH_COLD + 4) / 5)) g=$BENCH_GAP_MS
	for ((r = 1; r <= rounds; r++)); do
		say "cold round $r/$rounds (${g} ms idle before each run)"
		empty_serial cold_empty "$per" --gap-ms "$g"
		carrel_serial cold_carrel bench-carrel "$per" --gap-ms "$g"
		carrel_serial cold_carrel_nouser bench-carrel-nouser "$per" --gap-ms "$g"
		cmd_series cold_unshare "$per" "$g" "${PEER_UNSHARE[@]}"
	done
	wait_no_sessions 10 || say "sessions still open after the cold runs"
}

measure_scale() {
	local n=$BENCH_SCALE
	if [ -n "$BENCH_BEFORE" ]; then
		say "scale: $n carrel sessions of BENCH_BEFORE held at once"
		use_tree before
		timeout -k 5 900 nice -n "$BENCH_NICE" "$DRIVER" "$PAMD" bench-carrel-before "$B_USER" "$n" --concurrent \
			--memcg "$B_CG_MEMORY" --sessions-dir "$SESSIONS" --windows "1,100,$n" \
			>"$DATA/scale_before" 2>>"$DATA/errors"
		wait_no_sessions 30 || kill_sessions
		use_tree after
		sleep 1
	fi
	say "scale: $n empty-stack sessions held at once (reference)"
	timeout -k 5 900 nice -n "$BENCH_NICE" "$DRIVER" "$PAMD" bench-empty "$B_USER" "$n" --concurrent --memcg "$B_CG_MEMORY" \
		--windows "1,100,$n" >"$DATA/scale_empty" 2>>"$DATA/errors"
	sleep 1
	say "scale: $n carrel sessions held at once"
	rm -f "$DATA/release"
	timeout -k 5 900 nice -n "$BENCH_NICE" "$DRIVER" "$PAMD" bench-carrel "$B_USER" "$n" --concurrent --memcg "$B_CG_MEMORY" \
		--sessions-dir "$SESSIONS" --windows "1,100,$n" --hold-file "$DATA/release" --raw \
		>"$DATA/scale_carrel" 2>>"$DATA/errors" &
	local dpid=$! i
	for ((i = 0; i < 6000; i++)); do
		grep -q '^held ' "$DATA/scale_carrel" 2>/dev/null && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	# Where the time goes with N live: a few more sessions, traced, beside them.
	if grep -q '^held ' "$DATA/scale_carrel" 2>/dev/null; then
		smaps_mean >"$DATA/smaps"
		say "scale: tracing $BENCH_TRACE more sessions with $n live"
		trace_sessions "n$n" 0
	fi
	: >"$DATA/release"
	wait "$dpid"
	if ! wait_no_sessions 30; then
		say "scale: sessions left after the run: killing them"
		kill_sessions
	fi
	sleep 1
	say "scale: 100 carrel sessions held at once"
	timeout -k 5 300 nice -n "$BENCH_NICE" "$DRIVER" "$PAMD" bench-carrel "$B_USER" 100 --concurrent --memcg "$B_CG_MEMORY" \
		--sessions-dir "$SESSIONS" --windows "1,100" >"$DATA/scale_carrel100" 2>>"$DATA/errors"
	wait_no_sessions 30 || kill_sessions
}

# smaps_mean: the keepers', the holders' and the login processes'
# private dirty pages by mapping (kB), the mean over up to 50 live
# sessions (the first session's own figures are not typical: its keeper
# started from a helper that had loaded more).
smaps_mean() {
	local s w p n=0 raw
	raw=$(for s in "$SESSIONS"/*; do
		[ -f "$s" ] && grep -q '^keeper=' "$s" || continue
		for w in keeper holder login; do
			p=$(awk -F= -v k="$w" '$1 == k { print $2 }' "$s")
			[ -r "/proc/$p/smaps" ] || continue
			awk -v w="$w" '/^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "[anon:" last "]"; sub(/.*\//, "", name); if (NF >= 6) last = name }
				/^Private_Dirty:/ { pd[name] += $2 } /^Rss:/ { rss[name] += $2 }
				END { for (n in pd) if (pd[n] > 0) printf "%s %s %d %d\n", w, n, pd[n], rss[n] }' "/proc/$p/smaps"
		done
		echo "session"
		((++n >= 50)) && break
	done)
	awk '$1 == "session" { n++; next } { k = $1 " " $2; pd[k] += $3; rss[k] += $4 }
		END { if (n) for (k in pd) { split(k, a, " "); printf "%s %s %.1f %.1f\n", a[1], a[2], pd[k] / n, rss[k] / n } }' <<<"$raw" |
		sort -k1,1 -k3,3nr
}

# ------------------------------------------------------------------ phases

# One strace of BENCH_TRACE warm and BENCH_TRACE cold sessions (seccomp-bpf
# filtered: only the listed syscalls stop the tracee).
# Few syscalls, so that the trace disturbs little: openat (the helper's
# name-service lookups make hundreds) is left out; -y names the fds.
TRACE_SET=getpgid,execve,clone,clone3,exit_group,mkdir,rmdir,write,sendmsg,recvmsg,mount,setns,unshare,flock

trace_sessions() {
	local tag=$1 gap=$2
	timeout -k 5 300 nice -n "$BENCH_NICE" strace -f --seccomp-bpf -ttt -T -y -qq -e trace="$TRACE_SET" -o "$DATA/strace_$tag" \
		"$DRIVER" "$PAMD" bench-carrel "$B_USER" "$BENCH_TRACE" --gap-ms "$gap" --raw \
		>"$DATA/traced_$tag" 2>>"$DATA/errors"
	case $tag in n*) ;; *) wait_no_sessions 10 || kill_sessions ;; esac
}

# phases FILE: per-session step durations (ms), see phases.awk.
phases() { awk -f "$B_HERE/phases.awk" "$1"; }

# The cold-attach cost on its own: first cgroup.procs write after the gap.
attach_probe() {
	timeout -k 5 300 nice -n "$BENCH_NICE" "$DRIVER" --attach-probe "$B_CG_MEMORY" 20 "$BENCH_GAP_MS" \
		>"$DATA/attach_probe" 2>>"$DATA/errors"
}

# What-if for the cgroup v1 attach: the warm series again while
# `driver --rwsem-ready` keeps the kernel's cgroup_threadgroup_rwsem ready
# for writers (a child of its own moved between two cgroups of ours every
# millisecond), as the favordynmods mount option would for every write;
# interleaved, in the same rounds, with the same series without it.
measure_rwsem() {
	local r per=$((BENCH_WARM / BENCH_ROUNDS)) mp dir=${B_CG_PIDS:-$B_CG_MEMORY}
	[ "$per" -ge 1 ] || per=1
	: >"$DATA/rwsem_ready"
	for ((r = 1; r <= BENCH_ROUNDS; r++)); do
		say "rwsem what-if round $r/$BENCH_ROUNDS"
		empty_serial rw_empty "$per"
		carrel_serial rw_carrel bench-carrel "$per"
		cmd_series rw_unshare "$per" 0 "${PEER_UNSHARE[@]}"
		"$DRIVER" --rwsem-ready "$dir" 1 >>"$DATA/rwsem_ready" 2>>"$DATA/errors" &
		mp=$!
		sleep 0.2
		empty_serial rw_empty_ready "$per"
		carrel_serial rw_carrel_ready bench-carrel "$per"
		cmd_series rw_unshare_ready "$per" 0 "${PEER_UNSHARE[@]}"
		kill -TERM "$mp"
		wait "$mp" || say "rwsem what-if: the mover failed (round $r)"
		wait_no_sessions 10 || say "sessions still open after rwsem round $r"
	done
}

# What-ifs for the helper's start: fork+exec vs posix_spawn from a small and
# a larger login process, of a dynamic and a static trivial program.
spawn_probe() {
	printf 'int main(void) { return 0; }\n' >"$W/bin/nop.c"
	cc -O2 -o "$W/bin/nop-dynamic" "$W/bin/nop.c" || return 0
	cc -O2 -static -o "$W/bin/nop-static" "$W/bin/nop.c" 2>/dev/null || rm -f "$W/bin/nop-static"
	local mb prog
	: >"$DATA/spawn_probe"
	for mb in 2 64; do
		for prog in "$W/bin/nop-dynamic" "$W/bin/nop-static"; do
			[ -x "$prog" ] || continue
			timeout -k 5 300 nice -n "$BENCH_NICE" "$DRIVER" --spawn-probe "$mb" 40 "$prog" \
				>>"$DATA/spawn_probe" 2>>"$DATA/errors"
		done
	done
}

# A CPU profile of warm sessions by process and library (cpu-clock samples).
profile() {
	command -v perf >/dev/null || return 0
	timeout -k 5 300 nice -n "$BENCH_NICE" perf record -q -F 2999 -o "$DATA/perf.data" -- \
		"$DRIVER" "$PAMD" bench-carrel "$B_USER" 40 >/dev/null 2>>"$DATA/errors" || return 0
	wait_no_sessions 10 || kill_sessions
	perf report -i "$DATA/perf.data" --stdio --sort comm,dso -q 2>/dev/null |
		awk 'NF && $1 ~ /%$/ { sub(/%/, "", $1); if ($1 + 0 >= 0.5) print }' | head -n 25 >"$DATA/profile"
	perf report -i "$DATA/perf.data" --stdio --sort sym -q 2>/dev/null |
		awk 'NF && $1 ~ /%$/' | head -n 15 >"$DATA/profile_sym"
}

# ------------------------------------------------------------------ report

# stat_of NAME FIELD: "median min max n" over the raw runs.
stat_of() {
	awk -v s="$1" -v f="$2" '$1 == s && $2 == f { v[n++] = $3 + 0 }
	END {
		if (n == 0) { print "- - - 0"; exit }
		asort(v)
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%.2f %.2f %.2f %d\n", m, v[1], v[n], n
	}' "$DATA/raw"
}

med() { stat_of "$1" "$2" | cut -d' ' -f1; }
kv() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$1"; }
line_of() { grep -m1 "^$2" "$1" 2>/dev/null; }
# calc "A op B [op C...]": the arithmetic, or "-" when an operand is missing.
calc() {
	local -a t
	local i
	read -r -a t <<<"$*"
	[ $((${#t[@]} % 2)) = 1 ] || { echo "-"; return; }
	for ((i = 0; i < ${#t[@]}; i += 2)); do
		[[ "${t[i]}" =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || { echo "-"; return; }
	done
	awk "BEGIN { printf \"%.2f\", $* }" 2>/dev/null || echo "-"
}
verdict() {
	[[ "$1" =~ ^-?[0-9.]+$ && "$2" =~ ^-?[0-9.]+$ ]] || { echo "not measured"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? "PASS" : "MISS" }'
}
row() { # row LABEL NAME FIELD REF
	local st m mn mx n
	st=$(stat_of "$2" "$3")
	read -r m mn mx n <<<"$st"
	[ "$n" = 0 ] && { printf '| %s | (not run) | | | | |\n' "$1"; return; }
	printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$m" "$mn" "$mx" "$n" "$(calc "$m / $4")x"
}

report() {
	local u e c cn ce cu cc ccn wadd wadd_nu cadd cadd_nu
	u=$(med unshare outer)
	e=$(med empty outer)
	c=$(med carrel outer)
	cn=$(med carrel_nouser outer)
	ce=$(med cold_empty outer)
	cc=$(med cold_carrel outer)
	ccn=$(med cold_carrel_nouser outer)
	cu=$(med cold_unshare outer)
	wadd=$(calc "$c - $e")
	wadd_nu=$(calc "$cn - $e")
	cadd=$(calc "$cc - $ce")
	cadd_nu=$(calc "$ccn - $ce")

	echo "## carrel benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
	echo "- cgroups: v1 controllers $(awk -F: '$1 != 0 && $2 != "" { printf "%s%s", s, $2; s = "," }' /proc/self/cgroup); cgroup2 at /sys/fs/cgroup/unified ($(tr -s ' ' ',' </sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || echo none)); carrel used cgroup v$(kv "$(line_of "$DATA/scale_carrel" "mem ")" cgroup_version)"
	echo "- load average at start / end: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine adds noise: the series are interleaved in $BENCH_ROUNDS rounds, all run at nice $BENCH_NICE in a cpu cgroup with cpu.shares $BENCH_CPU_SHARES)"
	echo "- command: \`bench/run.sh\` (BENCH_WARM=$BENCH_WARM BENCH_COLD=$BENCH_COLD BENCH_GAP_MS=$BENCH_GAP_MS BENCH_SCALE=$BENCH_SCALE), commit $(git -C "$B_REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$B_REPO" diff --quiet HEAD -- helper pam_module conf 2>/dev/null || echo " + uncommitted changes to helper/pam_module/conf (diff sha256 $(git -C "$B_REPO" diff HEAD -- helper pam_module conf | sha256sum | cut -c1-12))")"
	echo
	echo "### Latency (ms, wall clock; ratio = median / unshare median)"
	echo
	echo "\`outer\` = fork of a child .. child reaped: the child runs pam_open_session + pam_close_session and exits."
	echo "Peers: the whole command (\`fork+exec+wait\`) running \`true\`."
	echo
	echo "| series | median | min | max | runs | / unshare |"
	echo "|---|---|---|---|---|---|"
	row "empty PAM stack (pam_permit), outer" empty outer "$u"
	row "carrel, 7 namespaces, outer" carrel outer "$u"
	row "carrel: pam_open_session" carrel open "$u"
	row "carrel: pam_close_session" carrel close "$u"
	row "carrel without user ns, outer" carrel_nouser outer "$u"
	row "carrel, network = nat, outer" carrel_nat outer "$u"
	row "carrel, network = nat: pam_open_session" carrel_nat open "$u"
	row "carrel, exempt user (root): the module alone, outer" carrel_exempt outer "$u"
	row "\`true\` (fork+exec)" true outer "$u"
	row "\`carrel-helper check-config CONF --user U\` (exec + config + policy)" helper_check outer "$u"
	row "unshare -U -r -m -p -f -i -u -n --mount-proc true" unshare outer "$u"
	if [ "$HAVE_BWRAP" = 1 ]; then row "bwrap --unshare-all ... true" bwrap outer "$u"; else echo "| bwrap | skipped: not available | | | | |"; fi
	if [ "$HAVE_FIREJAIL" = 1 ]; then row "firejail --noprofile --net=none --private-tmp true" firejail outer "$u"; else echo "| firejail | skipped: not installed or does not run here | | | | |"; fi
	row "cold: empty stack, outer" cold_empty outer "$u"
	row "cold: carrel, outer" cold_carrel outer "$u"
	row "cold: carrel: pam_open_session" cold_carrel open "$u"
	row "cold: carrel: pam_close_session" cold_carrel close "$u"
	row "cold: carrel without user ns, outer" cold_carrel_nouser outer "$u"
	row "cold: unshare" cold_unshare outer "$u"
	echo
	echo "Added latency (carrel outer - empty outer, medians): warm $wadd ms (without user ns $wadd_nu), cold $cadd ms (without user ns $cadd_nu); unshare warm $u ms, cold $cu ms."
	echo
	echo "network = nat over none (carrel_nat outer - carrel outer, warm medians; target <= 3 ms): $(calc "$(med carrel_nat outer) - $(med carrel outer)") ms."
	echo

	echo "### Scale: sessions held open at once"
	echo
	local f=$DATA/scale_carrel n=$BENCH_SCALE l1 l100 ln lall o1 o100 on mem mi mc mie mce cl td
	l1=$(line_of "$f" "open_at_1 ")
	l100=$(line_of "$f" "open_at_100 ")
	ln=$(line_of "$f" "open_at_$n ")
	lall=$(line_of "$f" "mode concurrent")
	o1=$(kv "$l1" median)
	o100=$(kv "$l100" median)
	on=$(kv "$ln" median)
	echo "$n carrel sessions opened one after another and held: $(kv "$lall" opened) opened, $(kv "$lall" failed) failed, in $(kv "$lall" open_all_s) s."
	echo "Open latency = pam_open_session in the child, median of the 20 opens ending at N live sessions (N=1: the first 20)."
	echo
	echo "| N live | median | min | max |"
	echo "|---|---|---|---|"
	echo "| 1 | $o1 | $(kv "$l1" min) | $(kv "$l1" max) |"
	echo "| 100 | $o100 | $(kv "$l100" min) | $(kv "$l100" max) |"
	echo "| $n | $on | $(kv "$ln" min) | $(kv "$ln" max) |"
	echo
	awk '$1 == "open" { v[n++] = $3 + 0 }
	function med(a, lo, hi,    b, k, i) { k = 0; for (i = lo; i < hi; i++) b[k++] = a[i]; asort(b); return k % 2 ? b[(k + 1) / 2] : (b[k / 2] + b[k / 2 + 1]) / 2 }
	END { if (n >= 100) printf "Over more opens: median of opens 1-50 %.2f ms, of opens %d-%d %.2f ms (%.2fx).\n", med(v, 0, 50), n - 49, n, med(v, n - 50, n), med(v, n - 50, n) / med(v, 0, 50) }' "$f"
	cl=$(line_of "$f" "close n=")
	td=$(line_of "$f" "teardown ")
	local cl100 td100
	cl100=$(line_of "$DATA/scale_carrel100" "close n=")
	td100=$(line_of "$DATA/scale_carrel100" "teardown ")
	echo "Logout (all released at once): $n closes returned in $(kv "$cl" all_closed_s) s = $(kv "$cl" logouts_per_s) logouts/s; every session's state gone after $(kv "$td" all_state_gone_s) s = $(kv "$td" teardowns_per_s) teardowns/s."
	echo "At 100: closes in $(kv "$cl100" all_closed_s) s = $(kv "$cl100" logouts_per_s) logouts/s; state gone after $(kv "$td100" all_state_gone_s) s = $(kv "$td100" teardowns_per_s)/s."
	echo
	mem=$(line_of "$f" "mem ")
	mi=$(line_of "$f" "meminfo_per_session_kb")
	mc=$(line_of "$f" "memcg_per_session_kb")
	mie=$(line_of "$DATA/scale_empty" "meminfo_per_session_kb")
	mce=$(line_of "$DATA/scale_empty" "memcg_per_session_kb")
	local ucg ucge kcg kcge allin
	ucg=$(kv "$mc" usage); ucge=$(kv "$mce" usage); kcg=$(kv "$mc" kmem); kcge=$(kv "$mce" kmem)
	allin=$(calc "$ucg - $ucge")
	echo "Memory per session with $n live (kB). The login processes themselves are the driver's children;"
	echo "the empty-stack run with $n children held the same way is subtracted where marked."
	echo
	echo "| what | carrel | empty stack | carrel - empty |"
	echo "|---|---|---|---|"
	echo "| keeper VmRSS / PSS / Private_Dirty / page tables | $(kv "$mem" keeper_rss_kb) / $(kv "$mem" keeper_pss_kb) / $(kv "$mem" keeper_privdirty_kb) / $(kv "$mem" keeper_pte_kb) | | |"
	echo "| holder VmRSS / PSS / Private_Dirty / page tables | $(kv "$mem" holder_rss_kb) / $(kv "$mem" holder_pss_kb) / $(kv "$mem" holder_privdirty_kb) / $(kv "$mem" holder_pte_kb) | | |"
	echo "| memcg usage (user + kernel, whole bench cgroup tree) | $ucg | $ucge | **$allin** |"
	echo "| memcg kmem | $kcg | $kcge | $(calc "$kcg - $kcge") |"
	local lm lme
	lm=$(line_of "$f" "login_mem ")
	lme=$(line_of "$DATA/scale_empty" "login_mem ")
	echo "| login process (the driver child) VmRSS / PSS / Private_Dirty / page tables | $(kv "$lm" rss_kb) / $(kv "$lm" pss_kb) / $(kv "$lm" privdirty_kb) / $(kv "$lm" pte_kb) | $(kv "$lme" rss_kb) / $(kv "$lme" pss_kb) / $(kv "$lme" privdirty_kb) / $(kv "$lme" pte_kb) | $(calc "$(kv "$lm" privdirty_kb) - $(kv "$lme" privdirty_kb)") private dirty |"
	local k
	for k in slab sunreclaim kernelstack pagetables percpu anon memfree_drop; do
		echo "| /proc/meminfo $k (machine-wide, noisy) | $(kv "$mi" "$k") | $(kv "$mie" "$k") | $(calc "$(kv "$mi" "$k") - $(kv "$mie" "$k")") |"
	done
	echo

	if [ -s "$DATA/smaps" ]; then
		echo "Private dirty pages of a keeper, a holder and a login process (the driver child) by mapping, the mean over up to 50 sessions, with $n live (kB; rss in brackets):"
		echo
		echo '```'
		awk '{ printf "%-7s %-28s %6.1f  (%.1f)\n", $1, $2, $3, $4 }' "$DATA/smaps"
		echo '```'
		echo
	fi
	echo "### Where the time goes (strace -f of $BENCH_TRACE warm and $BENCH_TRACE cold sessions)"
	echo
	echo "strace (seccomp-bpf filtered to the marker syscalls) slows the traced path: traced open medians are warm $(awk '$1 == "iter" { split($3, a, "="); print a[2] }' "$DATA/traced_warm" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms and cold $(awk '$1 == "iter" { split($3, a, "="); print a[2] }' "$DATA/traced_cold" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms against $(med carrel open) / $(med cold_carrel open) untraced. Kernel time inside one syscall (clone3, writes to cgroup.procs, mounts) is hardly affected; the gaps between syscalls are. Medians per step, ms:"
	echo
	phases "$DATA/strace_warm" >"$DATA/phases_warm"
	phases "$DATA/strace_cold" >"$DATA/phases_cold"
	phases "$DATA/strace_n$BENCH_SCALE" >"$DATA/phases_n" 2>/dev/null
	echo "| step | what | warm | cold | warm, $BENCH_SCALE live |"
	echo "|---|---|---|---|---|"
	local step what
	while IFS='|' read -r step what; do
		printf '| %s | %s | %s | %s | %s |\n' "$step" "$what" "$(phase_med "$DATA/phases_warm" "$step")" \
			"$(phase_med "$DATA/phases_cold" "$step")" "$(phase_med "$DATA/phases_n" "$step")"
	done <<'EOF'
module|pam_open_session .. the module forks the helper (getpwnam, config, policy in the module)
exec|fork + execve of the setuid helper
helper|helper: dynamic loading, config, policy, lock, session id .. first cgroup mkdir
cg_create|cgroup mkdirs (3 levels x 6 hierarchies) + limit writes .. fork of the keeper
keeper_fork|fork of the keeper .. its clone3
clone3|clone3 of the holder with the new namespaces (kernel time)
idmap|uid_map / gid_map writes
to_go|.. the keeper lets the holder go (holder's cgroup attach)
to_reply|go .. keeper sends the reply (holder setup, login attach, state file, socket)
reply|keeper's sendmsg .. the module has the reply
join|module: reply .. pam_open_session returns (setns, no_new_privs, seccomp)
open_total|**the whole pam_open_session, traced** (sum of the above)
lock_wait|detail: the helper's wait for the global carrel lock (flock)
attach_holder|detail: writes of the holder's pid to the session's cgroup.procs (sum)
attach_login|detail: writes of the login process's pid (sum)
attach_max|detail: the slowest single cgroup.procs write
holder_setup|detail: holder from go to ready (cgroup ns, mounts, hostname, lo, drop privileges)
holder_mounts|detail: of which mount(2) kernel time
close|**the whole pam_close_session** + exit of the login process
moveback|detail: keeper moves the login process back (writes to the original cgroup.procs)
teardown|after close: close starts .. keeper exits (kill holder, rmdir, state; asynchronous)
rmdir|detail: the session cgroups' rmdir, with retries while busy
EOF
	echo

	local apg apw
	apg=$(line_of "$DATA/attach_probe" "attach_after_gap ")
	apw=$(line_of "$DATA/attach_probe" "attach_right_after ")
	echo "### The cold path: first cgroup v1 attach after an idle gap"
	echo
	echo "One write of a pid to a (v1 memory) cgroup.procs after ${BENCH_GAP_MS} ms of idle, then a second one right after, 20 times (\`driver --attach-probe\`):"
	echo "after the gap median $(kv "$apg" median) ms (min $(kv "$apg" min), max $(kv "$apg" max)); right after median $(kv "$apw" median) ms (max $(kv "$apw" max))."
	echo "Other work on the machine that writes cgroup.procs anywhere shortens the wait: the rwsem is global."
	echo
	if [ -s "$DATA/rwsem_ready" ]; then
		local rwe rwc rwu rwer rwcr rwur
		rwe=$(med rw_empty outer) rwc=$(med rw_carrel outer) rwu=$(med rw_unshare outer)
		rwer=$(med rw_empty_ready outer) rwcr=$(med rw_carrel_ready outer) rwur=$(med rw_unshare_ready outer)
		echo "### What-if: the cgroup rwsem kept ready for writers (\`driver --rwsem-ready\`, as the favordynmods mount option would)"
		echo
		echo "Warm series, interleaved in $BENCH_ROUNDS rounds: each round runs the empty stack, carrel and unshare, then the same three while a child of the bench is moved between two cgroups of its own every millisecond (moves per round: $(awk '/^moves/ { printf "%s ", $2 }' "$DATA/rwsem_ready")). Medians, ms."
		echo
		echo "| | empty stack | carrel | carrel - empty | unshare | (carrel - empty) / unshare |"
		echo "|---|---|---|---|---|---|"
		local d dr
		d=$(calc "$rwc - $rwe") dr=$(calc "$rwcr - $rwer")
		echo "| as the host is | $rwe | $rwc | $d | $rwu | $(calc "$d / $rwu")x |"
		echo "| rwsem kept ready | $rwer | $rwcr | $dr | $rwur | $(calc "$dr / $rwur")x |"
		echo
	fi
	if [ -s "$DATA/spawn_probe" ]; then
		echo "### What-if: starting the helper (\`driver --spawn-probe\`, 40 runs each, medians in ms)"
		echo
		echo "| login process touched | program | fork + execve | posix_spawn (vfork) |"
		echo "|---|---|---|---|"
		awk '/^mode spawn-probe/ { for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "mb") mb = a[2]; if (a[1] == "prog") { p = a[2]; sub(/.*\//, "", p) } } }
		     /^fork_exec / { for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "median") f = a[2] } }
		     /^posix_spawn / { for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "median") printf "| %s MB | %s | %s | %s |\n", mb, p, f, a[2] } }' "$DATA/spawn_probe"
		echo
	fi
	if [ -s "$DATA/profile" ]; then
		echo "### CPU profile of 40 warm sessions (perf record -F 2999, cpu-clock; % of all samples)"
		echo
		echo "By process and object (the driver child is the login process running the module; comm changes at exec / PR_SET_NAME):"
		echo
		echo '```'
		cat "$DATA/profile"
		echo '```'
		echo
		echo "Top symbols:"
		echo
		echo '```'
		cat "$DATA/profile_sym"
		echo '```'
		echo
	fi
	[ -n "$BENCH_BEFORE" ] && report_before_after "$u" "$e"
	echo "### Targets (reported, not asserted)"
	echo
	echo "| target | measured | verdict |"
	echo "|---|---|---|"
	echo "| warm added latency <= 1.0x unshare | $wadd ms vs $u ms = $(calc "$wadd / $u")x | $(verdict "$wadd" "$u") |"
	echo "| cold added latency <= 1.5x warm | $cadd ms vs $wadd ms = $(calc "$cadd / $wadd")x | $(verdict "$cadd" "$(calc "1.5 * $wadd")") |"
	echo "| open latency at N=$n within 1.2x of N=1 | $on ms vs $o1 ms = $(calc "$on / $o1")x | $(verdict "$on" "$(calc "1.2 * $o1")") |"
	echo "| <= 600 kB per session, all in (memcg, minus empty stack) | $allin kB | $(verdict "$allin" 600) |"
	echo
	if [ -s "$DATA/errors" ]; then
		echo "Errors reported by the driver (first 10 lines):"
		echo
		echo '```'
		head -n 10 "$DATA/errors"
		echo '```'
		echo
	fi
	if grep -q 'refusing session' "$DATA/syslog" 2>/dev/null; then
		echo "The module's refusals (syslog; count, step and detail):"
		echo
		echo '```'
		sed -n 's/^.*refusing session for [^:]*: //p' "$DATA/syslog" | sort | uniq -c | sort -rn | head -n 10
		echo '```'
		echo
	fi
}

# The before/after table (BENCH_BEFORE): U = unshare median, E = empty stack median.
report_before_after() {
	local u=$1 e=$2 b a bo ao bm am bme bl1 al1 bln aln n=$BENCH_SCALE
	b=$(med before_carrel outer)
	a=$(med carrel outer)
	bo=$(med before_carrel open)
	ao=$(med carrel open)
	bm=$(line_of "$DATA/scale_before" "mem ")
	am=$(line_of "$DATA/scale_carrel" "mem ")
	bme=$(kv "$(line_of "$DATA/scale_empty" "memcg_per_session_kb")" usage)
	bl1=$(line_of "$DATA/scale_before" "open_at_1 ")
	al1=$(line_of "$DATA/scale_carrel" "open_at_1 ")
	bln=$(line_of "$DATA/scale_before" "open_at_$n ")
	aln=$(line_of "$DATA/scale_carrel" "open_at_$n ")
	local ball aall
	ball=$(calc "$(kv "$(line_of "$DATA/scale_before" "memcg_per_session_kb")" usage) - $bme")
	aall=$(calc "$(kv "$(line_of "$DATA/scale_carrel" "memcg_per_session_kb")" usage) - $bme")
	echo "### Before / after, same invocation"
	echo
	echo "before = BENCH_BEFORE ($BENCH_BEFORE, commit $(cat "$W/before/commit")), after = this tree (commit $(cat "$W/after/commit")); warm series interleaved in the same $BENCH_ROUNDS rounds, scale runs back to back; the same empty-stack and unshare reference."
	echo
	echo "| what | before | after | after / before |"
	echo "|---|---|---|---|"
	local wb wa
	wb=$(calc "$b - $e")
	wa=$(calc "$a - $e")
	echo "| warm added latency, ms (carrel outer - empty outer, medians) | $wb | $wa | $(calc "$wa / $wb")x |"
	echo "| warm added latency / unshare ($u ms) | $(calc "$wb / $u")x | $(calc "$wa / $u")x | |"
	echo "| pam_open_session, warm median, ms | $bo | $ao | $(calc "$ao / $bo")x |"
	local nb na
	nb=$(calc "$(med before_carrel_nat outer) - $b")
	na=$(calc "$(med carrel_nat outer) - $a")
	echo "| network = nat over none, warm, ms (nat outer - none outer, medians) | $nb | $na | $(calc "$na / $nb")x |"
	echo "| memory per session, all in (memcg, minus empty stack), kB, $n live | $ball | $aall | $(calc "$aall / $ball")x |"
	local w
	for w in keeper holder; do
		echo "| $w VmRSS / PSS / Private_Dirty / page tables, kB | $(kv "$bm" ${w}_rss_kb) / $(kv "$bm" ${w}_pss_kb) / $(kv "$bm" ${w}_privdirty_kb) / $(kv "$bm" ${w}_pte_kb) | $(kv "$am" ${w}_rss_kb) / $(kv "$am" ${w}_pss_kb) / $(kv "$am" ${w}_privdirty_kb) / $(kv "$am" ${w}_pte_kb) | |"
	done
	echo "| open latency at N=1 / N=$n, ms (medians) | $(kv "$bl1" median) / $(kv "$bln" median) | $(kv "$al1" median) / $(kv "$aln" median) | |"
	echo
}

phase_med() {
	awk -v k="$2" '{ for (i = 3; i <= NF; i++) { split($i, a, "="); if (a[1] == k) v[n++] = a[2] + 0 } }
	END { if (!n) { print "-"; exit } asort(v); m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2; printf "%.2f\n", m }' "$1"
}

inner() {
	cd "$B_REPO" || exit 1
	ip link set lo up 2>/dev/null
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	setup || { echo "bench: setup failed" >&2; exit 1; }
	setup_devlog || { echo "bench: /dev/log listener failed" >&2; exit 1; }
	trap 'kill_sessions; [ -z "$B_DEVLOG_PID" ] || kill "$B_DEVLOG_PID" 2>/dev/null' EXIT
	peers_check || exit 1
	: >"$DATA/errors"
	: >"$DATA/raw"
	local step
	for step in $BENCH_STEPS; do
		case $step in
		warm) say "warm runs"; measure_warm ;;
		cold) say "cold runs"; measure_cold ;;
		trace) say "phases (strace)"; trace_sessions warm 0; trace_sessions cold "$BENCH_GAP_MS" ;;
		attach) say "cold attach probe"; attach_probe ;;
		profile) say "profile (perf)"; profile ;;
		spawn) say "spawn probe"; spawn_probe ;;
		rwsem) say "rwsem what-if"; measure_rwsem ;;
		scale) say "scale"; measure_scale ;;
		*) echo "bench: unknown step $step" >&2 ;;
		esac
	done
	report | tee /dev/fd/9 >/dev/null
	[ -n "${BENCH_KEEP:-}" ] && cp -r "$DATA" "$BENCH_KEEP"
	wait_no_sessions 10 || { kill_sessions; echo "bench: sessions were left and killed" >&2; }
	return 0
}

case "${1:-}" in
--inner) inner ;;
--enter) enter ;;
*) outer ;;
esac
