# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by t-90-userns.sh, t-91-hardening.sh and t-92-hostile.sh.  Each
# of them sources lib.sh and common.sh from $T_SHARE, finds the directory
# that holds this file (SRC: $T_SHARE if run.sh installs the t9x-* files
# there, else the repository's tests/integration), and sources it.
#
# t9x_stage SRC copies or builds what the three scripts need into $T9X
# ($T_SHARE/t9x: world-readable, on the suite's /usr/local tmpfs, which is
# not nosuid):
#   t9x-aid             SRC/t9x-aid.c (tiocsti, fds, argc, argc0)
#   t9x-preload.so      the same file built as a library that leaves a marker
#                       in $T9X_MARK (1777) in every process that loads it
#   seccomp_probe       $T_SHARE/seccomp_probe if run.sh installs it; else
#                       tests/unit/seccomp_probe as `make check` built it;
#                       else built here from tests/unit/seccomp_probe.c
#   userns-probe.sh     SRC/t9x-userns-probe.sh
#   id-suid             a copy of /usr/bin/id, root-owned, mode 4755
#   helper_call         $T_SHARE/helper_call (run.sh installs it)
#
# Scripts using this keep their process count low: the machine these tests
# run on is often busy, and every fork of a test script costs there.

T9X=$T_SHARE/t9x
T9X_MARK=$T_WORK/out/t9x-markers

# as USER CMD...: CMD as USER (uid, gid, groups; the user's environment)
# without a PAM session, i.e. outside any carrel.
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups --reset-env -- "$@"
}

# t9x_stage SRC: build and copy the files above into $T9X (once per run).
t9x_stage() {
	local src=$1 unit=$1/../unit
	[ -e "$T9X/.staged" ] && return 0
	install -d -m 0755 "$T9X" || return 1
	install -d -m 1777 "$T9X_MARK" || return 1
	cc -O2 -Wall -o "$T9X/t9x-aid" "$src/t9x-aid.c" || return 1
	cc -O2 -Wall -shared -fPIC -DT9X_PRELOAD -DT9X_MARKER_DIR="\"$T9X_MARK\"" \
		-o "$T9X/t9x-preload.so" "$src/t9x-aid.c" || return 1
	if [ -x "$T_SHARE/seccomp_probe" ]; then
		install -m 0755 "$T_SHARE/seccomp_probe" "$T9X/seccomp_probe" || return 1
	elif [ -x "$unit/seccomp_probe" ]; then
		install -m 0755 "$unit/seccomp_probe" "$T9X/seccomp_probe" || return 1
	elif [ -f "$unit/seccomp_probe.c" ]; then
		cc -O2 -o "$T9X/seccomp_probe" "$unit/seccomp_probe.c" -lpthread || return 1
	else
		echo "no seccomp_probe: neither $T_SHARE/seccomp_probe nor $unit/seccomp_probe(.c)"
		return 1
	fi
	install -m 0755 "$src/t9x-userns-probe.sh" "$T9X/userns-probe.sh" || return 1
	install -o root -g root -m 4755 /usr/bin/id "$T9X/id-suid" || return 1
	if [ -x "$T_SHARE/helper_call" ]; then
		install -m 0755 "$T_SHARE/helper_call" "$T9X/helper_call" || return 1
	fi
	: >"$T9X/.staged"
}

# t9x_phase TEXT: a comment line with the seconds since the script started.
t9x_phase() { diag "[${SECONDS}s] $*"; }

# ---------------------------------------------------------------- configs

T9X_PAM_SAVE=$T_WORK/tmp/t9x-pam-save.$$
T9X_PAM_FILES="sshd-carrel-test login su su-l"

# t9x_config NAME LINE...: $T_WORK/conf/t9x-NAME/carrel.conf, root-owned
# 0644: the suite's config ($T_CONF) followed by LINE...; prints its path.
t9x_config() {
	local dir=$T_WORK/conf/t9x-$1
	shift
	install -d -m 0755 "$dir"
	{
		cat "$T_CONF"
		echo "# t9x case"
		printf '%s\n' "$@"
	} >"$dir/carrel.conf"
	chown root:root "$dir/carrel.conf"
	chmod 0644 "$dir/carrel.conf"
	echo "$dir/carrel.conf"
}

# t9x_use_config PATH: sshd, login, su and su-l load PATH (the config=
# argument of their pam_carrel lines); t9x_restore_pam puts the suite's
# files back, and so does the script's exit, whatever happens.
t9x_use_config() {
	local f
	if [ ! -d "$T9X_PAM_SAVE" ]; then
		mkdir -p "$T9X_PAM_SAVE"
		for f in $T9X_PAM_FILES; do
			[ -f "/etc/pam.d/$f" ] && cp -p "/etc/pam.d/$f" "$T9X_PAM_SAVE/$f"
		done
		t_on_exit t9x_restore_pam
	fi
	for f in $T9X_PAM_FILES; do
		[ -f "/etc/pam.d/$f" ] || continue
		sed -i "/pam_carrel\.so/ s#config=[^[:space:]]*#config=$1#" "/etc/pam.d/$f"
	done
}
t9x_restore_pam() {
	local f
	[ -d "$T9X_PAM_SAVE" ] || return 0
	for f in $T9X_PAM_FILES; do
		[ -f "$T9X_PAM_SAVE/$f" ] && cp -p "$T9X_PAM_SAVE/$f" "/etc/pam.d/$f"
	done
	return 0
}

# ---------------------------------------------------------------- login on tmux

T9X_TMUX=$T_WORK/tmp/t9x-tmux.$$.sock
t9x_tmux() { tmux -S "$T9X_TMUX" "$@"; }
t_on_exit "tmux -S '$T9X_TMUX' kill-server"

# t9x_login NAME USER: a tmux session NAME whose pane runs `login -f USER`;
# waits (20 s) for the shell prompt; sets PANE_PID.  1 if no prompt.
# t9x_login_start and t9x_login_wait are its two halves (the pane's pty is
# allocated when t9x_login_start returns).
t9x_login() { t9x_login_start "$@" && t9x_login_wait "$1"; }
t9x_login_wait() { wait_until 20 t9x_prompt "$1"; }
t9x_login_start() {
	local s=$1 user=$2 srv
	PANE_PID=
	if t9x_tmux has-session 2>/dev/null; then
		t9x_tmux new-session -d -s "$s" -x 200 -y 50 "exec login -f $user" </dev/null || return 1
	else
		t9x_tmux -f /dev/null new-session -d -s "$s" -x 200 -y 50 "exec login -f $user" </dev/null || return 1
		srv=$(t9x_tmux display-message -p '#{pid}' 2>/dev/null)
		[ -n "$srv" ] && t_track_pid "$srv"
	fi
	# shellcheck disable=SC2034 # for the caller
	PANE_PID=$(t9x_tmux list-panes -t "$s" -F '#{pane_pid}' 2>/dev/null)
	[ -n "$PANE_PID" ]
}
t9x_pane() { t9x_tmux capture-pane -p -t "$1" 2>/dev/null; }
t9x_prompt() { t9x_pane "$1" | grep -q '\$ *$'; }
# t9x_type NAME TEXT: type TEXT and Enter into the pane.
t9x_type() { t9x_tmux send-keys -t "$1" "$2" Enter; }

# ---------------------------------------------------------------- probe output

# t9x_load FILE: the probe output FILE (key=value lines, carriage returns of
# a pty dropped) into the associative array P (first value of each key) and
# the array PS (every ps= line).  Builtins only.
declare -A P
PS=()
t9x_load() {
	local line k
	P=()
	PS=()
	[ -f "$1" ] || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		[[ $line == *=* ]] || continue
		k=${line%%=*}
		if [ "$k" = ps ]; then
			PS+=("${line#ps=}")
		elif [ -z "${P[$k]+set}" ]; then
			P[$k]=${line#*=}
		fi
	done <"$1"
	return 0
}

# ---------------------------------------------------------------- sessions

# t9x_memcg ID: the session's memory cgroup directory.
t9x_memcg() { awk -F= -v p="$T_CG_MEMORY/" '$1 == "cgroup" && index($2, p) == 1 { print substr($0, 8); exit }' "$SESSIONS_DIR/$1" 2>/dev/null; }

# t9x_save_state ID: what assert_torn_down needs, as assert_session_live
# saves it (the state file and the session's processes).
t9x_save_state() {
	local k d
	cp "$SESSIONS_DIR/$1" "$(saved_state "$1")" 2>/dev/null || return 1
	while IFS='=' read -r k d; do
		[ "$k" = cgroup ] && cat "$d/cgroup.procs" 2>/dev/null
	done <"$SESSIONS_DIR/$1" | sort -u >"$(saved_state "$1").pids"
}

# t9x_check_procs NAME ID USERNS PIDNS KIND: from the host side, every
# process in the session's memory cgroup but the login program's own is in
# the session's user namespace (USERNS and PIDNS as the probe read them
# inside, "user:[INODE]"), has no uid 0 (real, effective, saved or fs) and
# no effective capability (sshd's post-auth child, which joins the user
# namespace as root, included).
# KIND sshd: the login process (sshd's monitor) must be outside the user
# namespace.  KIND inside (su, login): it joined the user namespace as host
# root; it must at least stay outside the session's pid namespace, where no
# process of the session can see it.
t9x_check_procs() {
	local name=$1 id=$2 uns=${3##*[} pidns=${4##*[} kind=$5 login d p u1 u2 u3 u4 ino bad=() n=0 seen=()
	local -A US UP UID4 CAPE
	uns=${uns%]}
	pidns=${pidns%]}
	login=$(state_field "$id" login)
	d=$(t9x_memcg "$id")
	if [ -z "$d" ] || [ -z "$login" ] || [ -z "$uns" ]; then
		not_ok "$name: host view of the session's processes" "no memory cgroup, login= or user namespace for session '$id'"
		return 1
	fi
	local pids=()
	mapfile -t pids <"$d/cgroup.procs"
	# Three processes for all pids: their user and pid namespaces, their uids.
	while read -r p ino; do US[$p]=$ino; done < <(cd /proc && stat -L -c '%n %i' "${pids[@]/%//ns/user}" 2>/dev/null | sed 's#/ns/user##')
	while read -r p ino; do UP[$p]=$ino; done < <(cd /proc && stat -L -c '%n %i' "${pids[@]/%//ns/pid}" 2>/dev/null | sed 's#/ns/pid##')
	while read -r p ino u1 u2 u3 u4; do
		UID4[$p]="$u1 $u2 $u3 $u4"
		CAPE[$p]=$ino
	done < <(cd /proc && awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 } /^CapEff:/ { f = FILENAME; sub("/status", "", f); print f, $2, u; nextfile }' "${pids[@]/%//status}" 2>/dev/null)
	for p in "${pids[@]}"; do
		if [ -z "${US[$p]:-}" ] || [ -z "${UID4[$p]:-}" ]; then continue; fi # gone meanwhile
		seen+=("pid $p: uids ${UID4[$p]}, CapEff ${CAPE[$p]}, user ns ${US[$p]}")
		if [ "$p" = "$login" ]; then
			case $kind in
			sshd) [ "${US[$p]}" = "$uns" ] && bad+=("login process $p (sshd's monitor) is inside the user namespace") ;;
			*) [ "${UP[$p]:-}" = "$pidns" ] && bad+=("login process $p (host uids ${UID4[$p]}) is inside the session's pid namespace") ;;
			esac
			continue
		fi
		n=$((n + 1))
		[ "${US[$p]}" = "$uns" ] || bad+=("pid $p is outside the session's user namespace: $(proc_desc "$p")")
		case " ${UID4[$p]} " in *" 0 "*) bad+=("pid $p has host uid 0 (${UID4[$p]}): $(proc_desc "$p")") ;; esac
		[ "${CAPE[$p]}" = 0000000000000000 ] || bad+=("pid $p has capabilities (CapEff ${CAPE[$p]}): $(proc_desc "$p")")
	done
	[ "$n" -ge 2 ] || bad+=("only $n processes besides the login process found in $d")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$name: host side: the session's $n processes (login program aside) are in its user namespace, none with host uid 0 or a capability"
	else
		not_ok "$name: host side: every process of the session is in its user namespace, none with host uid 0 or a capability" "${bad[@]}" "${seen[@]}"
	fi
}

# Snapshots for "nothing left": state files, carrel cgroup directories,
# processes of this suite (in its cgroup subtree: other test runs may share
# the pid namespace) that belong to a test user (uid 6100x) or are carrel's
# own (carrel-helper, keeper, holder).
t9x_state_list() { ls -A "$SESSIONS_DIR" 2>/dev/null; }
t9x_cg_list() {
	local d
	for d in $T_CG_MEMORY $T_CG_PIDS $T_CG_CPU $T_CG_CPUACCT $T_CG_FREEZER $T_CG_BLKIO $T_CG_UNIFIED ${T_CG_CPUSET:-} ${T_CG_DEVICES:-}; do
		[ -d "$d/carrel" ] && find "$d/carrel" -mindepth 1 -type d
	done
}
t9x_user_procs() {
	local pids
	mapfile -t pids < <(find "$T_CG_MEMORY" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
	[ ${#pids[@]} -gt 0 ] || return 0
	(cd /proc && awk '/^Name:/ { name = $2 } /^Uid:/ { if ($2 ~ /^6100[0-9]$/ || name ~ /^carrel/) { f = FILENAME; sub("/status", "", f); print f }; nextfile }' "${pids[@]/%//status}" 2>/dev/null) | sort -n
}
t9x_snapshot() {
	t9x_state_list
	echo "-- cgroups"
	t9x_cg_list | sort
	echo "-- processes"
	t9x_user_procs
}
# t9x_same_as SNAP: the current snapshot equals SNAP.
t9x_same_as() { [ "$(t9x_snapshot)" = "$1" ]; }
# t9x_assert_nothing_left NAME SNAP [SECS]: within SECS (3) everything is as in SNAP.
t9x_assert_nothing_left() {
	local name=$1 snap=$2 secs=${3:-3} now p
	if wait_until "$secs" t9x_same_as "$snap"; then
		ok "$name: nothing left (state files, cgroups, the users' processes as before)"
	else
		now=$(t9x_snapshot)
		not_ok "$name: nothing left (state files, cgroups, the users' processes as before)" \
			"$(diff <(echo "$snap") <(echo "$now"))" \
			"$(for p in $(comm -13 <(echo "$snap" | grep -E '^[0-9]+$' | sort) <(echo "$now" | grep -E '^[0-9]+$' | sort)); do echo "$p: $(proc_desc "$p")"; done)"
	fi
}

# t9x_setup NAME: stage what the t-9x scripts use (from $T_SHARE, where
# run.sh installs the t9x files) into $T9X; reports the failure as NAME's.
t9x_setup() {
	if ! t9x_stage "$T_SHARE" >"$T_WORK/out/t9x-stage.log" 2>&1; then
		not_ok "$1: stage the probes into $T9X" "$(cat "$T_WORK/out/t9x-stage.log")"
		return 1
	fi
}
