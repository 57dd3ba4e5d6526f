#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real OpenSSH sshd (PAM service sshd-carrel-test): a command without a pty,
# with a pty, two users at once (private /tmp), scp, sftp and two channels
# multiplexed over one connection.  Each session's probe output is checked,
# then the host's view while it is open, then that logout leaves nothing.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

SVC=sshd-carrel-test
OUT=$T_WORK/out

# start_probe NAME USER TOKEN [ssh options] -- [probe options]: background ssh
# running the probe; sets BG_PID.  Returns 1 (after reporting) if the probe
# did not finish printing within 15 s.
start_probe() {
	local name=$1 user=$2 tok=$3
	shift 3
	local sshopts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sshopts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	run_bg "$OUT/$tok" tssh "${sshopts[@]}" "$user@carrel-test" "$(probe_cmd "$tok" --hold 120 "$@")"
	if wait_probe 60 "$OUT/$tok" "$tok"; then
		ok "$name: session opens and the probe runs"
		return 0
	fi
	not_ok "$name: session opens and the probe runs" "$(dump "$OUT/$tok")" "sshd: $(sshd_tail)" "syslog: $(syslog_tail)"
	# End it now, so that it does not linger into the next checks.
	release "$tok"
	wait_pid 30 "$BG_PID"
	return 1
}

# finish NAME TOKEN PID: release the probe, the client exits 0, teardown.
finish() {
	local name=$1 tok=$2 pid=$3 id
	id=$(pv "$OUT/$tok" session)
	release "$tok"
	if wait_pid 30 "$pid" && [ "$T_RC" = 0 ]; then
		ok "$name: logout (client exit status 0)"
	else
		not_ok "$name: logout (client exit status 0)" "exit status $T_RC" "$(dump "$OUT/$tok" | tail -n 5)"
	fi
	assert_torn_down "$name: after logout" "$id"
}

# --- a command, no pty; a second user at the same time
tok1=$(new_token ssh)
if start_probe "ssh" carreltest1 "$tok1"; then
	pid1=$BG_PID
	assert_probe "ssh" "$OUT/$tok1" carreltest1
	check_eq "ssh: no tty without a pty" none "$(pv "$OUT/$tok1" tty)"
	assert_session_live "ssh" "$OUT/$tok1" carreltest1 "$SVC"

	tok2=$(new_token ssh2)
	if start_probe "ssh, second user" carreltest2 "$tok2" -- --see "$tok1"; then
		pid2=$BG_PID
		assert_probe "ssh, second user" "$OUT/$tok2" carreltest2
		assert_session_live "ssh, second user" "$OUT/$tok2" carreltest2 "$SVC"
		check_eq "ssh, second user: the first user's /tmp file is invisible" no "$(pv "$OUT/$tok2" "see_$tok1")"
		if [ "$(pv "$OUT/$tok1" ns_mnt)" != "$(pv "$OUT/$tok2" ns_mnt)" ] &&
			[ "$(pv "$OUT/$tok1" ns_pid)" != "$(pv "$OUT/$tok2" ns_pid)" ] &&
			[ "$(pv "$OUT/$tok1" session)" != "$(pv "$OUT/$tok2" session)" ]; then
			ok "ssh: two users' sessions have distinct ids and namespaces"
		else
			not_ok "ssh: two users' sessions have distinct ids and namespaces"
		fi
		# carreltest2's own section sets pids_max = 48.
		id2=$(pv "$OUT/$tok2" session)
		pdir=$(awk -F= -v p="$T_CG_PIDS/" '$1 == "cgroup" && index($2, p) == 1 { print $2 }' "$(saved_state "$id2")")
		check_eq "ssh, second user: the user section's pids_max applies" 48 "$(cat "$(dirname "${pdir:-/nonexistent/x}")/pids.max" 2>&1)"
		finish "ssh, second user" "$tok2" "$pid2"
	fi
	finish "ssh" "$tok1" "$pid1"
fi

# --- a pty
tok=$(new_token sshtt)
if start_probe "ssh -tt" carreltest1 "$tok" -tt; then
	pid=$BG_PID
	assert_probe "ssh -tt" "$OUT/$tok" carreltest1
	tty=$(pv "$OUT/$tok" tty)
	if [[ "$tty" =~ ^/dev/pts/[0-9]+$ ]] && [ -e "$tty" ]; then
		ok "ssh -tt: the session has a host pty ($tty)"
	else
		not_ok "ssh -tt: the session has a host pty" "tty=$tty"
	fi
	assert_session_live "ssh -tt" "$OUT/$tok" carreltest1 "$SVC"
	finish "ssh -tt" "$tok" "$pid"
fi

# --- scp (SFTP protocol, the default) and scp -O (the old scp protocol)
uid=$(uid_of carreltest1)
data=$T_WORK/tmp/scp-data
head -c 4096 /dev/urandom >"$data"
for mode in sftp legacy; do
	opt=()
	[ "$mode" = legacy ] && opt=(-O)
	tok=$(new_token scp)
	if scp -F "$T_SSH_CONFIG" -q "${opt[@]}" "$data" "carreltest1@carrel-test:/tmp/$tok" </dev/null >"$OUT/$tok" 2>&1 &&
		scp -F "$T_SSH_CONFIG" -q "${opt[@]}" "$data" "carreltest1@carrel-test:$tok" </dev/null >>"$OUT/$tok" 2>&1 &&
		scp -F "$T_SSH_CONFIG" -q "${opt[@]}" "carreltest1@carrel-test:$tok" "$T_WORK/tmp/$tok.back" </dev/null >>"$OUT/$tok" 2>&1; then
		ok "scp ($mode): upload to /tmp and home, download"
	else
		not_ok "scp ($mode): upload to /tmp and home, download" "$(cat "$OUT/$tok")" "sshd: $(sshd_tail)" "syslog: $(syslog_tail)"
	fi
	if [ -e "/tmp/$tok" ]; then
		not_ok "scp ($mode): a file copied to /tmp lands in the session's private /tmp"
	else
		ok "scp ($mode): a file copied to /tmp lands in the session's private /tmp"
	fi
	if cmp -s "$data" "/home/carreltest1/$tok" && [ "$(stat -c %u "/home/carreltest1/$tok")" = "$uid" ] &&
		cmp -s "$data" "$T_WORK/tmp/$tok.back"; then
		ok "scp ($mode): the home copy is intact and owned by the user"
	else
		not_ok "scp ($mode): the home copy is intact and owned by the user" "$(ls -ln "/home/carreltest1/$tok" 2>&1)"
	fi
	if wait_until 2 no_sessions && wait_until 2 no_session_cgroups "$uid"; then
		ok "scp ($mode): nothing left within 2s"
	else
		not_ok "scp ($mode): nothing left within 2s" "$(ls "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$uid")"
	fi
done

# --- sftp in batch mode
tok=$(new_token sftp)
printf '%s\n' "put $data /tmp/$tok" "ls -1 /tmp" "ls -1 /proc" >"$T_WORK/tmp/$tok.batch"
if sftp -F "$T_SSH_CONFIG" -b "$T_WORK/tmp/$tok.batch" carreltest1@carrel-test </dev/null >"$OUT/$tok" 2>&1; then
	ok "sftp: batch put and ls"
else
	not_ok "sftp: batch put and ls" "$(cat "$OUT/$tok")" "sshd: $(sshd_tail)"
fi
if grep -q "^/tmp/$tok\$" "$OUT/$tok" && ! grep -q carrel-host-marker "$OUT/$tok" && [ ! -e "/tmp/$tok" ]; then
	ok "sftp: /tmp is the session's own (has the upload, not the host's file; the host does not see it)"
else
	not_ok "sftp: /tmp is the session's own" "$(cat "$OUT/$tok")"
fi
nproc=$(grep -cE '^/proc/[0-9]+$' "$OUT/$tok")
if [ "$nproc" -ge 1 ] && [ "$nproc" -le 8 ]; then
	ok "sftp: /proc shows only the session's processes ($nproc)"
else
	not_ok "sftp: /proc shows only the session's processes" "$nproc pids listed"
fi
if wait_until 2 no_sessions && wait_until 2 no_session_cgroups "$uid"; then
	ok "sftp: nothing left within 2s"
else
	not_ok "sftp: nothing left within 2s" "$(ls "$SESSIONS_DIR" 2>&1)" "$(session_cgroups "$uid")"
fi

# --- two channels over one ControlMaster connection
ctl=$T_WORK/tmp/mux.ctl
run_bg "$OUT/mux-master" tssh -M -S "$ctl" -o ControlPersist=no -N carreltest1@carrel-test
master=$BG_PID
if wait_until 30 tssh -S "$ctl" -O check carreltest1@carrel-test 2>/dev/null; then
	ok "mux: the master connection is up"
	toka=$(new_token muxa)
	tokb=$(new_token muxb)
	start_probe "mux, channel 1" carreltest1 "$toka" -S "$ctl" && pida=$BG_PID
	start_probe "mux, channel 2" carreltest1 "$tokb" -S "$ctl" -- --see "$toka" && pidb=$BG_PID
	if [ -n "${pida:-}" ] && [ -n "${pidb:-}" ]; then
		assert_probe "mux, channel 1" "$OUT/$toka" carreltest1
		assert_probe "mux, channel 2" "$OUT/$tokb" carreltest1
		assert_session_live "mux, channel 1" "$OUT/$toka" carreltest1 "$SVC"
		assert_session_live "mux, channel 2" "$OUT/$tokb" carreltest1 "$SVC"
		ida=$(pv "$OUT/$toka" session)
		idb=$(pv "$OUT/$tokb" session)
		if [ "$ida" = "$idb" ]; then
			diag "mux: both channels share session $ida (one PAM session per connection)"
			check_eq "mux: channels of one session share /tmp" yes "$(pv "$OUT/$tokb" "see_$toka")"
		else
			diag "mux: the channels are sessions $ida and $idb"
		fi
		release "$toka"
		release "$tokb"
		wait_pid 30 "$pida"
		rca=$T_RC
		wait_pid 30 "$pidb"
		check_eq "mux: both channels exit 0" "0 0" "$rca $T_RC"
	fi
	tssh -S "$ctl" -O exit carreltest1@carrel-test >/dev/null 2>&1
	wait_pid 30 "$master"
	[ -n "${ida:-}" ] && assert_torn_down "mux: after the master exits" "$ida"
	[ -n "${idb:-}" ] && [ "$idb" != "${ida:-}" ] && assert_torn_down "mux: after the master exits (channel 2)" "$idb"
else
	not_ok "mux: the master connection is up" "$(cat "$OUT/mux-master")" "sshd: $(sshd_tail)"
fi
t_finish
