/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one rtnetlink wrapper of net/ (link.c: bridge, veth, addresses,
 * routes; shape.c: IFB devices, qdiscs, filters), over libmnl: a socket,
 * one request at a time, each acknowledged.
 */
#ifndef CARREL_NET_NL_H
#define CARREL_NET_NL_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

struct nl {
	struct mnl_socket *sock; /* NULL: closed */
	unsigned portid, seq;
	char tx[8192];           /* the request nl_msg() starts */
	char rx[16384];
};

/* An rtnetlink socket in the caller's net namespace (SOCK_CLOEXEC); 0 or -errno. */
int nl_open(struct nl *nl);
/* Close NL's socket, if open; NL can be opened again. */
void nl_close(struct nl *nl);
/* Start a request of TYPE (NLM_F_REQUEST | NLM_F_ACK | FLAGS) in NL->tx,
 * with a zeroed family header of EXTRA_LEN bytes in *EXTRA (none: 0, NULL). */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags, void **extra, size_t extra_len);
/* Send H, run CB (NULL: none) on the answers until the kernel's ack; 0 or -errno. */
int nl_talk(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data);

#endif
