/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink through libmnl: the bridge, a carrel's veth, its addresses and
 * routes.  One message each (design.md: veth + address + route 2.1 ms this
 * way, 19.5 ms with `ip`).  Pitfalls this file avoids: IFF_UP on the veth
 * peer in the create message gives ENOTCONN (the peer is brought up from
 * inside, after); a bridge's MAC follows its lowest port's unless fixed;
 * IPv6 addresses need nodad, or the first packets wait for DAD.
 */
#include "net.h"
#include "nl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int link_up(struct nl *nl, int ifindex)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0, (void **)&ifm, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	return nl_talk(nl, h, NULL, NULL);
}

/* Address A/PLEN (FAMILY) on IFINDEX; replaces the same address. */
static int add_addr(struct nl *nl, int ifindex, int family, const void *a, unsigned plen)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, (void **)&ifa,
				    sizeof(*ifa));
	size_t len = family == AF_INET ? 4 : 16;

	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(h, IFA_LOCAL, len, a);
	mnl_attr_put(h, IFA_ADDRESS, len, a);
	if (family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
	}
	return nl_talk(nl, h, NULL, NULL);
}

static int add_default_route(struct nl *nl, int ifindex, int family, const void *gw)
{
	struct rtmsg *rtm;
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, (void **)&rtm,
				    sizeof(*rtm));

	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
	mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);
	return nl_talk(nl, h, NULL, NULL);
}

static int on_link(const struct nlmsghdr *h, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifm->ifi_index;
	return MNL_CB_OK;
}

/* The index of link NAME in NL's namespace. */
static int link_index(struct nl *nl, const char *name)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *h = nl_msg(nl, RTM_GETLINK, 0, (void **)&ifm, sizeof(*ifm));
	int index = 0, r;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	if ((r = nl_talk(nl, h, on_link, &index)) < 0)
		return r;
	return index > 0 ? index : -ENODEV;
}

/* The fixed MAC of carrel's bridge (locally administered): without it the
 * bridge takes its lowest port's, and every carrel's neighbour entry for
 * the gateway goes stale when that port leaves. */
static const uint8_t bridge_mac[6] = { 0x02, 0xca, 0x77, 0xe1, 0x00, 0x01 };

static int write_sysctl(const char *path, const char *value)
{
	char now[16] = "";
	int fd, r = 0;

	if (read_file(path, now, sizeof(now)) > 0 && strncmp(now, value, strlen(value)) == 0 &&
	    (now[strlen(value)] == '\n' || now[strlen(value)] == '\0'))
		return 0; /* already so: no write (IPv6's `all` resets every interface) */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		r = -errno;
	fd = safe_close(fd);
	return r;
}

/*
 * The bridge, created on first use (a concurrent open's EEXIST is fine), its
 * gateway addresses, up; forwarding on.  Everything here is idempotent, so
 * each nat open makes sure of it rather than trusting an earlier one.
 */
int net_link_bridge(const struct carrel_net_lease *l, struct carrel_error *err)
{
	struct nl nl = { 0 };
	struct ifinfomsg *ifm;
	struct nlmsghdr *h;
	struct nlattr *info;
	int r, index;

	if ((r = nl_open(&nl)) < 0) {
		carrel_error_set(err, "rtnetlink: %s", strerror(-r));
		return r;
	}
	h = nl_msg(&nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **)&ifm, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, l->bridge);
	mnl_attr_put(h, IFLA_ADDRESS, sizeof(bridge_mac), bridge_mac);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);
	r = nl_talk(&nl, h, NULL, NULL);
	if (r < 0 && r != -EEXIST) {
		carrel_error_set(err, "bridge %s: create: %s", l->bridge, strerror(-r));
		goto out;
	}
	if ((index = link_index(&nl, l->bridge)) < 0) {
		r = index;
		carrel_error_set(err, "bridge %s: %s", l->bridge, strerror(-r));
		goto out;
	}
	if ((r = add_addr(&nl, index, AF_INET, &l->gw4, l->plen4)) < 0 ||
	    (r = add_addr(&nl, index, AF_INET6, &l->gw6, l->plen6)) < 0 ||
	    (r = link_up(&nl, index)) < 0) {
		carrel_error_set(err, "bridge %s: addresses: %s", l->bridge, strerror(-r));
		goto out;
	}
	/* Forwarding, for every interface of the host: it then routes between
	 * them where its own firewall lets it (carrel.conf(5) says so). */
	if ((r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1")) < 0 ||
	    (r = write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1")) < 0)
		carrel_error_set(err, "forwarding: /proc/sys/net: %s", strerror(-r));
out:
	nl_close(&nl);
	return r;
}

/* route_localnet on the bridge only: see nft.c (DNS to a loopback upstream). */
int net_link_route_localnet(const char *bridge)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	return write_sysctl(path, "1");
}

/* The veth: created from the host with its peer born in NETNS_FD. */
static int create_veth(struct nl *nl, struct carrel_net_lease *l, int netns_fd)
{
	struct ifinfomsg *ifm, *peer;
	struct nlattr *info, *data, *pn;
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **)&ifm,
				    sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP; /* the host end only: see the header */
	mnl_attr_put_strz(h, IFLA_IFNAME, l->host_ifname);
	mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)l->bridge_ifindex);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	pn = mnl_attr_nest_start(h, VETH_INFO_PEER);
	peer = mnl_nlmsg_put_extra_header(h, sizeof(*peer));
	peer->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, CARREL_NET_PEER);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	mnl_attr_nest_end(h, pn);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return nl_talk(nl, h, NULL, NULL);
}

/* Isolated bridge port: no frame from one isolated port to another. */
static int isolate_port(struct nl *nl, int ifindex)
{
	struct ifinfomsg *ifm;
	struct nlattr *pi;
	struct nlmsghdr *h = nl_msg(nl, RTM_SETLINK, 0, (void **)&ifm, sizeof(*ifm));

	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = ifindex;
	pi = mnl_attr_nest_start(h, IFLA_PROTINFO);
	mnl_attr_put_u8(h, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(h, pi);
	return nl_talk(nl, h, NULL, NULL);
}

static int delete_link(struct nl *nl, int ifindex)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *h = nl_msg(nl, RTM_DELLINK, 0, (void **)&ifm, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nl_talk(nl, h, NULL, NULL);
}

/* A netlink socket in NETNS_FD's namespace: the keeper steps in for the
 * socket() call only (a socket stays in the namespace it was made in). */
static int nl_open_in(struct nl *nl, int netns_fd)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	r = nl_open(nl);
	if (setns(self, CLONE_NEWNET) < 0) {
		nl_close(nl);
		return -errno; /* the caller fails the open: never go on in the carrel's */
	}
	return r;
}

/* Inside: the peer's addresses, up, default routes through the gateway. */
static int configure_peer(struct nl *nl, const struct carrel_net_lease *l, const char **what)
{
	int index, r;

	*what = "peer";
	if ((index = link_index(nl, CARREL_NET_PEER)) < 0)
		return index;
	*what = "addresses";
	if ((r = add_addr(nl, index, AF_INET, &l->addr4, l->plen4)) < 0 ||
	    (r = add_addr(nl, index, AF_INET6, &l->addr6, l->plen6)) < 0)
		return r;
	*what = "link up";
	if ((r = link_up(nl, index)) < 0)
		return r;
	*what = "default routes";
	if ((r = add_default_route(nl, index, AF_INET, &l->gw4)) < 0 ||
	    (r = add_default_route(nl, index, AF_INET6, &l->gw6)) < 0)
		return r;
	return 0;
}

int net_link_veth(struct carrel_net_lease *l, int netns_fd, struct carrel_error *err)
{
	struct nl host = { 0 }, in = { 0 };
	const char *what = "create";
	int r, index;

	if ((r = nl_open(&host)) < 0) {
		carrel_error_set(err, "rtnetlink: %s", strerror(-r));
		return r;
	}
	if ((r = create_veth(&host, l, netns_fd)) < 0)
		goto fail;
	what = "host end";
	if ((index = link_index(&host, l->host_ifname)) < 0) {
		r = index;
		goto fail;
	}
	l->host_ifindex = index;
	what = "isolated bridge port";
	if ((r = isolate_port(&host, index)) < 0)
		goto undo;
	what = "netns";
	if ((r = nl_open_in(&in, netns_fd)) < 0)
		goto undo;
	r = configure_peer(&in, l, &what);
	nl_close(&in);
	if (r < 0)
		goto undo;
	nl_close(&host);
	return 0;
undo:
	(void)delete_link(&host, l->host_ifindex);
	l->host_ifindex = 0;
fail:
	carrel_error_set(err, "veth %s: %s: %s", l->host_ifname, what, strerror(-r));
	nl_close(&host);
	return r;
}

static int on_stats(const struct nlmsghdr *h, void *data)
{
	const struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, h, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) == IFLA_STATS64 &&
		    mnl_attr_get_payload_len(a) >= sizeof(struct rtnl_link_stats64))
			memcpy(data, mnl_attr_get_payload(a), sizeof(struct rtnl_link_stats64));
	}
	return MNL_CB_OK;
}

/* The link's byte counters, by rtnetlink (sysfs shows the net namespace
 * of whoever mounted it, which need not be the keeper's). */
int net_link_stats(const char *ifname, uint64_t *rx, uint64_t *tx)
{
	struct rtnl_link_stats64 st = { 0 };
	struct ifinfomsg *ifm;
	struct nlmsghdr *h;
	struct nl *nl = calloc(1, sizeof(*nl));
	int r;

	if (!nl)
		return -ENOMEM;
	if ((r = nl_open(nl)) == 0) {
		h = nl_msg(nl, RTM_GETLINK, 0, (void **)&ifm, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(h, IFLA_IFNAME, ifname);
		r = nl_talk(nl, h, on_stats, &st);
		nl_close(nl);
	}
	free(nl);
	if (r < 0)
		return r;
	*rx = st.rx_bytes;
	*tx = st.tx_bytes;
	return 0;
}
