#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ssh's forwardings per network mode (none, nat, host), end to end over real
# sshd and ssh, both ways: what a mode allows carries data, what it forbids
# fails.  sshd joins the carrel's mnt/pid/ipc/uts/net/cgroup namespaces in
# its monitor at open_session and the user namespace in the post-auth child
# at pam_setcred, so every channel of a session is opened by that post-auth
# child ("sshd: USER"), inside the carrel:
#   -L / -D / -W  direct-tcpip: the child connect()s from the carrel's
#                 network (none: the carrel's own loopback only; nat: the
#                 outside through NAT, never the host's own addresses or
#                 loopback services, nor another carrel; host: the host's);
#   -R            tcpip-forward: the child binds in the carrel's network
#                 (none, nat: reachable from inside the carrel only; host:
#                 on the host's loopback);
#   -A            the agent socket is made by the child under the carrel's
#                 private /tmp (every mode: not visible on the host);
#   -X            X11UseLocalhost yes: the child binds localhost:60NN in the
#                 carrel's network and runs xauth as the user in the
#                 carrel's mount and uts namespaces (none, nat: reachable
#                 from inside only; host: on the host's loopback).
# With them, in each mode: IPv6 to an outside ULA server (nat, host) and to
# the host's v6 addresses (refused at once in nat), and in nat another
# user's carrel unreachable over IPv6 (TCP, ICMPv6).  Last, scope = user:
# two logins share one network (netns, address, lease), which stays after
# the first logout and is gone after the last.
# The suite's sshd has X11Forwarding no, so this test runs a second sshd
# (the same binary, PAM service and host key) with X11Forwarding yes.
# The "outside world" is a namespace t62out behind the veth t62up
# (10.62.0.0/24, fd62::/64) with a web server; everything is removed at the end.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

# Work files, the two test users, carrel's bridge, the second sshd's port.
OUT=$T_WORK/out/t62 T62=$T_WORK/t62
U1=carreltest1 U2=carreltest2 BR=carrel0 P2=$((T_PORT + 62))
# Ports: -L to the outside, to the host's loopback service, to the
# carrel's own loopback service, to another carrel's; -D; -R (remote side).
LP_OUT=16201 LP_HOST=16202 LP_SELF=16203 LP_PEER=16204 LP_HADDR=16207 DP=16205 RP=16206
DISPNUM=62

for tool in python3 curl xauth ssh-agent ssh-add ss nsenter; do
	command -v "$tool" >/dev/null 2>&1 || { skip "t-62: ssh forwarding per mode" "$tool missing"; t_finish; }
done
install -d -m 0755 "$OUT" "$T62" "$T62/www" "$T62/hostwww"

cp -p "$T_CONF" "$T62/good.conf"
t_on_exit "cp -p '$T62/good.conf' '$T_CONF'"
conf() { { cat "$T62/good.conf"; printf '%s\n' '# t-62-ssh-fwd' "$@"; } >"$T_CONF"; }

# U1's ~/.Xauthority is written by sshd's xauth: restore what was there.
home1=$(getent passwd "$U1" | cut -d: -f6)
if [ -e "$home1/.Xauthority" ]; then
	cp -p "$home1/.Xauthority" "$T62/Xauthority.saved"
	t_on_exit "cp -p '$T62/Xauthority.saved' '$home1/.Xauthority'"
else
	t_on_exit "rm -f '$home1/.Xauthority'"
fi

cleanup_world() {
	local p
	for p in ${T62_PIDS:-}; do kill "$p" 2>/dev/null; done
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	ip netns del t62out 2>/dev/null
	ip link del t62up 2>/dev/null
	ip link del "$BR" 2>/dev/null
	nft delete table inet carrel 2>/dev/null
	umount /run/netns 2>/dev/null && umount /run/netns 2>/dev/null
	rmdir /run/netns 2>/dev/null
	true
}
t_on_exit cleanup_world
bg62() { "$@" </dev/null >>"$OUT/servers.log" 2>&1 & T62_PIDS="${T62_PIDS:-} $!"; }

# ---- the outside world, a host service, a fake X server, an agent, sshd ------------
echo "t62-out" >"$T62/www/marker"
echo "t62-host" >"$T62/hostwww/marker"
ip netns add t62out &&
	ip link add t62up type veth peer name eth0 netns t62out &&
	ip addr add 10.62.0.1/24 dev t62up && ip link set t62up up &&
	ip -n t62out addr add 10.62.0.2/24 dev eth0 && ip -n t62out link set eth0 up &&
	ip -n t62out link set lo up && ip -n t62out route add default via 10.62.0.1 &&
	ip addr add fd62::1/64 dev t62up nodad && ip -n t62out addr add fd62::2/64 dev eth0 nodad &&
	ip -n t62out -6 route add default via fd62::1 ||
	{ not_ok "t-62: build the outside world"; t_finish; }
# Dual stack: 10.62.0.2 and fd62::2.
bg62 ip netns exec t62out python3 -m http.server 8080 --bind :: --directory "$T62/www"
# The host's own service, on all its addresses (127.0.0.1, ::1, 10.62.0.1, fd62::1).
bg62 python3 -m http.server 8062 --bind :: --directory "$T62/hostwww"
# The client's X display: reads the connection setup, answers a marker.
cat >"$T62/xserver.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    c.settimeout(10)
    try:
        c.recv(64)
        c.sendall(b"t62-x11\n")
    except OSError:
        pass
    c.close()
EOF
bg62 python3 "$T62/xserver.py" $((6000 + DISPNUM))
# What a session runs to talk X11 to its DISPLAY with its xauth cookie.
cat >"$T62/x11.py" <<'EOF'
import os, socket, struct, subprocess, sys
d = os.environ.get("DISPLAY", "")
if not d:
    print("no-display"); sys.exit(1)
num = int(d.rsplit(":", 1)[1].split(".")[0])
words = subprocess.run(["xauth", "list", d], capture_output=True, text=True).stdout.split()
if len(words) < 3:
    print("no-cookie"); sys.exit(1)
cookie = bytes.fromhex(words[2])
name = b"MIT-MAGIC-COOKIE-1"
pkt = struct.pack("<BxHHHHxx", ord("l"), 11, 0, len(name), len(cookie)) + name + b"\0\0" + cookie
s = socket.create_connection(("127.0.0.1", 6000 + num), timeout=10)
s.sendall(pkt)
print(s.recv(64).decode(errors="replace").strip())
EOF
chmod 0644 "$T62/x11.py"
# A client-side agent holding a key of the test's own.
ssh-keygen -q -t ed25519 -N '' -C t62-agent -f "$T62/agentkey" || { not_ok "t-62: agent key"; t_finish; }
agent_fp=$(ssh-keygen -lf "$T62/agentkey.pub" | awk '{ print $2 }')
ssh-agent -a "$T62/agent.sock" -s >"$T62/agent.env" 2>&1 || { not_ok "t-62: ssh-agent" "$(cat "$T62/agent.env")"; t_finish; }
AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$T62/agent.env")
SSH_AUTH_SOCK=$T62/agent.sock ssh-add -q "$T62/agentkey" 2>"$OUT/ssh-add.err" ||
	{ not_ok "t-62: ssh-add" "$(cat "$OUT/ssh-add.err")"; t_finish; }
# sshd with X11 forwarding (the suite's own has it off).
sed -e '/^X11Forwarding/d' -e '/^PidFile/d' "$T_WORK/sshd/sshd_config" >"$T62/sshd_config"
printf '%s\n' "PidFile $T62/sshd.pid" "X11Forwarding yes" "X11UseLocalhost yes" \
	"X11DisplayOffset 10" "AllowTcpForwarding yes" "AllowAgentForwarding yes" >>"$T62/sshd_config"
"$T_WORK/bin/sshd-carrel-test" -t -f "$T62/sshd_config" -p "$P2" 2>"$OUT/sshd-t.err" ||
	{ not_ok "t-62: sshd config" "$(cat "$OUT/sshd-t.err")"; t_finish; }
"$T_WORK/bin/sshd-carrel-test" -D -e -f "$T62/sshd_config" -p "$P2" </dev/null >"$OUT/sshd.log" 2>&1 &
T62_PIDS="$T62_PIDS $!"
up() { curl -s -m 2 "$1" | grep -q "$2"; }
if wait_until 20 grep -q "Server listening on 127.0.0.1 port $P2" "$OUT/sshd.log" &&
	wait_until 20 up http://10.62.0.2:8080/marker t62-out && wait_until 20 up "http://[fd62::2]:8080/marker" t62-out &&
	wait_until 20 up http://127.0.0.1:8062/marker t62-host; then
	ok "t-62: sshd with X11 forwarding, the outside web server and a host service are up"
else
	not_ok "t-62: sshd with X11 forwarding, the outside web server and a host service are up" \
		"$(cat "$OUT/sshd.log" "$OUT/servers.log")"
	t_finish
fi
chmod 0777 "$OUT"
chmod 0755 "$T62" "$T62/www" "$T62/hostwww"

# ---- one forwarding ssh session per mode ------------------------------------------
# The session starts a service on its own loopback (127.0.0.1:8098), then
# checks from inside: the agent (-A), X11 (-X), the remote forward (-R);
# prints up=TOK and stays until $T62/release-TOK exists (bounded).
cat >"$T62/inner.sh" <<EOF
tok=\$1 PEER6=\$2
mkdir -p /tmp/t62self && echo t62-self >/tmp/t62self/marker
python3 -m http.server 8098 --bind 127.0.0.1 --directory /tmp/t62self >/dev/null 2>&1 &
web=\$!
for i in \$(seq 40); do curl -s -m 2 http://127.0.0.1:8098/marker | grep -q t62-self && break; sleep 0.25; done
echo "agent_sock=\$SSH_AUTH_SOCK"
echo "agent_keys=\$(ssh-add -l 2>&1 | awk '{ print \$2 }' | tr '\n' ,)"
echo "display=\$DISPLAY"
echo "x11=\$(timeout 20 python3 $T62/x11.py 2>&1 | tail -n 1)"
r=
for i in \$(seq 40); do r=\$(curl -s -m 2 http://127.0.0.1:$RP/marker) && [ -n "\$r" ] && break; sleep 0.25; done
echo "r_inside=\$r"
echo "ipv6=\$(ip -6 -o addr show dev eth0 scope global 2>/dev/null | awk '{ print \$4 }' | cut -d/ -f1)"
gw6=\$(ip -6 route show default 2>/dev/null | awk '{ print \$3; exit }')
echo "v6_out=\$(curl -6 -s -m 10 'http://[fd62::2]:8080/marker')"
t0=\$EPOCHREALTIME
echo "v6_hostaddr=\$(curl -6 -s -m 10 'http://[fd62::1]:8062/marker')"
echo "v6_gw=\$([ -n "\$gw6" ] && curl -6 -s -m 10 "http://[\$gw6]:8062/marker")"
echo "v6_refused_ms=\$(awk -v a="\$t0" -v b="\$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')"
[ -n "\$PEER6" ] && echo "v6_peer=\$(curl -6 -s -m 10 "http://[\$PEER6]:8097/marker")"
echo "up=\$tok"
for i in \$(seq 240); do [ -e $T62/release-\$tok ] && break; sleep 0.5; done
kill \$web
EOF
chmod 0644 "$T62/inner.sh"

# fwd_session TOK PEER_ADDR [PEER_ADDR6]: U1's ssh session with every forwarding.  The
# agent is named by IdentityAgent: the suite's "IdentityAgent none" would
# turn -A off, and ForwardAgent=PATH forwards nothing here (OpenSSH 9.2).
fwd_session() {
	local tok=$1 peer=$2
	: >"$OUT/$tok"
	DISPLAY=127.0.0.1:$DISPNUM run_bg "$OUT/$tok" timeout 200 ssh -F "$T_SSH_CONFIG" -p "$P2" \
		-o ExitOnForwardFailure=yes -o ForwardAgent=yes -o IdentityAgent="$T62/agent.sock" \
		-X -o ForwardX11Trusted=yes \
		-L "127.0.0.1:$LP_OUT:10.62.0.2:8080" -L "127.0.0.1:$LP_HOST:127.0.0.1:8062" \
		-L "127.0.0.1:$LP_HADDR:10.62.0.1:8062" \
		-L "127.0.0.1:$LP_SELF:127.0.0.1:8098" -L "127.0.0.1:$LP_PEER:$peer:8097" \
		-D "127.0.0.1:$DP" -R "127.0.0.1:$RP:127.0.0.1:8062" \
		"$U1@carrel-test" "bash $T62/inner.sh $tok ${3:-}"
	wait_until 60 has_line "$OUT/$tok" "up=$tok"
}
# fetch URL [CURLOPTS...]: the body, or nothing.
fetch() { local u=$1; shift; curl -s -m 10 "$@" "$u" 2>/dev/null | tr -d '\r'; }
# expect MODE WHAT GOT WANT ALLOWED: ALLOWED=1: GOT must be WANT; 0: GOT must not be.
expect() {
	local mode=$1 what=$2 got=$3 want=$4 allowed=$5
	if [ "$allowed" = 1 ]; then
		[ "$got" = "$want" ] && ok "t-62: $mode: $what works" ||
			not_ok "t-62: $mode: $what works" "got '$got', want '$want'" "$(dump "$OUT/$TOK")"
	else
		[ "$got" != "$want" ] && ok "t-62: $mode: $what is refused" ||
			not_ok "t-62: $mode: $what is refused" "got '$got'" "$(dump "$OUT/$TOK")"
	fi
}
host_connects() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
u1_session() {
	local f s
	for f in /run/carrel/sessions/*; do
		s=$(basename "$f")
		case "$s" in *.*) continue ;; esac
		[ "$(state_field "$s" uid)" = "$(uid_of $U1)" ] && [ "$(state_field "$s" service)" = sshd-carrel-test ] &&
			{ echo "$s"; return; }
	done
}

# PEER: in nat, U2's carrel serves on all its addresses (8097): U1's
# forwardings must reach neither its carrel address nor its loopback.
peer_session() {
	cat >"$T62/peer.sh" <<EOF
mkdir -p /tmp/t62peer && echo t62-peer >/tmp/t62peer/marker
python3 -m http.server 8097 --bind :: --directory /tmp/t62peer >/dev/null 2>&1 &
web=\$!
for i in \$(seq 40); do curl -s -m 2 http://127.0.0.1:8097/marker | grep -q t62-peer && break; sleep 0.25; done
echo "peer_ip=\$(ip -4 -o addr show eth0 | awk '{ print \$4 }' | cut -d/ -f1)"
echo "peer_ip6=\$(ip -6 -o addr show dev eth0 scope global | awk '{ print \$4 }' | cut -d/ -f1)"
echo "up=peer"
for i in \$(seq 240); do [ -e $T62/release-peer ] && break; sleep 0.5; done
kill $web
EOF
	chmod 0644 "$T62/peer.sh"
	: >"$OUT/peer"
	chmod 0666 "$OUT/peer"
	run_bg "$OUT/peer.su" su - "$U2" -c "bash $T62/peer.sh >$OUT/peer 2>&1"
	wait_until 60 has_line "$OUT/peer" "up=peer"
}

for mode in none nat host; do
	case $mode in
	host) conf "namespaces = {mnt, pid, ipc, uts, cgroup, user}" "network = host" ;;
	*) conf "network = $mode" ;;
	esac
	peer=10.62.0.99 peer6=
	if [ "$mode" = nat ]; then
		rm -f "$T62/release-peer"
		if peer_session; then
			peer=$(pv "$OUT/peer" peer_ip)
			peer6=$(pv "$OUT/peer" peer_ip6)
		else
			not_ok "t-62: nat: $U2's carrel with a service runs" "$(dump "$OUT/peer")" "$(dump "$OUT/peer.su")"
		fi
	fi
	TOK=fwd-$mode
	rm -f "$T62/release-$TOK"
	mark=$(syslog_mark)
	if ! fwd_session "$TOK" "$peer" "$peer6"; then
		not_ok "t-62: $mode: the forwarding ssh session runs" "$(dump "$OUT/$TOK")" "$(tail -n 20 "$OUT/sshd.log")" \
			"$(syslog_since "$mark" | tail -n 10)"
		: >"$T62/release-$TOK"
		: >"$T62/release-peer"
		wait_until 20 no_sessions
		continue
	fi
	ok "t-62: $mode: the forwarding ssh session runs"
	[ $mode = host ] && hostish=1 || hostish=0
	[ $mode = none ] && out_ok=0 || out_ok=1

	# -L / -D / -W: where the connection is made.
	expect $mode "-L to the outside web server" "$(fetch "http://127.0.0.1:$LP_OUT/marker")" t62-out $out_ok
	expect $mode "-D (SOCKS) to the outside web server" \
		"$(fetch http://10.62.0.2:8080/marker --socks5-hostname "127.0.0.1:$DP")" t62-out $out_ok
	expect $mode "-W to the outside web server" \
		"$(printf 'GET /marker HTTP/1.0\r\n\r\n' | timeout 30 ssh -F "$T_SSH_CONFIG" -p "$P2" \
			-W 10.62.0.2:8080 "$U1@carrel-test" 2>/dev/null | tr -d '\r' | tail -n 1)" t62-out $out_ok
	expect $mode "-L to the host's loopback service (127.0.0.1:8062)" \
		"$(fetch "http://127.0.0.1:$LP_HOST/marker")" t62-host $hostish
	expect $mode "-D to the host's loopback service" \
		"$(fetch http://127.0.0.1:8062/marker --socks5-hostname "127.0.0.1:$DP")" t62-host $hostish
	expect $mode "-L to the host's own address (10.62.0.1:8062)" \
		"$(fetch "http://127.0.0.1:$LP_HADDR/marker")" t62-host $hostish
	expect $mode "-L to the carrel's own loopback service" \
		"$(fetch "http://127.0.0.1:$LP_SELF/marker")" t62-self 1
	if [ $mode = nat ]; then
		expect $mode "-L to $U2's carrel's service ($peer:8097)" \
			"$(fetch "http://127.0.0.1:$LP_PEER/marker")" t62-peer 0
		expect $mode "-D to $U2's carrel's service" \
			"$(fetch "http://$peer:8097/marker" --socks5-hostname "127.0.0.1:$DP")" t62-peer 0
		# (control) the service is there: root in U2's carrel's network reaches it.
		id2=$(for f in /run/carrel/sessions/*.net; do
			s=$(basename "$f" .net)
			[ "$(state_field "$s" uid)" = "$(uid_of $U2)" ] && echo "$s"
		done | head -n 1)
		h2=$(state_field "$id2" holder)
		got=$(nsenter -t "$h2" -n curl -s -m 5 "http://$peer:8097/marker" 2>/dev/null)
		[ "$got" = t62-peer ] && ok "t-62: nat: (control) $U2's service answers inside its carrel" ||
			not_ok "t-62: nat: (control) $U2's service answers inside its carrel" "id=$id2 holder=$h2 got=$got"
	fi

	# -R: reachable inside the carrel in every mode; from the host only in host.
	expect $mode "-R reached from inside the carrel" "$(pv "$OUT/$TOK" r_inside)" t62-host 1
	expect $mode "-R reached from the host's loopback" "$(fetch "http://127.0.0.1:$RP/marker")" t62-host $hostish

	# -A: the key is usable inside; the socket is in the carrel's /tmp only.
	expect $mode "-A: the agent's key listed inside" "$(pv "$OUT/$TOK" agent_keys)" "$agent_fp," 1
	sock=$(pv "$OUT/$TOK" agent_sock)
	[ -n "$sock" ] && [ -S "$sock" ] && got=on-host || got=absent
	expect $mode "-A: the agent socket ($sock) seen on the host's /tmp" "$got" on-host 0

	# -X: the cookie and the X11 channel carry data inside; the listener is
	# on the host's loopback only in host mode.
	expect $mode "-X: an X11 client inside with the xauth cookie reaches the client's display" \
		"$(pv "$OUT/$TOK" x11)" t62-x11 1
	disp=$(pv "$OUT/$TOK" display)
	num=${disp##*:}
	num=${num%%.*}
	if [ -n "$num" ]; then
		host_connects $((6000 + num)) && got=yes || got=no
		expect $mode "-X: the X11 listener (port $((6000 + num))) reached from the host's loopback" "$got" yes $hostish
	else
		not_ok "t-62: $mode: -X: a DISPLAY is set" "$(dump "$OUT/$TOK")"
	fi

	# IPv6: out through NAT as v4; the host's v6 addresses refused (at once).
	expect $mode "IPv6 to the outside web server ([fd62::2]:8080)" "$(pv "$OUT/$TOK" v6_out)" t62-out $out_ok
	expect $mode "IPv6 to the host's own address ([fd62::1]:8062)" "$(pv "$OUT/$TOK" v6_hostaddr)" t62-host $hostish
	if [ $mode = nat ]; then
		case "$(pv "$OUT/$TOK" ipv6)" in
		fd0c:a77e:1:*) ok "t-62: nat: the carrel has an IPv6 address from net_pool6 ($(pv "$OUT/$TOK" ipv6))" ;;
		*) not_ok "t-62: nat: the carrel has an IPv6 address from net_pool6" "$(dump "$OUT/$TOK")" ;;
		esac
		expect $mode "IPv6 to the gateway's address, port 8062" "$(pv "$OUT/$TOK" v6_gw)" t62-host 0
		ms=$(pv "$OUT/$TOK" v6_refused_ms)
		if [ -n "$ms" ] && [ "$ms" -lt 9000 ]; then
			ok "t-62: nat: IPv6 to the host refused at once (both tries: $ms ms of a 20 s bound)"
		else
			not_ok "t-62: nat: IPv6 to the host refused at once" "$(dump "$OUT/$TOK")"
		fi
		expect $mode "IPv6 TCP to $U2's carrel ([$peer6]:8097)" "$(pv "$OUT/$TOK" v6_peer)" t62-peer 0
		ip6_1=$(pv "$OUT/$TOK" ipv6)
		if [ -n "$h2" ] && [ -n "$ip6_1" ]; then
			nsenter -t "$h2" -n ping -6 -c 1 -W 2 "$ip6_1" >/dev/null 2>&1 && got=yes || got=no
			expect $mode "ICMPv6 from root in $U2's carrel to $U1's ($ip6_1)" "$got" yes 0
			nsenter -t "$h2" -n ping -6 -c 1 -W 2 fd62::2 >/dev/null 2>&1 && got=yes || got=no
			expect $mode "(control) ICMPv6 from $U2's carrel to the outside" "$got" yes 1
			got=$(nsenter -t "$h2" -n curl -6 -s -m 5 "http://[$peer6]:8097/marker" 2>/dev/null)
			expect $mode "(control) $U2's service over IPv6 inside its carrel" "$got" t62-peer 1
		else
			not_ok "t-62: nat: the IPv6 addresses of both carrels" "holder2=$h2 ip6_1=$ip6_1"
		fi
	fi

	# Who holds the listeners: sshd's post-auth child, in the carrel's network.
	if [ $mode != host ]; then
		id=$(u1_session)
		holder=$(state_field "$id" holder)
		ss_out=$(nsenter -t "$holder" -n ss -Hltnp 2>/dev/null)
		if grep -q "127.0.0.1:$RP .*sshd" <<<"$ss_out" && grep -q ":$((6000 + num)) .*sshd" <<<"$ss_out" &&
			nsenter -t "$holder" -m test -S "$sock"; then
			ok "t-62: $mode: the -R and X11 listeners are sshd's, in the carrel's network; the agent socket in its /tmp"
		else
			not_ok "t-62: $mode: the -R and X11 listeners are sshd's, in the carrel's network; the agent socket in its /tmp" \
				"id=$id holder=$holder" "$ss_out"
		fi
	fi

	: >"$T62/release-$TOK"
	: >"$T62/release-peer"
	wait_until 30 no_sessions || not_ok "t-62: $mode: the sessions end" "$(ls /run/carrel/sessions)"
done
# ---- scope = user: one network for all of a user's logins ---------------------------
# Two su logins of U1 share one carrel: the same net namespace, address and
# lease; after the first logout the network stays (the other login still
# reaches the outside); after the last one nothing is left.
conf "network = nat" "scope = user" "linger = no"
cat >"$T62/scope.sh" <<EOF
tok=\$1
echo "netns=\$(readlink /proc/self/ns/net)"
echo "ipv4=\$(ip -4 -o addr show eth0 | awk '{ print \$4 }')"
echo "up=\$tok"
for i in \$(seq 240); do [ -e $T62/release-\$tok ] && break; sleep 0.5; done
EOF
chmod 0644 "$T62/scope.sh"
for tok in sa sb; do
	rm -f "$T62/release-$tok"
	: >"$OUT/$tok"
	chmod 0666 "$OUT/$tok"
	run_bg "$OUT/$tok.su" su - "$U1" -c "bash $T62/scope.sh $tok >$OUT/$tok 2>&1"
	[ $tok = sa ] && SA_PID=$BG_PID
	wait_until 60 has_line "$OUT/$tok" "up=$tok" ||
		not_ok "t-62: scope = user: login $tok runs" "$(dump "$OUT/$tok")" "$(dump "$OUT/$tok.su")"
done
leases() { find /run/carrel/net/leases -mindepth 1 2>/dev/null | wc -l; }
crlinks() { ip -o link | grep -c ': cr-'; }
if [ -n "$(pv "$OUT/sa" netns)" ] && [ "$(pv "$OUT/sa" netns)" = "$(pv "$OUT/sb" netns)" ] &&
	[ -n "$(pv "$OUT/sa" ipv4)" ] && [ "$(pv "$OUT/sa" ipv4)" = "$(pv "$OUT/sb" ipv4)" ] &&
	[ "$(leases)" = 1 ] && [ "$(crlinks)" = 1 ]; then
	ok "t-62: scope = user: two logins share one network (netns, $(pv "$OUT/sa" ipv4), one lease, one veth)"
else
	not_ok "t-62: scope = user: two logins share one network" "$(dump "$OUT/sa")" "$(dump "$OUT/sb")" \
		"leases=$(leases) veths=$(crlinks)"
fi
sid=$(ls /run/carrel/sessions/*.net 2>/dev/null | head -n 1 | xargs -r basename | sed 's/\.net$//')
sholder=$(state_field "$sid" holder)
: >"$T62/release-sa"
wait_pid 20 "$SA_PID"
got=$([ -n "$sholder" ] && nsenter -t "$sholder" -n curl -s -m 10 http://10.62.0.2:8080/marker 2>/dev/null)
if [ "$got" = t62-out ] && [ "$(leases)" = 1 ] && [ "$(crlinks)" = 1 ]; then
	ok "t-62: scope = user: after the first logout the network stays and reaches the outside"
else
	not_ok "t-62: scope = user: after the first logout the network stays and reaches the outside" \
		"id=$sid holder=$sholder got=$got leases=$(leases) veths=$(crlinks)"
fi
: >"$T62/release-sb"
no_leases() { [ "$(leases)" = 0 ]; }
no_crlinks() { [ "$(crlinks)" = 0 ]; }
if wait_until 30 no_sessions && wait_until 10 no_leases && wait_until 10 no_crlinks &&
	! ls /run/carrel/sessions/*.net >/dev/null 2>&1; then
	ok "t-62: scope = user: after the last logout no lease, veth or info file is left"
else
	not_ok "t-62: scope = user: after the last logout no lease, veth or info file is left" \
		"leases=$(leases) veths=$(crlinks)" "$(ls /run/carrel/sessions)"
fi

if [ -z "$(ls -A /run/carrel/net/leases 2>/dev/null)" ] && ! ip -o link | grep -q ': cr-'; then
	ok "t-62: nothing of the network is left after the sessions"
else
	not_ok "t-62: nothing of the network is left after the sessions" "$(ls -A /run/carrel/net/leases)" "$(ip -o link | grep ': cr-')"
fi

# check-config: nat without the mnt namespace reads the host's resolv.conf.
HELPER=/usr/local/libexec/carrel/carrel-helper
printf '%s\n' 'namespaces = {ipc, uts, net, cgroup}' 'network = nat' 'tmp = shared' >"$T62/nomnt.conf"
printf '%s\n' 'network = nat' >"$T62/withmnt.conf"
chmod 0644 "$T62/nomnt.conf" "$T62/withmnt.conf"
w1=$("$HELPER" check-config "$T62/nomnt.conf" 2>&1)
w2=$("$HELPER" check-config "$T62/withmnt.conf" 2>&1)
if grep -q "nomnt.conf:2: network = nat without mnt in namespaces" <<<"$w1" && ! grep -q "without mnt" <<<"$w2"; then
	ok "t-62: check-config warns of network = nat without the mnt namespace (DNS), only then"
else
	not_ok "t-62: check-config warns of network = nat without the mnt namespace (DNS), only then" "$w1" "$w2"
fi

t_finish
