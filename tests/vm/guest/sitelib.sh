# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Helpers for the site tests (t-70 package, t-75 directory): one-shot logins
# through the system's own programs (sshd on port 22, su -, login -f on a
# tmux pty, cron), each running hold.sh once, and whether the login is in a
# carrel.  Sources vmlib.sh.
. /root/carrel/tests/vm/guest/vmlib.sh

HOST_NET=$(readlink /proc/1/ns/net)
SITE_W=/root/vmtest/site
mkdir -p "$SITE_W"
chmod 755 "$SITE_W"

# A file the login's user can write and root can read, outside the carrel's
# private /tmp: the user's home.
home_of() { getent passwd "$1" | cut -d: -f6; }

# login_once KIND USER TOKEN OUT: a login of USER through KIND (ssh, su,
# login) that runs hold.sh TOKEN once; its output in OUT.  SSH_PORT (22)
# and SSH_USER_OPTS (extra ssh options) change the ssh login.
login_once() {
	local kind=$1 user=$2 tok=$3 out=$4 home sock f
	case $kind in
	ssh)
		timeout 90 ssh -i "$KEY" -p "${SSH_PORT:-22}" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
			-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=20 ${SSH_USER_OPTS:-} "$user@127.0.0.1" \
			"bash $V/hold.sh $tok 0" >"$out" 2>&1 </dev/null
		;;
	su)
		timeout 90 su - "$user" -c "bash $V/hold.sh $tok 0" >"$out" 2>&1 </dev/null
		;;
	login)
		# tmux in a scope of system.slice, as a getty would be: pam_systemd
		# then registers the login with logind.
		home=$(home_of "$user")
		f=$home/.p-$tok.out
		sock=$SITE_W/tmux-$tok.sock
		prompt() { tmux -S "$sock" capture-pane -p -t L 2>/dev/null | grep -qE '[$#] *$' || ! tmux -S "$sock" has-session -t L 2>/dev/null; }
		done_or_gone() { has "$f" "ready=$tok" || ! tmux -S "$sock" has-session -t L 2>/dev/null; }
		if systemd-run --scope --quiet --unit="vmtest-site-tmux-$tok" -- \
			tmux -S "$sock" -f /dev/null new-session -d -s L -x 200 -y 50 "exec login -f $user" </dev/null >"$out" 2>&1 &&
			wait_until 60 prompt; then
			tmux -S "$sock" send-keys -t L "bash $V/hold.sh $tok 0 >$f 2>&1; exit" Enter
			wait_until 60 done_or_gone
			cat "$f" >>"$out" 2>/dev/null
		fi
		{ echo "screen:"; tmux -S "$sock" capture-pane -p -t L 2>/dev/null | grep -v '^$' | tail -n 5; } >>"$out"
		wait_until 20 eval "! tmux -S '$sock' has-session -t L 2>/dev/null"
		tmux -S "$sock" kill-server >/dev/null 2>&1
		rm -f "$f" "$sock"
		;;
	esac
}

# expect_login NAME KIND USER carrel|plain: the login works (hold.sh ran),
# and is in a carrel (CARREL_SESSION set, a net namespace of its own) or
# not at all.  Sets LOGIN_ID to the carrel's id.
expect_login() {
	local name=$1 kind=$2 user=$3 want=$4 tok out net
	tok=$(new_token)
	out=$SITE_W/$tok.out
	login_once "$kind" "$user" "$tok" "$out"
	LOGIN_ID=$(kv "$out" carrel)
	net=$(kv "$out" net)
	if ! has "$out" "ready=$tok"; then
		not_ok "$name: $kind login of $user works" "$(tr -d '\r' <"$out" | grep -v '^$' | tail -n 8)" \
			"$(journalctl -q --no-pager -n 200 -o short-monotonic 2>/dev/null | grep -E 'pam_|carrel|sshd|login|su\[' | tail -n 5)"
		return 1
	fi
	if [ "$want" = carrel ]; then
		if [ -n "$LOGIN_ID" ] && [ -n "$net" ] && [ "$net" != "$HOST_NET" ]; then
			ok "$name: $kind login of $user works, in a carrel ($LOGIN_ID)"
		else
			not_ok "$name: $kind login of $user works, in a carrel" "CARREL_SESSION='$LOGIN_ID' net=$net (host $HOST_NET)"
		fi
	else
		if [ -z "$LOGIN_ID" ] && [ "$net" = "$HOST_NET" ]; then
			ok "$name: $kind login of $user works, not in a carrel"
		else
			not_ok "$name: $kind login of $user works, not in a carrel" "CARREL_SESSION='$LOGIN_ID' net=$net (host $HOST_NET)"
		fi
	fi
}

# PAM lines naming pam_carrel, in every file of /etc/pam.d.
pam_carrel_lines() { grep -HnE '^[^#]*pam_carrel' /etc/pam.d/* 2>/dev/null || true; }
