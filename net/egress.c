/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * allow_out / deny_out (net/netpol.h): session ID's rules are one base
 * chain, `inet carrel_egress` s-ID, on the forward hook:
 *
 *   ip saddr != ADDR4 return; ip6 saddr != ADDR6 return   (not this carrel)
 *   ct state established,related return
 *   deny_out entries:   reject (a TCP reset; ICMP admin-prohibited otherwise)
 *   allow_out entries:  return
 *   allow_out not empty: reject everything else
 *
 * A chain's `return` is this table's accept, which another table may still
 * drop; its reject is final, whatever any other table accepts.  Every
 * change is one nftables transaction (libnftables), so a session never
 * runs with half its rules.  The table itself stays (empty) once created:
 * deleting it when it looks empty would race with another session's apply.
 */
#include "netpol.h"

#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util.h"

#define CHAIN_MAX 64

/* A HOST:PORT entry's addresses, once resolved. */
struct host_addrs {
	size_t n;
	struct {
		int family;
		uint8_t addr[16];
	} a[CARREL_EGRESS_HOST_ADDRS];
};

/* One getaddrinfo_a() request; freed only once it is done or cancelled. */
struct lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char name[CARREL_NET_RULE_TEXT];
	const struct carrel_net_rule *rule;
	struct host_addrs *out;
};

static int chain_name(const char *id, char *buf, size_t size, struct carrel_error *err)
{
	size_t len = id ? strlen(id) : 0;

	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			len = 0;
	}
	if (len == 0 || len >= 24) {
		carrel_error_set(err, "egress: invalid session id");
		return -EINVAL;
	}
	snprintf(buf, size, CARREL_EGRESS_CHAIN_PREFIX "%s", id);
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void copy_addrs(const struct addrinfo *ai, struct host_addrs *out)
{
	for (; ai && out->n < CARREL_EGRESS_HOST_ADDRS; ai = ai->ai_next) {
		uint8_t addr[16] = { 0 };
		bool seen = false;

		if (ai->ai_family == AF_INET)
			memcpy(addr, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr, 4);
		else if (ai->ai_family == AF_INET6)
			memcpy(addr, &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr,
			       16);
		else
			continue;
		for (size_t i = 0; i < out->n; i++)
			seen |= out->a[i].family == ai->ai_family && memcmp(out->a[i].addr, addr, 16) == 0;
		if (seen)
			continue;
		out->a[out->n].family = ai->ai_family;
		memcpy(out->a[out->n].addr, addr, 16);
		out->n++;
	}
}

/*
 * Resolve every HOST:PORT entry of RULES[0..N) at once, within
 * CARREL_EGRESS_RESOLVE_MS: OUT[i] gets RULES[i]'s addresses.  A request
 * still running at the deadline is cancelled; one the resolver cannot
 * cancel keeps its memory (it writes there when it ends).
 */
static int resolve_hosts(const struct carrel_net_rule *const *rules, size_t n,
			 struct host_addrs *out, struct carrel_error *err)
{
	struct lookup *q[2 * CARREL_NET_RULES_MAX] = { NULL };
	struct gaicb *list[2 * CARREL_NET_RULES_MAX];
	size_t nq = 0;
	long long deadline = now_ms() + CARREL_EGRESS_RESOLVE_MS;
	int r = 0;

	for (size_t i = 0; i < n && nq < ARRAY_SIZE(q); i++) {
		if (!rules[i]->host_len)
			continue;
		q[nq] = calloc(1, sizeof(*q[nq]));
		if (!q[nq]) {
			r = -ENOMEM;
			carrel_error_set(err, "egress: out of memory");
			goto out;
		}
		memcpy(q[nq]->name, rules[i]->text, rules[i]->host_len);
		q[nq]->hints.ai_family = AF_UNSPEC;
		q[nq]->hints.ai_socktype = SOCK_STREAM;
		q[nq]->cb.ar_name = q[nq]->name;
		q[nq]->cb.ar_request = &q[nq]->hints;
		q[nq]->rule = rules[i];
		q[nq]->out = &out[i];
		list[nq] = &q[nq]->cb;
		nq++;
	}
	if (nq == 0)
		return 0;
	if (getaddrinfo_a(GAI_NOWAIT, list, (int)nq, NULL) != 0) {
		r = -EAGAIN;
		carrel_error_set(err, "egress: cannot start resolving host names");
		for (size_t i = 0; i < nq; i++)
			if (gai_error(list[i]) == EAI_INPROGRESS)
				q[i] = NULL; /* running after all: never freed */
		goto out;
	}
	for (;;) {
		bool busy = false;
		long long left = deadline - now_ms();

		for (size_t i = 0; i < nq; i++)
			busy |= gai_error(list[i]) == EAI_INPROGRESS;
		if (!busy || left <= 0)
			break;
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };

		gai_suspend((const struct gaicb *const *)list, (int)nq, &ts);
	}
	for (size_t i = 0; i < nq; i++) {
		const char *text = q[i]->rule->text;
		int e = gai_error(list[i]);

		if (e == EAI_INPROGRESS) {
			int c = gai_cancel(list[i]);

			if (c == EAI_ALLDONE)
				e = gai_error(list[i]); /* it ended meanwhile */
			else if (c == EAI_CANCELED)
				e = EAI_CANCELED;
			else
				q[i] = NULL; /* the resolver still owns it: never freed */
		}
		if (e == EAI_INPROGRESS || e == EAI_CANCELED) {
			if (r == 0)
				carrel_error_set(err, "egress: \"%s\": host name not resolved within %d ms",
						 text, CARREL_EGRESS_RESOLVE_MS);
			r = r ? r : -ETIMEDOUT;
			continue;
		}
		if (e != 0 || !list[i]->ar_result) {
			if (r == 0)
				carrel_error_set(err, "egress: \"%s\": cannot resolve the host name: %s",
						 text, gai_strerror(e));
			r = r ? r : -EHOSTUNREACH;
		} else {
			copy_addrs(list[i]->ar_result, q[i]->out);
		}
		if (list[i]->ar_result)
			freeaddrinfo(list[i]->ar_result);
		list[i]->ar_result = NULL;
	}
out:
	for (size_t i = 0; i < nq; i++)
		free(q[i]);
	return r;
}

/* "ip daddr A/P " and the protocol and port; PROTO overrides RULE's (-1: RULE's). */
static void put_match(FILE *f, int family, const uint8_t *addr, unsigned prefix, int proto,
		      unsigned port)
{
	char text[INET6_ADDRSTRLEN];

	if (family == AF_INET || family == AF_INET6) {
		inet_ntop(family, addr, text, sizeof(text));
		fprintf(f, "%s daddr %s/%u ", family == AF_INET ? "ip" : "ip6", text, prefix);
	}
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		fprintf(f, "meta l4proto %s ", proto == IPPROTO_TCP ? "tcp" : "udp");
	else if (port)
		fprintf(f, "meta l4proto { tcp, udp } ");
	if (port)
		fprintf(f, "th dport %u ", port);
}

/* One destination: allowed (return), or refused at once. */
static void put_rules(FILE *f, const char *chain, int family, const uint8_t *addr, unsigned prefix,
		      const struct carrel_net_rule *rule, bool refuse)
{
	const char *head = "add rule inet " CARREL_EGRESS_TABLE;

	if (!refuse) {
		fprintf(f, "%s %s ", head, chain);
		put_match(f, family, addr, prefix, rule->proto, rule->port);
		fprintf(f, "return\n");
		return;
	}
	if (rule->proto != IPPROTO_UDP) {
		fprintf(f, "%s %s ", head, chain);
		put_match(f, family, addr, prefix, IPPROTO_TCP, rule->port);
		fprintf(f, "reject with tcp reset\n");
	}
	if (rule->proto != IPPROTO_TCP) {
		fprintf(f, "%s %s ", head, chain);
		put_match(f, family, addr, prefix, rule->proto, rule->port);
		fprintf(f, "reject with icmpx type admin-prohibited\n");
	}
}

static void put_list(FILE *f, const char *chain, const struct carrel_net_rules *list,
		     const struct host_addrs *hosts, bool refuse)
{
	for (uint32_t i = 0; i < list->n && i < CARREL_NET_RULES_MAX; i++) {
		const struct carrel_net_rule *rule = &list->rule[i];

		if (!rule->host_len) {
			put_rules(f, chain, rule->family, rule->addr, rule->prefix, rule, refuse);
			continue;
		}
		for (size_t j = 0; j < hosts[i].n; j++)
			put_rules(f, chain, hosts[i].a[j].family, hosts[i].a[j].addr,
				  hosts[i].a[j].family == AF_INET ? 32 : 128, rule, refuse);
	}
}

/* Run CMDS as one transaction.  With GONE_OK, the kernel's ENOENT (no such
 * table or chain: nothing to remove) is success. */
static int nft_run(const char *cmds, const char *what, bool gone_ok, struct carrel_error *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int r = 0;

	if (!nft) {
		carrel_error_set(err, "egress: %s: cannot create an nftables context", what);
		return -ENOMEM;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, cmds) != 0) {
		const char *msg = nft_ctx_get_error_buffer(nft);
		size_t len = msg ? strcspn(msg, "\n") : 0;

		if (gone_ok && msg && strstr(msg, strerror(ENOENT))) {
			r = 0;
		} else {
			carrel_error_set(err, "egress: %s: nftables: %.*s", what, (int)len,
					 msg ? msg : "");
			r = -EIO;
		}
	}
	nft_ctx_free(nft);
	return r;
}

int carrel_egress_release(const char *session_id, struct carrel_error *err)
{
	char chain[CHAIN_MAX], cmds[256];
	int r = chain_name(session_id, chain, sizeof(chain), err);

	if (r < 0)
		return r;
	/* No table or no chain: nothing of the session is left (and no
	 * table is made where egress was never used).  Asked first: a delete
	 * the kernel refuses costs 8-13 ms (net_nft_exists). */
	if (net_nft_exists(CARREL_EGRESS_TABLE, chain, NULL) == 0)
		return 0;
	snprintf(cmds, sizeof(cmds), "delete chain inet " CARREL_EGRESS_TABLE " %s\n", chain);
	return nft_run(cmds, "release", true, err);
}

int carrel_egress_apply(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
			struct carrel_error *err)
{
	const struct carrel_net_rule *hostrules[2 * CARREL_NET_RULES_MAX];
	struct host_addrs *hosts;
	char chain[CHAIN_MAX], a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	_cleanup_free_ char *cmds = NULL;
	static const struct carrel_net_rule no_rule;
	size_t len = 0;
	FILE *f;
	int r;

	if (!l || !np) {
		carrel_error_set(err, "egress: invalid argument");
		return -EINVAL;
	}
	r = chain_name(l->id, chain, sizeof(chain), err);
	if (r < 0)
		return r;
	if (np->allow_out.n == 0 && np->deny_out.n == 0)
		return carrel_egress_release(l->id, err);
	if (np->allow_out.n > CARREL_NET_RULES_MAX || np->deny_out.n > CARREL_NET_RULES_MAX) {
		carrel_error_set(err, "egress: more than %d entries in a list", CARREL_NET_RULES_MAX);
		return -EINVAL;
	}

	/* hosts[0..16) are deny_out's entries, hosts[16..32) allow_out's. */
	hosts = calloc(2 * CARREL_NET_RULES_MAX, sizeof(*hosts));
	if (!hosts) {
		carrel_error_set(err, "egress: out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < CARREL_NET_RULES_MAX; i++) {
		hostrules[i] = i < np->deny_out.n ? &np->deny_out.rule[i] : &no_rule;
		hostrules[CARREL_NET_RULES_MAX + i] =
			i < np->allow_out.n ? &np->allow_out.rule[i] : &no_rule;
	}
	r = resolve_hosts(hostrules, ARRAY_SIZE(hostrules), hosts, err);
	if (r < 0)
		goto out;

	f = open_memstream(&cmds, &len);
	if (!f) {
		r = -ENOMEM;
		carrel_error_set(err, "egress: out of memory");
		goto out;
	}
	inet_ntop(AF_INET, &l->addr4, a4, sizeof(a4));
	fprintf(f,
		"add table inet " CARREL_EGRESS_TABLE "\n"
		"add chain inet " CARREL_EGRESS_TABLE " %s { type filter hook forward priority %d; policy accept; }\n"
		"flush chain inet " CARREL_EGRESS_TABLE " %s\n",
		chain, CARREL_EGRESS_PRIORITY, chain);
	if (l->addr4.s_addr == htonl(INADDR_ANY))
		fprintf(f, "add rule inet " CARREL_EGRESS_TABLE " %s meta nfproto ipv4 return\n", chain);
	else
		fprintf(f, "add rule inet " CARREL_EGRESS_TABLE " %s meta nfproto ipv4 ip saddr != %s return\n",
			chain, a4);
	if (IN6_IS_ADDR_UNSPECIFIED(&l->addr6)) {
		fprintf(f, "add rule inet " CARREL_EGRESS_TABLE " %s meta nfproto ipv6 return\n", chain);
	} else {
		inet_ntop(AF_INET6, &l->addr6, a6, sizeof(a6));
		fprintf(f, "add rule inet " CARREL_EGRESS_TABLE " %s meta nfproto ipv6 ip6 saddr != %s return\n",
			chain, a6);
	}
	fprintf(f, "add rule inet " CARREL_EGRESS_TABLE " %s ct state established,related return\n",
		chain);
	fprintf(f, "add rule inet " CARREL_EGRESS_TABLE " %s meta l4proto { tcp, udp } th dport 53 ct status dnat return\n",
		chain); /* the gateway's DNS relay (nft.c), not a destination */
	put_list(f, chain, &np->deny_out, hosts, true);
	if (np->allow_out.n > 0) {
		put_list(f, chain, &np->allow_out, hosts + CARREL_NET_RULES_MAX, false);
		fprintf(f,
			"add rule inet " CARREL_EGRESS_TABLE " %s meta l4proto tcp reject with tcp reset\n"
			"add rule inet " CARREL_EGRESS_TABLE " %s reject with icmpx type admin-prohibited\n",
			chain, chain);
	}
	if (fclose(f) != 0 || !cmds) {
		r = -ENOMEM;
		carrel_error_set(err, "egress: out of memory");
		goto out;
	}
	r = nft_run(cmds, "apply", false, err);
	if (r < 0) {
		struct carrel_error ignored;

		carrel_egress_release(l->id, &ignored); /* a re-apply's old rules go too */
	}
out:
	free(hosts);
	return r;
}
