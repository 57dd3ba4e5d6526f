#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Egress policy and bandwidth (issue 13 items 3 and 4) without the network
# core: net/egress.c and net/shape.c driven by tests/net/netpol-drive on a
# topology like the core's, built here in network namespaces of the test's
# own (never a real outside address):
#
#   H (the carrels' host): bridge br61 10.61.0.1/24 fd61::1/64, forwarding on;
#       uplink veth to O 10.62.0.1/24 fd62::1/64
#   C1, C2 (two carrels of one user): eth0 on br61 through host veths;
#       10.61.0.2 / .3, fd61::2 / ::3
#   O (the outside world): 10.62.0.2 .3 .4, fd62::2 ::3; netpol-drive serve
#       on TCP and UDP 22 53 80 443 5001 5353 8080
#
# Checks: with no policy everything connects (so the checks below can fail);
# with the policy an allowed destination connects and a denied one is
# refused at once (a reset or an ICMP error, never a timeout) for CIDR,
# CIDR:PORT, PROTO:PORT (tcp, udp), HOST:PORT and IPv6 entries; deny_out
# wins over allow_out; a host name that does not resolve fails the apply;
# root of a nested user+net namespace inside a carrel cannot change the
# rules; the user's two carrels share net_rate_max in each direction
# (measured against O within +-20%); release leaves no chain, qdisc or
# IFB, also when a carrel's namespace died first (the reaper's case).
if [ -f /usr/local/share/carrel-test/lib.sh ]; then
	. /usr/local/share/carrel-test/lib.sh
	. /usr/local/share/carrel-test/common.sh
	DRIVE=$T_SHARE/netpol-drive
else # by hand, from the repository: tests/integration/t-61-netpol.sh
	# A private /run (the shaping state, ip netns): the host's is never touched.
	if [ -z "${T61_PRIVATE_RUN:-}" ] && [ "$(id -u)" = 0 ]; then
		T61_PRIVATE_RUN=1 exec unshare -m --propagation private \
			sh -c 'mount -t tmpfs t61-run /run && exec "$0"' "$0"
	fi
	HERE=$(cd "$(dirname "$0")" && pwd)
	. "$HERE/../lib.sh"
	DRIVE=$HERE/../net/netpol-drive
fi

[ "$(id -u)" = 0 ] || { skip "t-61-netpol" "needs root"; t_finish; }
for tool in ip nft tc unshare setpriv; do
	command -v "$tool" >/dev/null || { skip "t-61-netpol" "$tool is missing"; t_finish; }
done
[ -x "$DRIVE" ] || { skip "t-61-netpol" "tests/net/netpol-drive not built"; t_finish; }

RATE=8000000 # net_rate_max = 8M
SFX=$$
H=t61h-$SFX C1=t61c1-$SFX C2=t61c2-$SFX O=t61o-$SFX
U=61061                      # the carrels' user (only the uid is used)
ID1=t61a$SFX ID2=t61b$SFX
WORK=$(mktemp -d "${TMPDIR:-/tmp}/t61.XXXXXX")
chmod 0755 "$WORK"
t_on_exit "rm -rf '$WORK'"

inh() { ip netns exec "$H" "$@"; }
in1() { ip netns exec "$C1" "$@"; }
in2() { ip netns exec "$C2" "$@"; }
ino() { ip netns exec "$O" "$@"; }

# ---- the topology ---------------------------------------------------------------
setup() {
	local n
	# ip netns makes /run/netns a mount point the first time: undo it after.
	if ! mountpoint -q /run/netns 2>/dev/null; then
		t_on_exit "umount /run/netns; rmdir /run/netns"
	fi
	for n in "$H" "$C1" "$C2" "$O"; do
		ip netns add "$n" || return 1
		t_on_exit "ip netns del '$n'"
		ip netns exec "$n" ip link set lo up || return 1
	done
	inh sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# A fixed MAC: a bridge's otherwise follows its lowest port's, and
	# changes when a carrel's veth goes (the carrels' ARP caches go stale).
	inh ip link add br61 address 02:00:0a:3d:00:01 type bridge || return 1
	inh ip addr add 10.61.0.1/24 dev br61 || return 1
	inh ip addr add fd61::1/64 dev br61 nodad || return 1
	inh ip link set br61 up || return 1
	local c i=2 host
	for c in "$C1" "$C2"; do
		host=hv$i-$SFX
		host=${host:0:15}
		inh ip link add "$host" type veth peer name eth0 netns "$c" || return 1
		inh ip link set "$host" master br61 up || return 1
		ip netns exec "$c" ip addr add 10.61.0.$i/24 dev eth0 || return 1
		ip netns exec "$c" ip addr add fd61::$i/64 dev eth0 nodad || return 1
		ip netns exec "$c" ip link set eth0 up || return 1
		ip netns exec "$c" ip route add default via 10.61.0.1 || return 1
		ip netns exec "$c" ip -6 route add default via fd61::1 || return 1
		i=$((i + 1))
	done
	HV1=hv2-$SFX HV1=${HV1:0:15} HV2=hv3-$SFX HV2=${HV2:0:15}
	inh ip link add up61 type veth peer name eth0 netns "$O" || return 1
	inh ip addr add 10.62.0.1/24 dev up61 || return 1
	inh ip addr add fd62::1/64 dev up61 nodad || return 1
	inh ip link set up61 up || return 1
	for a in 10.62.0.2/24 10.62.0.3/24 10.62.0.4/24; do ino ip addr add $a dev eth0 || return 1; done
	for a in fd62::2/64 fd62::3/64; do ino ip addr add $a dev eth0 nodad || return 1; done
	ino ip link set eth0 up || return 1
	ino ip route add 10.61.0.0/24 via 10.62.0.1 || return 1
	ino ip -6 route add fd61::/64 via fd62::1 || return 1
	# The server: every port on every address, TCP and UDP echo.
	# Backgrounded itself (ip netns exec execs it), not through a shell
	# function, so that $! is the server and stopping it stops it.
	ip netns exec "$O" "$DRIVE" serve :: 22 53 80 443 5001 5353 8080 >"$WORK/serve.out" 2>&1 &
	SERVE_PID=$!
	t_track_pid "$SERVE_PID"
	wait_until 5 grep -q listening "$WORK/serve.out"
}

if ! setup; then
	not_ok "t-61 topology: namespaces, bridge, veths, outside server"
	t_finish
fi
ok "t-61 topology: namespaces, bridge, veths, outside server"

# A resolver view of the host's own: the keeper resolves HOST:PORT entries.
printf '127.0.0.1 localhost\n10.62.0.4 outside.carrel-test\n' >"$WORK/hosts"
chmod 0644 "$WORK/hosts"

# apply CONF ID HOSTIF ADDR4 ADDR6: in H, with the hosts file above.
apply() {
	inh unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$WORK/hosts" \
		"$DRIVE" apply "$1" root "$2" "$U" "$3" "$4" "$5"
}
release() { inh "$DRIVE" release "$1" "$U" "$2"; }

# conn NS ADDR PORT [udp]: the driver's verdict word (ok, refused, timeout).
conn() {
	local ns=$1
	shift
	ip netns exec "$ns" "$DRIVE" connect "$@" >"$WORK/conn" 2>&1
	CONN_LINE=$(cat "$WORK/conn")
	CONN=${CONN_LINE%% *}
}
expect_conn() {
	local want=$1 desc=$2
	shift 2
	conn "$@"
	if [ "$CONN" = "$want" ]; then
		ok "$desc ($CONN_LINE ms)"
	else
		not_ok "$desc" "want: $want" "got: $CONN_LINE"
	fi
}

# ---- without a policy: everything connects -----------------------------------
expect_conn ok "no policy: C1 reaches 10.62.0.2:443" "$C1" 10.62.0.2 443
expect_conn ok "no policy: C1 reaches 10.62.0.3:22" "$C1" 10.62.0.3 22
expect_conn ok "no policy: C1 reaches [fd62::3]:443" "$C1" fd62::3 443
expect_conn ok "no policy: C1 gets a UDP answer from 10.62.0.2:5353" "$C1" 10.62.0.2 5353 udp

# ---- the policy ----------------------------------------------------------------
CONF=$WORK/carrel.conf
cat >"$CONF" <<'EOF'
exempt_users = {}
allow_out = {"10.62.0.0/24:80", "tcp:22", "[fd62::/64]:443", "outside.carrel-test:8080", "udp:53", "10.62.0.2:5001"}
deny_out = {"10.62.0.3", "[fd62::3]:443", "udp:5353"}
net_rate_max = 8M
EOF
chmod 0644 "$CONF"
BADCONF=$WORK/bad.conf
printf 'allow_out = {"no-such-host.carrel-test:80"}\n' >"$BADCONF"
chmod 0644 "$BADCONF"

if apply "$BADCONF" "$ID1" "$HV1" 10.61.0.2 fd61::2 2>"$WORK/bad.err"; then
	not_ok "a host name that does not resolve fails the apply" "it succeeded"
else
	check "a host name that does not resolve fails the apply, saying which ($(head -c 160 "$WORK/bad.err"))" \
		grep -q 'no-such-host.carrel-test:80' "$WORK/bad.err"
fi
check "a failed apply leaves no chain" sh -c "! ip netns exec '$H' nft list chain inet carrel_egress s-$ID1 >/dev/null 2>&1"

# A name server that never answers (O drops what is sent to it): the
# apply gives up at its own bound (CARREL_EGRESS_RESOLVE_MS, 3 s), not the
# resolver's 20 s.  `timeout` only bounds the test.
ino nft -f - <<'EOF2'
table inet t61 {
	chain in { type filter hook input priority 0; policy accept; ip daddr 10.62.0.4 th dport 53 drop; }
}
EOF2
printf 'nameserver 10.62.0.4\noptions timeout:20 attempts:1\n' >"$WORK/resolv.conf"
chmod 0644 "$WORK/resolv.conf"
SLOWCONF=$WORK/slow.conf
printf 'deny_out = {"slow.carrel-test:80"}\n' >"$SLOWCONF"
chmod 0644 "$SLOWCONF"
if timeout 15 ip netns exec "$H" unshare -m sh -c \
	'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"' \
	sh "$WORK/hosts" "$WORK/resolv.conf" "$DRIVE" apply "$SLOWCONF" root "$ID1" "$U" "$HV1" 10.61.0.2 fd61::2 \
	2>"$WORK/slow.err"; then
	not_ok "a name server that never answers fails the apply within its bound" "it succeeded"
else
	check "a name server that never answers fails the apply within its bound ($(head -c 160 "$WORK/slow.err"))" \
		grep -q 'slow.carrel-test:80": host name not resolved within 3000 ms' "$WORK/slow.err"
fi
check "... and leaves no chain" sh -c "! ip netns exec '$H' nft list chain inet carrel_egress s-$ID1 >/dev/null 2>&1"

t_on_exit "ip netns exec '$H' '$DRIVE' release '$ID1' '$U' '$HV1'"
t_on_exit "ip netns exec '$H' '$DRIVE' release '$ID2' '$U' '$HV2'"
if apply "$CONF" "$ID1" "$HV1" 10.61.0.2 fd61::2 2>"$WORK/apply.err" &&
	apply "$CONF" "$ID2" "$HV2" 10.61.0.3 fd61::3 2>>"$WORK/apply.err"; then
	ok "apply: egress and shaping for two carrels of one user"
else
	not_ok "apply: egress and shaping for two carrels of one user" "$(cat "$WORK/apply.err")"
	t_finish
fi
diag "$(inh nft list table inet carrel_egress | head -n 30)"

expect_conn ok "CIDR:PORT allowed: 10.62.0.2:80" "$C1" 10.62.0.2 80
expect_conn ok "PROTO:PORT allowed: 10.62.0.2:22 (tcp:22)" "$C1" 10.62.0.2 22
expect_conn refused "not in allow_out: 10.62.0.2:443 refused at once" "$C1" 10.62.0.2 443
expect_conn refused "deny_out \"10.62.0.3\" wins over allow_out tcp:22" "$C1" 10.62.0.3 22
expect_conn ok "HOST:PORT allowed: outside.carrel-test:8080 = 10.62.0.4:8080" "$C1" 10.62.0.4 8080
expect_conn refused "HOST:PORT is that host only: 10.62.0.2:8080 refused" "$C1" 10.62.0.2 8080
expect_conn ok "IPv6 [fd62::/64]:443 allowed: [fd62::2]:443" "$C1" fd62::2 443
expect_conn refused "IPv6 deny_out [fd62::3]:443 refused at once" "$C1" fd62::3 443
expect_conn refused "IPv6 not in allow_out: [fd62::2]:80 refused at once" "$C1" fd62::2 80
expect_conn ok "PROTO:PORT udp:53 allowed (an answer comes back)" "$C1" 10.62.0.2 53 udp
expect_conn refused "PROTO:PORT deny_out udp:5353 refused at once (ICMP)" "$C1" 10.62.0.2 5353 udp
expect_conn refused "the second carrel has the same policy: 10.62.0.3:22 refused" "$C2" 10.62.0.3 22

# ---- the user cannot touch the rules -----------------------------------------------
# As the carrel's user would: unprivileged, then root of a user+net
# namespace of its own inside the carrel, and of a user namespace alone.
nested_out=$(in1 setpriv --reuid=$U --regid=$U --clear-groups -- sh -c '
	unshare -rn sh -c "nft flush ruleset; nft delete table inet carrel_egress; nft list ruleset" 2>&1
	unshare -r sh -c "nft flush ruleset; nft list ruleset" 2>&1
	nft flush ruleset 2>&1' 2>&1)
diag "nested attempts: $(echo "$nested_out" | tr '\n' ' ' | head -c 300)"
check "after the nested attempts the session's chain is still in the host's namespace" \
	sh -c "ip netns exec '$H' nft list chain inet carrel_egress s-$ID1 | grep -q 'reject'"
seen=$(in1 setpriv --reuid=$U --regid=$U --clear-groups -- unshare -rn nft list ruleset 2>/dev/null)
if [ -z "$seen" ]; then
	ok "root of a nested user+net namespace sees no rule at all (its own empty namespace)"
else
	not_ok "root of a nested user+net namespace sees no rule at all" "$seen"
fi
expect_conn refused "after the nested attempts 10.62.0.3:22 is still refused" "$C1" 10.62.0.3 22

# ---- applying again replaces the session's rules ------------------------------------
OTHER=$WORK/other.conf
printf 'deny_out = {"10.62.0.2"}\n' >"$OTHER"
chmod 0644 "$OTHER"
if apply "$OTHER" "$ID1" "$HV1" 10.61.0.2 fd61::2 2>"$WORK/re.err"; then
	expect_conn ok "applied again with another policy: 10.62.0.3:22 reachable now" "$C1" 10.62.0.3 22
	expect_conn refused "applied again with another policy: 10.62.0.2:80 refused now" "$C1" 10.62.0.2 80
else
	not_ok "apply again with another policy" "$(cat "$WORK/re.err")"
fi
if apply "$CONF" "$ID1" "$HV1" 10.61.0.2 fd61::2 2>"$WORK/re.err"; then
	expect_conn refused "and back: 10.62.0.3:22 refused again" "$C1" 10.62.0.3 22
else
	not_ok "apply the first policy again" "$(cat "$WORK/re.err")"
fi

# ---- bandwidth: both directions, the user's carrels together -----------------------
check "the user's IFB devices exist (crd-$U, cru-$U)" sh -c "ip netns exec '$H' ip link show crd-$U >/dev/null && ip netns exec '$H' ip link show cru-$U >/dev/null"
diag "$(inh tc qdisc show dev "crd-$U")"

within() { # within GOT: |GOT - RATE| <= 20% of RATE (the issue's bound)
	[ -n "$1" ] && [ "$1" -ge $((RATE * 4 / 5)) ] && [ "$1" -le $((RATE * 6 / 5)) ]
}
down=$(in1 "$DRIVE" fetch 10.62.0.2 5001 4 | awk '/^download/ { print $2 }')
if within "$down"; then ok "download C1 alone: $down bit/s within 20% of $RATE"; else not_ok "download C1 alone within 20% of $RATE" "got: ${down:-nothing}"; fi

: >"$WORK/serve.out.mark"
before=$(grep -c '^upload' "$WORK/serve.out")
in1 "$DRIVE" push 10.62.0.2 5001 4
wait_until 10 sh -c "[ \$(grep -c '^upload' '$WORK/serve.out') -gt $before ]"
up=$(grep '^upload' "$WORK/serve.out" | tail -n 1 | awk '{ print $2 }')
if within "$up"; then ok "upload C1 alone: $up bit/s within 20% of $RATE"; else not_ok "upload C1 alone within 20% of $RATE" "got: ${up:-nothing}"; fi

# Two carrels at once share the user's rate: the sum is the rate.
ip netns exec "$C1" "$DRIVE" fetch 10.62.0.2 5001 4 >"$WORK/f1" &
p1=$!
ip netns exec "$C2" "$DRIVE" fetch 10.62.0.2 5001 4 >"$WORK/f2" &
p2=$!
wait_pid 20 "$p1"
wait_pid 20 "$p2"
d1=$(awk '/^download/ { print $2 }' "$WORK/f1")
d2=$(awk '/^download/ { print $2 }' "$WORK/f2")
if [ -n "$d1" ] && [ -n "$d2" ] && within $((d1 + d2)); then
	ok "download C1 + C2 at once: $d1 + $d2 = $((d1 + d2)) bit/s within 20% of $RATE (one rate per user)"
else
	not_ok "download C1 + C2 at once within 20% of $RATE" "got: ${d1:-nothing} + ${d2:-nothing}"
fi
diag "rates: download $down, upload $up, shared $d1 + $d2 (net_rate_max $RATE)"

# ---- release ----------------------------------------------------------------------
# C2's namespace dies first (its keeper crashed): its veth goes with it.
ip netns del "$C2"
# The namespace goes asynchronously, and its veth with it (bounded wait).
check "C2's host veth is gone with its namespace" wait_until 10 sh -c "! ip netns exec '$H' ip link show '$HV2' >/dev/null 2>&1"
if release "$ID1" "$HV1" 2>"$WORK/rel.err"; then ok "release C1"; else not_ok "release C1" "$(cat "$WORK/rel.err")"; fi
check "C1's chain is gone" sh -c "! ip netns exec '$H' nft list chain inet carrel_egress s-$ID1 >/dev/null 2>&1"
check "no clsact left on C1's host veth" sh -c "! ip netns exec '$H' tc qdisc show dev '$HV1' | grep -q clsact"
check "the user's IFBs went with the last live carrel (C2's veth died with its namespace)" \
	sh -c "! ip netns exec '$H' ip -o link | grep -Eq 'cr[du]-$U'"
expect_conn ok "after release C1 reaches 10.62.0.3:22 again" "$C1" 10.62.0.3 22
check "the reaper's release of the dead C2 removes its chain" release "$ID2" "$HV2"
check "release again is idempotent" release "$ID2" "$HV2"
left=$(inh nft list table inet carrel_egress 2>/dev/null | grep -c chain)
check_eq "nothing of the sessions is left in nftables (chains in carrel_egress)" 0 "$left"
check_eq "nothing is left in tc: no qdisc but the defaults on the host's links" "" \
	"$(inh tc qdisc show | grep -Ev 'noqueue|pfifo_fast|fq_codel|noop|mq ' )"
check_eq "no IFB left" "" "$(inh ip -o link show type ifb)"

t_finish
