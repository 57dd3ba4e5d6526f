/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net.h's and netpol.h's functions for the helper, the keeper and
 * carrelctl, with net/ (and libmnl, libnftables) loaded from the plugin
 * CARREL_NET_PLUGIN_PATH on the first call that needs it (net/plugin.h).
 *
 * A carrel with network = none never loads it: the keeper calls only
 * carrel_net_lease_init() and carrel_net_close() on a lease it never
 * opened, and the reaper's carrel_net_release() of a carrel that had no
 * network finds nothing to release.
 *
 * The plugin is opened once, checked on the open fd (a regular file owned
 * by root, not writable by group or others) and loaded through that fd
 * (/proc/self/fd/N), so what is loaded is what was checked.  A plugin that
 * is missing, unsafe or of another version fails the call with -ELIBACC
 * and says why in ERR: network = nat then goes through on_error ("network")
 * like any other failed step; never is a carrel left without its network.
 */
#include "net.h"
#include "plugin.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct carrel_net_plugin *plugin;

static int plugin_load(struct carrel_error *err)
{
	_cleanup_close_ int fd = -1;
	const struct carrel_net_plugin *t;
	char path[64];
	struct stat st;
	void *lib;

	if (plugin)
		return 0;
	fd = open(CARREL_NET_PLUGIN_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		int r = -errno;
		carrel_error_set(err, "plugin %s: %s", CARREL_NET_PLUGIN_PATH, strerror(-r));
		return -ELIBACC;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		carrel_error_set(err, "plugin %s: not a regular file owned by root and writable by root only",
				 CARREL_NET_PLUGIN_PATH);
		return -ELIBACC;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		carrel_error_set(err, "plugin %s: %s", CARREL_NET_PLUGIN_PATH, why ? why : "cannot be loaded");
		return -ELIBACC;
	}
	t = dlsym(lib, CARREL_NET_PLUGIN_SYM);
	if (!t || t->version != CARREL_NET_PLUGIN_VERSION || t->size != sizeof(*t)) {
		carrel_error_set(err, "plugin %s: no %s of version %d (another carrel's build?)",
				 CARREL_NET_PLUGIN_PATH, CARREL_NET_PLUGIN_SYM, CARREL_NET_PLUGIN_VERSION);
		dlclose(lib);
		return -ELIBACC;
	}
	plugin = t; /* never unloaded: the process may hold its state (leases) */
	return 0;
}

/* Whether a nat carrel ever ran since boot (its lease, egress and shaping
 * records live under CARREL_NET_DIR, made by its first open). */
static bool net_dir_exists(void)
{
	return access(CARREL_NET_DIR, F_OK) == 0 || errno != ENOENT;
}

/* The same as net/net.c's, without loading it: every carrel's keeper has a lease. */
void carrel_net_lease_init(struct carrel_net_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
}

int carrel_net_open(struct carrel_net_lease *l, const struct carrel_policy *p, const char *id, uid_t uid,
		    int netns_fd, struct carrel_error *err)
{
	int r = plugin_load(err);
	return r < 0 ? r : plugin->net_open(l, p, id, uid, netns_fd, err);
}

int carrel_net_stats(const struct carrel_net_lease *l, uint64_t *in, uint64_t *out)
{
	int r = plugin_load(NULL);
	return r < 0 ? r : plugin->net_stats(l, in, out);
}

void carrel_net_close(struct carrel_net_lease *l)
{
	/* Only a lease that carrel_net_open() touched holds anything, and
	 * that call loaded the plugin. */
	if (plugin)
		plugin->net_close(l);
}

/*
 * Session ID's network is released only if it had one: its info file
 * (CARREL_SESSIONS_DIR/ID.net, written once its veth was up, removed after
 * its egress rules and shaping) is there.  So a keeper of a network = none
 * carrel that reaps a dead nat carrel loads the plugin, one that reaps a
 * dead network = none carrel does not.  A lease whose keeper died before
 * the info file was written is released by the next nat open
 * (carrel_net_reap_stale).
 */
int carrel_net_release(const char *id)
{
	char path[128];
	int r;

	if (!id || !id[0] || strchr(id, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s" CARREL_NET_INFO_SUFFIX, id);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	r = plugin_load(NULL);
	return r < 0 ? r : plugin->net_release(id);
}

void carrel_net_reap_stale(void)
{
	if (net_dir_exists() && plugin_load(NULL) == 0)
		plugin->net_reap_stale();
}

/* net.h's, and -ELIBACC with WHY when the plugin cannot be loaded. */
int carrel_net_check_host(const struct carrel_policy *p, char *why, size_t size)
{
	struct carrel_error e = { "", "" };

	int r = plugin_load(&e);

	if (r < 0) {
		snprintf(why, size, "%s", e.msg);
		return r;
	}
	return plugin->net_check_host(p, why, size);
}

int carrel_egress_apply(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
			struct carrel_error *err)
{
	int r = plugin_load(err);
	return r < 0 ? r : plugin->egress_apply(l, np, err);
}

int carrel_shape_apply(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
		       struct carrel_error *err)
{
	int r = plugin_load(err);
	return r < 0 ? r : plugin->shape_apply(l, np, err);
}
