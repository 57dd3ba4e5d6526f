# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/integration/run.sh and bench/run.sh: where this process's
# cgroups are, so that a suite creates its own cgroups beneath them only.
# shellcheck shell=bash

# mount_of FSTYPE [CONTROLLER]: "MOUNTPOINT ROOT" of the first such cgroup mount.
mount_of() {
	awk -v fs="$1" -v c="${2:-}" '{
		for (i = 7; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) != fs) next
		if (c != "") {
			n = split($(i + 3), o, ","); f = 0
			for (j = 1; j <= n; j++) if (o[j] == c) f = 1
			if (!f) next
		}
		print $5, $4; exit
	}' /proc/self/mountinfo
}

# cg_discover: "KEY DIR" for each hierarchy carrel may use, DIR = our cgroup there.
cg_discover() {
	local id ctrls path c mp root rel
	while IFS=: read -r id ctrls path; do
		if [ "$id" = 0 ] && [ -z "$ctrls" ]; then
			read -r mp root < <(mount_of cgroup2)
			set -- unified
		else
			set --
			for c in ${ctrls//,/ }; do
				case $c in memory | pids | cpu | cpuacct | freezer | blkio | cpuset | devices | hugetlb | perf_event) set -- "$@" "$c" ;; esac
			done
			[ $# -gt 0 ] || continue
			read -r mp root < <(mount_of cgroup "$1")
		fi
		[ -n "${mp:-}" ] || continue
		rel=$path
		[ "$root" != / ] && rel=${path#"$root"}
		for c in "$@"; do echo "$c $mp${rel%/}"; done
		mp=
	done </proc/self/cgroup
}

# cg_make_own PREFIX NAME: a cgroup NAME of our own beneath ours in each
# hierarchy carrel may use.  Exports PREFIX_CG_KEY=DIR/NAME per hierarchy
# (PREFIX_CG_MEMORY, PREFIX_CG_PIDS, ...) and sets CG_OWN_DIRS to the
# directories made (one per mount).  Returns 2 without a memory and a pids
# hierarchy, 1 when a mkdir fails (CG_OWN_FAILED names where; what was made
# is removed again).
cg_make_own() {
	local prefix=$1 name=$2 key dir mem pids dirs=() made=() m
	CG_OWN_DIRS= CG_OWN_FAILED=
	while read -r key dir; do
		export "${prefix}_CG_${key^^}=$dir/$name"
		case " ${dirs[*]} " in *" $dir "*) ;; *) dirs+=("$dir") ;; esac
	done < <(cg_discover)
	mem=${prefix}_CG_MEMORY pids=${prefix}_CG_PIDS
	[ -n "${!mem:-}" ] && [ -n "${!pids:-}" ] || return 2
	for dir in "${dirs[@]}"; do
		if ! mkdir "$dir/$name"; then
			CG_OWN_FAILED=$dir
			for m in "${made[@]}"; do rmdir "$m"; done
			return 1
		fi
		made+=("$dir/$name")
		# A v1 cpuset takes no task until it has CPUs and memory nodes.
		if [ -f "$dir/cpuset.cpus" ] && [ -f "$dir/cpuset.mems" ] && [ ! -f "$dir/cgroup.controllers" ]; then
			cat "$dir/cpuset.cpus" >"$dir/$name/cpuset.cpus"
			cat "$dir/cpuset.mems" >"$dir/$name/cpuset.mems"
		fi
	done
	CG_OWN_DIRS="${made[*]}"
}

# cg_own_procs DIR...: "PID COMMAND LINE" of each process beneath the DIRs
# (what a run left behind), one a line.
cg_own_procs() {
	local d p
	for d in "$@"; do
		while read -r p; do echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done \
			< <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
	done
}

# cg_own_carrel_dirs DIR...: carrel's cgroups left beneath the DIRs, one a line.
cg_own_carrel_dirs() {
	local d
	for d in "$@"; do find "$d" -mindepth 1 -type d -path '*/carrel/*'; done
}
