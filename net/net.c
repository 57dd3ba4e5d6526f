/* SPDX-License-Identifier: GPL-2.0-or-later */
/* network = nat: what the keeper calls (net.h). */
#include "net.h"
#include "slot_lease.h"
#include "netpol.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_RESOLV "/etc/resolv.conf"

void carrel_net_lease_init(struct carrel_net_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
}

static bool is_loopback(const char *a)
{
	struct in_addr v4;

	return (inet_pton(AF_INET, a, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) ||
	       strcmp(a, "::1") == 0;
}

/*
 * The host's first name server (the one the carrel's DNS goes to), and the
 * lines the carrel's resolv.conf keeps (search, domain, options) into KEEP.
 * "" when the host names none.
 */
static void host_resolv(char upstream[INET6_ADDRSTRLEN], size_t size, char *keep, size_t keep_size)
{
	_cleanup_free_ char *text = malloc(8192);
	size_t k = 0;

	upstream[0] = keep[0] = '\0';
	/* Often a link (systemd-resolved, NetworkManager): read_file() would not
	 * follow it.  systemd-resolved's stub (127.0.0.53) answers loopback
	 * senders only, a DNAT'ed query is dropped: take the servers it uses. */
	_cleanup_free_ char *path = realpath(HOST_RESOLV, NULL);
	if (path && strcmp(path, "/run/systemd/resolve/stub-resolv.conf") == 0)
		strcpy(path + strlen("/run/systemd/resolve/"), "resolv.conf");
	if (!text || !path || read_file(path, text, 8192) <= 0)
		return;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char word[16], value[INET6_ADDRSTRLEN + 16];
		struct in6_addr a;

		if (sscanf(line, "%15s %63s", word, value) != 2)
			continue;
		if (strcmp(word, "nameserver") == 0 && !upstream[0] &&
		    (inet_pton(AF_INET, value, &a) == 1 || inet_pton(AF_INET6, value, &a) == 1))
			snprintf(upstream, size, "%.*s", INET6_ADDRSTRLEN - 1, value);
		else if ((strcmp(word, "search") == 0 || strcmp(word, "domain") == 0 ||
			  strcmp(word, "options") == 0) &&
			 k + strlen(line) + 2 < keep_size)
			k += (size_t)snprintf(keep + k, keep_size - k, "%s\n", line);
	}
}

/* Write TEXT to PATH whole or not at all (a temporary file, renamed). */
static int write_atomic(const char *path, const char *text, mode_t mode)
{
	char tmp[160];
	int fd, r = 0;
	size_t len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0)
		r = errno ? -errno : -EIO;
	fd = safe_close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

/* The carrel's resolv.conf: the gateway of the upstream's family. */
static int write_resolv(const struct carrel_net_lease *l, const char *upstream, const char *keep)
{
	char text[4200], gw[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (upstream[0] && inet_pton(AF_INET6, upstream, &a) == 1)
		inet_ntop(AF_INET6, &l->gw6, gw, sizeof(gw));
	else
		inet_ntop(AF_INET, &l->gw4, gw, sizeof(gw));
	snprintf(text, sizeof(text),
		 "# carrel: the gateway relays DNS to the host's name server\nnameserver %s\n%s", gw,
		 keep);
	return write_atomic(CARREL_NET_RESOLV, text, 0644);
}

static void info_path(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, CARREL_SESSIONS_DIR "/%s" CARREL_NET_INFO_SUFFIX, id);
}

/* CARREL_SESSIONS_DIR/ID.net, for carrelctl. */
static int write_info(const struct carrel_net_lease *l)
{
	char path[128], text[256], a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, &l->addr4, a4, sizeof(a4));
	inet_ntop(AF_INET6, &l->addr6, a6, sizeof(a6));
	snprintf(text, sizeof(text), "ipv4=%s ipv6=%s veth=%s bridge=%s\n", a4, a6, l->host_ifname,
		 l->bridge);
	info_path(l->id, path, sizeof(path));
	return write_atomic(path, text, 0600);
}

int carrel_net_open(struct carrel_net_lease *l, const struct carrel_policy *p, const char *id,
		    uid_t uid, int netns_fd, struct carrel_error *err)
{
	char upstream[INET6_ADDRSTRLEN] = "", keep[4096];
	uint32_t n_slots = 0;
	int r;

	carrel_net_lease_init(l);
	snprintf(l->id, sizeof(l->id), "%s", id);
	l->uid = uid;
	snprintf(l->bridge, sizeof(l->bridge), "%s", p->net_bridge);
	if ((size_t)snprintf(l->host_ifname, sizeof(l->host_ifname), "cr-%s", id) >=
	    sizeof(l->host_ifname)) {
		carrel_error_set(err, "session id %s: too long for an interface name", id);
		return -ENAMETOOLONG;
	}
	if ((r = net_pool_addresses(p, 0, l, &n_slots)) < 0) {
		carrel_error_set(err, "net_pool4 %s, net_pool6 %s: %s", p->net_pool4, p->net_pool6,
				 strerror(-r));
		return r;
	}
	if ((r = net_lease_take(l, n_slots)) < 0) {
		carrel_error_set(err, "address lease in %s: %s", CARREL_NET_LEASES_DIR,
				 r == -EADDRNOTAVAIL ? "the pool is exhausted" : strerror(-r));
		return r;
	}
	(void)net_pool_addresses(p, l->slot, l, NULL);
	if ((r = net_link_bridge(l, err)) < 0)
		goto fail;
	l->bridge_ifindex = (int)if_nametoindex(l->bridge);
	if (l->bridge_ifindex <= 0) {
		r = -ENODEV;
		carrel_error_set(err, "bridge %s: gone", l->bridge);
		goto fail;
	}
	host_resolv(upstream, sizeof(upstream), keep, sizeof(keep));
	if (upstream[0] && is_loopback(upstream) && (r = net_link_route_localnet(l->bridge)) < 0) {
		carrel_error_set(err, "bridge %s: route_localnet: %s", l->bridge, strerror(-r));
		goto fail;
	}
	if ((r = net_nft_table(l, p, upstream[0] ? upstream : NULL, err)) < 0)
		goto fail;
	if ((r = write_resolv(l, upstream, keep)) < 0) {
		carrel_error_set(err, "%s: %s", CARREL_NET_RESOLV, strerror(-r));
		goto fail;
	}
	if ((r = net_link_veth(l, netns_fd, err)) < 0)
		goto fail;
	if ((r = write_info(l)) < 0) {
		carrel_error_set(err, "%s/%s%s: %s", CARREL_SESSIONS_DIR, id, CARREL_NET_INFO_SUFFIX,
				 strerror(-r));
		goto fail; /* the veth goes with the net namespace */
	}
	return 0;
fail:
	carrel_net_close(l);
	return r;
}

int carrel_net_stats(const struct carrel_net_lease *l, uint64_t *in, uint64_t *out)
{
	/* The host end: what it receives the carrel sent. */
	return net_link_stats(l->host_ifname, out, in);
}

void carrel_net_close(struct carrel_net_lease *l)
{
	char path[128];

	if (l->id[0] && l->lock_fd >= 0) {
		(void)carrel_egress_release(l->id, NULL);
		(void)carrel_shape_release(l, NULL);
	}
	if (l->id[0]) {
		info_path(l->id, path, sizeof(path));
		(void)unlink(path);
	}
	net_lease_drop(l);
}

/*
 * Release lease file NAME if no keeper holds it: ONLY_ID set, only if it
 * names that session.  The session's info file goes with it.
 */
/*
 * The egress chain and the shaping record of session ID (net/netpol.h),
 * whose keeper is gone: the user is found from the record's directory
 * (CARREL_SHAPE_DIR/UID/ID), the host veth by its name, if it still exists.
 * Both releases are idempotent.
 */
static void release_policy(const char *id)
{
	struct carrel_net_lease l;
	struct dirent *de;
	DIR *d;

	(void)carrel_egress_release(id, NULL);
	carrel_net_lease_init(&l);
	snprintf(l.id, sizeof(l.id), "%s", id);
	if ((size_t)snprintf(l.host_ifname, sizeof(l.host_ifname), "cr-%s", id) >= sizeof(l.host_ifname))
		return;
	l.host_ifindex = (int)if_nametoindex(l.host_ifname);
	d = opendir(CARREL_SHAPE_DIR);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char rec[320];
		unsigned long uid;
		char *end;

		errno = 0;
		uid = strtoul(de->d_name, &end, 10);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || errno || uid > UINT32_MAX - 1)
			continue;
		snprintf(rec, sizeof(rec), "%s/%s", de->d_name, id);
		if (faccessat(dirfd(d), rec, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			l.uid = (uid_t)uid;
			(void)carrel_shape_release(&l, NULL);
		}
	}
	closedir(d);
}

static void release_one(int dir, const char *name, const char *only_id)
{
	char id[40] = "", path[128];

	/* Only a lease nobody holds (a live carrel's is locked). */
	if (slot_lease_release_free(dir, name, only_id, id, sizeof(id)) == 1 && id[0] &&
	    strspn(id, "0123456789") == strlen(id)) {
		release_policy(id);
		info_path(id, path, sizeof(path));
		(void)unlink(path);
	}
}

static void release_matching(const char *only_id)
{
	DIR *d = opendir(CARREL_NET_LEASES_DIR);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			release_one(dirfd(d), de->d_name, only_id);
	closedir(d);
}

int carrel_net_release(const char *id)
{
	char path[128];

	if (!id || !id[0] || strspn(id, "0123456789") != strlen(id))
		return -EINVAL;
	release_matching(id);
	/* Its egress chain and shaping, even where its lease went already. */
	release_policy(id);
	/* An info file whose lease another carrel took over meanwhile. */
	info_path(id, path, sizeof(path));
	(void)unlink(path);
	return 0;
}

void carrel_net_reap_stale(void)
{
	release_matching(NULL);
}

int carrel_net_check_host(const struct carrel_policy *p, char *why, size_t size)
{
	(void)p;
	return net_nft_foreign_drop(why, size);
}
