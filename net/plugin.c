/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carrel-net.so's one exported symbol (net/plugin.h). */
#include "plugin.h"

__attribute__((visibility("default"))) extern const struct carrel_net_plugin carrel_net_plugin;

const struct carrel_net_plugin carrel_net_plugin = {
	.version = CARREL_NET_PLUGIN_VERSION,
	.size = sizeof(struct carrel_net_plugin),
	.net_open = carrel_net_open,
	.net_stats = carrel_net_stats,
	.net_close = carrel_net_close,
	.net_release = carrel_net_release,
	.net_reap_stale = carrel_net_reap_stale,
	.net_check_host = carrel_net_check_host,
	.egress_apply = carrel_egress_apply,
	.shape_apply = carrel_shape_apply,
};
