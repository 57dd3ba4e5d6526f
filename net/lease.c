/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address leases: slot N of the pools is CARREL_NET_LEASES_DIR/N, and the
 * carrel that holds it holds flock(LOCK_EX) on that file for its keeper's
 * whole life.  A slot is free iff nobody holds the lock: a keeper killed
 * with SIGKILL frees its slot by dying (the kernel drops the lock), so a
 * crashed keeper's address is reused safely, and two concurrent opens can
 * never both hold one slot.  A released file is unlinked while still
 * locked; a taker that locked the unlinked inode sees it (st_nlink == 0 or
 * another inode at the path) and tries again.
 */
#include "net.h"
#include "slot_lease.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* "ADDRESS/N" into A (FAMILY) and *PLEN; the config checked it already. */
static int parse_prefix(const char *s, int family, void *a, unsigned *plen)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end = NULL;
	unsigned long n;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (errno || *end || n > (family == AF_INET ? 32u : 128u) || inet_pton(family, addr, a) != 1)
		return -EINVAL;
	*plen = (unsigned)n;
	return 0;
}

/*
 * The addresses of SLOT: the IPv4 pool's first address is the gateway, the
 * last its broadcast address, slot 0 is the second; IPv6 takes the first
 * /64 of its pool, gateway ::1, slot 0 at ::2.  *N_SLOTS: how many the IPv4
 * pool has.
 */
int net_pool_addresses(const struct carrel_policy *p, uint32_t slot, struct carrel_net_lease *l,
		       uint32_t *n_slots)
{
	struct in_addr net4;
	struct in6_addr net6;
	unsigned plen6;
	uint32_t base, n;

	if (parse_prefix(p->net_pool4, AF_INET, &net4, &l->plen4) < 0 || l->plen4 < 8 ||
	    l->plen4 > 28 || parse_prefix(p->net_pool6, AF_INET6, &net6, &plen6) < 0 || plen6 > 64)
		return -EINVAL;
	n = (UINT32_C(1) << (32 - l->plen4)) - 3;
	if (n_slots)
		*n_slots = n;
	if (slot >= n)
		return -ERANGE;
	base = ntohl(net4.s_addr);
	l->gw4.s_addr = htonl(base + 1);
	l->addr4.s_addr = htonl(base + 2 + slot);
	memset(&net6.s6_addr[8], 0, 8);
	l->plen6 = 64;
	l->gw6 = l->addr6 = net6;
	l->gw6.s6_addr[15] = 1;
	uint32_t host6 = htonl(slot + 2);
	memcpy(&l->addr6.s6_addr[12], &host6, 4);
	l->slot = slot;
	return 0;
}

/* Lock slot SLOT if it is free: 1 taken, 0 held by another, -errno. */
static int try_slot(struct carrel_net_lease *l, uint32_t slot)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), CARREL_NET_LEASES_DIR "/%" PRIu32, slot);
	if ((r = slot_lease_try(path, l->id, &l->lock_fd)) == 1)
		l->slot = slot;
	return r;
}

/*
 * Take a free slot, starting from one derived from the session id:
 * consecutive sessions start on different slots, so concurrent opens
 * rarely even meet on a lock.
 */
int net_lease_take(struct carrel_net_lease *l, uint32_t n_slots)
{
	uint32_t start = (uint32_t)(strtoull(l->id, NULL, 10) % n_slots);
	int r;

	if ((r = ensure_root_dir(CARREL_NET_DIR, 0755)) < 0 ||
	    (r = ensure_root_dir(CARREL_NET_LEASES_DIR, 0700)) < 0)
		return r;
	for (uint32_t i = 0; i < n_slots; i++) {
		r = try_slot(l, (start + i) % n_slots);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return -EADDRNOTAVAIL;
}

void net_lease_drop(struct carrel_net_lease *l)
{
	char path[128];

	if (l->lock_fd < 0)
		return;
	snprintf(path, sizeof(path), CARREL_NET_LEASES_DIR "/%" PRIu32, l->slot);
	slot_lease_drop(path, &l->lock_fd);
}
