/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idmap.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

_Static_assert(IDMAP_MAX_GIDS == CARREL_PROTO_MAX_GROUPS, "the wire carries what a map holds");

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

int idmap_collect(struct idmap *map, const struct carrel_ids *ids)
{
	int r;

	memset(map, 0, sizeof(*map));
	if (ids->uid == 0 || ids->uid == (uint32_t)-1 || ids->gid == 0 || ids->gid == (uint32_t)-1)
		return -EPERM;
	if (ids->ngroups > CARREL_PROTO_MAX_GROUPS)
		return -E2BIG;
	map->uid = ids->uid;
	if ((r = add_gid(map, ids->gid)) < 0)
		return r;
	for (uint32_t i = 0; i < ids->ngroups; i++)
		if ((r = add_gid(map, ids->groups[i])) < 0)
			return r;
	return add_gid(map, ids->tty_gid);
}

int idmap_format_gids(const struct idmap *map, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < map->ngids; i++) {
		int n = snprintf(buf + o, size - o, "%u %u 1\n", (unsigned)map->gids[i], (unsigned)map->gids[i]);
		if (n < 0 || (size_t)n >= size - o)
			return -ENOBUFS;
		o += (size_t)n;
	}
	return (int)o;
}

int idmap_write(pid_t pid, const struct idmap *map, struct carrel_error *err)
{
	char path[64], buf[IDMAP_MAX_GIDS * 24 + 1];
	int r;

	/* One write each: the kernel accepts a map exactly once. */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(buf, sizeof(buf), "%u %u 1\n", (unsigned)map->uid, (unsigned)map->uid);
	if ((r = write_file(path, buf)) < 0)
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if ((r = idmap_format_gids(map, buf, sizeof(buf))) < 0 || (r = write_file(path, buf)) < 0)
		goto fail;
	return 0;
fail:
	carrel_error_set(err, "%s: %s", path, strerror(-r));
	return r;
}
