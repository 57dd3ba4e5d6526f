#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# network = nat, end to end over real sshd and su, in the suite's own net
# namespace (the "host" here) with an "outside world" this test builds:
# a namespace t61out behind the veth t61up (10.61.0.0/24), holding a web
# server (python3 -m http.server) and a DNS server (dnsmasq) that answers
# web.t61.test.  The host's /etc/resolv.conf (bind-mounted in the suite's
# mount namespace) names that DNS server.
#   1. in nat: curl by name reaches the outside web server; resolv.conf
#      names the gateway; the session has an address from the pool;
#   2. the host's addresses (uplink, gateway) and services are refused,
#      at once (no timeout);
#   3. two users' carrels cannot reach each other (TCP from a session,
#      ICMP and TCP from root in the other carrel's namespace);
#   4. the carrel cannot change carrel's rules: nft as the user fails, and
#      nft in a nested `unshare -rn` only changes that namespace's own;
#   5. none and host modes as before (loopback only / the host's links);
#   6. nothing left after logout and after kill -9 of the keeper (the next
#      nat open reaps its lease); the close log line has addresses and bytes;
#   7. N concurrent nat logins (su) get distinct addresses, and leave nothing.
# The bridge, carrel's table and the outside world are removed at the end.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out/t61
T61=$T_WORK/t61
U1=carreltest1
U2=carreltest2
BR=carrel0
LEASES=/run/carrel/net/leases
# The issue's figure: 200 (about 30 s of the script's run here).
N_CONCURRENT=${CARREL_T61_CONCURRENT:-200}

for tool in python3 dnsmasq curl nft nsenter; do
	command -v "$tool" >/dev/null 2>&1 || { skip "t-61: network = nat" "$tool missing"; t_finish; }
done
install -d -m 0755 "$OUT" "$T61" "$T61/www"

cp -p "$T_CONF" "$T61/good.conf"
t_on_exit "cp -p '$T61/good.conf' '$T_CONF'"
conf() { { cat "$T61/good.conf"; printf '%s\n' '# t-61-net' "$@"; } >"$T_CONF"; }

# ---- the outside world -------------------------------------------------------
cleanup_world() {
	[ -n "${WEB_PID:-}" ] && kill "$WEB_PID" 2>/dev/null
	[ -n "${HOSTWEB_PID:-}" ] && kill "$HOSTWEB_PID" 2>/dev/null
	[ -f "$T61/dnsmasq.pid" ] && kill "$(cat "$T61/dnsmasq.pid")" 2>/dev/null
	ip netns del t61out 2>/dev/null
	ip link del t61up 2>/dev/null
	ip link del "$BR" 2>/dev/null
	nft delete table inet carrel 2>/dev/null
	nft delete table ip t61filter 2>/dev/null
	umount /etc/resolv.conf 2>/dev/null
	# ip netns add made /run/netns a mount point of its own.
	umount /run/netns 2>/dev/null && umount /run/netns 2>/dev/null
	rmdir /run/netns 2>/dev/null
	true
}
t_on_exit cleanup_world

echo "t61-marker" >"$T61/www/marker"
ip netns add t61out &&
	ip link add t61up type veth peer name eth0 netns t61out &&
	ip addr add 10.61.0.1/24 dev t61up && ip link set t61up up &&
	ip -n t61out addr add 10.61.0.2/24 dev eth0 && ip -n t61out link set eth0 up &&
	ip -n t61out link set lo up && ip -n t61out route add default via 10.61.0.1 ||
	{ not_ok "t-61: build the outside world"; t_finish; }
ip netns exec t61out python3 -m http.server 8080 --bind 10.61.0.2 --directory "$T61/www" \
	>"$OUT/web.log" 2>&1 &
WEB_PID=$!
ip netns exec t61out dnsmasq --no-resolv --no-hosts --no-daemon --listen-address=10.61.0.2 \
	--bind-interfaces --address=/web.t61.test/10.61.0.2 --pid-file="$T61/dnsmasq.pid" \
	--user=root >"$OUT/dnsmasq.log" 2>&1 &
echo $! >"$T61/dnsmasq.pid"
# A service of the host's own, on all its addresses.
python3 -m http.server 8061 --bind 0.0.0.0 --directory "$T61/www" >"$OUT/hostweb.log" 2>&1 &
HOSTWEB_PID=$!
printf 'nameserver 10.61.0.2\nsearch t61.test\n' >"$T61/resolv.conf"
mount --bind "$T61/resolv.conf" /etc/resolv.conf || { not_ok "t-61: host resolv.conf"; t_finish; }
web_up() { curl -s -m 2 http://10.61.0.2:8080/marker | grep -q t61-marker; }
host_web_up() { curl -s -m 2 http://127.0.0.1:8061/marker | grep -q t61-marker; }
if wait_until 20 web_up && wait_until 20 host_web_up; then
	ok "t-61: outside web server, DNS server and a host service are up"
else
	not_ok "t-61: outside web server, DNS server and a host service are up" "$(cat "$OUT"/*.log)"
	t_finish
fi

# ---- sessions that run a script and stay until released ------------------------
# in_session USER TOKEN SCRIPT: su -l USER runs SCRIPT (a file), its output
# in $OUT/TOKEN; the session stays until $T61/release-TOKEN exists (bounded,
# 120 s).  It waits in bash's own read on the FIFO $T61/wake-TOKEN, which
# release_t61 writes to, not in a sleep loop: 200 sessions each starting a
# sleep twice a second were most of the load on 2 CPUs and held up the
# logins the concurrent test waits for.  A wake-up written before the
# session reads is lost (a FIFO keeps no data without a reader); the file
# is seen within 5 s then.
in_session() {
	local user=$1 tok=$2 script=$3
	[ "$script" = "$T61/$tok.sh" ] || install -m 0755 "$script" "$T61/$tok.sh"
	: >"$OUT/$tok"
	chmod 0666 "$OUT/$tok"
	rm -f "$T61/wake-$tok"
	mkfifo -m 0666 "$T61/wake-$tok"
	run_bg "$OUT/$tok.su" su - "$user" -c \
		"bash $T61/$tok.sh >$OUT/$tok 2>&1; echo end=$tok >>$OUT/$tok; \
		 for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24; do \
		 [ -e $T61/release-$tok ] && break; read -r -t 5 _ <>$T61/wake-$tok; done"
}
done_session() { wait_until "${2:-30}" grep -qx "end=$1" "$OUT/$1"; }
chmod 0777 "$T61" "$OUT"
chmod 0755 "$T61/www"

conf "network = nat"

cat >"$T61/s1.sh" <<'EOF'
echo "ipv4=$(ip -4 -o addr show eth0 | awk '{ print $4 }')"
echo "links=$(ip -o link | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort | tr '\n' ,)"
echo "resolv=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)"
echo "byname=$(curl -s -m 10 http://web.t61.test:8080/marker)"
t0=$EPOCHREALTIME
curl -s -m 10 http://10.61.0.1:8061/marker >/dev/null 2>&1; echo "uplink_rc=$?"
curl -s -m 10 http://10.213.0.1:8061/marker >/dev/null 2>&1; echo "gateway_rc=$?"
echo "refused_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')"
/usr/sbin/nft list tables >/dev/null 2>&1; echo "nft_rc=$?"
unshare -rn sh -c '/usr/sbin/nft add table inet carrel && /usr/sbin/nft add chain inet carrel x' >/dev/null 2>&1; echo "nested_nft_rc=$?"
curl -s -m 10 http://10.61.0.1:8061/marker >/dev/null 2>&1; echo "uplink_after_rc=$?"
python3 -m http.server 8099 --bind 0.0.0.0 --directory /tmp >/dev/null 2>&1 &
echo "listener=$!"
EOF
mark=$(syslog_mark)
in_session "$U1" s1 "$T61/s1.sh"
if done_session s1 60; then
	ok "t-61: nat session of $U1 runs"
else
	not_ok "t-61: nat session of $U1 runs" "$(cat "$OUT/s1" "$OUT/s1.su")" "$(syslog_since "$mark")"
fi
addr1=$(pv "$OUT/s1" ipv4)
case "$addr1" in
10.213.*/16) ok "t-61: the session has an address from the pool ($addr1)" ;;
*) not_ok "t-61: the session has an address from the pool" "$(cat "$OUT/s1")" ;;
esac
[ "$(pv "$OUT/s1" links)" = "eth0,lo," ] && ok "t-61: the carrel sees lo and eth0 only" ||
	not_ok "t-61: the carrel sees lo and eth0 only" "$(pv "$OUT/s1" links)"
[ "$(pv "$OUT/s1" resolv)" = "10.213.0.1" ] && ok "t-61: resolv.conf names the gateway" ||
	not_ok "t-61: resolv.conf names the gateway" "$(cat "$OUT/s1")"
[ "$(pv "$OUT/s1" byname)" = "t61-marker" ] && ok "t-61: curl by name reaches the outside web server" ||
	not_ok "t-61: curl by name reaches the outside web server" "$(cat "$OUT/s1")" "$(nft list table inet carrel)"
for k in uplink_rc gateway_rc; do
	rc=$(pv "$OUT/s1" $k)
	if [ -n "$rc" ] && [ "$rc" != 0 ]; then
		ok "t-61: the host's own service is unreachable ($k=$rc)"
	else
		not_ok "t-61: the host's own service is unreachable ($k)" "$(cat "$OUT/s1")"
	fi
done
ms=$(pv "$OUT/s1" refused_ms)
if [ -n "$ms" ] && [ "$ms" -lt 9000 ]; then
	ok "t-61: refused at once, not by a timeout (both tries: ${ms} ms of a 20 s bound)"
else
	not_ok "t-61: refused at once, not by a timeout" "$(cat "$OUT/s1")"
fi
[ "$(pv "$OUT/s1" nft_rc)" != 0 ] && ok "t-61: nft as the user cannot read or change the host's rules" ||
	not_ok "t-61: nft as the user cannot read or change the host's rules" "$(cat "$OUT/s1")"
if [ "$(pv "$OUT/s1" uplink_after_rc)" != 0 ] && [ -n "$(pv "$OUT/s1" uplink_after_rc)" ]; then
	ok "t-61: a table made in a nested unshare -rn changes nothing for the carrel (nested rc $(pv "$OUT/s1" nested_nft_rc))"
else
	not_ok "t-61: a table made in a nested unshare -rn changes nothing for the carrel" "$(cat "$OUT/s1")"
fi

# ssh -W (what -J does through this machine as a bastion): sshd opens the
# direct-tcpip channel from inside the carrel's network.
jump() { printf 'GET /marker HTTP/1.0\r\n\r\n' | timeout 30 ssh -F "$T_SSH_CONFIG" -W 10.61.0.2:8080 "$U1@carrel-test" 2>"$OUT/jump.err"; }
if jump | grep -q t61-marker; then
	ok "t-61: nat: ssh -W (the -J hop) reaches the outside web server through the carrel"
else
	not_ok "t-61: nat: ssh -W (the -J hop) reaches the outside web server through the carrel" "$(cat "$OUT/jump.err")"
fi

# ---- two users --------------------------------------------------------------------
ip1=${addr1%/*}
cat >"$T61/s2.sh" <<EOF
curl -s -m 5 http://$ip1:8099/ >/dev/null 2>&1; echo "tcp_rc=\$?"
echo "ipv4=\$(ip -4 -o addr show eth0 | awk '{ print \$4 }')"
EOF
in_session "$U2" s2 "$T61/s2.sh"
done_session s2 60 || not_ok "t-61: nat session of $U2 runs" "$(cat "$OUT/s2" "$OUT/s2.su")"
rc=$(pv "$OUT/s2" tcp_rc)
if [ -n "$rc" ] && [ "$rc" != 0 ] && [ -n "$(pv "$OUT/s2" ipv4)" ]; then
	ok "t-61: $U2's carrel cannot open a TCP connection to $U1's ($ip1:8099, curl rc $rc)"
else
	not_ok "t-61: $U2's carrel cannot open a TCP connection to $U1's" "$(cat "$OUT/s2")"
fi
# The same from root in U2's carrel's net namespace: ICMP and TCP, no user limits.
id2=$(for f in /run/carrel/sessions/*.net; do
	[ -e "$f" ] || continue
	s=$(basename "$f" .net)
	[ "$(state_field "$s" uid)" = "$(uid_of $U2)" ] && echo "$s"
done | head -n 1)
holder2=$(state_field "$id2" holder)
if [ -n "$holder2" ] && nsenter -t "$holder2" -n ip -o link show eth0 >/dev/null 2>&1; then
	if nsenter -t "$holder2" -n ping -c 1 -W 2 "$ip1" >"$OUT/ping" 2>&1; then
		not_ok "t-61: no ICMP from $U2's carrel to $U1's" "$(cat "$OUT/ping")"
	else
		ok "t-61: no ICMP from $U2's carrel to $U1's"
	fi
	if nsenter -t "$holder2" -n curl -s -m 3 "http://$ip1:8099/" >/dev/null 2>&1; then
		not_ok "t-61: no TCP from root in $U2's carrel's network to $U1's"
	else
		ok "t-61: no TCP from root in $U2's carrel's network to $U1's"
	fi
	if nsenter -t "$holder2" -n ping -c 1 -W 2 10.61.0.2 >/dev/null 2>&1; then
		ok "t-61: (control) ICMP from the same namespace to the outside works"
	else
		not_ok "t-61: (control) ICMP from the same namespace to the outside works"
	fi
else
	not_ok "t-61: $U2's carrel's holder found" "id=$id2 holder=$holder2" "$(ls /run/carrel/sessions)"
fi
# The host itself reaches U1's listener: the refusals above are carrel's rules.
if curl -s -m 5 "http://$ip1:8099/" >/dev/null 2>&1; then
	ok "t-61: (control) the host reaches $U1's listener"
else
	not_ok "t-61: (control) the host reaches $U1's listener"
fi

# carrelctl: the session's addresses and bytes (the veth's counters; sysfs
# here is the real host's, so only list --json's addresses are asserted).
CTL=${T_CARRELCTL:-/usr/local/sbin/carrelctl}
if "$CTL" list --json >"$OUT/list.json" 2>&1 && grep -q "\"ipv4\":\"$ip1\"" "$OUT/list.json" &&
	grep -q '"mode":"nat"' "$OUT/list.json"; then
	ok "t-61: carrelctl list --json gives the session's network"
else
	not_ok "t-61: carrelctl list --json gives the session's network" "$(cat "$OUT/list.json")"
fi
if "$CTL" show "$id2" >"$OUT/show" 2>&1 && grep -q "network:   nat, 10.213" "$OUT/show" &&
	grep -q "^ *network  *nat  *top level" "$OUT/show"; then
	ok "t-61: carrelctl show gives the network, and the policy's network with its origin"
else
	not_ok "t-61: carrelctl show gives the network, and the policy's network with its origin" "$(cat "$OUT/show")"
fi

# ---- logout: nothing left; the close line --------------------------------------------
# Opened read-write, the FIFO never blocks the writer, whether or not the
# session still reads it.
release_t61() {
	: >"$T61/release-$1"
	[ -p "$T61/wake-$1" ] && echo go 1<>"$T61/wake-$1"
	return 0
}
release_t61 s1
release_t61 s2
no_cr_links() { ! ip -o link | grep -q ': cr-'; }
no_leases() { [ -z "$(ls -A "$LEASES" 2>/dev/null)" ]; }
no_net_info() { ! ls /run/carrel/sessions/*.net >/dev/null 2>&1; }
if wait_until 10 no_sessions && wait_until 5 no_cr_links && wait_until 5 no_leases && no_net_info; then
	ok "t-61: after logout no veth, lease or info file is left"
else
	not_ok "t-61: after logout no veth, lease or info file is left" "$(ip -o link)" "$(ls -la "$LEASES")"
fi
line=$(syslog_since "$mark" | grep "close session=" | grep "user=$U1" | grep "ipv4=$ip1 " | head -n 1)
case "$line" in
*"network=nat ipv4=$ip1 "*net_in_bytes=*net_out_bytes=*)
	in=$(sed 's/.*net_in_bytes=\([0-9]*\).*/\1/' <<<"$line")
	if [ "$in" -gt 0 ]; then
		ok "t-61: the close line has the addresses and the bytes in/out ($in in)"
	else
		not_ok "t-61: the close line has the addresses and the bytes in/out" "$line"
	fi
	;;
*) not_ok "t-61: the close line has the addresses and the bytes in/out" "$line" ;;
esac

# ---- kill -9 of the login program: nothing left ---------------------------------------
cat >"$T61/s3.sh" <<'EOF'
echo "ipv4=$(ip -4 -o addr show eth0 | awk '{ print $4 }')"
EOF
in_session "$U1" s3 "$T61/s3.sh"
done_session s3 60 || not_ok "t-61: nat session for kill -9 runs" "$(cat "$OUT/s3" "$OUT/s3.su")"
id3=$(ls /run/carrel/sessions/*.net 2>/dev/null | head -n 1 | xargs -r basename | sed 's/\.net$//')
login3=$(state_field "$id3" login)
if [ -n "$login3" ] && kill -9 "$login3"; then
	if wait_until 10 no_sessions && wait_until 5 no_leases && wait_until 5 no_cr_links && no_net_info; then
		ok "t-61: after kill -9 of the login program (su) no veth, lease or info file is left"
	else
		not_ok "t-61: after kill -9 of the login program (su) no veth, lease or info file is left" \
			"$(ls -la "$LEASES" /run/carrel/sessions)" "$(ip -o link)"
	fi
else
	not_ok "t-61: kill -9 of a nat login program" "id=$id3 login=$login3"
fi
release_t61 s3
# kill -9 of the keeper, with an egress rule and a rate (net/egress.c,
# net/shape.c): its lease is free at once (the flock dies with it); the
# reaper (helper/reap.c, here `carrelctl gc` once the login has ended)
# removes the lease file, the info file, the session's egress chain and
# the user's IFB devices.
conf "network = nat" 'deny_out = {"10.61.0.1:8062"}' "net_rate_max = 100M"
in_session "$U1" s4 "$T61/s3.sh"
done_session s4 60 || not_ok "t-61: nat session with egress and rate for kill -9 of the keeper runs" "$(cat "$OUT/s4" "$OUT/s4.su")"
id4=$(ls /run/carrel/sessions/*.net 2>/dev/null | head -n 1 | xargs -r basename | sed 's/\.net$//')
keeper4=$(state_field "$id4" keeper)
chain4() { nft list table inet carrel_egress 2>/dev/null | grep -q "chain s-$id4 "; }
ifb4() { ip -o link | grep -qE ": cr[du]-$(uid_of "$U1")[:@]"; }
if [ -n "$id4" ] && chain4 && ifb4; then
	ok "t-61: a nat session with deny_out and net_rate_max has its egress chain and IFB devices"
else
	not_ok "t-61: a nat session with deny_out and net_rate_max has its egress chain and IFB devices" \
		"id=$id4" "$(nft list table inet carrel_egress 2>&1 | head -n 20)" "$(ip -o link | grep ': cr')"
fi
if [ -n "$keeper4" ] && kill -9 "$keeper4"; then
	release_t61 s4
	gone4() { ! pgrep -u "$U1" -f "release-s4" >/dev/null; }
	wait_until 20 gone4
	reaped4() { "$CTL" gc >/dev/null 2>&1; no_sessions && no_leases && no_net_info && ! chain4 && ! ifb4; }
	if wait_until 20 reaped4 && wait_until 5 no_cr_links; then
		ok "t-61: after kill -9 of the keeper the reaper leaves no veth, lease, info file, egress chain or IFB"
	else
		not_ok "t-61: after kill -9 of the keeper the reaper leaves no veth, lease, info file, egress chain or IFB" \
			"$(ls -la "$LEASES" /run/carrel/sessions 2>&1)" "$(ip -o link | grep ': cr')" \
			"$(nft list table inet carrel_egress 2>&1 | head -n 20)"
	fi
else
	not_ok "t-61: kill -9 of a nat session's keeper" "id=$id4 keeper=$keeper4"
fi
conf "network = nat"
wait_until 10 no_sessions

# ---- none and host ------------------------------------------------------------------
cat >"$T61/s5.sh" <<'EOF'
echo "links=$(ip -o link | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort | tr '\n' ,)"
EOF
conf "network = none"
in_session "$U1" s5 "$T61/s5.sh"
done_session s5 60
release_t61 s5
[ "$(pv "$OUT/s5" links)" = "lo," ] && ok "t-61: network = none: loopback only" ||
	not_ok "t-61: network = none: loopback only" "$(cat "$OUT/s5" "$OUT/s5.su")"
if jump | grep -q t61-marker; then
	not_ok "t-61: none: ssh -W (the -J hop) to the outside is refused" "$(cat "$OUT/jump.err")"
else
	ok "t-61: none: ssh -W (the -J hop) to the outside is refused"
fi
wait_until 10 no_sessions
conf "namespaces = {mnt, pid, ipc, uts, cgroup, user}" "network = host"
in_session "$U1" s6 "$T61/s5.sh"
done_session s6 60
release_t61 s6
case "$(pv "$OUT/s6" links)" in
*t61up*) ok "t-61: network = host: the host's links" ;;
*) not_ok "t-61: network = host: the host's links" "$(cat "$OUT/s6" "$OUT/s6.su")" ;;
esac
wait_until 10 no_sessions

# ---- concurrent nat logins: distinct addresses, nothing left ----------------------------
# The suite's limits (pids_max 64, memory_max 64M) are per user, shared by
# all of the user's carrels: room for N at once.
conf "network = nat" "limits {" "  pids_max = $((N_CONCURRENT * 16 + 64))" "  memory_max = 4G" "}"
mark=$(syslog_mark)
cat >"$T61/c.sh" <<'EOF'
echo "ipv4=$(ip -4 -o addr show eth0 | awk '{ print $4 }')"
EOF
for i in $(seq "$N_CONCURRENT"); do
	in_session "$U1" "c$i" "$T61/c.sh"
done
all_done() {
	local i
	for i in $(seq "$N_CONCURRENT"); do grep -q "^end=c$i\$" "$OUT/c$i" 2>/dev/null || return 1; done
}
wait_until 150 all_done
got=$(for i in $(seq "$N_CONCURRENT"); do pv "$OUT/c$i" ipv4; done | grep -c .)
dups=$(for i in $(seq "$N_CONCURRENT"); do pv "$OUT/c$i" ipv4; done | grep . | sort | uniq -d | head -n 3)
for i in $(seq "$N_CONCURRENT"); do release_t61 "c$i"; done
if [ "$got" = "$N_CONCURRENT" ] && [ -z "$dups" ]; then
	ok "t-61: $N_CONCURRENT concurrent nat logins, all open at once, have distinct addresses"
else
	not_ok "t-61: $N_CONCURRENT concurrent nat logins, all open at once, have distinct addresses" \
		"$got with an address; duplicates: $dups" \
		"$(for i in $(seq "$N_CONCURRENT"); do [ -s "$OUT/c$i" ] || { echo "c$i:"; tail -n 3 "$OUT/c$i.su"; }; done | head -n 20)" \
		"$(syslog_since "$mark" | grep -E 'carrel|pam' | grep -iE 'fail|error|refus|timed' | tail -n 10)"
fi
if wait_until 120 no_sessions && wait_until 20 no_leases && wait_until 20 no_cr_links && no_net_info; then
	ok "t-61: after $N_CONCURRENT concurrent nat logins end nothing is left"
else
	not_ok "t-61: after $N_CONCURRENT concurrent nat logins end nothing is left" \
		"$(ls -A "$LEASES" | head)" "$(ip -o link | grep -c ': cr-')"
fi

# ---- coexistence: a foreign forward policy drop (as Docker leaves it) ---------------
HELPER=/usr/local/libexec/carrel/carrel-helper
if "$HELPER" check-config "$T_CONF" 2>&1 | grep -q "warning: network = nat"; then
	not_ok "t-61: check-config: no network warning without a foreign drop" "$("$HELPER" check-config "$T_CONF" 2>&1)"
else
	ok "t-61: check-config: no network warning without a foreign drop"
fi
nft 'add table ip t61filter; add chain ip t61filter FORWARD { type filter hook forward priority 0; policy drop; }'
if "$HELPER" check-config "$T_CONF" 2>&1 | grep -q "warning: network = nat: table ip t61filter chain FORWARD: forward policy drop"; then
	ok "t-61: check-config says why nat carrels get no network under a foreign forward drop"
else
	not_ok "t-61: check-config says why nat carrels get no network under a foreign forward drop" "$("$HELPER" check-config "$T_CONF" 2>&1)"
fi
if nft list table ip t61filter | grep -q "policy drop" && [ "$(nft list table ip t61filter | grep -c .)" -le 5 ]; then
	ok "t-61: carrel left the foreign table as it was"
else
	not_ok "t-61: carrel left the foreign table as it was" "$(nft list table ip t61filter)"
fi
nft delete table ip t61filter

# ---- the network plugin (helper/net_plugin.c): loaded only where used -------------
# network = none: the keeper maps neither net/ (carrel-net.so) nor libmnl,
# libnftables or libbpf; libc in the same maps is the control.
conf "network = none"
printf 'echo plugin=none\n' >"$T61/s7.sh"
in_session "$U1" s7 "$T61/s7.sh"
done_session s7 60 || not_ok "t-61: network = none session runs" "$(cat "$OUT/s7" "$OUT/s7.su")"
id7=$(find /run/carrel/sessions -maxdepth 1 -type f -name '[0-9]*' ! -name '*.*' -printf '%f\n' | head -n 1)
keeper7=$(state_field "$id7" keeper)
maps7=$( [ -n "$keeper7" ] && cat "/proc/$keeper7/maps" 2>/dev/null)
if ! grep -q 'libc\.so' <<<"$maps7"; then
	not_ok "t-61: network = none: the keeper's maps are readable" "id=$id7 keeper=$keeper7"
elif grep -qE 'carrel-net\.so|libmnl|libnftables|libbpf' <<<"$maps7"; then
	not_ok "t-61: network = none: the keeper maps no network plugin, libmnl, libnftables or libbpf" \
		"$(grep -E 'carrel-net|libmnl|libnftables|libbpf' <<<"$maps7" | head -n 5)"
else
	ok "t-61: network = none: the keeper maps no network plugin, libmnl, libnftables or libbpf (libc mapped)"
fi
# libconfuse (check-config only), libseccomp (compiling a filter) and
# libcap (the holder's set-up, unloaded once it is cloned) are loaded where
# used, not linked: a keeper maps none of them (helper/*_dlopen.c).
if grep -q 'libc\.so' <<<"$maps7" && ! grep -qE 'libconfuse|libseccomp|libcap' <<<"$maps7"; then
	ok "t-61: the keeper maps neither libconfuse, libseccomp nor libcap (libc mapped)"
else
	not_ok "t-61: the keeper maps neither libconfuse, libseccomp nor libcap (libc mapped)" \
		"$(grep -E 'libconfuse|libseccomp|libcap|libc\.so' <<<"$maps7" | head -n 5)"
fi
release_t61 s7
wait_until 20 no_sessions
# A nat login whose plugin is missing or unsafe is refused (on_error = deny)
# with the step and the plugin named; nothing is left; restored, it works.
conf "network = nat"
PLUGIN=/usr/local/libexec/carrel/carrel-net.so
for how in missing group-writable; do
	mark=$(syslog_mark)
	case $how in
	missing) mv "$PLUGIN" "$PLUGIN.t61" ;;
	group-writable) chmod 0664 "$PLUGIN" ;;
	esac
	timeout 60 su - "$U1" -c "echo inside=1" >"$OUT/p-$how" 2>&1
	rc=$?
	if "$HELPER" check-config "$T_CONF" >"$OUT/p-$how.check" 2>&1 || ! grep -q "plugin $PLUGIN" "$OUT/p-$how.check"; then
		not_ok "t-61: check-config fails with the plugin $how, and names it" "$(cat "$OUT/p-$how.check")"
	else
		ok "t-61: check-config fails with the plugin $how, and names it"
	fi
	case $how in
	missing) mv "$PLUGIN.t61" "$PLUGIN" ;;
	group-writable) chmod 0644 "$PLUGIN" ;;
	esac
	if [ "$rc" != 0 ] && ! grep -q inside=1 "$OUT/p-$how" &&
		syslog_since "$mark" | grep -q "network: plugin $PLUGIN" &&
		wait_until 20 no_sessions && no_leases && no_net_info; then
		ok "t-61: nat with the plugin $how: the login is refused at step network, nothing left"
	else
		not_ok "t-61: nat with the plugin $how: the login is refused at step network, nothing left" \
			"rc=$rc" "$(cat "$OUT/p-$how")" "$(syslog_since "$mark" | grep -i carrel | tail -n 5)" "$(ls -A "$LEASES")"
	fi
done
if timeout 60 su - "$U1" -c "ip -o link show eth0 >/dev/null && echo inside=1" 2>&1 | grep -q inside=1; then
	ok "t-61: (control) with the plugin restored a nat login has its eth0"
else
	not_ok "t-61: (control) with the plugin restored a nat login has its eth0"
fi
wait_until 20 no_sessions

t_finish
