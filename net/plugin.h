/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network plugin: net/ is built as carrel-net.so (LIBEXECDIR), which
 * links libmnl and libnftables, and the helper and carrelctl load it only
 * when a carrel uses network = nat, or there is a nat carrel's lease to
 * release (helper/net_plugin.c; doc/HACKING.md says why).  Its one
 * exported symbol is this table; the loader's functions keep net.h's and
 * netpol.h's names, so their callers read as if net/ were linked.
 */
#ifndef CARREL_NET_PLUGIN_H
#define CARREL_NET_PLUGIN_H

#include "net.h"
#include "netpol.h"

#define CARREL_NET_PLUGIN_SYM "carrel_net_plugin"
/* Raised on any change to the table below: the loader checks it. */
#define CARREL_NET_PLUGIN_VERSION 1

struct carrel_net_plugin {
	unsigned version;
	unsigned size; /* sizeof(struct carrel_net_plugin) */
	int (*net_open)(struct carrel_net_lease *l, const struct carrel_policy *p, const char *id, uid_t uid,
			int netns_fd, struct carrel_error *err);
	int (*net_stats)(const struct carrel_net_lease *l, uint64_t *in, uint64_t *out);
	void (*net_close)(struct carrel_net_lease *l);
	int (*net_release)(const char *id);
	void (*net_reap_stale)(void);
	int (*net_check_host)(const struct carrel_policy *p, char *why, size_t size);
	int (*egress_apply)(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
			    struct carrel_error *err);
	int (*shape_apply)(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
			   struct carrel_error *err);
};

#endif
