#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scope and linger, end to end, with real sshd, login and su:
#   0. the first scope = user login after boot (no /run/carrel yet) works;
#   1. scope = user: one carrel for all of a user's logins (same id, hostname,
#      pid and mount namespaces, /tmp); a tmux server started in one ssh login
#      is listed, usable and attachable from a second, and from su and login,
#      and (linger = forever) still there after every login has ended;
#      two first logins at the same moment share one carrel;
#   2. logging out of one login never disturbs another;
#   3. scope = session: two logins of a user are isolated;
#   4. linger = 3s, no, until-empty, forever (ended by SIGTERM to the keeper);
#   5. forged state: a process of the user outside any carrel is never taken
#      for the carrel; a stale or garbage users/UID file does not break login;
#      a users/UID file naming another user's carrel does not let the user in;
#   6. accounting: one open and one close syslog line per login, with the
#      right fields and usage figures (oom kills, pids peak, cpu, memory).
# Each login runs an "agent" (written below into $T_WORK/t95): a shell that
# runs the command files the test drops for it, in its own shell, until the
# test releases it, so several logins can be held open and driven at once.
# The configuration is switched by rewriting $T_CONF (every PAM service of
# the harness reads it) and restored on exit.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out
SVC=sshd-carrel-test
T95=$T_WORK/t95
CMDD=$T95/cmd
AGENT=$T95/agent.sh
HSOCK=$T_WORK/tmp/t95-tmux.sock # the host's tmux, for login's pty
USERS_DIR=/run/carrel/users
U1=carreltest1
U2=carreltest2
UID1=$(uid_of $U1)
UID2=$(uid_of $U2)
NS_ALL=mnt,pid,ipc,uts,net,cgroup,user

install -d -m 0755 "$T95" "$CMDD"
cat >"$AGENT" <<'EOF'
#!/bin/bash
# t-95-scope agent: runs in a login session as the user.  Sources the command
# files CMDD/TOKEN.1, TOKEN.2, ... in this very shell (so background jobs are
# this shell's), output to OUT/TOKEN.N.out, until RELEASE/TOKEN exists or
# MAX seconds without a command have passed.
tok=$1
max=${2:-120}
CMDD=/usr/local/carrel-test/t95/cmd
OUT=/usr/local/carrel-test/out
REL=/usr/local/carrel-test/release
# Commands run with stdin from /dev/null: the login's terminal is read first.
if tty -s; then agent_tty=$(tty); else agent_tty=none; fi
info() {
	local ns
	for ns in mnt pid ipc uts net cgroup user; do echo "ns_$ns=$(readlink /proc/self/ns/$ns)"; done
	echo "hostname=$(uname -n)"
	echo "session=${CARREL_SESSION-<unset>}"
	echo "uid=$(id -u)"
	echo "user=$(id -un)"
	echo "tty=$agent_tty"
}
echo "begin=$tok"
n=0
i=0
while [ ! -e "$REL/$tok" ] && [ "$i" -lt $((max * 20)) ]; do
	f=$CMDD/$tok.$((n + 1))
	if [ -e "$f" ]; then
		n=$((n + 1))
		. "$f" >"$OUT/$tok.$n.tmp" 2>&1 </dev/null
		echo "rc=$?" >>"$OUT/$tok.$n.tmp"
		mv "$OUT/$tok.$n.tmp" "$OUT/$tok.$n.out"
		i=0
	else
		sleep 0.05
		i=$((i + 1))
	fi
done
echo "end=$tok"
exit 0
EOF
chmod 0755 "$AGENT"

# The harness's configuration, restored on exit; conf KEY=VALUE...: that plus these lines.
cp -p "$T_CONF" "$T95/good.conf"
t_on_exit "cp -p '$T95/good.conf' '$T_CONF'"
conf() { { cat "$T95/good.conf"; printf '%s\n' '# t-95-scope' "$@"; } >"$T_CONF"; }

# Every carrel this script saw: ended by SIGTERM to its keeper on exit, if
# still there (a failed linger test must not leave one behind).
CARRELS=()
seen() { [ -n "$1" ] && CARRELS+=("$1"); }
t95_cleanup() {
	local s k
	for s in "${CARRELS[@]}"; do
		[ -f "$SESSIONS_DIR/$s" ] || continue
		k=$(state_field "$s" keeper)
		pid_alive "$k" && grep -qa '^carrel-keeper' "/proc/$k/cmdline" && kill -TERM "$k"
	done
	for s in "${CARRELS[@]}"; do
		wait_until 3 test ! -e "$SESSIONS_DIR/$s"
	done
	rm -f "$USERS_DIR/$UID1" "$USERS_DIR/$UID2"
}
t95_restore_run() {
	[ -d /run/carrel.t95-saved ] || return 0
	no_sessions || return 0
	rm -rf /run/carrel && mv /run/carrel.t95-saved /run/carrel
}
t_on_exit t95_restore_run
t_on_exit t95_cleanup
t_on_exit "tmux -S '$HSOCK' kill-server"

# ------------------------------------------------------------------ agents

declare -A AG_N AG_PID AG_KIND AG_DONE

# agent_ready NAME TOK: the agent printed begin=TOK within 20 s.
agent_ready() {
	if wait_until 20 has_line "$OUT/$2" "begin=$2"; then
		ok "$1: login opens and its shell runs"
		return 0
	fi
	not_ok "$1: login opens and its shell runs" "$(dump "$OUT/$2")" "sshd: $(sshd_tail 8)" "syslog: $(syslog_tail 8)"
	return 1
}

# start_ssh NAME USER TOK [ssh options]: an ssh login running the agent.
start_ssh() {
	local name=$1 user=$2 tok=$3
	shift 3
	AG_N[$tok]=0
	AG_KIND[$tok]=ssh
	: >"$OUT/$tok"
	run_bg "$OUT/$tok" tssh "$@" "$user@carrel-test" "bash $AGENT $tok 150"
	AG_PID[$tok]=$BG_PID
	agent_ready "$name" "$tok"
}

# start_su NAME USER TOK: su - USER -c agent.
start_su() {
	local name=$1 user=$2 tok=$3
	AG_N[$tok]=0
	AG_KIND[$tok]=su
	: >"$OUT/$tok"
	run_bg "$OUT/$tok" su - "$user" -c "bash $AGENT $tok 150"
	AG_PID[$tok]=$BG_PID
	agent_ready "$name" "$tok"
}

# start_login NAME USER TOK: login -f USER on a pane of the host's tmux; the
# shell runs the agent, then exits.  AG_PID is login's pid.
hpane() { tmux -S "$HSOCK" capture-pane -p -t "$1" 2>/dev/null; }
prompt_shown() { hpane "$1" | grep -q '\$ *$'; }
start_login() {
	local name=$1 user=$2 tok=$3 win srv
	AG_N[$tok]=0
	AG_KIND[$tok]=login
	win=L${tok##*-}
	tmux -S "$HSOCK" -f /dev/null new-session -d -s "$win" -x 200 -y 50 "exec login -f $user" </dev/null
	srv=$(tmux -S "$HSOCK" display-message -p '#{pid}' 2>/dev/null)
	[ -n "$srv" ] && t_track_pid "$srv"
	AG_PID[$tok]=$(tmux -S "$HSOCK" list-panes -t "$win" -F '#{pane_pid}' 2>/dev/null)
	if ! wait_until 15 prompt_shown "$win"; then
		not_ok "$name: login shows a prompt" "$(hpane "$win")" "syslog: $(syslog_tail 8)"
		return 1
	fi
	tmux -S "$HSOCK" send-keys -t "$win" "bash $AGENT $tok 150 >$OUT/$tok 2>&1; exit" Enter
	agent_ready "$name" "$tok"
}

# rexec TOK CMD: run CMD in the agent's shell; R = its output, RC = its status.
rexec() {
	local tok=$1 n f t
	t=$(_t_now_ms)
	n=$((AG_N[$tok] + 1))
	AG_N[$tok]=$n
	f=$CMDD/$tok.$n
	printf '%s\n' "$2" >"$f.tmp"
	chmod 0644 "$f.tmp"
	mv "$f.tmp" "$f"
	if wait_until "${3:-20}" test -e "$OUT/$tok.$n.out"; then
		R=$(sed '$d' "$OUT/$tok.$n.out")
		RC=$(tail -n 1 "$OUT/$tok.$n.out")
		RC=${RC#rc=}
		[ $(($(_t_now_ms) - t)) -gt 1500 ] && diag "(a command in $tok took $(($(_t_now_ms) - t)) ms)"
		return 0
	fi
	R="(no answer from the agent within ${3:-20}s)"
	RC=timeout
	return 1
}

# kv KEY [TEXT]: the value of KEY= in TEXT (default: $R).
kv() { awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' <<<"${2-$R}"; }

# stop_agent NAME TOK: release the agent; its login ends (bounded).
stop_agent() {
	local name=$1 tok=$2 pid=${AG_PID[$2]}
	[ -n "${AG_DONE[$tok]:-}" ] && return 0
	AG_DONE[$tok]=1
	release "$tok"
	case ${AG_KIND[$tok]} in
	login)
		if wait_until 10 pid_gone "$pid"; then ok "$name: logout"; else not_ok "$name: logout" "login $pid still there"; fi
		;;
	*)
		if wait_pid 10 "$pid" && [ "$T_RC" = 0 ]; then
			ok "$name: logout (exit status 0)"
		else
			not_ok "$name: logout (exit status 0)" "exit status $T_RC" "$(dump "$OUT/$tok" | tail -n 5)"
		fi
		;;
	esac
}

# --------------------------------------------------------------- the host

# save_carrel ID: remember the carrel's state file and processes for
# assert_torn_down (common.sh), as they are now.
save_carrel() {
	local d
	if [ ! -f "$SESSIONS_DIR/$1" ]; then
		# Nothing to remember: torn_down then finds no saved process or cgroup.
		: >"$(saved_state "$1")"
		: >"$(saved_state "$1").pids"
		return 1
	fi
	cp "$SESSIONS_DIR/$1" "$(saved_state "$1")"
	for d in $(awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$1"); do
		cat "$d/cgroup.procs" 2>/dev/null
	done | sort -u >"$(saved_state "$1").pids"
}
# carrel_ids: the ids of the live carrels (state files), one a line.
carrel_ids() { find "$SESSIONS_DIR" -mindepth 1 -maxdepth 1 -type f ! -name "*.*" -printf "%f\n" 2>/dev/null | sort -n; }
cg_dirs() { awk -F= '$1 == "cgroup" { print substr($0, 8) }' "$SESSIONS_DIR/$1" 2>/dev/null; }
session_lines() { grep '^session=' "$SESSIONS_DIR/$1" 2>/dev/null; }
nlogins() { session_lines "$1" | grep -c .; }

# present_why ID: what of a live carrel is missing (nothing: it is all there).
present_why() {
	local id=$1 st=$SESSIONS_DIR/$1 d k h
	[ -f "$st" ] || { echo "no state file $st"; return 0; }
	k=$(state_field "$id" keeper)
	h=$(state_field "$id" holder)
	pid_alive "$k" || echo "keeper '$k' not alive"
	pid_alive "$h" || echo "holder '$h' not alive"
	[ -n "$(cg_dirs "$id")" ] || echo "no cgroup= lines"
	for d in $(cg_dirs "$id"); do [ -d "$d" ] || echo "cgroup $d missing"; done
	return 0
}
present() { [ -z "$(present_why "$1")" ]; }
gone() { [ ! -e "$SESSIONS_DIR/$1" ] && torn_down "$1"; }

# in_carrel_cg ID PID: PID is in every cgroup of the carrel.
in_carrel_cg() {
	local d
	for d in $(cg_dirs "$1"); do grep -qx "$2" "$d/cgroup.procs" 2>/dev/null || return 1; done
	return 0
}
in_any_carrel_cg() {
	local d
	for d in $(cg_dirs "$1"); do grep -qx "$2" "$d/cgroup.procs" 2>/dev/null && return 0; done
	return 1
}
holder_ns() { readlink "/proc/$(state_field "$1" holder)/ns/$2" 2>/dev/null; }

# host_pid_in ID COMM: host pids of the carrel's processes named COMM.
host_pid_in() {
	local p
	for p in $(cat "$(cg_dirs "$1" | head -n 1)/cgroup.procs" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && echo "$p"
	done
}

# log lines of carrel ID since MARK: EVENT is open or close.
log_lines() { syslog_since "$1" | grep -E " $2 session=$3 "; }
# lf LINE KEY: a field of an accounting line (value up to the next space; reason is quoted).
lf() {
	if [ "$2" = reason ]; then
		sed -n 's/.* reason="\([^"]*\)".*/\1/p' <<<"$1"
	else
		tr ' ' '\n' <<<"$1" | awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }'
	fi
}
now_ms() { _t_now_ms; }
# logout_ms ID: when the keeper took the carrel's last login off (the state
# file's mtime once it lists no login), in ms like now_ms; the linger timer
# starts then.  Falls back to now.
logout_ms() {
	local m
	wait_until 3 sh -c "[ -f '$SESSIONS_DIR/$1' ] && ! grep -q '^session=' '$SESSIONS_DIR/$1'" &&
		m=$(stat -c %.3Y "$SESSIONS_DIR/$1" 2>/dev/null) && [ -n "$m" ] && { echo $((10#${m/./})); return; }
	now_ms
}
# section NAME: a diag line with the time the previous section took.
SEC_T=$SECONDS
SEC_NAME=setup
section() {
	diag "($SEC_NAME took $((SECONDS - SEC_T))s)"
	diag "$1"
	SEC_T=$SECONDS
	SEC_NAME=$1
}
# secs_until T: seconds from now until now_ms T (0 if past), for wait_until.
secs_until() { awk -v d="$(($1 - $(now_ms)))" 'BEGIN { printf "%.3f", (d > 0 ? d / 1000 : 0) }'; }
sleep_until_ms() { # T: sleep until now_ms >= T (at most 30 s)
	local d=$(($1 - $(now_ms)))
	[ "$d" -gt 0 ] && [ "$d" -le 30000 ] && sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
	return 0
}

# ====================================================================
# 0. The first scope = user login after boot: /run/carrel does not exist yet
# ====================================================================
section "0. the first scope = user login after boot"
# Emulate a fresh /run when nothing is live: the harness's /run/carrel is set
# aside and put back on exit.
if no_sessions && [ -d /run/carrel ] && [ ! -e /run/carrel.t95-saved ]; then
	mv /run/carrel /run/carrel.t95-saved
fi
if [ ! -e /run/carrel ]; then
	conf 'scope = user'
	mark=$(syslog_mark)
	tok=$(new_token t95boot)
	timeout 30 ssh -F "$T_SSH_CONFIG" "$U1@carrel-test" 'echo session=$CARREL_SESSION' </dev/null >"$OUT/$tok" 2>&1
	S=$(kv session "$(cat "$OUT/$tok")")
	seen "$S"
	if [[ "$S" =~ ^[0-9]+$ ]]; then
		ok "first login after boot (no /run/carrel), scope = user: gets a carrel ($S)"
	else
		not_ok "first login after boot (no /run/carrel), scope = user: gets a carrel" "$(dump "$OUT/$tok")" \
			"log: $(syslog_since "$mark" | grep -E 'pam_carrel|carrel-' | tail -n 3)"
	fi
	wait_until 2 no_sessions
	if [ ! -d /run/carrel ]; then
		# So that the rest can run: a scope = session login creates /run/carrel.
		conf
		timeout 30 ssh -F "$T_SSH_CONFIG" "$U1@carrel-test" true </dev/null >/dev/null 2>&1
		wait_until 2 no_sessions
	fi
else
	skip "first login after boot (no /run/carrel), scope = user" "a carrel is live, /run/carrel cannot be set aside"
fi

# ====================================================================
# 1 and 2. scope = user (linger = forever): one carrel, shared by every login
# ====================================================================
section "1, 2. scope = user: one carrel for every login; one logout disturbs no other login"
conf 'scope = user' 'linger = forever'
mark1=$(syslog_mark)
A=$(new_token t95a)
B=$(new_token t95b)
S=""
nlog1=0 # logins opened in this carrel
if start_ssh "user scope, ssh A" $U1 "$A"; then
	nlog1=$((nlog1 + 1))
	rexec "$A" 'info; echo "$CARREL_SESSION" >/tmp/t95-from-a; tmux new -d -s work "sleep 600"; echo tmux_rc=$?; tmux ls'
	infoA=$R
	S=$(kv session)
	seen "$S"
	if [[ "$S" =~ ^[0-9]+$ ]] && [ -f "$SESSIONS_DIR/$S" ]; then
		ok "user scope, ssh A: carrel $S, state file exists"
	else
		not_ok "user scope, ssh A: carrel and state file" "session=$S" "$R"
	fi
	check_eq "user scope: the state file says scope=user" user "$(state_field "$S" scope)"
	check_eq "user scope: $USERS_DIR/$UID1 names the carrel" "$S" "$(cat "$USERS_DIR/$UID1" 2>&1)"
	if [ "$(kv tmux_rc)" = 0 ] && grep -q '^work: ' <<<"$R"; then
		ok "user scope, ssh A: tmux new -d -s work runs; tmux ls lists it"
	else
		not_ok "user scope, ssh A: tmux new -d -s work runs; tmux ls lists it" "$R"
	fi
	check_eq "user scope, ssh A: the shell's pid namespace is the holder's" "$(holder_ns "$S" pid)" "$(kv ns_pid)"
	tmuxsrv=$(host_pid_in "$S" tmux:\ server)
	[ -n "$tmuxsrv" ] || tmuxsrv=$(host_pid_in "$S" tmux)
	if [ -n "$tmuxsrv" ] && in_carrel_cg "$S" "${tmuxsrv%%$'\n'*}"; then
		ok "user scope: the tmux server ($tmuxsrv) is in the carrel's cgroups"
	else
		not_ok "user scope: the tmux server is in the carrel's cgroups" "tmux pids: '$tmuxsrv'" "$(for d in $(cg_dirs "$S"); do echo "$d: $(tr '\n' ' ' <"$d/cgroup.procs")"; done)"
	fi
	tmuxsrv=${tmuxsrv%%$'\n'*}

	if start_ssh "user scope, ssh B (A still open)" $U1 "$B"; then
		nlog1=$((nlog1 + 1))
		rexec "$B" "info; echo from_a=\$(cat /tmp/t95-from-a 2>&1); tmux ls; tmux has-session -t work && echo has=yes
tmux send-keys -t work 'typed-$B'; sleep 0.5; tmux capture-pane -p -t work | sed 's/^/pane=/'"
		infoB=$R
		bad=()
		for k in session hostname ns_pid ns_mnt ns_uts ns_ipc ns_net ns_user ns_cgroup; do
			[ "$(kv $k "$infoA")" = "$(kv $k "$infoB")" ] || bad+=("$k: A $(kv $k "$infoA"), B $(kv $k "$infoB")")
		done
		if [ ${#bad[@]} -eq 0 ]; then
			ok "user scope: A and B share the carrel: same CARREL_SESSION, hostname and all seven namespaces"
		else
			not_ok "user scope: A and B share the carrel" "${bad[@]}"
		fi
		check_eq "user scope: B sees the /tmp file A wrote" "$S" "$(kv from_a)"
		check "user scope: tmux ls in B lists A's session 'work'" grep -q '^work: ' <<<"$R"
		check_eq "user scope: tmux has-session -t work in B" yes "$(kv has)"
		check "user scope: B's send-keys reach A's tmux pane (capture-pane)" grep -q "^pane=.*typed-$B" <<<"$R"
		check_eq "user scope: the state file lists two logins" 2 "$(nlogins "$S")"
		check_eq "user scope: still one carrel" "$S" "$(carrel_ids)"

		# A real attach: ssh -tt running tmux attach, seen from B, detached by B.
		fifo=$T95/attach.fifo
		rm -f "$fifo"
		mkfifo -m 0600 "$fifo"
		exec 7<>"$fifo"
		C=$(new_token t95c)
		tssh -tt "$U1@carrel-test" "tmux attach -t work" <"$fifo" >"$OUT/$C" 2>&1 &
		cpid=$!
		t_track_pid "$cpid"
		clients() { rexec "$B" 'tmux list-clients -t work' 5 && grep -q '^/dev/pts/' <<<"$R"; }
		if wait_until 15 clients; then
			nlog1=$((nlog1 + 1))
			ok "user scope: tmux attach -t work from a third login (ssh -tt) is listed as a client in B ($R)"
			rexec "$B" 'tmux detach-client -s work; echo detach_rc=$?'
			if wait_pid 10 "$cpid" && [ "$T_RC" = 0 ]; then
				ok "user scope: detached from B, the attaching login ends cleanly"
			else
				not_ok "user scope: detached from B, the attaching login ends cleanly" "rc=$T_RC" "$(dump "$OUT/$C" | tail -n 5)"
			fi
		else
			not_ok "user scope: tmux attach -t work from a third login (ssh -tt)" "list-clients: $R" "$(dump "$OUT/$C" | tail -n 8)"
			kill "$cpid" 2>/dev/null
			wait_pid 5 "$cpid"
		fi
		exec 7>&-
		rm -f "$fifo"
		wait_until 3 sh -c "[ \"\$(grep -c '^session=' '$SESSIONS_DIR/$S')\" = 2 ]"

		# 2. Log out of A: B is untouched.
		rexec "$B" 'sleep 240 >/dev/null 2>&1 & echo bg=$!'
		bg=$(kv bg)
		lineB=$(session_lines "$S" | sed -n 2p)
		linesAB=$(session_lines "$S")
		stop_agent "two logins, ssh A" "$A"
		wait_until 3 sh -c "[ \"\$(grep -c '^session=' '$SESSIONS_DIR/$S')\" = 1 ]"
		sleep 0.5
		if present "$S"; then
			ok "logout of A: the carrel (state file, keeper, holder, cgroups) stays for B"
		else
			not_ok "logout of A: the carrel stays for B" "$(present_why "$S")"
		fi
		if [ "$(nlogins "$S")" = 1 ] && [ "$(session_lines "$S")" = "$lineB" ]; then
			ok "logout of A: the state file lists exactly B's login ($lineB)"
		else
			not_ok "logout of A: the state file lists exactly B's login" "before: $linesAB" "now: $(session_lines "$S")"
		fi
		if rexec "$B" "info; kill -0 $bg && echo bg=alive; tmux has-session -t work && echo tmux=alive; tmux ls" 10 &&
			[ "$(kv session)" = "$S" ]; then
			ok "logout of A: B's shell still runs commands"
		else
			not_ok "logout of A: B's shell still runs commands" "$R"
		fi
		check_eq "logout of A: B's background sleep is alive" alive "$(kv bg)"
		check_eq "logout of A: the tmux session A started is alive" alive "$(kv tmux)"
		check "logout of A: the tmux server is still in the carrel's cgroups" in_carrel_cg "$S" "$tmuxsrv"
		check "logout of A: B's agent is still in the carrel's cgroups" in_carrel_cg "$S" "$(token_pids "$B" "$UID1" | head -n 1)"

		stop_agent "two logins, ssh B (the last)" "$B"
		t_last=$(logout_ms "$S")
		sleep 0.5
		if present "$S" && [ "$(nlogins "$S")" = 0 ]; then
			ok "linger = forever: after the last logout the carrel is still there, with no login"
		else
			not_ok "linger = forever: after the last logout the carrel is still there, with no login" "$(present_why "$S")" "$(cat "$SESSIONS_DIR/$S" 2>&1)"
		fi
		check "linger = forever: the tmux server lives on" pid_alive "$tmuxsrv"

		# Log back in: ssh (a command), su -, login on a pty.
		tok=$(new_token t95d)
		timeout 30 ssh -F "$T_SSH_CONFIG" "$U1@carrel-test" 'echo session=$CARREL_SESSION; echo ns_pid=$(readlink /proc/self/ns/pid); tmux ls' </dev/null >"$OUT/$tok" 2>&1
		R=$(cat "$OUT/$tok")
		nlog1=$((nlog1 + 1))
		if [ "$(kv session)" = "$S" ] && [ "$(kv ns_pid)" = "$(kv ns_pid "$infoA")" ] && grep -q '^work: ' <<<"$R"; then
			ok "log back in (ssh): same carrel $S, same pid namespace, tmux ls shows work"
		else
			not_ok "log back in (ssh): same carrel, tmux ls shows work" "want session=$S ns_pid=$(kv ns_pid "$infoA")" "$R"
		fi
		tok=$(new_token t95su)
		timeout 30 su - $U1 -c 'echo session=$CARREL_SESSION; echo ns_pid=$(readlink /proc/self/ns/pid); tmux ls' </dev/null >"$OUT/$tok" 2>&1
		R=$(cat "$OUT/$tok")
		nlog1=$((nlog1 + 1))
		if [ "$(kv session)" = "$S" ] && [ "$(kv ns_pid)" = "$(kv ns_pid "$infoA")" ] && grep -q '^work: ' <<<"$R"; then
			ok "su - $U1 -c 'tmux ls': same carrel $S, sees the tmux started over ssh"
		else
			not_ok "su - $U1 -c 'tmux ls': same carrel, sees the tmux started over ssh" "want session=$S" "$R"
		fi
		L=$(new_token t95l)
		if start_login "login -f on a pty" $U1 "$L"; then
			nlog1=$((nlog1 + 1))
			rexec "$L" 'info; tmux ls; tmux has-session -t work && echo has=yes'
			ttyL=$(kv tty)
			if [ "$(kv session)" = "$S" ] && [ "$(kv ns_pid)" = "$(kv ns_pid "$infoA")" ] && [ "$(kv has)" = yes ] &&
				[[ "$(kv tty)" == /dev/pts/* ]]; then
				ok "login -f on a pty: same carrel $S; tmux ls shows work ($(kv tty))"
			else
				not_ok "login -f on a pty: same carrel, tmux ls shows work" "want session=$S" "$R"
			fi
			stop_agent "login -f on a pty" "$L"
			t_last=$(logout_ms "$S")
		fi

		# 6 (scope = user): one open and one close line per login, each with its service.
		sleep 0.3
		opens=$(log_lines "$mark1" open "$S")
		closes=$(log_lines "$mark1" close "$S")
		check_eq "accounting, scope = user: one open line per login ($nlog1 logins)" "$nlog1" "$(grep -c . <<<"$opens")"
		check_eq "accounting, scope = user: one close line per login" "$nlog1" "$(grep -c . <<<"$closes")"
		svcs="$(grep -c " service=$SVC " <<<"$opens") $(grep -c " service=su-l " <<<"$opens") $(grep -c " service=login " <<<"$opens")"
		check_eq "accounting, scope = user: the open lines' services ($SVC su-l login)" "$((nlog1 - 2)) 1 1" "$svcs"
		check_eq "accounting, scope = user: the login line's tty is the pty login ran on" "${ttyL:-?}" "$(lf "$(grep " service=login " <<<"$opens")" tty)"
		both=$(printf '%s\n%s\n' "$opens" "$closes")
		nbad=$(grep -v " user=$U1 uid=$UID1 " <<<"$both" | grep -c .)
		check_eq "accounting, scope = user: every line names $U1 ($UID1) and scope=user" "0 0" "$nbad $(grep -v ' scope=user ' <<<"$both" | grep -c .)"

		# 4. linger = forever: still there 5 s after the last logout; SIGTERM to the keeper ends it.
		sleep_until_ms $((t_last + 5000))
		if present "$S"; then
			ok "linger = forever: still there 5 s after the last logout"
		else
			not_ok "linger = forever: still there 5 s after the last logout" "$(present_why "$S")"
		fi
		save_carrel "$S"
		mark=$(syslog_mark)
		kill -TERM "$(state_field "$S" keeper)"
		assert_torn_down "linger = forever: SIGTERM to the keeper" "$S" 2
		check "linger = forever: SIGTERM to the keeper removes $USERS_DIR/$UID1" test ! -e "$USERS_DIR/$UID1"
		wait_until 1 sh -c "tail -c +$((mark + 1)) '$T_SYSLOG' | grep -q 'carrel $S ended'"
		check "linger = forever: the keeper logs 'carrel $S ended (signal)'" grep -q "carrel $S ended (signal)" <<<"$(syslog_since "$mark")"
	fi
	stop_agent "user scope, ssh A (left open)" "$A"
fi

# --- Two first logins at the same moment: the user lock makes them one carrel.
conf 'scope = user'
A=$(new_token t95ca)
B=$(new_token t95cb)
for t in "$A" "$B"; do
	AG_N[$t]=0
	AG_KIND[$t]=su
	: >"$OUT/$t"
	run_bg "$OUT/$t" su - $U1 -c "bash $AGENT $t 150"
	AG_PID[$t]=$BG_PID
done
if agent_ready "user scope, two su logins at once (1)" "$A" && agent_ready "user scope, two su logins at once (2)" "$B"; then
	rexec "$A" info
	SA=$(kv session)
	rexec "$B" info
	SB=$(kv session)
	seen "$SA"
	seen "$SB"
	if [ -n "$SA" ] && [ "$SA" = "$SB" ] && [ "$(carrel_ids)" = "$SA" ] && [ "$(nlogins "$SA")" = 2 ]; then
		ok "user scope, two logins at once: one carrel ($SA) with both logins"
	else
		not_ok "user scope, two logins at once: one carrel with both logins" "sessions: $SA $SB" "carrels: $(carrel_ids | tr '\n' ' ')"
	fi
	save_carrel "$SA"
	[ "$SB" != "$SA" ] && save_carrel "$SB"
fi
stop_agent "user scope, two logins at once (1)" "$A"
stop_agent "user scope, two logins at once (2)" "$B"
[ -n "${SA:-}" ] && assert_torn_down "user scope, two logins at once: after both logouts (linger = no)" "$SA" 2
[ -n "${SB:-}" ] && [ "$SB" != "$SA" ] && assert_torn_down "user scope, two logins at once: the second carrel" "$SB" 2

# ====================================================================
# 3. scope = session: two logins of one user are isolated
# ====================================================================
section "3. scope = session: two logins are isolated"
conf
A=$(new_token t95sa)
B=$(new_token t95sb)
if start_ssh "session scope, ssh A" $U1 "$A" && start_su "session scope, su B" $U1 "$B"; then
	rexec "$A" "info; echo a >/tmp/t95-only-$A"
	infoA=$R
	rexec "$B" "info; [ -e /tmp/t95-only-$A ] && echo see_a=yes || echo see_a=no"
	infoB=$R
	SA=$(kv session "$infoA")
	SB=$(kv session "$infoB")
	seen "$SA"
	seen "$SB"
	if [ -n "$SA" ] && [ -n "$SB" ] && [ "$SA" != "$SB" ]; then
		ok "session scope: two carrels ($SA, $SB)"
	else
		not_ok "session scope: two carrels" "A: $SA, B: $SB"
	fi
	bad=()
	for k in ns_pid ns_mnt ns_uts ns_ipc ns_net ns_user hostname; do
		[ "$(kv $k "$infoA")" != "$(kv $k "$infoB")" ] || bad+=("$k is the same: $(kv $k "$infoA")")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok "session scope: different pid, mnt, uts, ipc, net and user namespaces and hostnames"
	else
		not_ok "session scope: different namespaces and hostnames" "${bad[@]}"
	fi
	check_eq "session scope: B does not see A's /tmp file" no "$(kv see_a "$infoB")"
	check_eq "session scope: each state file says scope=session" "session session" "$(state_field "$SA" scope) $(state_field "$SB" scope)"
	check "session scope: no $USERS_DIR/$UID1" test ! -e "$USERS_DIR/$UID1"
	save_carrel "$SA"
	save_carrel "$SB"
	stop_agent "session scope, ssh A" "$A"
	assert_torn_down "session scope: A's carrel after A's logout" "$SA" 2
	check "session scope: B's carrel is untouched by A's logout" present "$SB"
	stop_agent "session scope, su B" "$B"
	assert_torn_down "session scope: B's carrel after B's logout" "$SB" 2
fi

# ====================================================================
# 4. linger
# ====================================================================
section "4. linger = 3s, no, until-empty (forever: in 1)"
# --- linger = 3s
conf 'scope = user' 'linger = 3s'
# Cycle 1: nobody comes back; the carrel lives on, then ends on time.
A=$(new_token t95g1)
if start_ssh "linger = 3s, ssh A" $U1 "$A"; then
	rexec "$A" 'info; setsid sleep 200 </dev/null >/dev/null 2>&1 & echo started'
	S=$(kv session)
	seen "$S"
	mark=$(syslog_mark)
	stop_agent "linger = 3s, ssh A" "$A"
	t0=$(logout_ms "$S")
	save_carrel "$S"
	sleep_until_ms $((t0 + 1000))
	if present "$S" && [ "$(nlogins "$S")" = 0 ]; then
		ok "linger = 3s: 1 s after the last logout the carrel (state file, keeper, holder, cgroups) lives on, with no login"
	else
		not_ok "linger = 3s: 1 s after the last logout the carrel lives on" "$(present_why "$S")"
	fi
	check "linger = 3s: the keeper logs that the carrel lingers" grep -q "carrel $S lingers after its last login" <<<"$(syslog_since "$mark")"
	check_eq "linger = 3s: $USERS_DIR/$UID1 still names it" "$S" "$(cat "$USERS_DIR/$UID1" 2>&1)"
	sleep_until_ms $((t0 + 2200))
	if present "$S"; then
		ok "linger = 3s: still there 2.2 s after the last logout"
	elif [ $(($(now_ms) - t0)) -ge 2900 ]; then
		skip "linger = 3s: still there 2.2 s after the last logout" "this check ran too late ($(($(now_ms) - t0)) ms) on a busy machine"
	else
		not_ok "linger = 3s: still there 2.2 s after the last logout" "$(present_why "$S")"
	fi
	if wait_until "$(secs_until $((t0 + 5000)))" gone "$S"; then
		ok "linger = 3s: gone (a detached process and all) $(($(now_ms) - t0)) ms after the last logout (bound 3 s + 2 s)"
	else
		not_ok "linger = 3s: gone within 3 s + 2 s of the last logout" "$(torn_down_why "$S")"
	fi
	check "linger = 3s: $USERS_DIR/$UID1 is removed" test ! -e "$USERS_DIR/$UID1"
	check "linger = 3s: the keeper logs 'carrel $S ended (linger expired)'" grep -q "carrel $S ended (linger expired)" <<<"$(syslog_since "$mark")"
fi

# Cycle 2: a login during the linger re-uses the carrel and cancels the timer.
A=$(new_token t95g2)
B=$(new_token t95g3)
if start_ssh "linger = 3s, ssh A (again)" $U1 "$A"; then
	rexec "$A" info
	S=$(kv session)
	seen "$S"
	stop_agent "linger = 3s, ssh A (again)" "$A"
	t0=$(logout_ms "$S")
	# At once, and su: a local login is the quickest (on a busy machine an
	# ssh login can take longer than the linger).
	if start_su "linger = 3s, su B during the linger" $U1 "$B"; then
		tb=$(($(now_ms) - t0))
		rexec "$B" info
		if [ "$(kv session)" = "$S" ]; then
			ok "linger = 3s: a login during the linger (ready ${tb} ms after the logout) re-uses the carrel"
		elif [ "$tb" -ge 3000 ]; then
			skip "linger = 3s: a login during the linger re-uses the carrel" "the login took ${tb} ms here, longer than the linger"
		else
			not_ok "linger = 3s: a login during the linger re-uses the carrel" "want $S, got $(kv session)" "the login was ready ${tb} ms after the last logout"
		fi
		if [ "$(kv session)" = "$S" ]; then
			# Past the first linger's end (3 s) and its slack (2 s): the login cancelled the timer.
			sleep_until_ms $((t0 + 5500))
			if present "$S" && rexec "$B" 'echo alive=yes' 5 && [ "$(kv alive)" = yes ]; then
				ok "linger = 3s: the login cancelled the timer (carrel and login alive 5.5 s after the earlier logout)"
			else
				not_ok "linger = 3s: the login cancelled the timer" "$(present_why "$S")" "$R"
			fi
			save_carrel "$S"
			stop_agent "linger = 3s, su B" "$B"
			t1=$(logout_ms "$S")
			sleep_until_ms $((t1 + 1500))
			if present "$S"; then
				ok "linger = 3s: 1.5 s after the next last logout still there (a new linger)"
			else
				not_ok "linger = 3s: 1.5 s after the next last logout still there" "$(present_why "$S")"
			fi
			if wait_until "$(secs_until $((t1 + 5000)))" gone "$S"; then
				ok "linger = 3s: gone $(($(now_ms) - t1)) ms after that logout (bound 3 s + 2 s)"
			else
				not_ok "linger = 3s: gone within 3 s + 2 s of that logout" "$(torn_down_why "$S")"
			fi
		else
			SB=$(kv session)
			seen "$SB"
			save_carrel "$SB"
			stop_agent "linger = 3s, su B" "$B"
			wait_until 6 gone "$SB"
		fi
	fi
fi

# --- linger = no (the default), scope = user
conf 'scope = user'
A=$(new_token t95n)
if start_su "linger = no, su A" $U1 "$A"; then
	rexec "$A" 'info; sleep 200 >/dev/null 2>&1 & setsid sleep 200 </dev/null >/dev/null 2>&1 &'
	S=$(kv session)
	seen "$S"
	check_eq "linger = no: scope = user carrel" user "$(state_field "$S" scope)"
	save_carrel "$S"
	stop_agent "linger = no, su A" "$A"
	assert_torn_down "linger = no: after the last logout (detached processes and all)" "$S" 2
	check "linger = no: $USERS_DIR/$UID1 is removed" test ! -e "$USERS_DIR/$UID1"
fi

# --- linger = until-empty
conf 'scope = user' 'linger = until-empty'
A=$(new_token t95e)
if start_ssh "linger = until-empty, ssh A" $U1 "$A"; then
	rexec "$A" 'info; setsid sleep 4 </dev/null >/dev/null 2>&1 & echo started'
	ts=$(now_ms)
	S=$(kv session)
	seen "$S"
	sl=$(host_pid_in "$S" sleep | head -n 1)
	save_carrel "$S"
	stop_agent "linger = until-empty, ssh A" "$A"
	sleep_until_ms $((ts + 2500))
	if [ -n "$sl" ] && pid_alive "$sl" && present "$S"; then
		ok "linger = until-empty: while the detached sleep runs, the carrel lives on after the logout"
	else
		not_ok "linger = until-empty: while the detached sleep runs, the carrel lives on" "sleep pid '$sl'" "$(present_why "$S")"
	fi
	if wait_until 5 pid_gone "$sl"; then
		te=$(now_ms)
		if wait_until 2.5 gone "$S"; then
			ok "linger = until-empty: gone $(($(now_ms) - te)) ms after the sleep exited"
		else
			not_ok "linger = until-empty: gone within ~2 s after the sleep exited" "$(torn_down_why "$S")"
		fi
	else
		not_ok "linger = until-empty: the sleep 4 ended" "$(proc_desc "$sl")"
	fi
	check "linger = until-empty: $USERS_DIR/$UID1 is removed" test ! -e "$USERS_DIR/$UID1"
fi

# ====================================================================
# 5. forged state
# ====================================================================
section "5. forged state"
conf 'scope = user'
# A process of the user on the host, outside any carrel.
setpriv --reuid="$UID1" --regid="$UID1" --init-groups sleep 60 </dev/null >/dev/null 2>&1 &
forged=$!
t_track_pid "$forged"
wait_until 2 sh -c "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/$forged/status)\" = $UID1 ]"
A=$(new_token t95fa)
B=$(new_token t95fb)
if start_ssh "forged process, ssh A" $U1 "$A"; then
	rexec "$A" info
	S=$(kv session)
	seen "$S"
	nsA=$(kv ns_pid)
	if start_su "forged process, su B" $U1 "$B"; then
		rexec "$B" info
		fns=$(readlink "/proc/$forged/ns/pid")
		check_eq "forged process: B attaches to the real carrel" "$S" "$(kv session)"
		if [ "$(kv ns_pid)" = "$(holder_ns "$S" pid)" ] && [ "$(kv ns_pid)" = "$nsA" ] && [ "$(kv ns_pid)" != "$fns" ]; then
			ok "forged process: B's pid namespace is the holder's and A's ($nsA), not the forged process's ($fns)"
		else
			not_ok "forged process: B's pid namespace is the holder's" "B $(kv ns_pid), A $nsA, holder $(holder_ns "$S" pid), forged $fns"
		fi
		if pid_alive "$forged" && ! in_any_carrel_cg "$S" "$forged" && [ "$(state_field "$S" holder)" != "$forged" ] &&
			! session_lines "$S" | grep -q "^session=$forged "; then
			ok "forged process: not in the carrel's cgroups, not its holder, not one of its logins"
		else
			not_ok "forged process: not part of the carrel" "forged $forged: $(proc_desc "$forged")" "$(cat "$SESSIONS_DIR/$S")"
		fi
		save_carrel "$S"
		stop_agent "forged process, su B" "$B"
	fi
	save_carrel "$S"
	stop_agent "forged process, ssh A" "$A"
	assert_torn_down "forged process: after both logouts" "$S" 2
	check "forged process: the forged process itself is untouched" pid_alive "$forged"
fi
kill -TERM "$forged" 2>/dev/null
wait_pid 3 "$forged"

# users/UID naming no live carrel, or garbage: a new carrel is made.
install -d -m 0700 "$USERS_DIR"
n=0
for bogus in 999999 "../../etc/passwd" ""; do
	n=$((n + 1))
	printf '%s\n' "$bogus" >"$USERS_DIR/$UID1"
	A=$(new_token t95st$n)
	if start_su "stale $USERS_DIR/$UID1 ('$bogus'), su -" $U1 "$A"; then
		rexec "$A" info
		S=$(kv session)
		seen "$S"
		if [[ "$S" =~ ^[0-9]+$ ]] && [ "$S" != "$bogus" ] && present "$S"; then
			ok "stale users file ('$bogus'): a new carrel $S is made"
		else
			not_ok "stale users file ('$bogus'): a new carrel is made" "$R" "$(present_why "$S")"
		fi
		check_eq "stale users file ('$bogus'): the users file now names it" "$S" "$(cat "$USERS_DIR/$UID1" 2>&1)"
		save_carrel "$S"
		stop_agent "stale users file ('$bogus')" "$A"
		assert_torn_down "stale users file ('$bogus'): after logout" "$S" 2
	else
		rm -f "$USERS_DIR/$UID1"
	fi
done

# users/UID1 naming carreltest2's live carrel: with and without a user namespace
# (without one, nothing but the keeper's check would keep carreltest1 out).
for nsconf in "" "namespaces = {mnt, pid, ipc, uts, net, cgroup}"; do
	conf 'scope = user' ${nsconf:+"$nsconf"}
	how="another user's carrel${nsconf:+ (no user namespace)}"
	A=$(new_token t95x2)
	B=$(new_token t95x1)
	start_su "$how: $U2's login (su)" $U2 "$A" || continue
	rexec "$A" info
	S2=$(kv session)
	seen "$S2"
	printf '%s\n' "$S2" >"$USERS_DIR/$UID1"
	mark=$(syslog_mark)
	S1=""
	if start_ssh "$how: $U1 logs in, $USERS_DIR/$UID1 naming $U2's carrel $S2" $U1 "$B"; then
		rexec "$B" info
		S1=$(kv session)
		seen "$S1"
	fi
	n2=$(nlogins "$S2")
	took=$(syslog_since "$mark" | grep -E " open session=$S2 |session $S2 opened for $U1")
	if [ -z "$took" ] && [ "$n2" = 1 ]; then
		ok "$how: the keeper of $U2's carrel $S2 takes no login of $U1"
	else
		not_ok "$how: the keeper of $U2's carrel $S2 takes no login of $U1" "logins of $S2: $n2" \
			"log: $took" "$(syslog_since "$mark" | grep -E "pam_carrel.*$U1" | tail -n 3)"
	fi
	if [ -n "$S1" ]; then
		if [ "$S1" != "$S2" ] && [ "$(kv ns_pid)" != "$(holder_ns "$S2" pid)" ] && [ "$(kv ns_mnt)" != "$(holder_ns "$S2" mnt)" ]; then
			ok "$how: $U1 gets a carrel of its own ($S1), not $U2's ($S2)"
		else
			not_ok "$how: $U1 gets a carrel of its own, not $U2's ($S2)" \
				"$U1's login: session=$S1 ns_pid=$(kv ns_pid) ns_mnt=$(kv ns_mnt) uid=$(kv uid)" \
				"$U2's carrel: holder ns_pid=$(holder_ns "$S2" pid) ns_mnt=$(holder_ns "$S2" mnt)"
		fi
		check_eq "$how: $U1's login runs as $UID1" "$UID1" "$(kv uid)"
		[ "$S1" != "$S2" ] && save_carrel "$S1"
		stop_agent "$how: $U1" "$B"
		[ "$S1" != "$S2" ] && assert_torn_down "$how: $U1's own carrel after logout" "$S1" 2
	fi
	check "$how: $U2's carrel is untouched" present "$S2"
	rexec "$A" 'echo alive=yes' 5
	check_eq "$how: $U2's shell still runs" yes "$(kv alive)"
	save_carrel "$S2"
	stop_agent "$how: $U2" "$A"
	assert_torn_down "$how: $U2's carrel after logout" "$S2" 2
	rm -f "$USERS_DIR/$UID1"
done

# ====================================================================
# 6. accounting (scope = session)
# ====================================================================
section "6. accounting"
conf
mark=$(syslog_mark)
A=$(new_token t95acct)
NPROC=12
if start_ssh "accounting, ssh" $U1 "$A"; then
	topen=$(now_ms)
	rexec "$A" info
	S=$(kv session)
	seen "$S"
	sleep 0.3
	open=$(log_lines "$mark" open "$S")
	cg=$(lf "$open" cgroup)
	if [ -n "$cg" ] && [ -d "$cg" ] && cg_dirs "$S" | grep -qxF "$cg"; then
		ok "accounting: the open line's cgroup=$cg exists and is the carrel's"
	else
		not_ok "accounting: the open line's cgroup exists and is the carrel's" "line: $open" "state: $(cg_dirs "$S")"
	fi
	rexec "$A" "sleep 2; $T_TESTAID memhog 120 >/dev/null 2>&1; echo memhog_rc=\$?
for i in \$(seq $NPROC); do sleep 2 & done; $T_TESTAID spin 1; wait; echo done=yes" 40
	check_eq "accounting: the memory hog was killed (137)" 137 "$(kv memhog_rc)"
	check_eq "accounting: $NPROC sleeps and a spin ran" yes "$(kv "done")"
	save_carrel "$S"
	stop_agent "accounting, ssh" "$A"
	tclose=$(now_ms)
	assert_torn_down "accounting: after logout" "$S" 2
	wait_until 1 sh -c "tail -c +$((mark + 1)) '$T_SYSLOG' | grep -q 'carrel $S ended'"
	opens=$(log_lines "$mark" open "$S")
	closes=$(log_lines "$mark" close "$S")
	check_eq "accounting: exactly one open line for the login" 1 "$(grep -c . <<<"$opens")"
	check_eq "accounting: exactly one close line for the login" 1 "$(grep -c . <<<"$closes")"
	for l in "$opens" "$closes"; do
		what=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(open|close)$/) { print $i; exit } }' <<<"$l")
		got="$(lf "$l" user) $(lf "$l" uid) $(lf "$l" service) $(lf "$l" tty) $(lf "$l" rhost) $(lf "$l" scope) $(lf "$l" namespaces)"
		check_eq "accounting: the $what line: user uid service tty rhost scope namespaces" \
			"$U1 $UID1 $SVC ssh 127.0.0.1 session $NS_ALL" "$got"
		check_eq "accounting: the $what line's cgroup" "$cg" "$(lf "$l" cgroup)"
	done
	l=$closes
	dur=$(lf "$l" duration)
	dur=${dur%s}
	elapsed=$(((tclose - topen) / 1000 + 1))
	if [[ "$dur" =~ ^[0-9]+$ ]] && [ "$dur" -ge 2 ] && [ "$dur" -le $((elapsed + 1)) ]; then
		ok "accounting: duration=${dur}s (slept 2 s; the login lasted about ${elapsed}s)"
	else
		not_ok "accounting: duration >= 2 s and <= the login's length (${elapsed}s)" "$l"
	fi
	check_eq "accounting: reason" logout "$(lf "$l" reason)"
	num() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ]; }
	if num "$(lf "$l" memory_peak)" 1; then ok "accounting: memory_peak=$(lf "$l" memory_peak) > 0"; else not_ok "accounting: memory_peak > 0" "$l"; fi
	if num "$(lf "$l" cpu_usec)" 1; then ok "accounting: cpu_usec=$(lf "$l" cpu_usec) > 0"; else not_ok "accounting: cpu_usec > 0" "$l"; fi
	if num "$(lf "$l" oom_kills)" 1; then ok "accounting: oom_kills=$(lf "$l" oom_kills) >= 1"; else not_ok "accounting: oom_kills >= 1 after the memory hog" "$l"; fi
	if num "$(lf "$l" pids_peak)" "$NPROC"; then ok "accounting: pids_peak=$(lf "$l" pids_peak) >= $NPROC"; else not_ok "accounting: pids_peak >= $NPROC" "$l"; fi
	check "accounting: 'carrel $S ended (logout)'" grep -q "carrel $S ended (logout)" <<<"$(syslog_since "$mark")"
fi

section "end"
t_finish
