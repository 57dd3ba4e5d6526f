/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idmap.h"
#include "util.h"

#include <grp.h>
#include <stdio.h>
#include <string.h>

static bool has_gid(const struct idmap *map, gid_t g)
{
	for (int i = 0; i < map->ngids; i++)
		if (map->gids[i] == g)
			return true;
	return false;
}

static int add_gid(struct idmap *map, gid_t g)
{
	/* Never root's group, never the overflow/invalid ids, never twice. */
	if (g == 0 || g == (gid_t)-1 || has_gid(map, g))
		return 0;
	if (map->ngids >= IDMAP_MAX_GIDS)
		return -E2BIG;
	map->gids[map->ngids++] = g;
	return 0;
}

int idmap_collect(struct idmap *map, const char *user, uid_t uid, gid_t gid)
{
	gid_t groups[IDMAP_MAX_GIDS];
	int n = IDMAP_MAX_GIDS, r;
	struct group *tty;

	memset(map, 0, sizeof(*map));
	if (uid == 0 || uid == (uid_t)-1 || gid == 0 || gid == (gid_t)-1)
		return -EPERM;
	map->uid = uid;
	if (getgrouplist(user, gid, groups, &n) < 0)
		return -E2BIG;
	if ((r = add_gid(map, gid)) < 0)
		return r;
	for (int i = 0; i < n; i++)
		if ((r = add_gid(map, groups[i])) < 0)
			return r;
	tty = getgrnam("tty");
	return add_gid(map, tty ? tty->gr_gid : 5);
}

int idmap_write(pid_t pid, const struct idmap *map, const char **failed)
{
	static __thread char path[64];
	char buf[IDMAP_MAX_GIDS * 24 + 1];
	size_t o = 0;
	int r;

	/* One write each: the kernel accepts a map exactly once. */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(buf, sizeof(buf), "%u %u 1\n", (unsigned)map->uid, (unsigned)map->uid);
	if ((r = write_file(path, buf)) < 0) {
		*failed = path;
		return r;
	}
	for (int i = 0; i < map->ngids; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%u %u 1\n", (unsigned)map->gids[i],
				      (unsigned)map->gids[i]);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if ((r = write_file(path, buf)) < 0)
		*failed = path;
	return r;
}
