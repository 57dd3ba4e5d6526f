/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrel's nftables table, `inet carrel`, through libnftables (0.4 ms a
 * rule set, against 7.7 ms running nft).  It is carrel's alone: its base
 * chains are declared, flushed and refilled in one transaction at every nat
 * open (concurrent opens write the same rules, each commit is atomic, and
 * a changed bridge name, pool or DNS upstream takes effect at once).  No
 * other table is read for writing, flushed or edited.
 *
 *   prerouting  DNS to the gateway goes to the host's upstream (DNAT)
 *   input       from the bridge: replies, that DNS, IPv6 neighbour
 *               discovery; anything else to the host's addresses or its
 *               loopback services is refused at once (admin-prohibited)
 *   forward     carrel -> carrel refused; carrel -> outside through the
 *               chain `egress` (net/egress.c fills it; never flushed here),
 *               then accepted; outside -> carrel only as replies
 *   postrouting masquerade out of every other interface
 *
 * A refill costs 10-20 ms here (the flushes wait for the kernel), so it is
 * skipped when the table is there, with the handle it had when carrel last
 * filled it, and the rules would be the same (a hash of their text in
 * CARREL_NET_TABLE_KEY): a table deleted or replaced by someone else
 * (`nft flush ruleset`, nftables.service's reload) is refilled at the next
 * nat open.  The look costs one netlink round trip.
 *
 * DNS with a loopback upstream (systemd-resolved's 127.0.0.53): DNAT to it
 * plus route_localnet on carrel's bridge only (link.c), rather than a relay
 * process: nothing to keep alive or restart per carrel, no extra latency or
 * memory, and the input chain above still refuses every other packet from
 * the bridge to 127.0.0.0/8 (route_localnet only stops the kernel dropping
 * them as martians before the rules see them).
 */
#include "net.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <endian.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_MAX 4096
#define CARREL_NET_TABLE_KEY CARREL_NET_DIR "/table.key"

struct buf {
	char s[RULES_MAX];
	size_t len;
	bool full;
};

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->s) - b->len)
		b->full = true;
	else
		b->len += (size_t)n;
}

/* Run CMDS; on failure ERR gets libnftables' first error line. */
static int run(const char *cmds, char *out, size_t out_size, struct carrel_error *err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int r = 0;

	if (!ctx) {
		carrel_error_set(err, "nftables: out of memory");
		return -ENOMEM;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (nft_run_cmd_from_buffer(ctx, cmds) != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		r = -EINVAL;
		carrel_error_set(err, "nftables table inet " CARREL_NFT_TABLE ": %.*s",
				 (int)(e ? strcspn(e, "\n") : 0), e ? e : "");
	} else if (out) {
		snprintf(out, out_size, "%s", nft_ctx_get_output_buffer(ctx));
	}
	nft_ctx_free(ctx);
	return r;
}

/* The pool's network prefix as text, for saddr matches. */
static void pool_text(int family, const void *net, unsigned plen, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, net, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, plen);
}

struct nft_found {
	bool seen;
	uint64_t handle;
};

static int on_object(const struct nlmsghdr *h, void *data)
{
	struct nft_found *f = data;
	const struct nlattr *a;

	f->seen = true;
	if ((h->nlmsg_type & 0xff) != NFT_MSG_NEWTABLE)
		return MNL_CB_OK;
	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_TABLE_HANDLE &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			f->handle = be64toh(mnl_attr_get_u64(a));
	}
	return MNL_CB_OK;
}

/*
 * Whether table inet TABLE (CHAIN NULL) or its chain CHAIN exists: 1, 0, or
 * -errno; the table's handle in *HANDLE (0 if none).  One netlink get, no
 * transaction: a batch the kernel refuses (deleting what is not there) costs
 * 8-13 ms here, in the kernel's abort path, so callers ask first.
 */
int net_nft_exists(const char *table, const char *chain, uint64_t *handle)
{
	char buf[8192];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct nft_found f = { 0 };
	struct nlmsghdr *h;
	struct nfgenmsg *nfg;
	unsigned seq = (unsigned)time(NULL), portid;
	ssize_t n;
	int r = 0;

	if (handle)
		*handle = 0;
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | (chain ? NFT_MSG_GETCHAIN : NFT_MSG_GETTABLE);
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(h, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	mnl_attr_put_strz(h, chain ? NFTA_CHAIN_TABLE : NFTA_TABLE_NAME, table);
	if (chain)
		mnl_attr_put_strz(h, NFTA_CHAIN_NAME, chain);
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int k = mnl_cb_run(buf, (size_t)n, seq, portid, on_object, &f);
		if (k == MNL_CB_ERROR) {
			r = errno == ENOENT ? 0 : -errno;
			goto out;
		}
		if (k == MNL_CB_STOP)
			break;
	}
	if (n < 0)
		r = -errno;
	else
		r = f.seen;
	if (handle)
		*handle = f.handle;
out:
	mnl_socket_close(nl);
	return r;
}

/* FNV-1a: the rules' text as a key. */
static uint64_t text_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int net_nft_table(const struct carrel_net_lease *l, const struct carrel_policy *p,
		  const char *upstream, struct carrel_error *err)
{
	static const char *const base[][2] = {
		{ "prerouting", "type nat hook prerouting priority dstnat" },
		{ "postrouting", "type nat hook postrouting priority srcnat" },
		{ "input", "type filter hook input priority filter" },
		{ "forward", "type filter hook forward priority filter" },
	};
	_cleanup_free_ struct buf *b = calloc(1, sizeof(*b));
	const char *br = l->bridge, *t = "inet " CARREL_NFT_TABLE;
	char gw4[INET_ADDRSTRLEN], gw6[INET6_ADDRSTRLEN], pool4[64], pool6[64];
	struct in_addr net4 = { htonl(ntohl(l->gw4.s_addr) - 1) };
	struct in6_addr net6 = l->gw6, up6;
	struct in_addr up4;

	(void)p;
	if (!b)
		return -ENOMEM;
	net6.s6_addr[15] = 0;
	inet_ntop(AF_INET, &l->gw4, gw4, sizeof(gw4));
	inet_ntop(AF_INET6, &l->gw6, gw6, sizeof(gw6));
	pool_text(AF_INET, &net4, l->plen4, pool4, sizeof(pool4));
	pool_text(AF_INET6, &net6, l->plen6, pool6, sizeof(pool6));

	add(b, "add table %s\n", t);
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		add(b, "add chain %s %s { %s; policy accept; }\nflush chain %s %s\n", t, base[i][0],
		    base[i][1], t, base[i][0]);
	add(b, "add chain %s " CARREL_NFT_EGRESS_CHAIN "\n", t);

	if (upstream && inet_pton(AF_INET, upstream, &up4) == 1) {
		add(b, "add rule %s prerouting iifname \"%s\" ip daddr %s udp dport 53 dnat ip to %s\n", t,
		    br, gw4, upstream);
		add(b, "add rule %s prerouting iifname \"%s\" ip daddr %s tcp dport 53 dnat ip to %s\n", t,
		    br, gw4, upstream);
	} else if (upstream && inet_pton(AF_INET6, upstream, &up6) == 1) {
		add(b, "add rule %s prerouting iifname \"%s\" ip6 daddr %s udp dport 53 dnat ip6 to %s\n",
		    t, br, gw6, upstream);
		add(b, "add rule %s prerouting iifname \"%s\" ip6 daddr %s tcp dport 53 dnat ip6 to %s\n",
		    t, br, gw6, upstream);
	}

	add(b, "add rule %s input iifname \"%s\" ct state established,related accept\n", t, br);
	add(b, "add rule %s input iifname \"%s\" meta l4proto { tcp, udp } th dport 53 ct status dnat accept\n",
	    t, br);
	add(b, "add rule %s input iifname \"%s\" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
	       "nd-router-solicit } accept\n",
	    t, br);
	add(b, "add rule %s input iifname \"%s\" meta l4proto tcp reject with tcp reset\n", t, br);
	add(b, "add rule %s input iifname \"%s\" reject with icmpx type admin-prohibited\n", t, br);

	add(b, "add rule %s forward iifname \"%s\" oifname \"%s\" reject with icmpx type admin-prohibited\n",
	    t, br, br);
	/* DNS through the gateway is the carrel's own resolver: before egress. */
	add(b, "add rule %s forward iifname \"%s\" meta l4proto { tcp, udp } th dport 53 ct status dnat accept\n",
	    t, br);
	add(b, "add rule %s forward iifname \"%s\" jump " CARREL_NFT_EGRESS_CHAIN "\n", t, br);
	add(b, "add rule %s forward iifname \"%s\" accept\n", t, br);
	add(b, "add rule %s forward oifname \"%s\" ct state established,related accept\n", t, br);
	add(b, "add rule %s forward oifname \"%s\" drop\n", t, br);

	add(b, "add rule %s postrouting ip saddr %s oifname != \"%s\" masquerade\n", t, pool4, br);
	add(b, "add rule %s postrouting ip6 saddr %s oifname != \"%s\" masquerade\n", t, pool6, br);
	if (b->full) {
		carrel_error_set(err, "nftables: rule set too long");
		return -E2BIG;
	}
	char key[64], was[64] = "";
	uint64_t handle = 0;
	int r;

	(void)net_nft_exists(CARREL_NFT_TABLE, NULL, &handle);

	snprintf(key, sizeof(key), "%016" PRIx64 " %" PRIu64 "\n", text_hash(b->s), handle);
	if (handle && read_file(CARREL_NET_TABLE_KEY, was, sizeof(was)) > 0 && strcmp(was, key) == 0)
		return 0; /* there, as carrel filled it, with these rules */
	if ((r = run(b->s, NULL, 0, err)) < 0)
		return r;
	(void)net_nft_exists(CARREL_NFT_TABLE, NULL, &handle);
	snprintf(key, sizeof(key), "%016" PRIx64 " %" PRIu64 "\n", text_hash(b->s), handle);
	char tmp[128];
	snprintf(tmp, sizeof(tmp), CARREL_NET_TABLE_KEY ".%d", (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		/* Only a shortcut: without it the next open refills. */
		if (write(fd, key, strlen(key)) != (ssize_t)strlen(key) || rename(tmp, CARREL_NET_TABLE_KEY) < 0)
			(void)unlink(tmp);
		fd = safe_close(fd);
	}
	return 0;
}

/*
 * A forward hook with policy drop in a table that is not carrel's (Docker
 * leaves `table ip filter` FORWARD so): an accept in carrel's table does
 * not override it, so carrels would get no network.  carrel does not add
 * an accept to that table (it never edits another's rules, and the owner
 * may rewrite them at any time): check-config says so instead, and names
 * the table, so that the admin adds the rule where it belongs (Docker:
 * the DOCKER-USER chain).  1 with WHY if one is there, 0 if not, -errno.
 */
int net_nft_foreign_drop(char *why, size_t size)
{
	_cleanup_free_ char *out = malloc(65536);
	struct carrel_error e = { 0 };
	char table[128] = "", chain[128] = "";
	int r;

	if (!out)
		return -ENOMEM;
	if ((r = run("list chains", out, 65536, &e)) < 0)
		return r;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		line += strspn(line, " \t");
		if (strncmp(line, "table ", 6) == 0) {
			int n = (int)strcspn(line + 6, "{");
			while (n > 0 && line[6 + n - 1] == ' ')
				n--;
			snprintf(table, sizeof(table), "%.*s", n, line + 6);
			continue;
		}
		if (sscanf(line, "chain %127[^{ ]", chain) == 1)
			continue;
		if (strstr(line, "hook forward") && strstr(line, "policy drop") &&
		    strcmp(table, "inet " CARREL_NFT_TABLE) != 0) {
			snprintf(why, size,
				 "table %s chain %s: forward policy drop (carrel's accept cannot "
				 "override it): nat carrels get no network unless that table "
				 "accepts traffic from and back to the bridge",
				 table, chain);
			return 1;
		}
	}
	return 0;
}
