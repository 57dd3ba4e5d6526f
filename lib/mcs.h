/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SELinux categories per carrel (selinux_categories = per-session, after
 * sVirt): each running carrel holds one pair of MCS categories cX,cY
 * (X < Y), unique among running carrels, and its processes run at
 * s0-s0:cX,cY.  selinux/README.md ("MCS sessions") says what that protects.
 *
 * The level ("s0:cX,cY") travels from the keeper to the module and to
 * carrel-user in the reply's detail field (lib/proto.h).  The functions on
 * strings are in mcs_level.h (no dependencies: the module and the
 * set-user-ID program link them); the lease (mcs_lease.c) is the keeper's
 * and the reaper's.
 */
#ifndef CARREL_MCS_H
#define CARREL_MCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcs_level.h"
#include "rundir.h"

/* The category pairs' leases: CARREL_MCS_DIR/SLOT (lib/slot_lease.h). */
#define CARREL_MCS_DIR CARREL_RUNDIR "/mcs"

/* One carrel's pair: held (lock_fd >= 0) for its keeper's life. */
struct carrel_mcs {
	int lock_fd;
	uint32_t slot;
	char level[CARREL_MCS_LEVEL_MAX]; /* "" when the carrel has none */
};

void carrel_mcs_init(struct carrel_mcs *m);
/* Take a free pair in DIR (CARREL_MCS_DIR) for session ID, starting from
 * one derived from the id; -EADDRNOTAVAIL when every pair is taken. */
int carrel_mcs_take(struct carrel_mcs *m, const char *dir, const char *id);
/* Give the pair back (teardown). Idempotent. */
void carrel_mcs_drop(struct carrel_mcs *m, const char *dir);
/* The reaper: unlink the pair files in DIR that no keeper holds, of
 * session ONLY_ID or (NULL) of anyone. How many it released. */
int carrel_mcs_release(const char *dir, const char *only_id);

#endif
