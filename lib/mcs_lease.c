/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The category pairs' leases: pair SLOT is DIR/SLOT (lib/slot_lease.h). */
#include "mcs.h"
#include "slot_lease.h"
#include "util.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void carrel_mcs_init(struct carrel_mcs *m)
{
	m->lock_fd = -1;
	m->slot = 0;
	m->level[0] = '\0';
}

static void slot_path(const char *dir, uint32_t slot, char *path, size_t size)
{
	snprintf(path, size, "%s/%" PRIu32, dir, slot);
}

/*
 * Start from a pair derived from the session id (ids are consecutive:
 * a multiplier spreads them), so that concurrent opens rarely meet on a
 * lock, and walk on to the next free one.  The walk is bounded by the
 * number of pairs; in practice it ends after as many steps as carrels
 * run.
 */
int carrel_mcs_take(struct carrel_mcs *m, const char *dir, const char *id)
{
	uint32_t start = (uint32_t)((strtoull(id, NULL, 10) * 2654435761ull) % CARREL_MCS_PAIRS);
	char path[256];
	unsigned x, y;
	int r;

	if (m->lock_fd >= 0)
		return -EALREADY;
	if ((r = ensure_root_dir(dir, 0700)) < 0)
		return r;
	for (uint32_t i = 0; i < CARREL_MCS_PAIRS; i++) {
		uint32_t slot = (start + i) % CARREL_MCS_PAIRS;

		slot_path(dir, slot, path, sizeof(path));
		r = slot_lease_try(path, id, &m->lock_fd);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if ((r = carrel_mcs_pair(slot, &x, &y)) < 0 ||
		    (r = carrel_mcs_level(x, y, m->level, sizeof(m->level))) < 0) {
			slot_lease_drop(path, &m->lock_fd);
			return r;
		}
		m->slot = slot;
		return 0;
	}
	return -EADDRNOTAVAIL;
}

void carrel_mcs_drop(struct carrel_mcs *m, const char *dir)
{
	char path[256];

	if (m->lock_fd >= 0) {
		slot_path(dir, m->slot, path, sizeof(path));
		slot_lease_drop(path, &m->lock_fd);
	}
	m->level[0] = '\0';
}

int carrel_mcs_release(const char *dir, const char *only_id)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    slot_lease_release_free(dirfd(d), de->d_name, only_id, NULL, 0) == 1)
			n++;
	closedir(d);
	return n;
}
