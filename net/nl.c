/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one rtnetlink wrapper of net/ (nl.h). */
#include "nl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <time.h>

int nl_open(struct nl *nl)
{
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags, void **extra, size_t extra_len)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->tx);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++nl->seq;
	if (extra)
		*extra = mnl_nlmsg_put_extra_header(h, extra_len);
	return h;
}

int nl_talk(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	unsigned seq = h->nlmsg_seq;

	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		int r;

		if (n < 0)
			return -errno;
		r = mnl_cb_run(nl->rx, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}
