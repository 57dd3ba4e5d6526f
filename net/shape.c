/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net_rate_max (net/netpol.h): all of a user's carrels share one rate in
 * each direction.  This kernel has no cgroup classifier, so the traffic is
 * taken where it crosses the host: on the host end of each of the user's
 * veths a clsact qdisc with two match-everything u32 filters whose mirred
 * action
 * redirects
 *
 *   egress  (host -> carrel, the download) to the IFB "crd-UID"
 *   ingress (carrel -> host, the upload)   to the IFB "cru-UID"
 *
 * and each IFB's root qdisc is a TBF at the rate: one queue per user and
 * direction, whatever the number of carrels.  The IFB hands each packet
 * back where it was taken once the TBF lets it go.
 *
 * rtnetlink through libmnl, as the network core's link.c: the messages are
 * few and fixed (an IFB, a TBF that needs no rate table since the kernel
 * takes TCA_TBF_BURST and an Ethernet link layer, clsact, u32, mirred), libmnl is already linked for the core, and libnl-route-3 would
 * add a second netlink library (and its cache machinery) for them.
 *
 * Who uses a user's IFBs: CARREL_SHAPE_DIR/UID/ID per session, naming its
 * host veth ("IFINDEX NAME").  A session whose veth is gone (its net
 * namespace died with it) no longer counts, so the user's last release --
 * by the keeper or by the reaper after a crash -- removes the IFBs.  The
 * directory, flock'ed, serializes a user's applies and releases.
 */
#include "netpol.h"

#include "net.h"
#include "nl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LOCK_MS 5000

static void ifb_name(char *buf, const char *prefix, uid_t uid)
{
	snprintf(buf, IFNAMSIZ, "%s%u", prefix, (unsigned)uid);
}

/* The IFB NAME, up; created if missing.  Its ifindex in *INDEX. */
static int ifb_up(struct nl *nl, const char *name, int *index)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE, NULL, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *info;
	int r;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, info);
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return r;
	*index = (int)if_nametoindex(name);
	return *index > 0 ? 0 : -ENODEV;
}

static int link_del(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELLINK, 0, NULL, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_talk(nl, nlh, NULL, NULL);
	return r == -ENODEV ? 0 : r;
}

static struct tcmsg *tc_head(struct nlmsghdr *nlh, int ifindex, uint32_t parent, uint32_t handle)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	return tcm;
}

/* IFINDEX's root qdisc: a TBF at RATE bit/s (created or replaced). */
static int tbf_set(struct nl *nl, int ifindex, uint64_t rate)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, NULL, 0);
	uint64_t bytes = rate / 8;
	/* A burst of 10 ms of traffic, at least 64 KiB (a GSO packet); a
	 * queue of 100 ms more: TCP sees drops rather than a long delay. */
	uint64_t burst = bytes / 100 > 65536 ? bytes / 100 : 65536;
	uint64_t limit = burst + (bytes / 10 > 65536 ? bytes / 10 : 65536);
	struct tc_tbf_qopt q = { 0 };
	struct nlattr *opts;

	tc_head(nlh, ifindex, TC_H_ROOT, TC_H_MAKE(1u << 16, 0));
	q.rate.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	q.rate.linklayer = TC_LINKLAYER_ETHERNET; /* no rate table */
	q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	if (bytes > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, bytes);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, burst > UINT32_MAX ? UINT32_MAX : (uint32_t)burst);
	mnl_attr_nest_end(nlh, opts);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int clsact(struct nl *nl, int ifindex, bool add)
{
	struct nlmsghdr *nlh = nl_msg(nl, add ? RTM_NEWQDISC : RTM_DELQDISC,
				      add ? NLM_F_CREATE | NLM_F_EXCL : 0, NULL, 0);

	tc_head(nlh, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0));
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	return nl_talk(nl, nlh, NULL, NULL);
}

/* On IFINDEX's clsact DIRECTION (TC_H_MIN_INGRESS/EGRESS): everything to
 * IFB's egress.  A u32 filter with one key that matches every packet: this
 * kernel has no matchall classifier (u32 and bpf only). */
static int redirect(struct nl *nl, int ifindex, uint32_t direction, int ifb)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, NULL, 0);
	struct tcmsg *tcm = tc_head(nlh, ifindex, TC_H_MAKE(TC_H_CLSACT, direction), 0);
	struct {
		struct tc_u32_sel sel;
		struct tc_u32_key key;
	} u = { .sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 } }; /* mask 0: every packet */
	struct tc_mirred m = { 0 };
	struct nlattr *opts, *acts, *act, *aopts;

	tcm->tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL)); /* priority 1, every protocol */
	m.action = TC_ACT_STOLEN;
	m.eaction = TCA_EGRESS_REDIR;
	m.ifindex = (uint32_t)ifb;
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(u), &u);
	acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	act = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
	mnl_attr_nest_end(nlh, aopts);
	mnl_attr_nest_end(nlh, act);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, opts);
	return nl_talk(nl, nlh, NULL, NULL);
}

/* Whether the link INDEX is still NAME (not gone, not reused). */
static bool link_is(int index, const char *name)
{
	char now[IF_NAMESIZE];

	return index > 0 && if_indextoname((unsigned)index, now) && strcmp(now, name) == 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* CARREL_SHAPE_DIR/UID, created and flock'ed (bounded); the fd, or -errno.
 * A directory removed while we waited is made again. */
static int user_lock(uid_t uid, char *dir, size_t size)
{
	long long deadline = now_ms() + LOCK_MS;

	snprintf(dir, size, CARREL_SHAPE_DIR "/%u", (unsigned)uid);
	for (;;) {
		struct stat a, b;
		int fd;

		if ((mkdir(CARREL_RUNDIR, 0755) < 0 && errno != EEXIST) ||
		    (mkdir(CARREL_RUNDIR "/net", 0755) < 0 && errno != EEXIST) ||
		    (mkdir(CARREL_SHAPE_DIR, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(dir, 0700) < 0 && errno != EEXIST))
			return -errno;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return -errno;
		while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno != EWOULDBLOCK || now_ms() > deadline) {
				int r = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;

				fd = safe_close(fd);
				return r;
			}
			usleep(2000);
		}
		if (fstat(fd, &a) == 0 && stat(dir, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		fd = safe_close(fd); /* removed by the user's last release meanwhile */
	}
}

/* Whether any session in the locked DIR (DFD) still has its veth;
 * records of sessions whose veth is gone are removed. */
static bool user_in_use(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	bool used = false;

	if (!d) {
		fd = safe_close(fd);
		return true; /* cannot tell: keep the IFBs */
	}
	while ((e = readdir(d))) {
		char text[64] = "", name[IFNAMSIZ + 1] = "";
		int index = 0, rf;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		rf = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		n = rf >= 0 ? read(rf, text, sizeof(text) - 1) : -1;
		rf = safe_close(rf);
		if (n > 0 && sscanf(text, "%d %16s", &index, name) == 2 && link_is(index, name))
			used = true;
		else
			unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
	return used;
}

/* With the user's directory locked: the IFBs go if no session uses them. */
static int user_gc(struct nl *nl, int dfd, const char *dir, uid_t uid)
{
	char down[IFNAMSIZ], up[IFNAMSIZ];
	int r, r2;

	if (user_in_use(dfd))
		return 0;
	ifb_name(down, CARREL_SHAPE_IFB_DOWN, uid);
	ifb_name(up, CARREL_SHAPE_IFB_UP, uid);
	r = link_del(nl, down);
	r2 = link_del(nl, up);
	if (r == 0 && r2 == 0)
		rmdir(dir);
	return r < 0 ? r : r2;
}

static int record_session(int dfd, const struct carrel_net_lease *l)
{
	char text[64];
	int fd = openat(dfd, l->id, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int len = snprintf(text, sizeof(text), "%d %s\n", l->host_ifindex, l->host_ifname);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)len) != len)
		r = -EIO;
	fd = safe_close(fd);
	return r;
}

static bool valid_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len >= 24 || id[0] == '.')
		return false;
	return strspn(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == len;
}

int carrel_shape_release(const struct carrel_net_lease *l, struct carrel_error *err)
{
	char dir[PATH_MAX];
	struct nl nl = { 0 };
	int dfd, r;

	if (!l || !valid_id(l->id)) {
		carrel_error_set(err, "shape: invalid argument");
		return -EINVAL;
	}
	if ((r = nl_open(&nl)) < 0) {
		carrel_error_set(err, "shape: rtnetlink: %s", strerror(-r));
		return r;
	}
	dfd = user_lock(l->uid, dir, sizeof(dir));
	if (dfd < 0) {
		nl_close(&nl);
		carrel_error_set(err, "shape: %s: %s", dir, strerror(-dfd));
		return dfd;
	}
	/* The veth may be gone with the carrel's namespace; never touch
	 * another link that took its index. */
	if (link_is(l->host_ifindex, l->host_ifname))
		clsact(&nl, l->host_ifindex, false);
	unlinkat(dfd, l->id, 0);
	r = user_gc(&nl, dfd, dir, l->uid);
	if (r < 0)
		carrel_error_set(err, "shape: removing the IFB devices of uid %u: %s",
				 (unsigned)l->uid, strerror(-r));
	dfd = safe_close(dfd);
	nl_close(&nl);
	return r;
}

int carrel_shape_apply(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
		       struct carrel_error *err)
{
	char dir[PATH_MAX], down[IFNAMSIZ], up[IFNAMSIZ];
	const char *step = "";
	struct nl nl = { 0 };
	int dfd, r, idown = 0, iup = 0;

	if (!l || !np || !valid_id(l->id)) {
		carrel_error_set(err, "shape: invalid argument");
		return -EINVAL;
	}
	if (np->rate_max == CARREL_UNLIMITED)
		return 0;
	if (!link_is(l->host_ifindex, l->host_ifname)) {
		carrel_error_set(err, "shape: %s: no such link (index %d)", l->host_ifname,
				 l->host_ifindex);
		return -ENODEV;
	}
	if ((r = nl_open(&nl)) < 0) {
		carrel_error_set(err, "shape: rtnetlink: %s", strerror(-r));
		return r;
	}
	dfd = user_lock(l->uid, dir, sizeof(dir));
	if (dfd < 0) {
		nl_close(&nl);
		carrel_error_set(err, "shape: %s: %s", dir, strerror(-dfd));
		return dfd;
	}
	ifb_name(down, CARREL_SHAPE_IFB_DOWN, l->uid);
	ifb_name(up, CARREL_SHAPE_IFB_UP, l->uid);
	/* Recorded first: a failure below undoes it with the rest. */
	if ((r = record_session(dfd, l)) < 0)
		step = "recording the session";
	else if ((r = ifb_up(&nl, down, &idown)) < 0)
		step = down;
	else if ((r = ifb_up(&nl, up, &iup)) < 0)
		step = up;
	else if ((r = tbf_set(&nl, idown, np->rate_max)) < 0 ||
		 (r = tbf_set(&nl, iup, np->rate_max)) < 0)
		step = "tbf qdisc";
	else if (clsact(&nl, l->host_ifindex, false), (r = clsact(&nl, l->host_ifindex, true)) < 0)
		step = "clsact qdisc";
	else if ((r = redirect(&nl, l->host_ifindex, TC_H_MIN_EGRESS, idown)) < 0 ||
		 (r = redirect(&nl, l->host_ifindex, TC_H_MIN_INGRESS, iup)) < 0)
		step = "u32/mirred filter";
	if (r < 0) {
		carrel_error_set(err, "shape: %s: %s: %s", l->host_ifname, step, strerror(-r));
		clsact(&nl, l->host_ifindex, false);
		unlinkat(dfd, l->id, 0);
		user_gc(&nl, dfd, dir, l->uid);
	}
	dfd = safe_close(dfd);
	nl_close(&nl);
	return r;
}
