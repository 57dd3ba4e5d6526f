/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * network = nat: a session's veth on carrel's bridge, its addresses, and
 * carrel's own nftables table (libcarrelnet.a; linked by the helper only,
 * run by the keeper as root in the host's net namespace).
 *
 *   lease.c  the address lease: one slot of the pools per carrel, held by
 *            an flock for the keeper's life (reclaimable when it dies)
 *   link.c   rtnetlink through libmnl: bridge, veth, addresses, routes
 *   nft.c    nftables through libnftables: the table `inet carrel`
 *   net.c    what the keeper calls: open, stats, close, release, reap
 *
 * What nat changes on the host (carrel.conf(5)): IPv4 and IPv6 forwarding
 * on, the bridge (policy net_bridge) with the pools' first addresses, and
 * the table `inet carrel`; with a loopback DNS upstream (systemd-resolved's
 * 127.0.0.53), route_localnet on that bridge only.  No other table, chain
 * or rule is ever edited.
 */
#ifndef CARREL_NET_H
#define CARREL_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"
#include "rundir.h"

#define CARREL_NET_DIR CARREL_RUNDIR "/net"
#define CARREL_NET_LEASES_DIR CARREL_NET_DIR "/leases"
/* The carrel's /etc/resolv.conf (the holder binds it): names the gateway. */
#define CARREL_NET_RESOLV CARREL_NET_DIR "/resolv.conf"
/* The carrel's side of the veth, inside its net namespace. */
#define CARREL_NET_PEER "eth0"
/* The table carrel owns, and the chain in it that the egress policy
 * (net/egress.c) fills: jumped to for every packet a carrel sends out,
 * before it is accepted; carrel's own rules never flush it. */
#define CARREL_NFT_TABLE "carrel"
#define CARREL_NFT_EGRESS_CHAIN "egress"

/*
 * One carrel's network: what the egress policy and shaping
 * (carrel_egress_apply, carrel_shape_apply) and the accounting read.
 * Stable: other modules use these fields by name.
 */
struct carrel_net_lease {
	char id[24];                /* session id */
	uid_t uid;                  /* the session's user */
	char host_ifname[IFNAMSIZ]; /* the host end of the veth ("cr-ID") */
	int host_ifindex;
	struct in_addr addr4;       /* the carrel's IPv4 address */
	unsigned plen4;
	struct in6_addr addr6;      /* the carrel's IPv6 address (first /64 of net_pool6) */
	unsigned plen6;             /* 64 */
	struct in_addr gw4;         /* the bridge's addresses: gateway and DNS */
	struct in6_addr gw6;
	char bridge[IFNAMSIZ];      /* policy net_bridge */
	int bridge_ifindex;
	uint32_t slot;              /* index into the pools */
	int lock_fd;                /* the lease, flock'ed for the keeper's life; -1: none */
};

/* The lease's initial state: nothing held. */
void carrel_net_lease_init(struct carrel_net_lease *l);

/*
 * network = nat for session ID of UID: take an address lease, make sure the
 * bridge, forwarding, the table and resolv.conf are there, create the veth
 * with its peer in NETNS_FD (the holder's net namespace) and configure the
 * peer from inside.  On failure everything made here is undone and ERR
 * says what failed.  0 or -errno.
 */
int carrel_net_open(struct carrel_net_lease *l, const struct carrel_policy *p, const char *id,
		    uid_t uid, int netns_fd, struct carrel_error *err);

/* Bytes the carrel received (IN) and sent (OUT) so far, from the host end
 * of its veth; 0 or -errno (the veth is gone with its namespace). */
int carrel_net_stats(const struct carrel_net_lease *l, uint64_t *in, uint64_t *out);

/* The keeper's own close: release L's lease and its files. Idempotent. */
void carrel_net_close(struct carrel_net_lease *l);

/*
 * Release what session ID's network left when its keeper died: its lease
 * (only if no live keeper holds it) and its info file.  The host veth goes
 * with the net namespace.  Idempotent; 0 or -errno.
 */
int carrel_net_release(const char *id);

/* Release every lease no live keeper holds (the next nat open, off the
 * login's path). */
void carrel_net_reap_stale(void);

/*
 * check-config: whether nat sessions would get a network on this host.
 * 0 if nothing is in the way; 1 with WHY (SIZE bytes) saying what is (a
 * foreign forward hook with policy drop, forwarding off ...).
 */
int carrel_net_check_host(const struct carrel_policy *p, char *why, size_t size);

/* The session's info file: "ipv4=A ipv6=B veth=N bridge=B" (carrelctl). */
#define CARREL_NET_INFO_SUFFIX ".net"

/* Internal to net/ (lease.c, link.c, nft.c). */
int net_pool_addresses(const struct carrel_policy *p, uint32_t slot, struct carrel_net_lease *l,
		       uint32_t *n_slots);
int net_lease_take(struct carrel_net_lease *l, uint32_t n_slots);
void net_lease_drop(struct carrel_net_lease *l);
int net_link_bridge(const struct carrel_net_lease *l, struct carrel_error *err);
int net_link_veth(struct carrel_net_lease *l, int netns_fd, struct carrel_error *err);
int net_link_route_localnet(const char *bridge);
int net_link_stats(const char *ifname, uint64_t *rx, uint64_t *tx);
int net_nft_table(const struct carrel_net_lease *l, const struct carrel_policy *p,
		  const char *upstream, struct carrel_error *err);
int net_nft_foreign_drop(char *why, size_t size);
/* Table inet TABLE (CHAIN NULL) or its chain CHAIN: 1 there, 0 not, -errno. */
int net_nft_exists(const char *table, const char *chain, uint64_t *handle);

#endif
