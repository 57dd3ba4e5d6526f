#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The programs a login comes through, each sandboxed on a systemd host
# (cgroup_parent = auto, i.e. systemd): sshd-carrel-test with a command,
# with a pty (-tt), scp (SFTP and the old protocol, -O), sftp -b, two
# channels over one ControlMaster connection; login -f on a tmux pty; su -
# and su; pamtester.  For each: CARREL_SESSION is set, the net, pid and
# other namespaces are not the host's, /proc/self/cgroup is the cgroup
# namespace's root, the state file names the login's systemd unit (logind's
# session-N.scope for sshd and login, a carrel-ID.scope of carrel's for su
# and pamtester, which run from root's session), the keeper is in
# carrel-keeper-ID.scope, and the journal has the keeper's open and close
# lines; after logout nothing of alice is left outside user@UID.service, the
# state file is gone, systemd lists no carrel-* unit of the carrel, and
# nothing was logged at err or worse meanwhile.
. /root/carrel/tests/vm/guest/vmlib.sh

SVC=sshd-carrel-test
W=/root/vmtest/t15
PROBE=$V/p15-probe.sh
U=alice
UID_A=$(id -u "$U")
SLICE_CG=$CG/user.slice/user-$UID_A.slice
HOST_NET=$(readlink /proc/1/ns/net)
HOST_PID=$(readlink /proc/1/ns/pid)
# As ussh (vmlib.sh), for ssh, scp and sftp alike.
O=(-i "$KEY" -o Port=2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=20)
DEST=$U@127.0.0.1

rm -rf "$W"
mkdir -p "$W"
chmod 700 "$W"

# The probe: runs as the session's user (as root in its user namespace for
# pamtester, through pam_exec), prints what the session sees, then holds it
# open until root creates $V/release/TOKEN (bounded by SECS).
cat >"$PROBE" <<'PROBE'
#!/bin/bash
tok=$1 secs=${2:-0}
echo "begin=$tok"
echo "user=$(id -un 2>/dev/null)"
echo "carrel=${CARREL_SESSION-}"
echo "xdg_session_id=${XDG_SESSION_ID-}"
for ns in net pid mnt ipc uts user cgroup; do echo "ns_$ns=$(readlink /proc/self/ns/$ns)"; done
echo "cgroup=$(tr '\n' ' ' </proc/self/cgroup)"
if tty -s; then echo "tty=$(tty)"; else echo "tty=none"; fi
echo "ready=$tok"
i=0
while [ "$secs" -gt 0 ] && [ ! -e "/usr/local/carrel-vmtest/release/$tok" ] && [ $i -lt $((secs * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "end=$tok"
PROBE
chmod 755 "$PROBE"
t_on_exit "rm -f '$PROBE'"

# --- helpers ---------------------------------------------------------------------
dump() { tr -d '\r' <"$1" 2>/dev/null | grep -v '^$' | head -n 40; }
carrel_log() { journal_since "$1" | grep -E 'carrel-helper|pam_carrel|pam_systemd|sshd-carrel-test|systemd-logind' | tail -n 12; }
release() { touch "$V/release/$1"; }
# The probe's host pids (the user's own, or any uid with ANY=1).
probe_pids() { if [ "${2:-}" = any ]; then pgrep -f "^/bin/bash $PROBE $1( |\$)"; else pgrep -u "$U" -f "^bash $PROBE $1( |\$)"; fi; }
up_or_gone() { has "$1" "ready=$2" || ! kill -0 "$3" 2>/dev/null; }
logind_scope() { [ -n "$1" ] && loginctl show-session "$1" -p Scope --value 2>/dev/null; }
# systemd's units of carrel ID: carrel-ID.scope, carrel-ID-PID.scope, carrel-keeper-ID.scope.
no_units() { [ -z "$(carrel_units "$1")" ]; }
journal_has() { journal_since "$1" | grep -qF -- "$2"; }
# Errors logged since CURSOR.  Not counted: tmux's utempter failing to
# remove the pane's utmp record after login -f, because login chowned the
# pty to the user (shadow's login does so with or without carrel).
# pam_keyinit's lines are checked on their own (keyinit below).
errors_since() { journal_errors_since "$1" | grep -vE 'utempter\[[0-9]+\]: .*belongs to another user|pam_keyinit\(' || true; }
# keyinit NAME CURSOR PAMFILE: Debian's login and su-l stacks have
# `session optional pam_keyinit.so force revoke`, which at close_session
# switches to the user for a moment to revoke the session keyring: that must
# still work in the process that ran open_session.
keyinit() {
	local name=$1 lines
	if ! grep -Eq '^[^#]*pam_keyinit\.so.*revoke' "$3"; then
		skip "$name: pam_keyinit revokes the session keyring at close_session" "no pam_keyinit revoke in $3"
		return 0
	fi
	lines=$(journal_since "$2" | grep -F 'pam_keyinit(')
	if [ -z "$lines" ]; then
		ok "$name: pam_keyinit revokes the session keyring at close_session (no failure logged)"
	else
		# login and su stay outside the carrel's user namespace (their
		# forked session process joins it), so pam_keyinit's switch to
		# the user and back to root works there.
		not_ok "$name: pam_keyinit revokes the session keyring at close_session (no failure logged)" "$lines"
	fi
}
no_errors() { # NAME CURSOR
	local errs
	errs=$(errors_since "$2")
	if [ -z "$errs" ]; then ok "$1: no error in the journal"; else not_ok "$1: no error in the journal" "$errs"; fi
}
# IDs of the carrels the keeper logged opening for alice through SERVICE since CURSOR.
opened_since() {
	journal_since "$1" | grep -E 'carrel-helper\[[0-9]+\]: open session=' | grep -F " user=$U " |
		grep -F " service=$2 " | sed -n 's/.*: open session=\([^ ]*\) .*/\1/p'
}

# session_unit NAME FILE: the carrel id (ID) and logind's scope (UNIT) of
# the session whose probe wrote FILE; the scope must be a session scope.
session_unit() {
	local xsid
	ID=$(kv "$2" carrel)
	xsid=$(kv "$2" xdg_session_id)
	UNIT=$(logind_scope "$xsid")
	if [[ "$UNIT" =~ ^session-[0-9]+\.scope$ ]]; then
		ok "$1: logind's session $xsid has scope $UNIT"
	else
		not_ok "$1: logind's session has a scope" "XDG_SESSION_ID=$xsid scope=$UNIT" "$(loginctl list-sessions --no-legend 2>&1)"
	fi
}
# inside NAME FILE: what the probe saw inside the session.
inside() {
	local name=$1 f=$2 id ns v bad=()
	id=$(kv "$f" carrel)
	if [[ "$id" =~ ^[A-Za-z0-9._-]+$ ]]; then
		ok "$name: CARREL_SESSION is set ($id)"
	else
		not_ok "$name: CARREL_SESSION is set" "got: '$id'" "$(dump "$f")"
	fi
	v=$(kv "$f" ns_net)
	if [ -n "$v" ] && [ "$v" != "$HOST_NET" ]; then ok "$name: its net namespace is not the host's ($v)"; else not_ok "$name: its net namespace is not the host's" "inside: '$v'" "host:   $HOST_NET"; fi
	v=$(kv "$f" ns_pid)
	if [ -n "$v" ] && [ "$v" != "$HOST_PID" ]; then ok "$name: its pid namespace is not the host's ($v)"; else not_ok "$name: its pid namespace is not the host's" "inside: '$v'" "host:   $HOST_PID"; fi
	for ns in mnt ipc uts user cgroup; do
		v=$(kv "$f" "ns_$ns")
		if [ -z "$v" ] || [ "$v" = "$(readlink "/proc/1/ns/$ns")" ]; then bad+=("$ns: inside '$v', host $(readlink "/proc/1/ns/$ns")"); fi
	done
	if [ ${#bad[@]} -eq 0 ]; then ok "$name: mnt ipc uts user cgroup namespaces are not the host's"; else not_ok "$name: mnt ipc uts user cgroup namespaces are not the host's" "${bad[@]}"; fi
	check_eq "$name: inside, /proc/self/cgroup is the cgroup namespace's root" "0::/" "$(kv "$f" cgroup | tr -d ' ')"
}

# live NAME ID UNIT TOKEN [any]: the host's view of the open carrel: the
# state file names UNIT, which is active, holds the login process and the
# probe; the keeper is in its own scope.  Sets LIVE_CG (the unit's cgroup).
live() {
	local name=$1 id=$2 unit=$3 tok=$4 any=${5:-} st=$SESSIONS_DIR/$2 p bad=() kp lp pids
	LIVE_CG=$SLICE_CG/$unit
	if [ -z "$id" ] || [ ! -f "$st" ]; then
		not_ok "$name: state file $st exists" "$(ls -la "$SESSIONS_DIR" 2>&1)"
		return 1
	fi
	cp "$st" "$W/state-$id"
	check_eq "$name: state file: cgroup_mode=systemd unit=$unit cgroup=$LIVE_CG" \
		"systemd|$unit|$LIVE_CG" "$(kv "$st" cgroup_mode)|$(kv "$st" unit)|$(kv "$st" cgroup)"
	check_eq "$name: $unit is active" active "$(systemctl is-active "$unit" 2>&1)"
	lp=$(kv "$st" login)
	pids=$(probe_pids "$tok" "$any" | tr '\n' ' ')
	[ -n "$lp" ] || bad+=("no login= in the state file")
	[ -n "$pids" ] || bad+=("no probe process found on the host")
	for p in $lp $pids; do
		[ "$(cg_of_pid "$p")" = "${LIVE_CG#"$CG"}" ] || bad+=("pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) is in $(cg_of_pid "$p")")
	done
	if [ ${#bad[@]} -eq 0 ]; then ok "$name: the login process ($lp) and the probe ($pids) are in $unit"; else not_ok "$name: the login process and the probe are in $unit" "${bad[@]}"; fi
	kp=$(kv "$st" keeper)
	check_eq "$name: the keeper ($kp) is in carrel-keeper-$id.scope" "/system.slice/carrel-keeper-$id.scope" "$(cg_of_pid "$kp")"
	return 0
}

# gone NAME ID CGDIR CURSOR SERVICE UNIT: after logout, nothing of the
# carrel is left, and the journal has its open and close lines.
gone() {
	local name=$1 id=$2 dir=$3 cur=$4 svc=$5 unit=$6 log open close
	if [ -z "$id" ]; then
		not_ok "$name: after logout: nothing left" "no carrel session id"
		return 1
	fi
	if slow_until 20 no_leftovers "$U" "$id" "$dir"; then
		ok "$name: after logout: no process of $U (but user@$UID_A.service), state file or cgroup $dir left"
	else
		not_ok "$name: after logout: no process of $U (but user@$UID_A.service), state file or cgroup $dir left" \
			"$(leftovers "$U" "$id" "$dir")" "$(carrel_log "$cur")"
	fi
	if slow_until 10 no_units "$id"; then
		ok "$name: after logout: systemd lists no carrel-* unit of carrel $id"
	else
		not_ok "$name: after logout: systemd lists no carrel-* unit of carrel $id" "$(carrel_units "$id")"
	fi
	slow_until 10 journal_has "$cur" ": close session=$id user=$U "
	log=$(journal_since "$cur" | grep -E "carrel-helper\[[0-9]+\]: (open|close) session=$id ")
	open=$(printf '%s\n' "$log" | grep -F ": open session=$id user=$U ")
	close=$(printf '%s\n' "$log" | grep -F ": close session=$id user=$U ")
	if [ "$(printf '%s\n' "$open" | grep -c .)" = 1 ] && [[ "$open" == *" service=$svc "* ]] &&
		[[ "$open" == *" cgroup=$SLICE_CG/$unit"* ]] && [ -n "$close" ]; then
		ok "$name: the journal has the keeper's open (service=$svc cgroup=.../$unit) and close lines for carrel $id"
	else
		not_ok "$name: the journal has the keeper's open (service=$svc cgroup=.../$unit) and close lines for carrel $id" \
			"${log:-no open/close line for session=$id}"
	fi
	no_errors "$name" "$cur"
}

# Nothing of alice from before (other tests, an earlier run).
if ! slow_until 20 no_leftovers "$U" none; then
	diag "before the test: $(leftovers "$U" none)"
fi
cur0=$(journal_cursor)

# --- 1, 2. ssh with a command, without and with a pty ------------------------------
ssh_case() { # NAME SSH-OPTIONS...
	local name=$1 tok f pid id xsid unit cur
	shift
	cur=$(journal_cursor)
	tok=$(new_token)
	f=$W/$tok.out
	ssh "${O[@]}" "$@" "$DEST" "bash $PROBE $tok 120" >"$f" 2>&1 </dev/null &
	pid=$!
	t_track_pid "$pid"
	t_on_exit "release $tok"
	wait_until 90 up_or_gone "$f" "$tok" "$pid"
	if ! has "$f" "ready=$tok"; then
		not_ok "$name: session opens, the probe runs" "$(dump "$f")" "$(carrel_log "$cur")"
		release "$tok"
		wait_pid 30 "$pid"
		return 1
	fi
	ok "$name: session opens, the probe runs"
	inside "$name" "$f"
	if [ "$name" = "ssh -tt" ]; then
		if [[ "$(kv "$f" tty)" =~ ^/dev/pts/[0-9]+$ ]]; then ok "$name: tty is a pty ($(kv "$f" tty))"; else not_ok "$name: tty is a pty" "tty=$(kv "$f" tty)"; fi
	else
		check_eq "$name: no tty" none "$(kv "$f" tty)"
	fi
	session_unit "$name" "$f"
	id=$ID unit=$UNIT
	live "$name" "$id" "$unit" "$tok"
	release "$tok"
	if wait_pid 30 "$pid" && [ "$T_RC" = 0 ]; then ok "$name: logout, ssh exits 0"; else not_ok "$name: logout, ssh exits 0" "exit status $T_RC" "$(dump "$f" | tail -n 5)"; fi
	gone "$name" "$id" "$SLICE_CG/$unit" "$cur" "$SVC" "$unit"
}
ssh_case "ssh command"
ssh_case "ssh -tt" -tt

# --- 3. scp, SFTP protocol (-s) and the old one (-O) ----------------------------------
# Each scp is a connection of its own, so a carrel of its own.
data=$W/data
head -c 100000 /dev/urandom >"$data"
closed_at_least() { # CURSOR N: the keeper logged N closes for alice through sshd since CURSOR
	[ "$(journal_since "$1" | grep -E 'carrel-helper\[[0-9]+\]: close session=' | grep -F " user=$U " | grep -cF " service=$SVC ")" -ge "$2" ]
}
xfer_carrels() { # NAME CURSOR N: N carrels opened through sshd since CURSOR, each in a session scope, each gone
	local name=$1 cur=$2 n=$3 ids id bad=() unit
	slow_until 10 closed_at_least "$cur" "$n"
	ids=$(opened_since "$cur" "$SVC" | tr '\n' ' ')
	if [ "$(wc -w <<<"$ids")" != "$n" ]; then
		not_ok "$name: the keeper logged $n carrels opening" "got: $ids" "$(carrel_log "$cur")"
	else
		ok "$name: the keeper logged $n carrels opening ($ids)"
	fi
	for id in $ids; do
		unit=$(journal_since "$cur" | grep -F ": open session=$id user=$U " | sed -n "s|.* cgroup=$SLICE_CG/\([^ ]*\).*|\1|p" | head -n1)
		[[ "$unit" =~ ^session-[0-9]+\.scope$ ]] || bad+=("carrel $id: cgroup unit '$unit', not a logind session scope")
		journal_has "$cur" ": close session=$id user=$U " || bad+=("carrel $id: no close line")
		slow_until 10 no_leftovers "$U" "$id" "$SLICE_CG/$unit" || bad+=("carrel $id: $(leftovers "$U" "$id" "$SLICE_CG/$unit")")
		no_units "$id" || bad+=("carrel $id: units $(carrel_units "$id")")
	done
	if [ ${#bad[@]} -eq 0 ] && [ -n "$ids" ]; then
		ok "$name: each in logind's session scope, closed, nothing left (process, state file, cgroup, carrel-* unit)"
	else
		not_ok "$name: each in logind's session scope, closed, nothing left" "${bad[@]}" "$(carrel_log "$cur")"
	fi
	no_errors "$name" "$cur"
}
for mode in -s -O; do
	name="scp $mode"
	cur=$(journal_cursor)
	tok=$(new_token)
	t_on_exit "rm -f /home/$U/$tok"
	rcs=""
	timeout 120 scp -q "${O[@]}" "$mode" "$data" "$DEST:/tmp/$tok" </dev/null >"$W/$tok.scp" 2>&1
	rcs+="$? "
	timeout 120 scp -q "${O[@]}" "$mode" "$data" "$DEST:$tok" </dev/null >>"$W/$tok.scp" 2>&1
	rcs+="$? "
	timeout 120 scp -q "${O[@]}" "$mode" "$DEST:$tok" "$W/$tok.back" </dev/null >>"$W/$tok.scp" 2>&1
	rcs+="$?"
	check_eq "$name: upload to /tmp, upload to the home, download: exit 0 each" "0 0 0" "$rcs"
	if [ "${rcs%% *}" = 0 ] && [ ! -e "/tmp/$tok" ]; then
		ok "$name: the file copied to /tmp is in the session's private /tmp, not the host's"
	else
		not_ok "$name: the file copied to /tmp is in the session's private /tmp, not the host's" "upload exit status ${rcs%% *}; $(ls -ln "/tmp/$tok" 2>&1)"
	fi
	if cmp -s "$data" "/home/$U/$tok" && [ "$(stat -c %u "/home/$U/$tok")" = "$UID_A" ] && cmp -s "$data" "$W/$tok.back"; then
		ok "$name: the content round-trips (home copy owned by $U, downloaded copy identical)"
	else
		not_ok "$name: the content round-trips" "$(ls -ln "/home/$U/$tok" "$W/$tok.back" 2>&1)" "$(cat "$W/$tok.scp")"
	fi
	xfer_carrels "$name" "$cur" 3
done

# --- 4. sftp -b --------------------------------------------------------------------
name="sftp -b"
cur=$(journal_cursor)
tok=$(new_token)
t_on_exit "rm -f /home/$U/$tok"
printf '%s\n' "put $data /tmp/$tok" "get /tmp/$tok $W/$tok.tmpback" "put $data $tok" "get $tok $W/$tok.back" "ls -1 /proc" >"$W/$tok.batch"
timeout 120 sftp "${O[@]}" -b "$W/$tok.batch" "$DEST" </dev/null >"$W/$tok.sftp" 2>&1
check_eq "$name: put and get to /tmp and the home, ls /proc: exit 0" 0 "$?"
if cmp -s "$data" "$W/$tok.tmpback" && cmp -s "$data" "$W/$tok.back" && cmp -s "$data" "/home/$U/$tok"; then
	ok "$name: the content round-trips (through /tmp and the home)"
else
	not_ok "$name: the content round-trips" "$(ls -ln "$W/$tok.tmpback" "$W/$tok.back" "/home/$U/$tok" 2>&1)" "$(dump "$W/$tok.sftp")"
fi
if cmp -s "$data" "$W/$tok.tmpback" && [ ! -e "/tmp/$tok" ]; then
	ok "$name: /tmp is the session's own (the upload is there, the host does not see it)"
else
	not_ok "$name: /tmp is the session's own (the upload is there, the host does not see it)" "$(ls -ln "/tmp/$tok" "$W/$tok.tmpback" 2>&1)"
fi
nproc=$(grep -cE '^/proc/[0-9]+$' "$W/$tok.sftp")
if [ "$nproc" -ge 1 ] && [ "$nproc" -le 10 ]; then
	ok "$name: /proc shows only the session's processes ($nproc; the host has $(ls -d /proc/[0-9]* | wc -l))"
else
	not_ok "$name: /proc shows only the session's processes" "$nproc pids listed" "$(dump "$W/$tok.sftp" | tail -n 15)"
fi
xfer_carrels "$name" "$cur" 1

# --- 5. ControlMaster: two commands over one connection -------------------------------
name="ssh mux"
cur=$(journal_cursor)
ctl=$W/mux.ctl
timeout 60 ssh "${O[@]}" -M -S "$ctl" -o ControlPersist=no -fN "$DEST" </dev/null >"$W/mux-master.out" 2>&1
mrc=$?
t_on_exit "ssh -S '$ctl' -O exit '$DEST'"
mpid=$(ssh -S "$ctl" -O check "$DEST" 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
if [ "$mrc" = 0 ] && [ -n "$mpid" ]; then
	ok "$name: the master connection is up (pid $mpid)"
	toka=$(new_token)a
	tokb=$(new_token)b
	ssh "${O[@]}" -S "$ctl" "$DEST" "bash $PROBE $toka 120" >"$W/$toka.out" 2>&1 </dev/null &
	pida=$!
	ssh "${O[@]}" -S "$ctl" "$DEST" "bash $PROBE $tokb 120" >"$W/$tokb.out" 2>&1 </dev/null &
	pidb=$!
	t_track_pid "$pida"
	t_track_pid "$pidb"
	t_on_exit "release $toka; release $tokb"
	wait_until 90 up_or_gone "$W/$toka.out" "$toka" "$pida"
	wait_until 90 up_or_gone "$W/$tokb.out" "$tokb" "$pidb"
	if has "$W/$toka.out" "ready=$toka" && has "$W/$tokb.out" "ready=$tokb"; then
		ok "$name: two commands over the master run"
		inside "$name, command 1" "$W/$toka.out"
		inside "$name, command 2" "$W/$tokb.out"
		ida=$(kv "$W/$toka.out" carrel)
		idb=$(kv "$W/$tokb.out" carrel)
		check_eq "$name: both commands are in the connection's carrel (one PAM session per connection)" "$ida" "$idb"
		xsid=$(kv "$W/$toka.out" xdg_session_id)
		unit=$(logind_scope "$xsid")
		if [[ "$unit" =~ ^session-[0-9]+\.scope$ ]]; then ok "$name: logind's session $xsid has scope $unit"; else not_ok "$name: logind's session has a scope" "XDG_SESSION_ID=$xsid scope=$unit"; fi
		live "$name, command 1" "$ida" "$unit" "$toka"
		live "$name, command 2" "$idb" "$unit" "$tokb"
		release "$toka"
		release "$tokb"
		wait_pid 30 "$pida"
		rca=$T_RC
		wait_pid 30 "$pidb"
		check_eq "$name: both commands exit 0" "0 0" "$rca $T_RC"
		if [ -f "$SESSIONS_DIR/$ida" ] && [ "$(systemctl is-active "carrel-keeper-$ida.scope")" = active ]; then
			ok "$name: the carrel lives on with the connection after its commands end"
		else
			not_ok "$name: the carrel lives on with the connection after its commands end" "$(ls -la "$SESSIONS_DIR" 2>&1)"
		fi
		ssh -S "$ctl" -O exit "$DEST" >/dev/null 2>&1
		if wait_until 30 pid_gone "$mpid"; then ok "$name: ssh -O exit ends the master"; else not_ok "$name: ssh -O exit ends the master" "pid $mpid lives"; fi
		gone "$name" "$ida" "$SLICE_CG/$unit" "$cur" "$SVC" "$unit"
		n=$(opened_since "$cur" "$SVC" | grep -c .)
		check_eq "$name: one carrel for the connection" 1 "$n"
	else
		not_ok "$name: two commands over the master run" "$(dump "$W/$toka.out")" "$(dump "$W/$tokb.out")" "$(carrel_log "$cur")"
		release "$toka"
		release "$tokb"
		wait_pid 30 "$pida"
		wait_pid 30 "$pidb"
		ssh -S "$ctl" -O exit "$DEST" >/dev/null 2>&1
	fi
else
	not_ok "$name: the master connection is up" "exit status $mrc" "$(dump "$W/mux-master.out")" "$(carrel_log "$cur")"
fi

# --- PAM files: add pam_carrel, put the originals back afterwards --------------------
pam_add() { # FILE
	[ -e "$W/pam.$(basename "$1").orig" ] || cp -p "$1" "$W/pam.$(basename "$1").orig"
	t_on_exit "pam_restore $1"
	grep -q '^session[[:space:]].*pam_carrel' "$1" || echo 'session required pam_carrel.so' >>"$1"
}
pam_restore() { [ -e "$W/pam.$(basename "$1").orig" ] && cp -p "$W/pam.$(basename "$1").orig" "$1"; }

# --- 6. login -f on a tmux pty ----------------------------------------------------------
# tmux runs in a scope of system.slice (not in root's logind session), as a
# getty or sshd would: pam_systemd then registers the login with logind.
name="login"
cur=$(journal_cursor)
tok=$(new_token)
f=/home/$U/p15-$tok.out
t_on_exit "rm -f $f"
SOCK=$W/tmux.sock
pam_add /etc/pam.d/login
diag "/etc/pam.d/login: $(grep -Ev '^[[:space:]]*(#|$)' /etc/pam.d/login | tr '\n' ';')"
t_on_exit "tmux -S '$SOCK' kill-server"
pane() { tmux -S "$SOCK" capture-pane -p -t L 2>/dev/null; }
prompt_shown() { pane | grep -q '\$ *$'; }
prompt_or_gone() { prompt_shown || ! tmux -S "$SOCK" has-session -t L 2>/dev/null; }
if systemd-run --scope --quiet --unit="vmtest15-tmux-$$" -- \
	tmux -S "$SOCK" -f /dev/null new-session -d -s L -x 200 -y 50 "exec login -f $U" </dev/null >"$W/tmux.err" 2>&1 &&
	lpid=$(tmux -S "$SOCK" list-panes -t L -F '#{pane_pid}' 2>/dev/null) && [ -n "$lpid" ] &&
	wait_until 90 prompt_or_gone && prompt_shown; then
	ok "$name: a shell prompt on the tmux pty (login pid $lpid)"
	tmux -S "$SOCK" send-keys -t L "bash $PROBE $tok 120 >$f 2>&1; exit" Enter
	login_up() { has "$f" "ready=$tok" || pid_gone "$lpid"; }
	wait_until 60 login_up
	if has "$f" "ready=$tok"; then
		ok "$name: the probe runs in the shell"
		inside "$name" "$f"
		if [[ "$(kv "$f" tty)" =~ ^/dev/pts/[0-9]+$ ]]; then ok "$name: tty is a pty ($(kv "$f" tty))"; else not_ok "$name: tty is a pty" "tty=$(kv "$f" tty)"; fi
		session_unit "$name" "$f"
		id=$ID unit=$UNIT
		live "$name" "$id" "$unit" "$tok"
		release "$tok"
		if wait_until 30 pid_gone "$lpid"; then ok "$name: exit from the shell ends login"; else not_ok "$name: exit from the shell ends login" "$(pane)"; fi
		gone "$name" "$id" "$SLICE_CG/$unit" "$cur" login "$unit"
		keyinit "$name" "$cur" /etc/pam.d/login
	else
		not_ok "$name: the probe runs in the shell" "$(dump "$f")" "screen: $(pane | grep -v '^$' | tail -n 10)" "$(carrel_log "$cur")"
		release "$tok"
	fi
else
	not_ok "$name: a shell prompt on the tmux pty" "$(cat "$W/tmux.err")" "screen: $(pane | grep -v '^$' | tail -n 10)" "$(carrel_log "$cur")"
fi
tmux -S "$SOCK" kill-server >/dev/null 2>&1
pam_restore /etc/pam.d/login

# --- 7. su - and su, from root's session ----------------------------------------------------
# Debian's su-l includes su: pam_carrel in su serves both (once only).
pam_add /etc/pam.d/su
if [ -e /etc/pam.d/su-l ] && ! grep -Eq '^[[:space:]]*(@include|session[[:space:]]+include|session[[:space:]]+substack)[[:space:]]+su[[:space:]]*$' /etc/pam.d/su-l; then
	pam_add /etc/pam.d/su-l
fi
diag "/etc/pam.d/su-l: $(grep -Ev '^[[:space:]]*(#|$)' /etc/pam.d/su-l 2>/dev/null | tr '\n' ';')"
for form in "su -" su; do
	name=$form
	svc=su
	[ "$form" = "su -" ] && svc=su-l
	cur=$(journal_cursor)
	tok=$(new_token)
	f=$W/$tok.out
	if [ "$form" = "su -" ]; then
		su - "$U" -c "bash $PROBE $tok 120" >"$f" 2>&1 </dev/null &
	else
		su "$U" -c "bash $PROBE $tok 120" >"$f" 2>&1 </dev/null &
	fi
	pid=$!
	t_track_pid "$pid"
	t_on_exit "release $tok"
	wait_until 90 up_or_gone "$f" "$tok" "$pid"
	if has "$f" "ready=$tok"; then
		ok "$name: the probe runs as $U"
		inside "$name" "$f"
		id=$(kv "$f" carrel)
		live "$name" "$id" "carrel-$id.scope" "$tok"
		check_eq "$name: the state file names service $svc" "$svc" "$(kv "$SESSIONS_DIR/$id" service)"
		release "$tok"
		if wait_pid 30 "$pid" && [ "$T_RC" = 0 ]; then ok "$name: exits 0"; else not_ok "$name: exits 0" "exit status $T_RC" "$(dump "$f" | tail -n 5)"; fi
		gone "$name" "$id" "$SLICE_CG/carrel-$id.scope" "$cur" "$svc" "carrel-$id.scope"
		[ "$form" = "su -" ] && keyinit "$name" "$cur" /etc/pam.d/su-l
	else
		not_ok "$name: the probe runs as $U" "$(dump "$f")" "$(carrel_log "$cur")"
		release "$tok"
		wait_pid 30 "$pid"
	fi
done
pam_restore /etc/pam.d/su
pam_restore /etc/pam.d/su-l

# --- 8. pamtester --------------------------------------------------------------------------
# pam_exec after pam_carrel runs the probe in the session pamtester opened
# (its output comes back through pamtester's conversation, at exit).
name="pamtester"
cur=$(journal_cursor)
tok=$(new_token)
f=$W/$tok.out
cat >/etc/pam.d/carrel-vmtest <<EOF
auth required pam_permit.so
account required pam_permit.so
session required pam_carrel.so
session optional pam_exec.so type=open_session stdout /bin/bash $PROBE $tok 120
EOF
t_on_exit "rm -f /etc/pam.d/carrel-vmtest"
pamtester carrel-vmtest "$U" open_session close_session >"$f" 2>&1 </dev/null &
pid=$!
t_track_pid "$pid"
t_on_exit "release $tok"
pt_up() { [ -n "$(probe_pids "$tok" any)" ] || pid_gone "$pid"; }
wait_until 90 pt_up
pp=$(probe_pids "$tok" any | head -n1)
if [ -n "$pp" ]; then
	ok "$name: open_session runs the probe (pam_exec, pid $pp)"
	id=$(tr '\0' '\n' <"/proc/$pp/environ" 2>/dev/null | sed -n 's/^CARREL_SESSION=//p')
	hnet=$(readlink "/proc/$pp/ns/net")
	hpid=$(readlink "/proc/$pp/ns/pid")
	if [ -n "$id" ] && [ -n "$hnet" ] && [ "$hnet" != "$HOST_NET" ] && [ -n "$hpid" ] && [ "$hpid" != "$HOST_PID" ]; then
		ok "$name: seen from the host, the session's process has CARREL_SESSION=$id and net, pid namespaces not the host's"
	else
		not_ok "$name: seen from the host, the session's process has CARREL_SESSION and its own net, pid namespaces" \
			"CARREL_SESSION=$id net=$hnet pid=$hpid" "host: net=$HOST_NET pid=$HOST_PID"
	fi
	live "$name" "$id" "carrel-$id.scope" "$tok" any
	check_eq "$name: the state file names service carrel-vmtest" carrel-vmtest "$(kv "$SESSIONS_DIR/$id" service)"
	release "$tok"
	if wait_pid 30 "$pid" && [ "$T_RC" = 0 ]; then
		ok "$name: open_session close_session succeed (exit 0)"
	else
		not_ok "$name: open_session close_session succeed (exit 0)" "exit status $T_RC" "$(dump "$f")" "$(carrel_log "$cur")"
	fi
	diag "pamtester: $(grep -i pamtester "$f" | tr '\n' ' ')"
	inside "$name (pam_exec's view)" "$f"
	gone "$name" "$id" "$SLICE_CG/carrel-$id.scope" "$cur" carrel-vmtest "carrel-$id.scope"
else
	not_ok "$name: open_session runs the probe (pam_exec)" "$(dump "$f")" "$(carrel_log "$cur")"
	release "$tok"
	wait_pid 30 "$pid"
fi
rm -f /etc/pam.d/carrel-vmtest

# --- the PAM files are back; the journal -------------------------------------------------
bad=()
for p in login su su-l; do
	[ -e "$W/pam.$p.orig" ] && ! cmp -s "$W/pam.$p.orig" "/etc/pam.d/$p" && bad+=("/etc/pam.d/$p differs from the original")
done
if [ ${#bad[@]} -eq 0 ]; then ok "the PAM files are as before"; else not_ok "the PAM files are as before" "${bad[@]}"; fi
# (Errors are checked, and attributed, for each program above.)
diag "errors in the journal during the test: $(errors_since "$cur0" | grep -c .)"
journal_since "$cur0" | grep -E 'carrel-helper\[[0-9]+\]: (open|close) ' | head -n 40 | while read -r l; do diag "journal: $l"; done
t_finish
