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

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "proto_open.h"

#define IDMAP_MAX_GIDS 256 /* the kernel takes 340 lines */

struct idmap {
	uid_t uid;
	int ngids;
	gid_t gids[IDMAP_MAX_GIDS];
};

/* Collect the ids the module resolved (uid, primary gid, supplementary
 * groups, tty) into MAP, validated, without a lookup of its own: -EPERM for
 * a uid or primary gid of 0 or -1, -E2BIG for more than IDMAP_MAX_GIDS
 * groups.  Gid 0 and -1 are left out, and no gid is mapped twice. */
int idmap_collect(struct idmap *map, const struct carrel_ids *ids);
/* MAP's gid_map lines ("G G 1\n" each) into BUF: the length, or -ENOBUFS. */
int idmap_format_gids(const struct idmap *map, char *buf, size_t size);
/* Write MAP into /proc/PID/{uid_map,gid_map}; ERR names the file. */
int idmap_write(pid_t pid, const struct idmap *map, struct carrel_error *err);

#endif
