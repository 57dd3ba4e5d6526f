/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TEST-ONLY stand-in for struct carrel_net_lease of net/net.h (the network
 * core), for a tree where net/net.h is not there yet: exactly the fields
 * net/egress.c and net/shape.c read, with net.h's names.  net/egress.c and
 * net/shape.c include net.h whenever it exists; delete this file once it
 * is merged.
 */
#ifndef CARREL_TEST_NET_LEASE_H
#define CARREL_TEST_NET_LEASE_H

#include <net/if.h>
#include <netinet/in.h>
#include <sys/types.h>

struct carrel_net_lease {
	char id[24];                /* session id */
	uid_t uid;                  /* the session's user */
	char host_ifname[IFNAMSIZ]; /* the host end of the veth */
	int host_ifindex;
	struct in_addr addr4;       /* the carrel's IPv4 address */
	struct in6_addr addr6;      /* the carrel's IPv6 address (:: for none) */
	char bridge[IFNAMSIZ];
};

#endif
