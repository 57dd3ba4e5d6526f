/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privileged mapping step: the uid/gid maps of a carrel's user
 * namespace, written from outside by the keeper (root in the parent
 * namespace).  Only the user's own ids are mapped, each to itself: the
 * uid, the primary and supplementary gids, and the tty group (for ptys).
 * Host root (uid 0, gid 0) is never mapped.
 */
#ifndef CARREL_IDMAP_H
#define CARREL_IDMAP_H

#include <sys/types.h>

#define IDMAP_MAX_GIDS 256 /* the kernel takes 340 lines */

struct idmap {
	uid_t uid;
	int ngids;
	gid_t gids[IDMAP_MAX_GIDS];
};

/* Collect USER's ids (uid, primary GID, supplementary groups, tty) into MAP,
 * validated; -EPERM for a uid or primary gid of 0, -E2BIG for too many groups. */
int idmap_collect(struct idmap *map, const char *user, uid_t uid, gid_t gid);
/* Write MAP into /proc/PID/{uid_map,gid_map}. */
int idmap_write(pid_t pid, const struct idmap *map, const char **failed);

#endif
